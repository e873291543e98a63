//! Fault scenarios: named, deterministic misbehaviours a tester can ask the mock platform for.
//!
//! A scenario is selected per request (the host reads it from a header or query parameter and
//! passes it to the engine) or per client (a default in the client's settings); a per-request
//! choice wins. Each scenario makes the engine answer exactly one code, or one code per flow
//! for the user-outcome scenarios, at the point where the real platform would produce it:
//!
//! * request faults fire while a signed POST is checked (`bad-signature`, `replayed-nonce`,
//!   `server-error`) or decrypted (`expired-cek`, `decrypt-fail`, `encrypt-fail`), before the
//!   request takes effect;
//! * business faults fire in the one endpoint whose rule they break (`kek-missing` in getKey,
//!   `expired-authcode` in getToken, `token-expired`, `unknown-openid`, `insufficient-scope`,
//!   `duplicate-business-id`, `not-iamsmart-plus`, `hkic-mismatch`, `ack-failed`);
//! * user outcomes are attached to the request the user will answer (a login ticket or an app
//!   task) and decide that answer at once (`user-declined`, `user-cancelled`, `app-timeout`,
//!   `biometric-fail`, `id-card-error`) or after a delay (`slow-approval`, which still
//!   succeeds).
//!
//! A scenario that does not concern an endpoint is ignored there, so one client-wide scenario
//! can stay selected through a whole journey.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use crate::{
    Code, Error,
    engine::{Flow, Refusal},
};

/// A named fault the mock platform can be asked to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scenario {
    /// Every signed POST fails signature verification (`D20006`).
    BadSignature,
    /// Every signed POST is treated as a replay (`D20004`).
    ReplayedNonce,
    /// Every signed POST fails with an unexpected platform error (`D20000`).
    ServerError,
    /// The client's content encryption key is treated as expired (`D30002`).
    ExpiredCek,
    /// getKey finds no key encryption key for the client (`D30001`).
    KekMissing,
    /// The request's `content` cannot be decrypted (`D30004`).
    DecryptFail,
    /// The response cannot be encrypted (`D30003`); the request takes no effect.
    EncryptFail,
    /// The user declines in the app (the flow's rejection code).
    UserDeclined,
    /// The user cancels in the app (the flow's cancellation code).
    UserCancelled,
    /// The user never answers (the flow's timeout code).
    AppTimeout,
    /// The app's biometric check fails (the flow's failure code).
    BiometricFail,
    /// The user's identity card record is in error, so login fails (`D40035`).
    IdCardError,
    /// The user approves, but only after a delay; the request still succeeds (`D00000`).
    SlowApproval {
        /// How long after the request the approval happens, in milliseconds.
        delay_ms: u64,
    },
    /// getToken finds the authorisation code expired (`D40004`).
    ExpiredAuthCode,
    /// The access token is treated as expired (`D20009`).
    TokenExpired,
    /// The `openID` is treated as unknown (`D20010`).
    UnknownOpenId,
    /// The client is treated as lacking the scope the endpoint needs (`D20012`).
    InsufficientScope,
    /// The `businessID` is treated as already used (`D20011`).
    DuplicateBusinessId,
    /// The signer is treated as not an iAM Smart+ user (`D70004`).
    NotIamSmartPlus,
    /// `HKICHash` is treated as not matching the signer (`D70005`).
    HkicMismatch,
    /// ackResult fails (`D70006`).
    AckFailed,
}

impl Scenario {
    /// The delay of `slow-approval` when its name gives none: ten seconds.
    pub const DEFAULT_SLOW_APPROVAL_MS: u64 = 10_000;

