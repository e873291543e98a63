//! Keys: the client's RSA key encryption key (KEK) and the AES content encryption key (CEK).
//!
//! Each online service registers a KEK, the RSA public key of its encipherment certificate.
//! The platform draws a 32-byte CEK per client, keeps reusing it until it expires (see
//! [`CekState`]), and hands it out wrapped under the KEK: getKey returns a [`KeyGrant`]
//! (`secretKey`, `pubKey`, `issueAt`, `expiresIn`), and every POST callback carries the CEK
//! it was sealed with in `secretKey`. The online service unwraps it with its private key
//! ([`KekPrivateKey::unwrap_cek`]) and uses it for [`crate::content`].
//!
//! Which RSA padding wraps the CEK is not documented, so [`Padding`] is a setting;
//! PKCS#1 v1.5 is the default because it is what a Java server's default `"RSA"` cipher
//! produces. The wrapped plaintext is the raw 32 key bytes for getKey; for the callback
//! `secretKey` it is raw bytes too by default, or the Base64 text of the key when
//! [`CekForm::Base64Text`] is chosen, since one integrator reports seeing that. Unwrapping
//! accepts both forms.
//!
//! Nothing here draws randomness: padding randomness and key generation take a
//! caller-supplied CSPRNG, and a fresh CEK is passed in as bytes.

mod cek;

use std::fmt;

use base64::{Engine as _, engine::general_purpose::STANDARD};
use rand_core::CryptoRng;
use rsa::{
    Oaep, Pkcs1v15Encrypt, PrivateKey, PublicKey,
    pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey},
    pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey},
    traits::PublicKeyParts,
};
use serde::{Deserialize, Serialize};
use sha1::Sha1;
use sha2::Sha256;
use x509_cert::{
    Certificate,
    der::{
        Decode, Encode,
        pem::{self, LineEnding},
    },
};

pub use cek::{Cek, CekState};

use crate::Error;

/// The length of a content encryption key: AES-256.
pub const CEK_LEN: usize = 32;

/// The smallest RSA modulus accepted for a KEK, in bits.
pub const MIN_KEK_BITS: usize = 1024;
/// The largest RSA modulus accepted for a KEK, in bits.
pub const MAX_KEK_BITS: usize = 4096;

/// A client's key encryption key: the RSA public key CEKs are wrapped under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kek {
    key: PublicKey,
}

/// The private half of a KEK, as an online service (or a test) holds it.
///
/// Its `Debug` output never shows the key.
#[derive(Clone)]
pub struct KekPrivateKey {
    key: PrivateKey,
}

/// The RSA padding used to wrap a CEK.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Padding {
    /// RSAES-PKCS1-v1_5, as Java's default `"RSA"` cipher produces.
    #[default]
    Pkcs1v15,
    /// RSAES-OAEP with SHA-256 for both the label hash and MGF1, empty label.
    OaepSha256,
    /// RSAES-OAEP with SHA-1 for both the label hash and MGF1, empty label (Java's
    /// `RSA/ECB/OAEPWithSHA-1AndMGF1Padding`).
    OaepSha1,
}

/// What the wrapped plaintext of a CEK is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CekForm {
    /// The 32 raw key bytes (always so for getKey).
    #[default]
    Raw,
    /// The 44 ASCII characters of the key's standard Base64.
    Base64Text,
}

/// The `content` of a getKey response: the CEK wrapped under the client's KEK.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyGrant {
    /// Base64 of the RSA-wrapped CEK.
    pub secret_key: String,
    /// Base64 of the DER SubjectPublicKeyInfo of the KEK the CEK is wrapped under.
    pub pub_key: String,
    /// When the CEK was issued, in milliseconds since the Unix epoch.
    pub issue_at: u64,
    /// The CEK's lifetime in milliseconds, counted from `issue_at` (relative, not a
    /// point in time).
    pub expires_in: u64,
}

