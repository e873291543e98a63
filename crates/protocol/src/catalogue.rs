//! The endpoint catalogue: one static table describing every iAM Smart API and callback.
//!
//! Each [`Endpoint`] row says how the API is called (method, ITE path and aliases, whether it
//! is signed and encrypted, the scope it needs, its headers), what it carries (request and
//! response fields with type, presence, limits and allowed values), samples, the callback it
//! leads to, the `D`-codes it can answer with, and how sure the reference is about it. The
//! docs pages, Try-it defaults, code samples and OpenAPI output all read this one table, and
//! [`check_fields`] validates request bodies against it, so the documentation and the mock's
//! behaviour cannot drift apart.
//!
//! Paths are kept in ITE form (`/api/v1/...`); [`find`] also resolves the pilot sandbox form
//! (`/authentication/api/v1/...`) and the known aliases. Callbacks are rows too, with the
//! e-service's `redirectURI` as their target; they never resolve through [`find`].

mod check;
mod parts;
mod samples;
mod table;

use crate::{Code, vocab::Scope};

pub use check::{CheckOptions, check_fields, check_fields_with, decode};

/// The prefix the 2020 pilot sandbox put before `/api/v1`.
pub const PILOT_PREFIX: &str = "/authentication";

/// A stable identifier of an API or callback, in catalogue order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EndpointId {
    /// `GET auth/getQR`: open the QR or broker page.
    GetQr,
    /// The browser's return to `redirectURI` with an authorisation code.
    AuthCallback,
    /// `POST auth/getToken`: exchange a code for a token and tokenised id.
    GetToken,
    /// `POST account/auth/profile/initiateRequest`.
    Profile,
    /// The POST callback with the released profile.
    ProfileCallback,
    /// `POST account/stepup/initiateRequest`.
    Stepup,
    /// The POST callback with the re-authentication outcome.
    StepupCallback,
    /// `POST account/eme/initiateRequest`.
    Eme,
    /// The POST callback with the released e-ME data.
    EmeCallback,
    /// `POST anonymous/eme/initiateRequest`.
    AnonymousEme,
    /// `POST anonymous/eme/getResult`.
    AnonymousEmeResult,
    /// `POST account/signing/initiateRequest`.
    Signing,
    /// The POST callback with the hash signature.
    SigningCallback,
    /// `POST account/signing/ackResult`.
    SigningAck,
    /// `POST account/pdfsigning/initiateRequest`.
    PdfSigning,
    /// The POST callback with the PDF signature.
    PdfSigningCallback,
    /// `POST anonymous/signing/initiateRequest`.
    AnonymousSigning,
    /// `POST anonymous/signing/getResult`.
    AnonymousSigningResult,
    /// `POST anonymous/pdfsigning/initiateRequest`.
    AnonymousPdfSigning,
    /// `POST anonymous/pdfsigning/getResult`.
    AnonymousPdfSigningResult,
    /// `POST security/getKey`.
    GetKey,
    /// `POST security/revokeKey`.
    RevokeKey,
}

/// A group of APIs, as the 2020 sandbox's API pages grouped them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// 1.1: login, token, profile.
    Authentication,
    /// 1.2: re-authentication.
    Reauthentication,
    /// 3: e-ME form pre-filling.
    FormFilling,
    /// 4: digital signing.
    Signing,
    /// Content encryption keys.
    Security,
}

/// Who calls whom, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The e-service's server calls iAM Smart.
    Api,
    /// The user's browser navigates to an iAM Smart page.
    Page,
    /// iAM Smart sends the browser back to the e-service (GET `redirectURI`).
    Redirect,
    /// iAM Smart posts a result to the e-service (POST `redirectURI`).
    Callback,
}

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
}

/// How sure the reference is about a fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Confidence {
    /// Stated in an official document or shown consistently by working code: `[C]`.
    Confirmed,
    /// Confirmed for the sister CorpID API and carried over: `[C-analog]`.
    ConfirmedAnalog,
    /// Inferred, with a production integrator's configuration as evidence: `[I-high]`.
    InferredHigh,
    /// Inferred from indirect evidence: `[I]`.
    Inferred,
    /// Not found in any source; the sandbox chose: `[U]`.
    Unknown,
}

