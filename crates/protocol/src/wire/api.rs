//! Request bodies and response contents of the POST APIs, and the callback payloads.
//!
//! Requests are what the e-service seals into `content` (or sends in clear in plain mode).
//! Responses are what the platform puts in the envelope's `content`. Logged-in requests name
//! the user by `accessToken` and `openID`; anonymous ones name only the `businessID`, and
//! the browser's later getQR call carries `source`, `redirectURI` and `state`.

use serde::{Deserialize, Serialize};

use crate::{
    vocab::{
        EmeField, GrantType, ProfileField, Scopes, SigAlgo, SigningResult, Source, TokenType,
        UserType,
    },
    wire::PersonalData,
};

/// Body of `auth/getToken`: exchange an authorisation code for a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRequest {
    /// The single-use code from the redirect.
    pub code: String,
    /// Always `authorization_code`.
    #[serde(rename = "grantType")]
    pub grant_type: GrantType,
}

/// Content of an `auth/getToken` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The bearer token for later calls.
    #[serde(rename = "accessToken")]
    pub access_token: String,
    /// Always `Bearer`.
    #[serde(rename = "tokenType")]
    pub token_type: TokenType,
    /// Issue time, in milliseconds since the epoch.
    #[serde(rename = "issueAt")]
    pub issue_at: u64,
    /// Lifetime, in milliseconds.
    #[serde(rename = "expiresIn")]
    pub expires_in: u64,
    /// The user's tokenised id at this e-service.
    #[serde(rename = "openID")]
    pub open_id: String,
    /// When the user's verified profile last changed, in milliseconds since the epoch.
    #[serde(rename = "lastModifiedDate")]
    pub last_modified_date: u64,
    /// `sign` for an iAM Smart+ user, `default` otherwise.
    #[serde(rename = "userType")]
    pub user_type: UserType,
    /// The scopes granted.
    pub scope: Scopes,
}

/// Content of a `security/getKey` response: the content encryption key, wrapped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyResponse {
    /// Base64 of the key, RSA-encrypted with the e-service's key encryption key.
    #[serde(rename = "secretKey")]
    pub secret_key: String,
    /// Base64 of the public key that wrapped it, to pick the matching private key.
    #[serde(rename = "pubKey")]
    pub pub_key: String,
    /// Issue time, in milliseconds since the epoch.
    #[serde(rename = "issueAt")]
    pub issue_at: u64,
    /// Lifetime in milliseconds (clients should also accept an absolute expiry here).
    #[serde(rename = "expiresIn")]
    pub expires_in: u64,
}

/// The fields every logged-in `initiateRequest` starts with: which request, which user, and
/// where the result goes.
///
/// The request types hold it flattened, so on the wire these are top-level fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedIn {
    /// The e-service's unique id for this request.
    #[serde(rename = "businessID")]
    pub business_id: String,
    /// The user's token.
    #[serde(rename = "accessToken")]
    pub access_token: String,
    /// The user's tokenised id.
    #[serde(rename = "openID")]
    pub open_id: String,
    /// The user's browser or app.
    pub source: Source,
    /// Where the result is posted.
    #[serde(rename = "redirectURI")]
    pub redirect_uri: String,
    /// Echoed in the callback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

/// Body of `account/auth/profile/initiateRequest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileRequest {
    /// The request, the user and where the result goes.
    #[serde(flatten)]
    pub logged_in: LoggedIn,
    /// The fields asked for.
    #[serde(rename = "profileFields")]
    pub profile_fields: Vec<ProfileField>,
}

/// Body of `account/eme/initiateRequest`: e-ME form filling for a logged-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmeRequest {
    /// The request, the user and where the result goes.
    #[serde(flatten)]
    pub logged_in: LoggedIn,
    /// The form and the fields asked for.
    #[serde(flatten)]
    pub form: EmeForm,
}