/// Wraps a CEK under a KEK as raw key bytes; returns the Base64 `secretKey`.
///
/// Fails with [`Error::Encryption`] (`D30003`) only if the RSA operation fails, which a
/// parsed [`Kek`] (at least 1024 bits) never does for a 32- or 44-byte payload.
pub fn wrap_cek(
    kek: &Kek,
    cek: &[u8; CEK_LEN],
    padding: Padding,
    rng: &mut impl CryptoRng,
) -> Result<String, Error> {
    wrap_cek_as(kek, cek, padding, CekForm::Raw, rng)
}

/// Wraps a CEK under a KEK in the given form; returns the Base64 `secretKey`.
pub fn wrap_cek_as(
    kek: &Kek,
    cek: &[u8; CEK_LEN],
    padding: Padding,
    form: CekForm,
    rng: &mut impl CryptoRng,
) -> Result<String, Error> {
    let plaintext = match form {
        CekForm::Raw => cek.to_vec(),
        CekForm::Base64Text => STANDARD.encode(cek).into_bytes(),
    };
    let key = &kek.key;
    let wrapped = match padding {
        Padding::Pkcs1v15 => key.encrypt(rng, Pkcs1v15Encrypt, &plaintext),
        Padding::OaepSha256 => key.encrypt(rng, Oaep::<Sha256>::new(), &plaintext),
        Padding::OaepSha1 => key.encrypt(rng, Oaep::<Sha1>::new(), &plaintext),
    };
    wrapped.map(|it| STANDARD.encode(it)).map_err(|_| Error::Encryption)
}

impl Kek {
    /// Parses a KEK from PEM: `PUBLIC KEY` (SubjectPublicKeyInfo), `RSA PUBLIC KEY`
    /// (PKCS#1) or `CERTIFICATE` (X.509, whose subject key is used). Text before the first
    /// block and further blocks (a certificate chain) are ignored.
    ///
    /// Anything else, or an RSA key outside 1024–4096 bits, is [`Error::KekNotExist`].
    pub fn from_pem(text: &str) -> Result<Kek, Error> {
        let block = first_pem_block(text).ok_or(Error::KekNotExist)?;
        let (label, der) = pem::decode_vec(block.as_bytes()).map_err(|_| Error::KekNotExist)?;
        let key = match label {
            "PUBLIC KEY" => PublicKey::from_public_key_der(&der).ok(),
            "RSA PUBLIC KEY" => PublicKey::from_pkcs1_der(&der).ok(),
            "CERTIFICATE" => certificate_key(&der),
            _ => None,
        };
        key.ok_or(Error::KekNotExist).and_then(Kek::from_rsa)
    }

    /// Parses a KEK from DER: SubjectPublicKeyInfo, PKCS#1 `RSAPublicKey` or an X.509
    /// certificate, whichever fits.
    pub fn from_der(der: &[u8]) -> Result<Kek, Error> {
        let key = PublicKey::from_public_key_der(der)
            .ok()
            .or_else(|| PublicKey::from_pkcs1_der(der).ok())
            .or_else(|| certificate_key(der));
        key.ok_or(Error::KekNotExist).and_then(Kek::from_rsa)
    }

    /// Parses a KEK from PEM text, Base64 text of DER (such as a `pubKey` value) or raw
    /// DER, as uploaded.
    pub fn parse(input: &[u8]) -> Result<Kek, Error> {
        let Ok(text) = std::str::from_utf8(input) else {
            return Kek::from_der(input);
        };
        if text.contains("-----BEGIN ") {
            return Kek::from_pem(text);
        }
        let compact: String = text.split_ascii_whitespace().collect();
        match STANDARD.decode(compact) {
            Ok(der) => Kek::from_der(&der),
            Err(_) => Kek::from_der(input),
        }
    }

    /// Wraps an RSA public key; one outside 1024–4096 bits is [`Error::KekNotExist`].
    pub fn from_rsa(key: PublicKey) -> Result<Kek, Error> {
        let bits = key.n().bit_width() as usize;
        if !(MIN_KEK_BITS..=MAX_KEK_BITS).contains(&bits) {
            return Err(Error::KekNotExist);
        }
        Ok(Kek { key })
    }

