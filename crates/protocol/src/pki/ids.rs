//! Identity values derived from hashes: identification codes, `HKICHash`, HKIC check digits
//! and tokenised IDs (`openID`).
//!
//! * The 4-digit identification code lets a user check, before approving a signing request in
//!   the app, that it is the one the e-service shows. Both sides compute it from the request:
//!   hash the inputs, hash the concatenation with SHA-512, hash that with MD5, and take the
//!   high nibble of bytes 0, 4, 8 and 12, each modulo 10.
//! * `HKICHash` is Base64 of the SHA-256 of the HKIC identifier without its check digit
//!   (`A123456`); the platform compares it with the signer's HKIC.
//! * The HKIC check digit is the standard modulo-11 checksum over a right-aligned, eight-place
//!   identifier (a one-letter prefix is padded with a space worth 36; letters are worth 10 to
//!   35; weights run from 9 down to 2); a checksum of 10 is written `A`.
//! * The tokenised ID is the URL-encoded Base64 of HMAC-SHA256 keyed with the platform's
//!   secret over `clientID` followed by the persona id: stable for one e-service and person,
//!   different across e-services.

use std::fmt;

use base64::{Engine as _, engine::general_purpose::STANDARD};
use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;
use sha2::{Digest, Sha256, Sha512};

use crate::Error;

/// An HKIC number: the identifier (`A123456`) and its check digit (`3`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hkic {
    identification: String,
    check_digit: char,
}

impl Hkic {
    /// Parses the printed form `A123456(3)` and checks the check digit.
    ///
    /// Fails with [`Error::InvalidParameter`] naming `idNo` when the form is wrong or the
    /// check digit does not match.
    pub fn parse(s: &str) -> Result<Hkic, Error> {
        let (identification, check_digit) = s
            .strip_suffix(')')
            .and_then(|rest| rest.split_once('('))
            .filter(|(_, digit)| digit.len() == 1)
            .ok_or_else(invalid_hkic)?;
        let hkic = Hkic::from_identification(identification)?;
        if !check_digit.starts_with(hkic.check_digit) {
            return Err(invalid_hkic());
        }
        Ok(hkic)
    }

    /// Builds an HKIC from its identifier (`A123456`), computing the check digit.
    pub fn from_identification(identification: &str) -> Result<Hkic, Error> {
        let check_digit = hkic_check_digit(identification)?;
        Ok(Hkic { identification: identification.to_owned(), check_digit })
    }

    /// The identifier without check digit, e.g. `A123456`: the `Identification` of `idNo`.
    pub fn identification(&self) -> &str {
        &self.identification
    }

    /// The check digit, `0`-`9` or `A`: the `CheckDigit` of `idNo`.
    pub fn check_digit(&self) -> char {
        self.check_digit
    }

    /// The `HKICHash` of this HKIC.
    pub fn hash(&self) -> String {
        hkic_hash(&self.identification)
    }
}

impl fmt::Display for Hkic {
    /// The printed form, e.g. `A123456(3)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.identification, self.check_digit)
    }
}

/// The identification code shown for a logged-in signing request.
///
/// `hash_code` is the request's `hashCode` (or `docDigest` for PDF signing) and `open_id` the
/// signer's tokenised ID, each exactly as sent on the wire; both are hashed as UTF-8 text.
pub fn identification_code(hash_code: &str, open_id: &str) -> String {
    code_from_parts(&[hash_code, open_id])
}

/// The identification code shown for an anonymous signing request, which has no `openID`.
///
/// The inputs are the request's `hashCode` (or `docDigest`), its `HKICHash` and the
/// e-service's `clientID`, each exactly as sent and hashed as UTF-8 text like the logged-in
/// variant's inputs.
pub fn anonymous_identification_code(hash_code: &str, hkic_hash: &str, client_id: &str) -> String {
    code_from_parts(&[hash_code, hkic_hash, client_id])
}

/// `HKICHash`: Base64 of SHA-256 of the HKIC identifier without check digit (`A123456`).
pub fn hkic_hash(identification: &str) -> String {
    STANDARD.encode(Sha256::digest(identification.as_bytes()))
}

/// The check digit of an HKIC identifier such as `A123456` or `XA123456`.
///
/// Fails with [`Error::InvalidParameter`] naming `idNo` unless the identifier is one or two
/// uppercase ASCII letters followed by six digits.
pub fn hkic_check_digit(identification: &str) -> Result<char, Error> {
    let bytes = identification.as_bytes();
    let letters = bytes.len().checked_sub(6).ok_or_else(invalid_hkic)?;
    let (prefix, digits) = bytes.split_at(letters);
    if !(1..=2).contains(&prefix.len())
        || !prefix.iter().all(u8::is_ascii_uppercase)
        || !digits.iter().all(u8::is_ascii_digit)
    {
        return Err(invalid_hkic());
    }
    let padded = (prefix.len() == 1).then_some(SPACE_VALUE);
    let values = padded
        .into_iter()
        .chain(prefix.iter().map(|b| u32::from(b - b'A') + 10))
        .chain(digits.iter().map(|b| u32::from(b - b'0')));
    let sum: u32 = values.zip((2..=9).rev()).map(|(value, weight)| value * weight).sum();
    Ok(match (11 - sum % 11) % 11 {
        10 => 'A',
        n => char::from(b'0' + n as u8),
    })
}

/// The tokenised ID (`openID`) of a persona at an e-service.
///
/// It is the HMAC-SHA256, keyed with `platform_secret`, of `client_id` immediately followed by
/// `persona_id` (UTF-8, no separator), Base64-encoded and then URL-encoded like the samples
/// the platform sends (`+`, `/`, `=` as `%2B`, `%2F`, `%3D`).
pub fn open_id(platform_secret: &[u8], client_id: &str, persona_id: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(platform_secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(client_id.as_bytes());
    mac.update(persona_id.as_bytes());
    url_encode(&STANDARD.encode(mac.finalize().into_bytes()))
}

/// The value of the space that pads a one-letter HKIC prefix.
const SPACE_VALUE: u32 = 36;

fn invalid_hkic() -> Error {
    Error::InvalidParameter("idNo".into())
}

/// `MD5(SHA-512(SHA-256(part_1) || ... || SHA-256(part_n)))`, reduced to four digits.
fn code_from_parts(parts: &[&str]) -> String {
    let mut outer = Sha512::new();
    for part in parts {
        outer.update(Sha256::digest(part.as_bytes()));
    }
    let digest = Md5::digest(outer.finalize());
    digest.iter().step_by(4).map(|b| char::from(b'0' + (b >> 4) % 10)).collect()
}

/// Percent-encodes the three characters of standard Base64 that are not URL-safe.
fn url_encode(b64: &str) -> String {
    b64.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D")
}

#[cfg(test)]
mod tests;