/// What an e-ME request asks for, logged-in or anonymous: the form the data is for and the
/// fields to fill it with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmeForm {
    /// Form name shown in the app.
    #[serde(rename = "formName", default, skip_serializing_if = "Option::is_none")]
    pub form_name: Option<String>,
    /// Form number shown in the app.
    #[serde(rename = "formNum", default, skip_serializing_if = "Option::is_none")]
    pub form_num: Option<String>,
    /// Form description shown in the app.
    #[serde(rename = "formDesc", default, skip_serializing_if = "Option::is_none")]
    pub form_desc: Option<String>,
    /// The e-ME fields asked for.
    #[serde(rename = "eMEFields")]
    pub eme_fields: Vec<EmeField>,
    /// Verified profile fields asked for alongside.
    #[serde(rename = "profileFields", default, skip_serializing_if = "Option::is_none")]
    pub profile_fields: Option<Vec<ProfileField>>,
}

/// Body of `anonymous/eme/initiateRequest`: e-ME form filling without a login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnonymousEmeRequest {
    /// The e-service's unique id for this request.
    #[serde(rename = "businessID")]
    pub business_id: String,
    /// The form and the fields asked for.
    #[serde(flatten)]
    pub form: EmeForm,
}

/// Body of `account/stepup/initiateRequest`: re-authenticate a logged-in user.
///
/// It carries only the fields every logged-in request has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StepupRequest {
    /// The request, the user and where the result goes.
    pub logged_in: LoggedIn,
}

/// Body of `account/signing/initiateRequest`: sign a hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningRequest {
    /// The request, the user and where the result goes.
    #[serde(flatten)]
    pub logged_in: LoggedIn,
    /// The hash to sign, and for whom.
    #[serde(flatten)]
    pub hash: HashToSign,
    /// What the app shows, and the extra authentication asked for.
    #[serde(flatten)]
    pub info: SigningInfo,
}

/// What a hash-signing request asks to sign, logged-in or anonymous, and for whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashToSign {
    /// Base64 of the document hash to sign.
    #[serde(rename = "hashCode")]
    pub hash_code: String,
    /// How to sign; `SHA256withRSA` when absent.
    #[serde(rename = "sigAlgo", default, skip_serializing_if = "Option::is_none")]
    pub sig_algo: Option<SigAlgo>,
    /// Base64 of SHA-256 of the intended signer's identity card number.
    #[serde(rename = "HKICHash")]
    pub hkic_hash: String,
}

/// What every signing request, hash or PDF, logged-in or anonymous, carries besides the
/// digest: what the app shows the signer, and the extra authentication asked of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningInfo {
    /// Department shown in the app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Service name shown in the app.
    #[serde(rename = "serviceName")]
    pub service_name: String,
    /// Document name shown in the app.
    #[serde(rename = "documentName")]
    pub document_name: String,
    /// Extra authentication factors, as JSON text such as `{"unary":["FR"]}`.
    #[serde(rename = "stepupAuthMethod", default, skip_serializing_if = "Option::is_none")]
    pub stepup_auth_method: Option<String>,
    /// Minimum account age in hours.
    #[serde(rename = "stepupAuthPeriod", default, skip_serializing_if = "Option::is_none")]
    pub stepup_auth_period: Option<u32>,
}

/// Body of `account/pdfsigning/initiateRequest`: sign a PDF's byte-range digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PdfSigningRequest {
    /// The request, the user and where the result goes.
    #[serde(flatten)]
    pub logged_in: LoggedIn,
    /// The digest to sign, and for whom.
    #[serde(flatten)]
    pub pdf: PdfToSign,
    /// What the app shows, and the extra authentication asked for.
    #[serde(flatten)]
    pub info: SigningInfo,
}

/// What a PDF-signing request asks to sign, logged-in or anonymous, and for whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PdfToSign {
    /// Base64 of the digest of the PDF's signed byte range.
    #[serde(rename = "docDigest")]
    pub doc_digest: String,
    /// Base64 of SHA-256 of the intended signer's identity card number.
    #[serde(rename = "HKICHash", default, skip_serializing_if = "Option::is_none")]
    pub hkic_hash: Option<String>,
}

