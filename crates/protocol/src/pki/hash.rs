//! Hash signing (`/signing/initiateRequest`): RSA PKCS#1 v1.5 over the e-service's `hashCode`.
//!
//! The e-service hashes its document, Base64-encodes the hash as `hashCode`, and names how it
//! should be signed in `sigAlgo`. The signer decodes `hashCode` to bytes `h` and then:
//!
//! * `SHA256withRSA` (the default): signs `h` as the message, exactly as Java's
//!   `Signature.getInstance("SHA256withRSA")` fed `h` would, i.e. PKCS#1 v1.5 over
//!   `DigestInfo(SHA-256, SHA-256(h))`. The e-service verifies with the same standard call
//!   over the bytes it hashed into `hashCode`.
//! * `NONEwithRSA`: `h` must be a 32-byte SHA-256 digest, which is signed without hashing it
//!   again. By default it is wrapped in a SHA-256 `DigestInfo` before the type-1 padding
//!   ([`NoneWithRsaEncoding::DigestInfo`]), so the signature is an ordinary `SHA256withRSA`
//!   signature of the e-service's original document: the e-service verifies it with a stock
//!   `SHA256withRSA` verifier over the document, or with OpenSSL's `pkeyutl -verify -pkeyopt
//!   digest:sha256` over the digest. That the platform requires a SHA-256 digest for this
//!   algorithm is what suggests the wrapping: raw RSA would accept any length.
//!   [`NoneWithRsaEncoding::Raw`] instead pads the 32 bytes as they are, as Java's
//!   `NONEwithRSA` does, for e-services that verify that way.
//!
//! PKCS#1 v1.5 signatures are deterministic, so no randomness is needed; the sandbox keys are
//! public test keys, so the unblinded private-key operation leaks nothing worth protecting.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use rsa::Pkcs1v15Sign;
use sha2::Sha256;

use super::Signer;
use crate::{Error, vocab::SigAlgo};

/// How `NONEwithRSA` encodes the submitted digest before RSA padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoneWithRsaEncoding {
    /// Wrap the digest in a SHA-256 `DigestInfo`; the result verifies as `SHA256withRSA` over
    /// the original document. The sandbox's default.
    DigestInfo,
    /// Pad the 32 digest bytes as they are, like Java's `NONEwithRSA`.
    Raw,
}

/// The outcome of signing a hash: the fields of a successful signing result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashSignature {
    /// The submitted `hashCode`, echoed unchanged.
    pub hash_code: String,
    /// When the signature was made, in milliseconds since the Unix epoch.
    pub timestamp: u64,
    /// The signature value, Base64.
    pub signature: String,
    /// The signer's certificate, Base64 of DER.
    pub cert: String,
}

impl Signer {
    /// Signs `hash_code` (Base64, as submitted) with `sig_algo` at `now_ms`, using the
    /// default [`NoneWithRsaEncoding::DigestInfo`] for `NONEwithRSA`.
    ///
    /// Fails with [`Error::InvalidParameter`] naming `hashCode` when it is not Base64, decodes
    /// to nothing, or (for `NONEwithRSA`) is not 32 bytes long.
    pub fn sign_hash(
        &self,
        hash_code: &str,
        sig_algo: SigAlgo,
        now_ms: u64,
    ) -> Result<HashSignature, Error> {
        self.sign_hash_with(hash_code, sig_algo, NoneWithRsaEncoding::DigestInfo, now_ms)
    }

    /// Like [`Signer::sign_hash`], with an explicit encoding for `NONEwithRSA`.
    pub fn sign_hash_with(
        &self,
        hash_code: &str,
        sig_algo: SigAlgo,
        none_encoding: NoneWithRsaEncoding,
        now_ms: u64,
    ) -> Result<HashSignature, Error> {
        let hash = decode_hash_code(hash_code, sig_algo)?;
        let key = self.key();
        let signature = match (sig_algo, none_encoding) {
            (SigAlgo::Sha256WithRsa, _) => key.pkcs1v15_sign::<Sha256>(&hash),
            (SigAlgo::NoneWithRsa, NoneWithRsaEncoding::DigestInfo) => {
                key.pkcs1v15_sign_prehash::<Sha256>(&hash)
            }
            (SigAlgo::NoneWithRsa, NoneWithRsaEncoding::Raw) => {
                key.sign(Pkcs1v15Sign::new_unprefixed(), &hash)
            }
        }
        .map_err(|_| Error::Internal)?;
        Ok(HashSignature {
            hash_code: hash_code.to_owned(),
            timestamp: now_ms,
            signature: STANDARD.encode(signature),
            cert: self.certificate_base64(),
        })
    }
}

/// The length of a SHA-256 digest, which `NONEwithRSA` requires.
const SHA256_LEN: usize = 32;

fn decode_hash_code(hash_code: &str, sig_algo: SigAlgo) -> Result<Vec<u8>, Error> {
    let invalid = || Error::InvalidParameter("hashCode".into());
    let hash = STANDARD.decode(hash_code).map_err(|_| invalid())?;
    if hash.is_empty() {
        return Err(invalid());
    }
    if sig_algo == SigAlgo::NoneWithRsa && hash.len() != SHA256_LEN {
        return Err(invalid());
    }
    Ok(hash)
}
