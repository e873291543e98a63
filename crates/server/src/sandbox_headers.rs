//! The `X-Sandbox-*` request headers, as an extractor: a test's per-request choice of
//! persona, automatic answer and fault scenario.
//!
//! `X-Sandbox-Persona` names a persona, `X-Sandbox-Auto` is `approve`, `deny` or `manual`, and
//! `X-Sandbox-Scenario` names a scenario (`slow-approval:3` takes an argument). A blank or
//! unreadable value, or one that names nothing, is a 400. A handler that answers HTML extracts
//! `Result<SandboxHeaders, AppError>` and renders the refusal itself.

use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, request::Parts},
};
use protocol::{engine::AutoAnswer, scenario::Scenario};

use protocol::engine::Overrides;

use crate::error::AppError;

/// The overrides a request selects with its `X-Sandbox-*` headers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SandboxHeaders(pub Overrides);

impl<S: Send + Sync> FromRequestParts<S> for SandboxHeaders {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        SandboxHeaders::parse(&parts.headers)
    }
}

impl SandboxHeaders {
    /// Reads the `X-Sandbox-Persona`, `X-Sandbox-Auto` and `X-Sandbox-Scenario` headers.
    pub fn parse(headers: &HeaderMap) -> Result<SandboxHeaders, AppError> {
        let text = |name: &str| -> Result<Option<String>, AppError> {
            match headers.get(name) {
                None => Ok(None),
                Some(v) => match v.to_str() {
                    Ok(v) if !v.trim().is_empty() => Ok(Some(v.trim().to_owned())),
                    _ => Err(AppError::BadRequest(format!("header {name} is not readable text"))),
                },
            }
        };
        let persona = text("x-sandbox-persona")?;
        if let Some(id) = &persona
            && protocol::engine::personas::find(id).is_err()
        {
            return Err(AppError::BadRequest(format!("X-Sandbox-Persona: no persona {id:?}")));
        }
        let auto_answer = match text("x-sandbox-auto")?.as_deref() {
            None => None,
            Some("approve") => Some(AutoAnswer::Approve),
            Some("deny") => Some(AutoAnswer::Deny),
            Some("manual") => Some(AutoAnswer::Manual),
            Some(other) => {
                return Err(AppError::BadRequest(format!(
                    "X-Sandbox-Auto: {other:?} is not approve, deny or manual"
                )));
            }
        };
        let scenario = match text("x-sandbox-scenario")? {
            None => None,
            Some(name) => Some(name.parse::<Scenario>().map_err(|_| {
                AppError::BadRequest(format!("X-Sandbox-Scenario: no scenario {name:?}"))
            })?),
        };
        Ok(SandboxHeaders(Overrides { persona, auto_answer, scenario }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&'static str, &str)]) -> Result<Overrides, String> {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, value.parse().unwrap());
        }
        SandboxHeaders::parse(&headers).map(|h| h.0).map_err(|err| err.to_string())
    }

    #[test]
    fn absent_headers_select_nothing_and_blank_ones_are_refused() {
        assert_eq!(parse(&[]), Ok(Overrides::default()));
        let err = parse(&[("x-sandbox-persona", "  ")]).unwrap_err();
        assert_eq!(err, "header x-sandbox-persona is not readable text");
    }

    #[test]
    fn each_header_is_read_and_checked() {
        let overrides = parse(&[
            ("x-sandbox-persona", "chan-tai-man"),
            ("x-sandbox-auto", "deny"),
            ("x-sandbox-scenario", "user-declined"),
        ])
        .unwrap();
        assert_eq!(overrides.persona.as_deref(), Some("chan-tai-man"));
        assert_eq!(overrides.auto_answer, Some(AutoAnswer::Deny));
        assert_eq!(overrides.scenario.map(|s| s.name()), Some("user-declined"));
        let err = parse(&[("x-sandbox-persona", "nobody")]).unwrap_err();
        assert_eq!(err, "X-Sandbox-Persona: no persona \"nobody\"");
        let err = parse(&[("x-sandbox-auto", "yes")]).unwrap_err();
        assert_eq!(err, "X-Sandbox-Auto: \"yes\" is not approve, deny or manual");
        let err = parse(&[("x-sandbox-scenario", "nothing")]).unwrap_err();
        assert_eq!(err, "X-Sandbox-Scenario: no scenario \"nothing\"");
    }
}
