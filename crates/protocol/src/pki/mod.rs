//! The sandbox PKI: a test root CA, per-persona signing certificates, and the signatures and
//! identity values the mock platform's signing and login flows return.
//!
//! Everything here is pure and deterministic. Keys are pregenerated public test keys compiled
//! in from `data/pki/` (see its README); times are arguments in milliseconds since the Unix
//! epoch; PKCS#1 v1.5 signatures need no randomness. The same arguments therefore always give
//! the same certificate and signature bytes.
//!
//! The flow for a signing request:
//!
//! 1. Once, build the CA: `let ca = SandboxCa::new(ValidityWindow { .. })?`.
//! 2. Per persona (cache the result), issue a signer:
//!    `let signer = ca.issue(&SignerSpec { persona_id, english_name, serial, validity })?`.
//!    Unknown persona ids give [`Error::NotFound`](crate::Error::NotFound).
//! 3. Before approval, check the request's `HKICHash` against [`hkic_hash`] of the persona's
//!    identifier, and show the app the [`identification_code`] (or
//!    [`anonymous_identification_code`]) the e-service shows its user.
//! 4. On approval, sign: `signer.sign_hash(hash_code, sig_algo, now_ms)?` gives the
//!    `hashCode`, `timestamp`, `signature` and `cert` of the result;
//!    `signer.sign_pdf_digest(doc_digest, now_ms)?` gives `docDigest` and `pdfSignature`.
//!    Malformed input gives [`Error::InvalidParameter`](crate::Error::InvalidParameter)
//!    naming the wire field.
//!
//! Logins use [`open_id`] to derive the persona's tokenised ID for a client.

mod cert;
mod hash;
mod ids;
mod material;
mod pdf;
mod signer;

pub use cert::{CA_COMMON_NAME, CA_SERIAL, ORGANIZATION, SandboxCa, SignerSpec, ValidityWindow};
pub use hash::{HashSignature, NoneWithRsaEncoding};
pub use ids::{
    Hkic, anonymous_identification_code, hkic_check_digit, hkic_hash, identification_code, open_id,
};
pub use material::PERSONA_IDS;
pub use pdf::PdfSignature;
pub use signer::Signer;

#[cfg(test)]
mod tests;
