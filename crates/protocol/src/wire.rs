//! The wire types: every request body, response `content`, envelope and query of iAM Smart.
//!
//! A POST request carries a business object ([`ProfileRequest`], [`SigningRequest`], ...);
//! the platform answers with an [`Envelope`] whose `content` holds the matching response
//! object, and later delivers the user's answer either as a browser redirect
//! ([`RedirectQuery`]) or as a POST [`CallbackEnvelope`]. Browser logins start with a
//! [`GetQrQuery`].
//!
//! `content` is a Base64 string in encrypted mode and a JSON object in plain (pilot) mode;
//! [`Content`] models both, so one envelope type round-trips either. Sealing and opening the
//! Base64 form is the job of the content-encryption module, not of this one.
//!
//! Field names are exactly as on the wire (`businessID`, `openID`, `HKICHash`, ...), and
//! absent optional fields are skipped when serialising. Types hold already-validated values;
//! `catalogue::check_fields` turns malformed input into the right `D`-code before a body is
//! parsed into them.

mod api;
mod person;
mod query;

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de, de::DeserializeOwned};

use crate::{Code, Error};

pub use api::{
    AnonymousEmeRequest, AnonymousPdfSigningRequest, AnonymousSigningRequest, AnonymousTicket,
    EmeForm, EmeRequest, FormResult, HashSignature, HashToSign, KeyResponse, LoggedIn,
    PdfSignature, PdfSigningRequest, PdfToSign, ProfileRequest, ResultRequest, SigningAck,
    SigningInfo, SigningRequest, StepupRequest, StepupResult, TicketResponse, TokenRequest,
    TokenResponse,
};
pub use person::{
    Address, AddressDocFile, AddressDocInfo, AddressLines, Block, ChName, ChiEstate, ChiPhase,
    ChiPremisesAddress, ChiThreeD, District, EnName, EngEstate, EngPhase, EngPremisesAddress,
    EngThreeD, Floor, FreeFormatAddress, IdNo, Lot, PersonalData, PhoneNumber, PostBox,
    PostBoxAddress, Street, StructuredLot, Unit,
};
pub use query::{
    GetQrQuery, RedirectQuery, append_query, parse_query, percent_encode, query_object,
};

pub(crate) use query::parse_flag;

/// A response's transaction id: `<T=` + 32 lowercase hex digits + `>`.
///
/// Deserialisation accepts any string, since clients only echo it; [`TxId::parse`] checks
/// the format.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TxId(String);

/// The `content` of an envelope: sealed (Base64 of AES-GCM ciphertext) or clear JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Content {
    /// Encrypted mode: the Base64 text of the sealed business object.
    Sealed(String),
    /// Plain (pilot) mode: the business object itself.
    Clear(serde_json::Value),
}

/// The envelope of every API response: `{txID, code, message, content}`.
///
/// `content` is absent on most failures; `T` is [`Content`] for either mode or a concrete
/// response type for plain mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T = Content> {
    /// The transaction id, for troubleshooting.
    #[serde(rename = "txID")]
    pub tx_id: TxId,
    /// The return code; `D00000` on success.
    pub code: Code,
    /// The code's message; `SUCCESS` on success.
    pub message: String,
    /// The business result, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<T>,
}

/// The body of a POST callback from iAM Smart to the e-service.
///
/// Like [`Envelope`], plus `secretKey`: the content encryption key that sealed `content`,
/// wrapped with the e-service's key encryption key. Plain mode sends no `secretKey`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallbackEnvelope<T = Content> {
    /// The transaction id, for troubleshooting.
    #[serde(rename = "txID")]
    pub tx_id: TxId,
    /// The outcome; `D00000` when the user approved.
    pub code: Code,
    /// The code's message.
    pub message: String,
    /// The business result: `businessID`, `state` and the released data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<T>,
    /// Base64 of the content encryption key, RSA-encrypted with the e-service's key.
    #[serde(rename = "secretKey", default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,
}

