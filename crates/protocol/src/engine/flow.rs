//! Flows: the kinds of request a user answers in the app, and the codes their outcomes carry.
//!
//! Every pending item the simulated app can act on belongs to one [`Flow`]. When the user
//! does not approve, the platform reports why with a code from the flow's own family: login
//! failures are `D4000x`, profile `D5000x`, e-ME form filling `D6000x`, signing `D7000x` and
//! re-authentication `D8000x`. [`Flow::code`] is that table.

use serde::{Deserialize, Serialize};

use crate::Code;

/// The kind of request a user answers in the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Flow {
    /// Log in (getQR, broker page or app-to-app).
    Login,
    /// Release verified profile fields.
    Profile,
    /// Release e-ME fields for form filling, logged-in or anonymous.
    FormFilling,
    /// Re-authenticate a logged-in user.
    Reauth,
    /// Sign a hash, logged-in or anonymous.
    Signing,
    /// Sign a PDF digest, logged-in or anonymous.
    PdfSigning,
}

/// How a user's answer can fall short of approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Refusal {
    /// The user backed out of the request.
    Cancelled,
    /// The user declined the request.
    Rejected,
    /// The user could not be verified, e.g. a biometric check failed.
    Failed,
    /// The user did not answer in time.
    TimedOut,
}

impl Flow {
    /// Every flow.
    pub const ALL: &'static [Flow] = &[
        Flow::Login,
        Flow::Profile,
        Flow::FormFilling,
        Flow::Reauth,
        Flow::Signing,
        Flow::PdfSigning,
    ];

    /// The code a refusal of this flow carries.
    ///
    /// Two entries have no code of their own and borrow one: a cancelled profile request is
    /// `D40000` (as the integrator code this mock follows treats it), and a cancelled
    /// re-authentication is `D80001`, the only re-authentication refusal code known.
    pub const fn code(self, refusal: Refusal) -> Code {
        match (self, refusal) {
            (Flow::Login, Refusal::Cancelled) => Code::AuthCancelled,
            (Flow::Login, Refusal::Rejected) => Code::AuthRejected,
            (Flow::Login, Refusal::Failed) => Code::AuthFailed,
            (Flow::Login, Refusal::TimedOut) => Code::AuthTimeout,
            (Flow::Profile, Refusal::Cancelled) => Code::AuthCancelled,
            (Flow::Profile, Refusal::Rejected) => Code::ProfileRejected,
            (Flow::Profile, Refusal::Failed) => Code::ProfileFailed,
            (Flow::Profile, Refusal::TimedOut) => Code::ProfileTimeout,
            (Flow::FormFilling, Refusal::Cancelled) => Code::FormFillingCancelled,
            (Flow::FormFilling, Refusal::Rejected) => Code::FormFillingRejected,
            (Flow::FormFilling, Refusal::Failed) => Code::FormFillingFailed,
            (Flow::FormFilling, Refusal::TimedOut) => Code::FormFillingTimeout,
            (Flow::Reauth, Refusal::Cancelled | Refusal::Rejected) => Code::ReauthRejected,
            (Flow::Reauth, Refusal::Failed) => Code::ReauthFailed,
            (Flow::Reauth, Refusal::TimedOut) => Code::ReauthTimeout,
            (Flow::Signing | Flow::PdfSigning, Refusal::Cancelled) => Code::SigningCancelled,
            (Flow::Signing | Flow::PdfSigning, Refusal::Rejected) => Code::SigningRejected,
            (Flow::Signing | Flow::PdfSigning, Refusal::Failed) => Code::SigningFailed,
            (Flow::Signing | Flow::PdfSigning, Refusal::TimedOut) => Code::SigningTimeout,
        }
    }

    /// The host of the testing app's deep link that opens a request of this flow, as in
    /// `hk.gov.iamsmart.testapp://<host>?ticketID=…`.
    pub const fn deep_link_host(self) -> &'static str {
        match self {
            Flow::Login => "auth",
            Flow::Profile => "profile",
            Flow::FormFilling => "eme",
            Flow::Reauth => "re-auth",
            Flow::Signing => "hash-sign",
            Flow::PdfSigning => "pdf-sign",
        }
    }

    /// Whether the flow produces a signature and so needs an iAM Smart+ signer.
    pub const fn is_signing(self) -> bool {
        matches!(self, Flow::Signing | Flow::PdfSigning)
    }
}