/// A remark on an endpoint, with how sure it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Note {
    /// The confidence mark.
    pub mark: Confidence,
    /// The remark.
    pub text: &'static str,
}

/// Whether a field must be present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Presence {
    /// Always present: `M`.
    Mandatory,
    /// May be absent: `O`.
    Optional,
    /// Present in some situations, described in the field's text: `C`.
    Conditional,
}

/// The JSON type of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// A JSON string.
    String,
    /// A non-negative JSON integer (a `Long` for times in milliseconds).
    Integer,
    /// A JSON boolean; in a query string, `true` or `false` in any letter case.
    Boolean,
    /// A JSON array of strings.
    StringArray,
    /// A JSON object.
    Object,
}

/// The shape a string value must have, beyond its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Any text.
    Text,
    /// Printable ASCII.
    Ascii,
    /// ASCII letters, digits, `_` and `-` (the `state` alphabet).
    Token,
    /// Standard Base64 with padding.
    Base64,
    /// Standard Base64 of a 32-byte SHA-256 digest.
    Sha256Base64,
    /// An absolute URL: a scheme, `://`, and no spaces.
    Url,
    /// A space-delimited scope list.
    Scopes,
    /// JSON text naming step-up factors, e.g. `{"unary":["FR"]}` or `{"and":["FR","NFC"]}`.
    StepupMethod,
}

/// One request or response field, or one query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The name as spelled on the wire.
    pub name: &'static str,
    /// The JSON type.
    pub ty: FieldType,
    /// Whether it must be present.
    pub presence: Presence,
    /// The most characters a string may have.
    pub max_len: Option<usize>,
    /// The largest value an integer may have.
    pub max_value: Option<u64>,
    /// The only values allowed (for arrays: for each element); empty when unrestricted.
    pub allowed: &'static [&'static str],
    /// The shape of a string value.
    pub format: Format,
    /// What the field means, in one or two sentences.
    pub description: &'static str,
}

/// One HTTP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The name, in the case the platform documents.
    pub name: &'static str,
    /// The value's type (timestamps are integers written in decimal).
    pub ty: FieldType,
    /// Whether it must be present.
    pub presence: Presence,
    /// Whether only the pilot sandbox used it.
    pub pilot_only: bool,
    /// What it carries.
    pub description: &'static str,
}

/// One API or callback of iAM Smart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Endpoint {
    /// The stable id.
    pub id: EndpointId,
    /// The title, as the API pages show it.
    pub title: &'static str,
    /// The group it belongs to.
    pub category: Category,
    /// Who calls whom.
    pub kind: Kind,
    /// The HTTP method.
    pub method: Method,
    /// The ITE path (`/api/v1/...`), or `{redirectURI}` for redirects and callbacks.
    pub path: &'static str,
    /// Other paths that reach the same API.
    pub aliases: &'static [&'static str],
    /// How sure the reference is about the path.
    pub path_confidence: Confidence,
    /// Whether requests carry the HMAC signature headers.
    pub signed: bool,
    /// Whether `content` is encrypted outside plain (pilot) mode.
    pub encrypted: bool,
    /// The scope the client (and, for account APIs, the token) must hold.
    pub scope: Option<Scope>,
    /// The headers a request carries.
    pub headers: &'static [Header],
    /// Request fields (for callbacks: the fields of the posted `content`; for GET: the query).
    pub request: &'static [Field],
    /// The fields of the response `content`.
    pub response: &'static [Field],
    /// What the API does and when to call it.
    pub description: &'static str,
    /// A sample request: the clear business object, the query as a JSON object, or (for a
    /// callback) the whole posted envelope in plain mode.
    pub sample_request: &'static str,
    /// A sample response envelope in plain mode; `None` when the answer is not JSON.
    pub sample_response: Option<&'static str>,
    /// The redirect or callback through which the result arrives.
    pub callback: Option<EndpointId>,
    /// The codes it can answer with, in groups.
    pub codes: &'static [&'static [Code]],
    /// Remarks, with confidence marks where the reference is unsure.
    pub notes: &'static [Note],
}

/// Every endpoint, in [`EndpointId`] order.
pub fn all() -> &'static [Endpoint] {
    table::ENDPOINTS
}

/// The endpoint with id `id`.
pub fn get(id: EndpointId) -> &'static Endpoint {
    &table::ENDPOINTS[id as usize]
}