/// An encrypted request body: `{"content":"<Base64>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedBody {
    /// Base64 of the sealed business object.
    pub content: String,
}

impl TxId {
    /// The transaction id whose hex digits spell `bytes`.
    pub fn from_bytes(bytes: [u8; 16]) -> TxId {
        let mut res = String::with_capacity(36);
        res.push_str("<T=");
        for byte in bytes {
            res.push(hex_digit(byte >> 4));
            res.push(hex_digit(byte & 0x0F));
        }
        res.push('>');
        TxId(res)
    }

    /// Parses a transaction id in the platform's exact format.
    pub fn parse(s: &str) -> Result<TxId, Error> {
        let hex = s
            .strip_prefix("<T=")
            .and_then(|rest| rest.strip_suffix('>'))
            .ok_or(Error::InvalidParameter("txID".into()))?;
        let well_formed = hex.len() == 32
            && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !well_formed {
            return Err(Error::InvalidParameter("txID".into()));
        }
        Ok(TxId(s.to_owned()))
    }

    /// The id as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Content {
    /// Clear content holding `value` serialised as JSON.
    pub fn clear<T: Serialize>(value: &T) -> Result<Content, Error> {
        serde_json::to_value(value)
            .map(Content::Clear)
            .map_err(|_| Error::Outcome(Code::UnknownException))
    }

    /// Reads clear content as `T`; sealed content must be opened first (`D30004`).
    pub fn to_clear<T: DeserializeOwned>(&self) -> Result<T, Error> {
        match self {
            Content::Sealed(_) => Err(Error::Decryption),
            Content::Clear(value) => {
                T::deserialize(value).map_err(|_| Error::InvalidParameter("content".into()))
            }
        }
    }

    /// Whether this is the sealed (encrypted) form.
    pub fn is_sealed(&self) -> bool {
        matches!(self, Content::Sealed(_))
    }
}

impl<T> Envelope<T> {
    /// A `D00000` envelope carrying `content`.
    pub fn success(tx_id: TxId, content: T) -> Envelope<T> {
        Envelope {
            tx_id,
            code: Code::Success,
            message: Code::Success.template().to_owned(),
            content: Some(content),
        }
    }

    /// An envelope reporting `error`, with no content.
    pub fn failure(tx_id: TxId, error: &Error) -> Envelope<T> {
        Envelope { tx_id, code: error.code(), message: error.message(), content: None }
    }

    /// Whether the code is `D00000`.
    pub fn is_success(&self) -> bool {
        self.code.is_success()
    }
}

impl<T> CallbackEnvelope<T> {
    /// A `D00000` callback carrying `content`, sealed under `secret_key` when given.
    pub fn success(tx_id: TxId, content: T, secret_key: Option<String>) -> CallbackEnvelope<T> {
        CallbackEnvelope {
            tx_id,
            code: Code::Success,
            message: Code::Success.template().to_owned(),
            content: Some(content),
            secret_key,
        }
    }

    /// A callback reporting the failed `outcome`, with content (usually just `businessID`
    /// and `state`) so the e-service can tell which request failed.
    pub fn failure(
        tx_id: TxId,
        outcome: &Error,
        content: Option<T>,
        secret_key: Option<String>,
    ) -> CallbackEnvelope<T> {
        CallbackEnvelope {
            tx_id,
            code: outcome.code(),
            message: outcome.message(),
            content,
            secret_key,
        }
    }
}

/// Codes travel as their `D`-string, e.g. `"D00000"`.
impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Code::parse(&s)
            .ok_or_else(|| de::Error::invalid_value(de::Unexpected::Str(&s), &"a D-code"))
    }
}

fn hex_digit(nibble: u8) -> char {
    char::from(b"0123456789abcdef"[usize::from(nibble & 0x0F)])
}

#[cfg(test)]
mod tests;