    /// Every scenario, in the order a tester sees them (`slow-approval` with its default
    /// delay).
    pub const CATALOGUE: &'static [Scenario] = &[
        Scenario::BadSignature,
        Scenario::ReplayedNonce,
        Scenario::ServerError,
        Scenario::ExpiredCek,
        Scenario::KekMissing,
        Scenario::DecryptFail,
        Scenario::EncryptFail,
        Scenario::UserDeclined,
        Scenario::UserCancelled,
        Scenario::AppTimeout,
        Scenario::BiometricFail,
        Scenario::IdCardError,
        Scenario::SlowApproval { delay_ms: Scenario::DEFAULT_SLOW_APPROVAL_MS },
        Scenario::ExpiredAuthCode,
        Scenario::TokenExpired,
        Scenario::UnknownOpenId,
        Scenario::InsufficientScope,
        Scenario::DuplicateBusinessId,
        Scenario::NotIamSmartPlus,
        Scenario::HkicMismatch,
        Scenario::AckFailed,
    ];

    /// The scenario's name, as a tester selects it (`slow-approval` without its delay).
    pub const fn name(self) -> &'static str {
        match self {
            Scenario::BadSignature => "bad-signature",
            Scenario::ReplayedNonce => "replayed-nonce",
            Scenario::ServerError => "server-error",
            Scenario::ExpiredCek => "expired-cek",
            Scenario::KekMissing => "kek-missing",
            Scenario::DecryptFail => "decrypt-fail",
            Scenario::EncryptFail => "encrypt-fail",
            Scenario::UserDeclined => "user-declined",
            Scenario::UserCancelled => "user-cancelled",
            Scenario::AppTimeout => "app-timeout",
            Scenario::BiometricFail => "biometric-fail",
            Scenario::IdCardError => "id-card-error",
            Scenario::SlowApproval { .. } => "slow-approval",
            Scenario::ExpiredAuthCode => "expired-authcode",
            Scenario::TokenExpired => "token-expired",
            Scenario::UnknownOpenId => "unknown-openid",
            Scenario::InsufficientScope => "insufficient-scope",
            Scenario::DuplicateBusinessId => "duplicate-business-id",
            Scenario::NotIamSmartPlus => "not-iamsmart-plus",
            Scenario::HkicMismatch => "hkic-mismatch",
            Scenario::AckFailed => "ack-failed",
        }
    }

    /// One sentence on what the scenario does and where it fires.
    pub const fn description(self) -> &'static str {
        match self {
            Scenario::BadSignature => {
                "Every signed POST fails signature verification, as if the client secret were wrong."
            }
            Scenario::ReplayedNonce => {
                "Every signed POST is rejected as a replay, as if its nonce had been used before."
            }
            Scenario::ServerError => {
                "Every signed POST fails with the platform's unknown-exception code."
            }
            Scenario::ExpiredCek => {
                "Every request with a body finds the content encryption key expired, so the client must call getKey again."
            }
            Scenario::KekMissing => "getKey finds no key encryption key registered for the client.",
            Scenario::DecryptFail => {
                "Every request with a body fails to decrypt, as if it were sealed with the wrong key."
            }
            Scenario::EncryptFail => {
                "Every request with a body fails as if its answer could not be encrypted, without taking effect."
            }
            Scenario::UserDeclined => {
                "The user declines the login or request in the app; the flow's rejection code comes back."
            }
            Scenario::UserCancelled => {
                "The user cancels the login or request in the app; the flow's cancellation code comes back."
            }
            Scenario::AppTimeout => {
                "The user never answers; the flow's timeout code comes back at once instead of after the real wait."
            }
            Scenario::BiometricFail => {
                "The app's face or fingerprint check fails; the flow's failure code comes back."
            }
            Scenario::IdCardError => {
                "Login fails because the user's identity card record is in error."
            }
            Scenario::SlowApproval { .. } => {
                "The user approves, but only after a delay (slow-approval:<seconds>); the request still succeeds."
            }
            Scenario::ExpiredAuthCode => {
                "getToken finds the authorisation code expired, as if more than its lifetime had passed."
            }
            Scenario::TokenExpired => {
                "Every request that presents an access token finds it expired."
            }
            Scenario::UnknownOpenId => "Every request that presents an openID finds it unknown.",
            Scenario::InsufficientScope => {
                "Every request that needs a scope finds the client lacking it."
            }
            Scenario::DuplicateBusinessId => {
                "Every request that carries a businessID finds it already used."
            }
            Scenario::NotIamSmartPlus => "Signing finds the signer is not an iAM Smart+ user.",
            Scenario::HkicMismatch => {
                "Signing finds that HKICHash does not match the signer's identity card number."
            }
            Scenario::AckFailed => "ackResult fails to process the signing acknowledgement.",
        }
    }

    /// The refusal a user-outcome scenario stands for, if it is one.
    pub const fn refusal(self) -> Option<Refusal> {
        match self {
            Scenario::UserDeclined => Some(Refusal::Rejected),
            Scenario::UserCancelled => Some(Refusal::Cancelled),
            Scenario::AppTimeout => Some(Refusal::TimedOut),
            Scenario::BiometricFail => Some(Refusal::Failed),
            _ => None,
        }
    }

    /// Whether the scenario decides how the user answers (rather than how a request is
    /// checked).
    pub const fn is_user_outcome(self) -> bool {
        self.refusal().is_some()
            || matches!(self, Scenario::IdCardError | Scenario::SlowApproval { .. })
    }

    /// The code the scenario produces when it fires in a request of `flow`.
    ///
    /// Only the four refusal scenarios depend on the flow; every other scenario always
    /// produces the same code.
    pub const fn code(self, flow: Flow) -> Code {
        match self {
            Scenario::UserDeclined => flow.code(Refusal::Rejected),
            Scenario::UserCancelled => flow.code(Refusal::Cancelled),
            Scenario::AppTimeout => flow.code(Refusal::TimedOut),
            Scenario::BiometricFail => flow.code(Refusal::Failed),
            Scenario::BadSignature => Code::SignatureVerificationFailed,
            Scenario::ReplayedNonce => Code::DuplicatedRequest,
            Scenario::ServerError => Code::UnknownException,
            Scenario::ExpiredCek => Code::CekNotExist,
            Scenario::KekMissing => Code::KekNotExist,
            Scenario::DecryptFail => Code::DecryptionException,
            Scenario::EncryptFail => Code::EncryptionException,
            Scenario::IdCardError => Code::IdCardError,
            Scenario::SlowApproval { .. } => Code::Success,
            Scenario::ExpiredAuthCode => Code::AuthCodeInvalid,
            Scenario::TokenExpired => Code::AccessTokenInvalid,
            Scenario::UnknownOpenId => Code::OpenIdNotExist,
            Scenario::InsufficientScope => Code::InsufficientScope,
            Scenario::DuplicateBusinessId => Code::DuplicatedBusinessId,
            Scenario::NotIamSmartPlus => Code::SigningNotAllowed,
            Scenario::HkicMismatch => Code::InconsistentHkic,
            Scenario::AckFailed => Code::SigningAckFailed,
        }
    }

    /// Every distinct code the scenario can produce, across all flows.
    pub fn codes(self) -> Vec<Code> {
        let mut res: Vec<Code> = Flow::ALL.iter().map(|&flow| self.code(flow)).collect();
        res.sort();
        res.dedup();
        res
    }

    /// The error the engine answers when this scenario fires at a check in a request of
    /// `flow`.
    pub(crate) fn error(self, flow: Flow) -> Error {
        match self {
            Scenario::BadSignature => Error::SignatureMismatch,
            Scenario::ReplayedNonce => Error::NonceReused,
            Scenario::ExpiredCek => Error::CekNotExist,
            Scenario::KekMissing => Error::KekNotExist,
            Scenario::DecryptFail => Error::Decryption,
            Scenario::EncryptFail => Error::Encryption,
            Scenario::ExpiredAuthCode => Error::AuthCodeInvalid,
            Scenario::TokenExpired => Error::AccessTokenInvalid,
            Scenario::UnknownOpenId => Error::OpenIdNotExist,
            Scenario::InsufficientScope => Error::InsufficientScope,
            Scenario::DuplicateBusinessId => Error::DuplicatedBusinessId,
            Scenario::NotIamSmartPlus => Error::SigningNotAllowed,
            Scenario::HkicMismatch => Error::InconsistentHkic,
            Scenario::AckFailed => Error::SigningAckFailed,
            other => Error::Outcome(other.code(flow)),
        }
    }

    /// Parses a scenario name; `slow-approval` takes an optional delay in seconds, as in
    /// `slow-approval:30`.
    pub fn parse(s: &str) -> Result<Scenario, Error> {
        let invalid = || Error::InvalidParameter("scenario".into());
        if let Some(rest) = s.strip_prefix("slow-approval") {
            if rest.is_empty() {
                return Ok(Scenario::SlowApproval { delay_ms: Scenario::DEFAULT_SLOW_APPROVAL_MS });
            }
            let secs: u64 =
                rest.strip_prefix(':').and_then(|n| n.parse().ok()).ok_or_else(invalid)?;
            return Ok(Scenario::SlowApproval { delay_ms: secs.saturating_mul(1000) });
        }
        Scenario::CATALOGUE.iter().copied().find(|it| it.name() == s).ok_or_else(invalid)
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scenario::SlowApproval { delay_ms }
                if *delay_ms != Scenario::DEFAULT_SLOW_APPROVAL_MS =>
            {
                write!(f, "slow-approval:{}", delay_ms / 1000)
            }
            it => f.write_str(it.name()),
        }
    }
}

impl FromStr for Scenario {
    type Err = Error;

    fn from_str(s: &str) -> Result<Scenario, Error> {
        Scenario::parse(s)
    }
}

impl Serialize for Scenario {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Scenario {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Scenario::parse(&s).map_err(|_| de::Error::custom(format!("unknown scenario `{s}`")))
    }
}

#[cfg(test)]
mod tests;
