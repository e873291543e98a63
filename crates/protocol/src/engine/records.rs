//! Records: the state the engine keeps between calls, one type per kind of thing remembered.
//!
//! A [`Task`] is anything the simulated app can answer: a login ticket (from getQR or an
//! app-to-app launch), a logged-in request (profile, e-ME, re-authentication, signing) or an
//! anonymous request. An [`AuthCode`] is the single-use code a login or anonymous approval
//! hands to the browser; an [`AccessToken`] is what getToken exchanges it for. A
//! [`BusinessRecord`] remembers each `businessID` a client used, what became of it, the
//! result an anonymous flow's getResult returns, and a signing acknowledgement. All records
//! are plain serde data so any [`Store`](super::Store) can keep them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{
    Code,
    engine::{CLOSED_TASK_RETENTION_MS, Flow},
    scenario::Scenario,
    vocab::{EmeField, Lang, ProfileField, Scopes, SigAlgo, SigningResult, Source},
    wire::{EmeForm, HashToSign, PdfToSign, SigningInfo},
};

/// Something the simulated app can answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// The ticket ID: in deep links, QR codes and the `ticketID` the API returns.
    pub id: String,
    /// The client that asked.
    pub client_id: String,
    /// What the user is asked to do.
    pub request: TaskRequest,
    /// Whether the request came without a login (anonymous form filling or signing).
    pub anonymous: bool,
    /// The user who answers: fixed for logged-in requests, chosen in the app otherwise.
    pub persona: Option<String>,
    /// The client's `businessID`; absent for login.
    pub business_id: Option<String>,
    /// Where the answer goes: the browser redirect target or the POST callback URL.
    /// Anonymous requests get it from their getQR call.
    pub redirect_uri: Option<String>,
    /// The client's `state`, echoed back with the answer.
    pub state: Option<String>,
    /// Who started the request; anonymous requests get it from their getQR call.
    pub source: Option<Source>,
    /// The language of the pages shown.
    pub lang: Lang,
    /// Whether the user is on the device that started the request (broker page, app-to-app,
    /// or a login that was not made by scanning a QR code).
    pub same_device: bool,
    /// When the task was created, in milliseconds since the Unix epoch.
    pub created_ms: u64,
    /// When an unanswered task times out.
    pub expires_ms: u64,
    /// When a `slow-approval` scenario approves the task on its own.
    pub approve_at_ms: Option<u64>,
    /// The fault scenario that decides the user's answer, if any.
    pub scenario: Option<Scenario>,
    /// Where the task stands.
    pub status: TaskStatus,
}

/// What a task asks the user to do, with the request's own parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum TaskRequest {
    /// Log in, granting these scopes.
    Login {
        /// The scopes asked for.
        scopes: Scopes,
    },
    /// Release verified profile fields.
    Profile {
        /// The fields asked for.
        fields: Vec<ProfileField>,
    },
    /// Release e-ME (and optionally profile) fields to fill in a form.
    FormFilling {
        /// The e-ME fields asked for.
        eme_fields: Vec<EmeField>,
        /// The profile fields asked for alongside.
        profile_fields: Vec<ProfileField>,
        /// The form the data is for.
        form: FormInfo,
    },
    /// Re-authenticate.
    Reauth,
    /// Sign a hash.
    Signing(SigningRequest),
    /// Sign a PDF byte-range digest.
    PdfSigning(SigningRequest),
}

/// The form a form-filling request names, shown to the user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FormInfo {
    /// `formName`.
    pub name: Option<String>,
    /// `formNum`.
    pub num: Option<String>,
    /// `formDesc`.
    pub desc: Option<String>,
}

/// What a signing request asks to be signed, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SigningRequest {
    /// `hashCode` (hash signing) or `docDigest` (PDF signing), Base64.
    pub digest: String,
    /// `sigAlgo`; hash signing only.
    pub sig_algo: Option<SigAlgo>,
    /// `HKICHash`: Base64 SHA-256 of the signer's card number without check digit.
    pub hkic_hash: Option<String>,
    /// `department`.
    pub department: Option<String>,
    /// `serviceName`.
    pub service_name: String,
    /// `documentName`.
    pub document_name: String,
}

/// Where a task stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "status")]
pub enum TaskStatus {
    /// An anonymous request waits for the browser to open its getQR page.
    AwaitingPage,
    /// Waiting for the user to scan the QR code or open the request in the app.
    Pending,
    /// The user opened the request in the app and has not answered yet.
    Opened,
    /// The user answered (or a scenario answered for them) with this code.
    Answered {
        /// `D00000` for approval, or the flow's refusal code.
        code: Code,
        /// The browser redirect the answer produced, for login and anonymous requests.
        redirect: Option<String>,
    },
    /// Nobody answered before the task's expiry.
    Expired,
}

