//! Request signatures: HMAC-SHA256 over who sends, when, a nonce and the body.
//!
//! Every POST from an online service to iAM Smart carries the headers `clientID`,
//! `signatureMethod`, `timestamp`, `nonce` and `signature`. The signature is the HMAC-SHA256,
//! keyed with the UTF-8 bytes of the client secret, of the plain concatenation
//!
//! ```text
//! clientID + signatureMethod + timestamp + nonce + body
//! ```
//!
//! with no separators, the timestamp as its decimal string, and the body exactly as sent (the
//! encrypted `{"content":"..."}` wrapper in encrypted mode; empty when there is none). The MAC
//! is Base64-encoded (standard alphabet, padded) and then URL-encoded, so `+`, `/` and `=`
//! travel as `%2B`, `%2F` and `%3D`.
//!
//! [`verify`] accepts both the URL-encoded and the plain Base64 form, as integrators are seen
//! to send either, and compares MACs in constant time.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::Error;

/// The only signature method iAM Smart supports, spelled as on the wire.
pub const SIGNATURE_METHOD: &str = "HmacSHA256";

/// The signed parts of a request, as they appear on the wire.
#[derive(Debug, Clone, Copy)]
pub struct SignatureInput<'a> {
    /// The `clientID` header.
    pub client_id: &'a str,
    /// The `signatureMethod` header; [`SIGNATURE_METHOD`] for a valid request.
    pub signature_method: &'a str,
    /// The `timestamp` header: milliseconds since the Unix epoch, in decimal.
    pub timestamp: &'a str,
    /// The `nonce` header.
    pub nonce: &'a str,
    /// The raw request body; empty when the request has none.
    pub body: &'a [u8],
}

/// Computes the `signature` header value: URL-encoded Base64 of the HMAC-SHA256.
pub fn sign(client_secret: &str, input: &SignatureInput<'_>) -> String {
    let mac = mac(client_secret, input).finalize().into_bytes();
    url_encode(&STANDARD.encode(mac))
}

/// Checks a presented `signature` header value, URL-encoded or plain, in constant time.
pub fn verify(
    client_secret: &str,
    input: &SignatureInput<'_>,
    signature: &str,
) -> Result<(), Error> {
    let presented = url_decode(signature)
        .and_then(|b64| STANDARD.decode(b64).ok())
        .ok_or(Error::SignatureMismatch)?;
    mac(client_secret, input).verify_slice(&presented).map_err(|_| Error::SignatureMismatch)
}

fn mac(client_secret: &str, input: &SignatureInput<'_>) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(client_secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    for part in [input.client_id, input.signature_method, input.timestamp, input.nonce] {
        mac.update(part.as_bytes());
    }
    mac.update(input.body);
    mac
}

/// URL-encodes a Base64 string: only `+`, `/` and `=` need escaping.
fn url_encode(b64: &str) -> String {
    let mut res = String::with_capacity(b64.len() + 8);
    for c in b64.chars() {
        match c {
            '+' => res.push_str("%2B"),
            '/' => res.push_str("%2F"),
            '=' => res.push_str("%3D"),
            c => res.push(c),
        }
    }
    res
}

/// Undoes [`url_encode`]; `None` for any other escape, which no valid signature contains.
fn url_decode(s: &str) -> Option<String> {
    let mut res = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(idx) = rest.find('%') {
        res.push_str(&rest[..idx]);
        let escape = rest.get(idx + 1..idx + 3)?;
        res.push(match escape.to_ascii_uppercase().as_str() {
            "2B" => '+',
            "2F" => '/',
            "3D" => '=',
            _ => return None,
        });
        rest = &rest[idx + 3..];
    }
    res.push_str(rest);
    Some(res)
}

#[cfg(test)]
mod tests;