/// The endpoints of one category, in catalogue order.
pub fn in_category(category: Category) -> impl Iterator<Item = &'static Endpoint> {
    all().iter().filter(move |e| e.category == category)
}

/// The API served at `method` and `path`, under the ITE prefix, the pilot prefix or an
/// alias. A query string is ignored; redirects and callbacks never match.
pub fn find(method: Method, path: &str) -> Option<&'static Endpoint> {
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    let path = path.strip_prefix(PILOT_PREFIX).filter(|p| p.starts_with('/')).unwrap_or(path);
    all().iter().find(|e| e.is_served() && e.method == method && e.serves(path))
}

impl EndpointId {
    /// Every id, in catalogue order.
    pub const ALL: &'static [EndpointId] = &[
        EndpointId::GetQr,
        EndpointId::AuthCallback,
        EndpointId::GetToken,
        EndpointId::Profile,
        EndpointId::ProfileCallback,
        EndpointId::Stepup,
        EndpointId::StepupCallback,
        EndpointId::Eme,
        EndpointId::EmeCallback,
        EndpointId::AnonymousEme,
        EndpointId::AnonymousEmeResult,
        EndpointId::Signing,
        EndpointId::SigningCallback,
        EndpointId::SigningAck,
        EndpointId::PdfSigning,
        EndpointId::PdfSigningCallback,
        EndpointId::AnonymousSigning,
        EndpointId::AnonymousSigningResult,
        EndpointId::AnonymousPdfSigning,
        EndpointId::AnonymousPdfSigningResult,
        EndpointId::GetKey,
        EndpointId::RevokeKey,
    ];

    /// A short, stable, URL-safe name, e.g. `get-qr` or `signing-callback`.
    pub const fn as_str(self) -> &'static str {
        match self {
            EndpointId::GetQr => "get-qr",
            EndpointId::AuthCallback => "auth-callback",
            EndpointId::GetToken => "get-token",
            EndpointId::Profile => "profile",
            EndpointId::ProfileCallback => "profile-callback",
            EndpointId::Stepup => "stepup",
            EndpointId::StepupCallback => "stepup-callback",
            EndpointId::Eme => "eme",
            EndpointId::EmeCallback => "eme-callback",
            EndpointId::AnonymousEme => "anonymous-eme",
            EndpointId::AnonymousEmeResult => "anonymous-eme-result",
            EndpointId::Signing => "signing",
            EndpointId::SigningCallback => "signing-callback",
            EndpointId::SigningAck => "signing-ack",
            EndpointId::PdfSigning => "pdf-signing",
            EndpointId::PdfSigningCallback => "pdf-signing-callback",
            EndpointId::AnonymousSigning => "anonymous-signing",
            EndpointId::AnonymousSigningResult => "anonymous-signing-result",
            EndpointId::AnonymousPdfSigning => "anonymous-pdf-signing",
            EndpointId::AnonymousPdfSigningResult => "anonymous-pdf-signing-result",
            EndpointId::GetKey => "get-key",
            EndpointId::RevokeKey => "revoke-key",
        }
    }

    /// The id named `s` by [`EndpointId::as_str`].
    pub fn parse(s: &str) -> Option<EndpointId> {
        EndpointId::ALL.iter().copied().find(|id| id.as_str() == s)
    }

    /// The catalogue row of this id.
    pub fn endpoint(self) -> &'static Endpoint {
        get(self)
    }
}

impl Category {
    /// Every category, in the order the API pages list them.
    pub const ALL: &'static [Category] = &[
        Category::Authentication,
        Category::Reauthentication,
        Category::FormFilling,
        Category::Signing,
        Category::Security,
    ];

    /// The heading, numbered as in the 2020 sandbox.
    pub const fn title(self) -> &'static str {
        match self {
            Category::Authentication => "1.1 Authentication",
            Category::Reauthentication => "1.2 Re-authentication",
            Category::FormFilling => "3 Form pre-filling",
            Category::Signing => "4 Signing",
            Category::Security => "Security",
        }
    }
}

impl Method {
    /// The method as HTTP spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }

    /// Parses `GET` or `POST`, ignoring letter case.
    pub fn parse(s: &str) -> Option<Method> {
        if s.eq_ignore_ascii_case("GET") {
            Some(Method::Get)
        } else if s.eq_ignore_ascii_case("POST") {
            Some(Method::Post)
        } else {
            None
        }
    }
}

impl Confidence {
    /// The mark as the reference writes it, e.g. `[I-high]`.
    pub const fn mark(self) -> &'static str {
        match self {
            Confidence::Confirmed => "[C]",
            Confidence::ConfirmedAnalog => "[C-analog]",
            Confidence::InferredHigh => "[I-high]",
            Confidence::Inferred => "[I]",
            Confidence::Unknown => "[U]",
        }
    }
}

impl Presence {
    /// The letter used in tables: `M`, `O` or `C`.
    pub const fn letter(self) -> &'static str {
        match self {
            Presence::Mandatory => "M",
            Presence::Optional => "O",
            Presence::Conditional => "C",
        }
    }
}

impl FieldType {
    /// The type's name in the docs' tables.
    pub const fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "String",
            FieldType::Integer => "Integer",
            FieldType::Boolean => "Boolean",
            FieldType::StringArray => "String[]",
            FieldType::Object => "Object",
        }
    }
}

impl Field {
    /// A field with no limits, no value list, free text and no description.
    pub const fn new(name: &'static str, ty: FieldType, presence: Presence) -> Field {
        Field {
            name,
            ty,
            presence,
            max_len: None,
            max_value: None,
            allowed: &[],
            format: Format::Text,
            description: "",
        }
    }

    /// The same field, at most `n` characters long.
    pub const fn max_len(self, n: usize) -> Field {
        Field { max_len: Some(n), ..self }
    }

    /// The same field, at most `n` in value.
    pub const fn max_value(self, n: u64) -> Field {
        Field { max_value: Some(n), ..self }
    }

    /// The same field, restricted to `values`.
    pub const fn one_of(self, values: &'static [&'static str]) -> Field {
        Field { allowed: values, ..self }
    }

    /// The same field, with string shape `format`.
    pub const fn format(self, format: Format) -> Field {
        Field { format, ..self }
    }

    /// The same field, described by `text`.
    pub const fn doc(self, text: &'static str) -> Field {
        Field { description: text, ..self }
    }

    /// Whether the field must be present.
    pub const fn is_mandatory(&self) -> bool {
        matches!(self.presence, Presence::Mandatory)
    }
}

impl Endpoint {
    /// Whether [`find`] can reach it: APIs and pages, not redirects or callbacks.
    pub const fn is_served(&self) -> bool {
        matches!(self.kind, Kind::Api | Kind::Page)
    }

    /// Whether `path` (without the pilot prefix) is this endpoint's path or an alias.
    pub fn serves(&self, path: &str) -> bool {
        self.path == path || self.aliases.contains(&path)
    }

    /// The path under the pilot sandbox's prefix, e.g. `/authentication/api/v1/auth/getQR`.
    pub fn pilot_path(&self) -> String {
        format!("{PILOT_PREFIX}{}", self.path)
    }

    /// The redirect or callback through which this endpoint's result arrives.
    pub fn callback(&self) -> Option<&'static Endpoint> {
        self.callback.map(get)
    }

    /// Every code it can answer with, without repeats, in numeric order.
    pub fn codes(&self) -> Vec<Code> {
        let mut res: Vec<Code> =
            self.codes.iter().flat_map(|group| group.iter().copied()).collect();
        res.sort();
        res.dedup();
        res
    }

    /// Whether it can answer with `code`.
    pub fn can_return(&self, code: Code) -> bool {
        self.codes.iter().any(|group| group.contains(&code))
    }

    /// The request field named `name`.
    pub fn request_field(&self, name: &str) -> Option<&'static Field> {
        self.request.iter().find(|f| f.name == name)
    }

    /// The part of the sample that [`Endpoint::request`] describes: the posted `content` for
    /// a callback, the whole sample otherwise.
    pub fn sample_payload(&self) -> Result<serde_json::Value, serde_json::Error> {
        let sample: serde_json::Value = serde_json::from_str(self.sample_request)?;
        if self.kind != Kind::Callback {
            return Ok(sample);
        }
        Ok(sample.get("content").cloned().unwrap_or(serde_json::Value::Null))
    }
}

#[cfg(test)]
mod tests;