/// A single-use authorisation code handed to the browser after approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthCode {
    /// The code: 32 lowercase hex digits.
    pub code: String,
    /// The client it was issued to.
    pub client_id: String,
    /// The user who approved.
    pub persona: String,
    /// The scopes the token will carry.
    pub scopes: Scopes,
    /// Whether the approval happened on the device that asked (see [`Task::same_device`]).
    pub same_device: bool,
    /// The anonymous request this code unlocks, if any.
    pub business_id: Option<String>,
    /// When the code stops being accepted.
    pub expires_ms: u64,
}

/// An access token issued by getToken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessToken {
    /// The token: 32 lowercase hex digits.
    pub token: String,
    /// The client it was issued to.
    pub client_id: String,
    /// The user it stands for.
    pub persona: String,
    /// The user's tokenised ID at this client.
    pub open_id: String,
    /// The scopes granted.
    pub scopes: Scopes,
    /// Whether the login happened on the device that asked; later requests then answer
    /// `authByQR: false` with a `ticketID` for a deep link.
    pub same_device: bool,
    /// The anonymous request this token reads the result of, if any.
    pub business_id: Option<String>,
    /// When the token was issued.
    pub issued_ms: u64,
    /// When the token stops being accepted.
    pub expires_ms: u64,
}

/// What became of one `businessID` of one client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BusinessRecord {
    /// The client.
    pub client_id: String,
    /// The client's `businessID`.
    pub business_id: String,
    /// The flow the request belongs to.
    pub flow: Flow,
    /// Whether it was an anonymous request.
    pub anonymous: bool,
    /// The task the user answers.
    pub task_id: String,
    /// The user who answered, once known.
    pub persona: Option<String>,
    /// The answer's code, once answered.
    pub code: Option<Code>,
    /// The business content of a successful answer (what the callback or getResult carries).
    pub result: Option<Map<String, Value>>,
    /// The client's acknowledgement of a signature, once received.
    pub ack: Option<SigningResult>,
}

impl Task {
    /// The flow the task belongs to.
    pub fn flow(&self) -> Flow {
        self.request.flow()
    }

    /// Whether the answer goes back as a browser redirect (login and anonymous requests)
    /// rather than a POST callback.
    pub fn answers_by_redirect(&self) -> bool {
        self.anonymous || self.flow() == Flow::Login
    }

    /// Whether the task still waits for an answer.
    pub fn is_open(&self) -> bool {
        matches!(self.status, TaskStatus::AwaitingPage | TaskStatus::Pending | TaskStatus::Opened)
    }

    /// When the timer ([`Engine::poll`](crate::engine::Engine::poll)) next has something to
    /// do with the task: its delayed approval or its expiry while open; the end of its
    /// retention ([`CLOSED_TASK_RETENTION_MS`]) once closed. Stores index it.
    pub fn due_ms(&self) -> u64 {
        if !self.is_open() {
            return self.expires_ms.saturating_add(CLOSED_TASK_RETENTION_MS);
        }
        match self.approve_at_ms {
            Some(at) if self.status != TaskStatus::AwaitingPage => at.min(self.expires_ms),
            _ => self.expires_ms,
        }
    }
}

impl TaskRequest {
    /// The flow this request belongs to.
    pub fn flow(&self) -> Flow {
        match self {
            TaskRequest::Login { .. } => Flow::Login,
            TaskRequest::Profile { .. } => Flow::Profile,
            TaskRequest::FormFilling { .. } => Flow::FormFilling,
            TaskRequest::Reauth => Flow::Reauth,
            TaskRequest::Signing(_) => Flow::Signing,
            TaskRequest::PdfSigning(_) => Flow::PdfSigning,
        }
    }

    /// The form filling an e-ME request asks for, logged-in or anonymous.
    pub(crate) fn form_filling(form: EmeForm) -> TaskRequest {
        TaskRequest::FormFilling {
            eme_fields: form.eme_fields,
            profile_fields: form.profile_fields.unwrap_or_default(),
            form: FormInfo { name: form.form_name, num: form.form_num, desc: form.form_desc },
        }
    }

    /// The hash signing a signing request asks for, logged-in or anonymous.
    pub(crate) fn hash_signing(hash: HashToSign, info: SigningInfo) -> TaskRequest {
        let hkic_hash = Some(hash.hkic_hash);
        TaskRequest::Signing(SigningRequest::new(hash.hash_code, hash.sig_algo, hkic_hash, info))
    }

    /// The PDF signing a PDF-signing request asks for, logged-in or anonymous.
    pub(crate) fn pdf_signing(pdf: PdfToSign, info: SigningInfo) -> TaskRequest {
        TaskRequest::PdfSigning(SigningRequest::new(pdf.doc_digest, None, pdf.hkic_hash, info))
    }
}

impl SigningRequest {
    /// What to sign and how, with what the app shows; the step-up fields are checked with
    /// the request but not kept.
    fn new(
        digest: String,
        sig_algo: Option<SigAlgo>,
        hkic_hash: Option<String>,
        info: SigningInfo,
    ) -> SigningRequest {
        SigningRequest {
            digest,
            sig_algo,
            hkic_hash,
            department: info.department,
            service_name: info.service_name,
            document_name: info.document_name,
        }
    }
}