    /// The DER SubjectPublicKeyInfo of the key.
    pub fn spki_der(&self) -> Vec<u8> {
        self.key
            .to_public_key_der()
            .map(|doc| doc.into_vec())
            .unwrap_or_else(|_| unreachable!("a valid RSA public key always encodes"))
    }

    /// The getKey `pubKey` value: Base64 of the DER SubjectPublicKeyInfo.
    pub fn pub_key(&self) -> String {
        STANDARD.encode(self.spki_der())
    }

    /// The key as `PUBLIC KEY` PEM.
    pub fn to_pem(&self) -> String {
        pem_string("PUBLIC KEY", &self.spki_der())
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.key.n().bit_width() as usize
    }

    /// The underlying RSA key.
    pub fn as_rsa(&self) -> &PublicKey {
        &self.key
    }
}

impl Serialize for Kek {
    /// A KEK serialises as its `PUBLIC KEY` PEM.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_pem())
    }
}

impl<'de> Deserialize<'de> for Kek {
    /// A KEK deserialises from anything [`Kek::parse`] accepts as text.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Kek, D::Error> {
        let text = String::deserialize(deserializer)?;
        Kek::parse(text.as_bytes()).map_err(serde::de::Error::custom)
    }
}

impl KekPrivateKey {
    /// Generates a key pair of `bits` bits (1024–4096) from the caller's CSPRNG.
    ///
    /// Meant for tests and for demo clients; a 2048-bit key takes a while without
    /// optimisations.
    pub fn generate(rng: &mut impl CryptoRng, bits: usize) -> Result<KekPrivateKey, Error> {
        if !(MIN_KEK_BITS..=MAX_KEK_BITS).contains(&bits) {
            return Err(Error::KekNotExist);
        }
        let key = PrivateKey::new(rng, bits).map_err(|_| Error::Internal)?;
        Ok(KekPrivateKey { key })
    }

    /// Parses a private key from PEM: `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1).
    pub fn from_pem(text: &str) -> Result<KekPrivateKey, Error> {
        let block = first_pem_block(text).ok_or(Error::KekNotExist)?;
        let (label, der) = pem::decode_vec(block.as_bytes()).map_err(|_| Error::KekNotExist)?;
        let key = match label {
            "PRIVATE KEY" => PrivateKey::from_pkcs8_der(&der).ok(),
            "RSA PRIVATE KEY" => PrivateKey::from_pkcs1_der(&der).ok(),
            _ => None,
        };
        key.map(|key| KekPrivateKey { key }).ok_or(Error::KekNotExist)
    }

    /// Parses a private key from DER, PKCS#8 or PKCS#1.
    pub fn from_der(der: &[u8]) -> Result<KekPrivateKey, Error> {
        let key =
            PrivateKey::from_pkcs8_der(der).ok().or_else(|| PrivateKey::from_pkcs1_der(der).ok());
        key.map(|key| KekPrivateKey { key }).ok_or(Error::KekNotExist)
    }

    /// The key as `PRIVATE KEY` (PKCS#8) PEM.
    pub fn to_pem(&self) -> String {
        let der = self
            .key
            .to_pkcs8_der()
            .unwrap_or_else(|_| unreachable!("a valid RSA private key always encodes"));
        pem_string("PRIVATE KEY", der.as_bytes())
    }

    /// The public half, to register as the client's KEK.
    pub fn kek(&self) -> Kek {
        Kek { key: self.key.as_public_key().clone() }
    }

