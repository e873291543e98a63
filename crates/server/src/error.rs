//! The one error type of the sandbox's own routes, [`AppError`], and its JSON rendering.
//!
//! Every failure of a sandbox route answers `{"error": text}` with the status of its kind; an
//! engine refusal adds its `D`-code (`{"error": message, "code": "D…"}`). Internal failures
//! are logged once, where they are rendered, and answered with a generic text, never their
//! cause. The mock API answers refusals in its own shapes (the envelope, the getQR error
//! page), so it turns them into responses itself.
//!
//! A closure run by `Platform::call` returns `anyhow::Result`: it refuses by returning an
//! `AppError` inside the `anyhow::Error` (`Err(AppError::NotFound.into())`), which rolls the
//! call's transaction back; `From<CallError>` takes the `AppError` out again, and anything
//! else becomes [`AppError::Internal`].

use std::fmt;

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use protocol::{Code, Error};

use crate::platform::CallError;

/// A sandbox route's failure.
#[derive(Debug)]
pub enum AppError {
    /// The engine refused: 404 when what was named does not exist, 409 otherwise (the
    /// request is well formed but the task or ticket is not in a state that allows it).
    Refused(Error),
    /// 400: the request is malformed; the text says how.
    BadRequest(String),
    /// 401: the admin token is missing or wrong.
    Unauthorized,
    /// 404.
    NotFound,
    /// 409: what the request would create exists already; the text says what.
    Conflict(String),
    /// 503 with `Retry-After: 1`: starting or draining.
    Unavailable,
    /// 500: the database or the server failed; logged, never shown.
    Internal(anyhow::Error),
}

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Refused(err) if err.code() == Code::UnknownException => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            AppError::Refused(Error::NotFound) | AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Refused(_) | AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The error out of an `anyhow::Error`: the `AppError` it carries, or an internal one.
    fn from_anyhow(err: anyhow::Error) -> AppError {
        match err.downcast::<AppError>() {
            Ok(err) => err,
            Err(err) => AppError::Internal(err),
        }
    }
}

const INTERNAL_TEXT: &str = "the sandbox failed; its log says why";

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Refused(err) => write!(f, "{}: {}", err.code().as_str(), err.message()),
            AppError::BadRequest(text) | AppError::Conflict(text) => f.write_str(text),
            AppError::Unauthorized => {
                f.write_str("missing or wrong admin token (Authorization: Bearer …)")
            }
            AppError::NotFound => f.write_str("not found"),
            AppError::Unavailable => f.write_str("the sandbox is starting or shutting down"),
            AppError::Internal(err) => write!(f, "internal error: {err:#}"),
        }
    }
}

impl std::error::Error for AppError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AppError::Refused(err) => Some(err),
            AppError::Internal(err) => Some(err.as_ref()),
            _ => None,
        }
    }
}

impl From<CallError> for AppError {
    fn from(err: CallError) -> AppError {
        AppError::from_anyhow(err.0)
    }
}

impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> AppError {
        AppError::from_anyhow(err)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match &self {
            AppError::Internal(err) => {
                tracing::error!("internal error: {err:#}");
                serde_json::json!({ "error": INTERNAL_TEXT })
            }
            AppError::Refused(err) if status == StatusCode::INTERNAL_SERVER_ERROR => {
                tracing::error!("the engine failed: {err}");
                serde_json::json!({ "error": INTERNAL_TEXT, "code": err.code().as_str() })
            }
            AppError::Refused(err) => {
                serde_json::json!({ "error": err.message(), "code": err.code().as_str() })
            }
            other => serde_json::json!({ "error": other.to_string() }),
        };
        let mut res = (status, Json(body)).into_response();
        if matches!(self, AppError::Unavailable) {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_app_error_survives_a_trip_through_anyhow() {
        let err: anyhow::Error = AppError::Conflict("exists".into()).into();
        let back = AppError::from(CallError(err));
        assert!(matches!(back, AppError::Conflict(ref text) if text == "exists"), "{back:?}");
        let other = AppError::from(anyhow::anyhow!("disk full"));
        assert_eq!(other.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn refusals_are_404_for_unknown_things_and_409_otherwise() {
        assert_eq!(AppError::Refused(Error::NotFound).status(), StatusCode::NOT_FOUND);
        assert_eq!(AppError::Refused(Error::SigningAckFailed).status(), StatusCode::CONFLICT);
        assert_eq!(AppError::Refused(Error::Internal).status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
