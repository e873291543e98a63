//! Content encryption: the AES-256-GCM `content` field of requests, responses and callbacks.
//!
//! Business JSON travels encrypted under the client's content encryption key (CEK). A
//! message is sealed with a fresh 12-byte IV into the blob
//!
//! ```text
//! int32_be(12) || iv (12 bytes) || ciphertext || tag (16 bytes)
//! ```
//!
//! which is sent as standard, padded Base64. There is no associated data. [`encrypt`] and
//! [`decrypt`] work on bytes; [`open_body`] and [`seal_content`] apply the [`ContentMode`]:
//! in [`ContentMode::Encrypted`] a request body is the wrapper `{"content":"<Base64>"}` and
//! a response `content` is a Base64 string, while in [`ContentMode::Plain`] (the pilot
//! sandbox) both carry the business JSON in clear.
//!
//! Randomness stays with the caller: the IV is an argument, and must be fresh for every
//! message sealed under the same key.

use aes_gcm::{
    Aes256Gcm,
    aead::{Aead, KeyInit},
};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Error, error::Param};

/// The length of the AES-GCM IV, which is also the value of the blob's length prefix.
pub const IV_LEN: usize = 12;
/// The length of the AES-GCM authentication tag.
pub const TAG_LEN: usize = 16;
/// The name of the encrypted field, in request bodies, responses and callbacks.
pub const CONTENT: &str = "content";

/// Whether business JSON travels encrypted or in clear.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContentMode {
    /// Clear JSON, as the Cyberport pilot sandbox accepted and answered.
    Plain,
    /// AES-256-GCM under the client's CEK, as on ITE and production.
    #[default]
    Encrypted,
}

/// Seals `plaintext` under `cek` with `iv`; returns the Base64 blob.
///
/// The IV must never repeat under the same key: callers draw it from a CSPRNG.
pub fn encrypt(cek: &[u8; 32], iv: [u8; IV_LEN], plaintext: &[u8]) -> String {
    let sealed = cipher(cek)
        .encrypt(&iv.into(), plaintext)
        .unwrap_or_else(|_| unreachable!("AES-GCM seals any message shorter than 64 GiB"));
    let mut blob = Vec::with_capacity(4 + IV_LEN + sealed.len());
    blob.extend_from_slice(&(IV_LEN as u32).to_be_bytes());
    blob.extend_from_slice(&iv);
    blob.extend_from_slice(&sealed);
    STANDARD.encode(blob)
}

/// Opens a Base64 blob made by [`encrypt`] (or by a peer following the same layout).
///
/// Any failure is [`Error::Decryption`] (`D30004`): bad Base64, an IV length field other
/// than 12, a blob too short to hold IV and tag, or a failed authentication (wrong key or
/// altered data).
pub fn decrypt(cek: &[u8; 32], content_b64: &str) -> Result<Vec<u8>, Error> {
    let blob = STANDARD.decode(content_b64).map_err(|_| Error::Decryption)?;
    let (prefix, rest) = blob.split_first_chunk::<4>().ok_or(Error::Decryption)?;
    if u32::from_be_bytes(*prefix) != IV_LEN as u32 || rest.len() < IV_LEN + TAG_LEN {
        return Err(Error::Decryption);
    }
    let (iv, sealed) = rest.split_first_chunk::<IV_LEN>().ok_or(Error::Decryption)?;
    cipher(cek).decrypt(&(*iv).into(), sealed).map_err(|_| Error::Decryption)
}

/// Turns a raw request body into its business JSON object.
///
/// In encrypted mode the body must be `{"content":"<Base64>"}` and `cek` the client's
/// current key (`None` gives [`Error::CekNotExist`], `D30002`). A missing or empty
/// `content` is `D20001`/`D20002`; a body that is not a JSON object, or a `content` that is
/// not a string, is an invalid `content` (`D20003`); a blob that does not decrypt is
/// `D30004`. In plain mode the body is the business JSON itself, an empty body stands for
/// `{}`, and `cek` is ignored. In both modes business JSON that is not an object is an
/// invalid `content`.
pub fn open_body(mode: ContentMode, body: &[u8], cek: Option<&[u8; 32]>) -> Result<Value, Error> {
    match mode {
        ContentMode::Plain if body.is_empty() => Ok(Value::Object(Default::default())),
        ContentMode::Plain => parse_object(body),
        ContentMode::Encrypted => {
            let content_b64 = content_field(body)?;
            let cek = cek.ok_or(Error::CekNotExist)?;
            parse_object(&decrypt(cek, &content_b64)?)
        }
    }
}

/// Makes the `content` value of a response or callback from its business JSON.
///
/// Encrypted mode gives a Base64 string sealed under `cek` with `iv` (`None` for the key
/// gives [`Error::CekNotExist`]); plain mode gives the JSON itself and ignores key and IV.
pub fn seal_content(
    mode: ContentMode,
    content: &Value,
    cek: Option<&[u8; 32]>,
    iv: [u8; IV_LEN],
) -> Result<Value, Error> {
    match mode {
        ContentMode::Plain => Ok(content.clone()),
        ContentMode::Encrypted => {
            let cek = cek.ok_or(Error::CekNotExist)?;
            Ok(Value::String(encrypt(cek, iv, content.to_string().as_bytes())))
        }
    }
}

/// Makes the body of an encrypted request, `{"content":"<Base64>"}`, as an online service
/// sends it.
pub fn seal_body(cek: &[u8; 32], iv: [u8; IV_LEN], business: &Value) -> String {
    let content = encrypt(cek, iv, business.to_string().as_bytes());
    serde_json::json!({ CONTENT: content }).to_string()
}

/// Opens the `content` value of a response or callback, as an online service does.
///
/// The counterpart of [`seal_content`]: encrypted mode expects a Base64 string, plain mode
/// takes the value as it is.
pub fn open_content(
    mode: ContentMode,
    content: &Value,
    cek: Option<&[u8; 32]>,
) -> Result<Value, Error> {
    match mode {
        ContentMode::Plain => Ok(content.clone()),
        ContentMode::Encrypted => {
            let content_b64 = content.as_str().ok_or_else(invalid_content)?;
            let cek = cek.ok_or(Error::CekNotExist)?;
            parse_object(&decrypt(cek, content_b64)?)
        }
    }
}

fn cipher(cek: &[u8; 32]) -> Aes256Gcm {
    Aes256Gcm::new(&(*cek).into())
}

/// Extracts the Base64 string of the `{"content": ...}` wrapper; `null` counts as missing.
fn content_field(body: &[u8]) -> Result<String, Error> {
    let missing = || Error::MissingParameter(Param::Borrowed(CONTENT));
    if body.is_empty() {
        return Err(missing());
    }
    let mut wrapper: Map<String, Value> =
        serde_json::from_slice(body).map_err(|_| invalid_content())?;
    match wrapper.remove(CONTENT) {
        None | Some(Value::Null) => Err(missing()),
        Some(Value::String(content)) if content.is_empty() => {
            Err(Error::EmptyParameter(Param::Borrowed(CONTENT)))
        }
        Some(Value::String(content)) => Ok(content),
        Some(_) => Err(invalid_content()),
    }
}

/// Parses business JSON, which must be an object.
fn parse_object(json: &[u8]) -> Result<Value, Error> {
    match serde_json::from_slice(json) {
        Ok(value @ Value::Object(_)) => Ok(value),
        _ => Err(invalid_content()),
    }
}

fn invalid_content() -> Error {
    Error::InvalidParameter(Param::Borrowed(CONTENT))
}

#[cfg(test)]
mod tests;