/// Body of `account/signing/ackResult`: the e-service's verdict on a signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningAck {
    /// The signing request acknowledged.
    #[serde(rename = "businessID")]
    pub business_id: String,
    /// Accepted, rejected or not received.
    #[serde(rename = "signingResult")]
    pub signing_result: SigningResult,
}

/// Body of `anonymous/signing/initiateRequest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnonymousSigningRequest {
    /// The e-service's unique id for this request.
    #[serde(rename = "businessID")]
    pub business_id: String,
    /// The hash to sign, and for whom.
    #[serde(flatten)]
    pub hash: HashToSign,
    /// What the app shows, and the extra authentication asked for.
    #[serde(flatten)]
    pub info: SigningInfo,
}

/// Body of `anonymous/pdfsigning/initiateRequest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnonymousPdfSigningRequest {
    /// The e-service's unique id for this request.
    #[serde(rename = "businessID")]
    pub business_id: String,
    /// The digest to sign, and for whom.
    #[serde(flatten)]
    pub pdf: PdfToSign,
    /// What the app shows, and the extra authentication asked for.
    #[serde(flatten)]
    pub info: SigningInfo,
}

/// Body of every anonymous `getResult`: which request, and the token from its code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultRequest {
    /// The anonymous request.
    #[serde(rename = "businessID")]
    pub business_id: String,
    /// The token obtained with the redirect's code.
    #[serde(rename = "accessToken")]
    pub access_token: String,
    /// The tokenised id obtained with it.
    #[serde(rename = "openID")]
    pub open_id: String,
}

/// Content of a logged-in `initiateRequest` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketResponse {
    /// Whether the user logged in by QR, so the app is notified by push.
    #[serde(rename = "authByQR")]
    pub auth_by_qr: bool,
    /// Opens the request in the app on the same device.
    #[serde(rename = "ticketID", default, skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<String>,
}

/// Content of an anonymous `initiateRequest` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnonymousTicket {
    /// The request, echoed.
    #[serde(rename = "businessID")]
    pub business_id: String,
    /// Passed to getQR to bind the page to this request.
    #[serde(rename = "ticketID")]
    pub ticket_id: String,
}

/// Payload of a profile or e-ME callback, and content of an anonymous e-ME result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormResult {
    /// The request answered.
    #[serde(rename = "businessID")]
    pub business_id: String,
    /// The request's `state`, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The fields the user released.
    #[serde(flatten)]
    pub data: PersonalData,
}

/// Payload of a re-authentication callback; the envelope's code carries the outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepupResult {
    /// The request answered.
    #[serde(rename = "businessID")]
    pub business_id: String,
    /// The request's `state`, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

/// Payload of a hash-signing callback, and content of an anonymous signing result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashSignature {
    /// The request answered.
    #[serde(rename = "businessID")]
    pub business_id: String,
    /// The request's `state`, echoed (callbacks only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The submitted hash, echoed.
    #[serde(rename = "hashCode")]
    pub hash_code: String,
    /// When the user signed, in milliseconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<u64>,
    /// Base64 of the signature value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Base64 of the signer's DER certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert: Option<String>,
    /// A token for a further signing request.
    #[serde(rename = "accessToken", default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
}

/// Payload of a PDF-signing callback, and content of an anonymous PDF-signing result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PdfSignature {
    /// The request answered.
    #[serde(rename = "businessID")]
    pub business_id: String,
    /// The request's `state`, echoed (callbacks only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The submitted digest, echoed.
    #[serde(rename = "docDigest")]
    pub doc_digest: String,
    /// Base64 of the detached PKCS#7 signature to embed in the PDF.
    #[serde(rename = "pdfSignature", default, skip_serializing_if = "Option::is_none")]
    pub pdf_signature: Option<String>,
    /// A token for a further signing request.
    #[serde(rename = "accessToken", default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
}
