//! A persona ready to sign: the persona's private key with its issued certificate.
//!
//! A [`Signer`] comes from [`SandboxCa::issue`](super::SandboxCa::issue). It signs document
//! hashes ([`Signer::sign_hash`], in `hash.rs`) and PDF byte-range digests
//! ([`Signer::sign_pdf_digest`], in `pdf.rs`), and exposes its certificate for the `cert`
//! field of signing results.

use std::fmt;

use base64::{Engine as _, engine::general_purpose::STANDARD};
use rsa::PrivateKey;
use x509_cert::Certificate;

/// A persona's signing key together with the certificate the sandbox CA issued for it.
pub struct Signer {
    persona_id: String,
    key: PrivateKey,
    certificate: Certificate,
    der: Vec<u8>,
}

impl Signer {
    /// The persona this signer signs for.
    pub fn persona_id(&self) -> &str {
        &self.persona_id
    }

    /// The signer's certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The signer's certificate, DER-encoded.
    pub fn certificate_der(&self) -> &[u8] {
        &self.der
    }

    /// The signer's certificate as Base64 of its DER encoding: the `cert` field of a signing
    /// result.
    pub fn certificate_base64(&self) -> String {
        STANDARD.encode(&self.der)
    }

    /// Pairs `key` with its `certificate`, whose DER encoding is `der`.
    pub(super) fn new(
        persona_id: &str,
        key: PrivateKey,
        certificate: Certificate,
        der: Vec<u8>,
    ) -> Signer {
        Signer { persona_id: persona_id.to_owned(), key, certificate, der }
    }

    pub(super) fn key(&self) -> &PrivateKey {
        &self.key
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("persona_id", &self.persona_id)
            .field("subject", &self.certificate.tbs_certificate().subject().to_string())
            .finish_non_exhaustive()
    }
}
