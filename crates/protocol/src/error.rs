//! The crate's one error type: why a protocol rule rejected its input.
//!
//! Each variant is one kind of rule violation; [`Error::code`] maps it to the `D`-code the
//! real platform returns, so no caller ever matches on message strings.

use std::{borrow::Cow, fmt};

use crate::{Code, content::ContentMode};

/// A parameter or header name, as spelled on the wire.
pub type Param = Cow<'static, str>;

/// Why a protocol rule rejected its input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A mandatory parameter or header is absent (`D20001`).
    MissingParameter(Param),
    /// A mandatory parameter or header is empty (`D20002`).
    EmptyParameter(Param),
    /// A parameter has a wrong type, length, format or value (`D20003`).
    InvalidParameter(Param),
    /// The nonce was already used by this client within the replay window (`D20004`).
    NonceReused,
    /// The timestamp is older than the client's previous request (`D20004`).
    TimestampWentBackwards,
    /// `signatureMethod` is not `HmacSHA256` (`D20005`).
    UnsupportedSignatureMethod,
    /// The `signature` header is not the HMAC-SHA256 of the request under the client's secret
    /// (`D20006`).
    SignatureMismatch,
    /// `source` is not a supported value for this API (`D20007`).
    UnsupportedSource,
    /// `redirectURI` is not registered for the client (`D20008`).
    UnregisteredRedirectUri,
    /// The access token is unknown or expired (`D20009`).
    AccessTokenInvalid,
    /// The tokenised ID is unknown or not the one the access token was issued for (`D20010`).
    OpenIdNotExist,
    /// The `businessID` was already used by this client (`D20011`).
    DuplicatedBusinessId,
    /// The client or token lacks the scope the API needs (`D20012`).
    InsufficientScope,
    /// The client has no key encryption key (`D30001`).
    KekNotExist,
    /// The client has no current content encryption key (`D30002`).
    CekNotExist,
    /// Encrypting a response failed (`D30003`).
    Encryption,
    /// The request's `content` could not be decrypted (`D30004`).
    Decryption,
    /// The authorisation code is unknown, already used or expired (`D40004`).
    AuthCodeInvalid,
    /// The referenced ticket, request or result does not exist (`D20027`).
    NotFound,
    /// The user is not an iAM Smart+ user and cannot sign (`D70004`).
    SigningNotAllowed,
    /// `HKICHash` does not match the signer (`D70005`).
    InconsistentHkic,
    /// The signing acknowledgement could not be processed (`D70006`).
    SigningAckFailed,
    /// The platform failed internally, e.g. a certificate or signature could not be encoded
    /// (`D20000`).
    Internal,
    /// The host's store failed (`D20000`); the text says how, for the host's log only: the
    /// envelope carries the code's own message.
    Store(String),
    /// An outcome decided in the app or by a selected fault scenario, carried as its code
    /// (e.g. [`Code::AuthRejected`], [`Code::SigningTimeout`]).
    Outcome(Code),
    /// A body shaped for the other content mode: `error` is the rule it broke and gives the
    /// code; the message adds the client's mode and the body it expects.
    BodyOfOtherMode { error: Box<Error>, mode: ContentMode },
}

impl Error {
    /// The `D`-code the platform answers with for this error.
    pub fn code(&self) -> Code {
        match self {
            Error::MissingParameter(_) => Code::MissingParameter,
            Error::EmptyParameter(_) => Code::EmptyParameter,
            Error::InvalidParameter(_) => Code::InvalidParameter,
            Error::NonceReused | Error::TimestampWentBackwards => Code::DuplicatedRequest,
            Error::UnsupportedSignatureMethod => Code::UnsupportedSignatureMethod,
            Error::SignatureMismatch => Code::SignatureVerificationFailed,
            Error::UnsupportedSource => Code::UnsupportedSource,
            Error::UnregisteredRedirectUri => Code::InvalidRedirectUri,
            Error::AccessTokenInvalid => Code::AccessTokenInvalid,
            Error::OpenIdNotExist => Code::OpenIdNotExist,
            Error::DuplicatedBusinessId => Code::DuplicatedBusinessId,
            Error::InsufficientScope => Code::InsufficientScope,
            Error::KekNotExist => Code::KekNotExist,
            Error::CekNotExist => Code::CekNotExist,
            Error::Encryption => Code::EncryptionException,
            Error::Decryption => Code::DecryptionException,
            Error::AuthCodeInvalid => Code::AuthCodeInvalid,
            Error::NotFound => Code::NotFound,
            Error::SigningNotAllowed => Code::SigningNotAllowed,
            Error::InconsistentHkic => Code::InconsistentHkic,
            Error::SigningAckFailed => Code::SigningAckFailed,
            Error::Internal | Error::Store(_) => Code::UnknownException,
            Error::Outcome(code) => *code,
            Error::BodyOfOtherMode { error, .. } => error.code(),
        }
    }

    /// The `message` field of the error envelope.
    pub fn message(&self) -> String {
        match self {
            Error::MissingParameter(p) | Error::EmptyParameter(p) | Error::InvalidParameter(p) => {
                self.code().message_with(p)
            }
            Error::BodyOfOtherMode { error, mode: ContentMode::Plain } => format!(
                "{}: this client is in plain mode, so the body is the business JSON itself, e.g. {{\"code\":\"...\",\"grantType\":\"authorization_code\"}}, not {{\"content\":\"...\"}}",
                error.message()
            ),
            Error::BodyOfOtherMode { error, mode: ContentMode::Encrypted } => format!(
                "{}: this client is in encrypted mode, so the body is {{\"content\":\"<Base64 AES-GCM of the business JSON under the CEK from getKey>\"}}, not the business JSON itself",
                error.message()
            ),
            _ => self.code().template().to_owned(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for Error {}
