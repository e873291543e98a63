//! Who may call a route, as extractors: [`AdminToken`] for the admin API.
//!
//! A handler that names an extractor in its signature cannot run without what it proves; the
//! rejection is an [`AppError`] (503 while the platform is not serving, 401 otherwise). A
//! `Session` extractor for signed-in developers belongs beside `AdminToken`.

use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, header, request::Parts},
};
use sha2::{Digest as _, Sha256};

use crate::{AppState, SharedPlatform, error::AppError};

/// Proof that the request carries the admin token (`Authorization: Bearer <token>` or
/// `X-Admin-Token: <token>`), with the platform it may administer.
#[derive(Debug, Clone)]
pub struct AdminToken {
    pub platform: SharedPlatform,
}

impl FromRequestParts<AppState> for AdminToken {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let ready = state.ready()?;
        match presented_token(&parts.headers) {
            Some(token) if same_secret(token.trim(), ready.admin_token()) => {
                Ok(AdminToken { platform: ready.platform.clone() })
            }
            _ => Err(AppError::Unauthorized),
        }
    }
}

/// The admin token a request presents, if any.
fn presented_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .or_else(|| headers.get("x-admin-token").and_then(|v| v.to_str().ok()))
}

/// Compares two secrets without leaking where they differ: both are hashed first, so the
/// comparison also takes the same time whatever their lengths.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    let diff = a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(same_secret("a-long-token", "a-long-token"));
        assert!(!same_secret("a-long-token", "a-long-tokeN"));
        assert!(!same_secret("a-long-token", "a-long-token-and-more"));
        assert!(!same_secret("", "x"));
    }

    #[test]
    fn the_token_comes_from_either_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(presented_token(&headers), None);
        headers.insert("x-admin-token", "t1".parse().unwrap());
        assert_eq!(presented_token(&headers), Some("t1"));
        headers.insert(header::AUTHORIZATION, "Bearer t2".parse().unwrap());
        assert_eq!(presented_token(&headers), Some("t2"), "Authorization wins");
        headers.insert(header::AUTHORIZATION, "Basic t3".parse().unwrap());
        assert_eq!(presented_token(&headers), Some("t1"));
    }
}