    /// Unwraps a Base64 `secretKey` into the CEK.
    ///
    /// Accepts both [`CekForm`]s: 32 raw bytes, or the 44-character Base64 of the key. Bad
    /// Base64, a failed RSA decryption or a plaintext of neither form is
    /// [`Error::Decryption`] (`D30004`). PKCS#1 v1.5 decryption uses implicit rejection, so
    /// a wrong key can yield a wrong CEK instead of an error; the content decryption that
    /// follows then fails.
    pub fn unwrap_cek(&self, secret_key: &str, padding: Padding) -> Result<[u8; CEK_LEN], Error> {
        let wrapped = STANDARD.decode(secret_key).map_err(|_| Error::Decryption)?;
        let key = &self.key;
        let plaintext = match padding {
            Padding::Pkcs1v15 => key.decrypt(Pkcs1v15Encrypt, &wrapped),
            Padding::OaepSha256 => key.decrypt(Oaep::<Sha256>::new(), &wrapped),
            Padding::OaepSha1 => key.decrypt(Oaep::<Sha1>::new(), &wrapped),
        }
        .map_err(|_| Error::Decryption)?;
        cek_from_plaintext(&plaintext).ok_or(Error::Decryption)
    }

    /// The underlying RSA key.
    pub fn as_rsa(&self) -> &PrivateKey {
        &self.key
    }
}

impl fmt::Debug for KekPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KekPrivateKey")
            .field("bits", &self.key.n().bit_width())
            .finish_non_exhaustive()
    }
}

impl KeyGrant {
    /// Wraps `cek` under `kek` (raw key bytes) into a getKey response content.
    pub fn new(
        kek: &Kek,
        cek: &Cek,
        padding: Padding,
        rng: &mut impl CryptoRng,
    ) -> Result<KeyGrant, Error> {
        Ok(KeyGrant {
            secret_key: wrap_cek(kek, cek.key(), padding, rng)?,
            pub_key: kek.pub_key(),
            issue_at: cek.issue_at_ms(),
            expires_in: cek.expires_in_ms(),
        })
    }

    /// When the key expires, in milliseconds since the Unix epoch, as a client should read
    /// it: `expiresIn` values above 10^12 are taken as a point in time (one published sample
    /// looks like that), smaller ones as a lifetime after `issueAt`.
    pub fn expires_at_ms(&self) -> u64 {
        const ABSOLUTE_ABOVE: u64 = 1_000_000_000_000;
        if self.expires_in > ABSOLUTE_ABOVE {
            return self.expires_in;
        }
        self.issue_at.saturating_add(self.expires_in)
    }

    /// Unwraps the grant with the client's private key, as an online service does.
    pub fn open(&self, private_key: &KekPrivateKey, padding: Padding) -> Result<Cek, Error> {
        let key = private_key.unwrap_cek(&self.secret_key, padding)?;
        let expires_in = self.expires_at_ms().saturating_sub(self.issue_at);
        Ok(Cek::new(key, self.issue_at, expires_in))
    }
}

/// The subject public key of a DER X.509 certificate.
fn certificate_key(der: &[u8]) -> Option<PublicKey> {
    let cert = Certificate::from_der(der).ok()?;
    let spki = cert.tbs_certificate().subject_public_key_info().to_der().ok()?;
    PublicKey::from_public_key_der(&spki).ok()
}

/// The first `-----BEGIN ...-----` to `-----END ...-----` block of `text`.
fn first_pem_block(text: &str) -> Option<&str> {
    let start = text.find("-----BEGIN ")?;
    let end_marker = start + text[start..].find("-----END ")?;
    let end_line = end_marker + "-----END ".len();
    let end = end_line + text[end_line..].find("-----")? + "-----".len();
    Some(&text[start..end])
}

fn pem_string(label: &str, der: &[u8]) -> String {
    pem::encode_string(label, LineEnding::LF, der)
        .unwrap_or_else(|_| unreachable!("PEM encoding into a String cannot fail"))
}

/// Reads a CEK from an unwrapped plaintext of either [`CekForm`].
fn cek_from_plaintext(plaintext: &[u8]) -> Option<[u8; CEK_LEN]> {
    if let Ok(key) = <[u8; CEK_LEN]>::try_from(plaintext) {
        return Some(key);
    }
    let decoded = STANDARD.decode(plaintext).ok()?;
    <[u8; CEK_LEN]>::try_from(decoded.as_slice()).ok()
}

#[cfg(test)]
mod tests;
