//! The crate's one error type.

use std::fmt;

/// Why a protocol rule rejected its input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The `signature` header is not the HMAC-SHA256 of the request under the client's secret.
    SignatureMismatch,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::SignatureMismatch => f.write_str("signature verification failed"),
        }
    }
}

impl std::error::Error for Error {}
