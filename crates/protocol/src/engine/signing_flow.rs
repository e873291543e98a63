//! Signing: hash and PDF signing for logged-in users, the signature itself, and ackResult.
//!
//! A signing `initiateRequest` passes the logged-in checks, then two signer rules: the user
//! must be an iAM Smart+ user with signing enabled (`D70004`) and `HKICHash` must be the
//! Base64 SHA-256 of the user's card number without check digit (`D70005`). The app shows
//! the identification code the e-service shows, so the user can match them. On approval the
//! persona's key, certified by the sandbox CA, signs: `hashCode` with `SHA256withRSA` or
//! `NONEwithRSA`, or `docDigest` into a detached PKCS#7 signature for the PDF. The e-service
//! then acknowledges the outcome once with ackResult (`D70006` when there is nothing to
//! acknowledge).

use base64::{Engine as _, engine::general_purpose::STANDARD};
use rand_core::CryptoRng;
use serde_json::Value;

use crate::{
    Error,
    catalogue::EndpointId,
    engine::{
        Call, Engine, Flow, Persona, SigningRequest as TaskSigning, Store, Task, TaskRequest,
        api::{self, Handled},
        fault,
        outcome::Released,
    },
    pki::{self, Signer, SignerSpec, ValidityWindow},
    scenario::Scenario,
    vocab::SigAlgo,
    wire::{PdfSigningRequest, SigningAck, SigningRequest},
};

impl<S: Store> Engine<S> {
    /// `account/signing/initiateRequest`.
    pub(crate) fn signing(
        &mut self,
        call: Call<'_>,
        body: Value,
        rng: &mut impl CryptoRng,
    ) -> Result<Handled, Error> {
        let req: SigningRequest = api::parse(body)?;
        check_digest("hashCode", &req.hash.hash_code, req.hash.sig_algo)?;
        let request = TaskRequest::hash_signing(req.hash, req.info);
        self.initiate(call, EndpointId::Signing, &req.logged_in, request, rng)
    }

    /// `account/pdfsigning/initiateRequest`.
    pub(crate) fn pdf_signing(
        &mut self,
        call: Call<'_>,
        body: Value,
        rng: &mut impl CryptoRng,
    ) -> Result<Handled, Error> {
        let req: PdfSigningRequest = api::parse(body)?;
        check_digest("docDigest", &req.pdf.doc_digest, Some(SigAlgo::NoneWithRsa))?;
        let request = TaskRequest::pdf_signing(req.pdf, req.info);
        let endpoint = EndpointId::PdfSigning;
        self.initiate(call, endpoint, &req.logged_in, request, rng)
    }

    /// `account/signing/ackResult`: records the e-service's verdict on a signing outcome,
    /// once.
    pub(crate) fn ack_result(&mut self, call: Call<'_>, body: Value) -> Result<Handled, Error> {
        let req: SigningAck = api::parse(body)?;
        call.fault(Scenario::AckFailed, Flow::Signing)?;
        let mut record = self
            .store
            .business(&call.client.client_id, &req.business_id)?
            .filter(|it| it.flow.is_signing() && it.code.is_some() && it.ack.is_none())
            .ok_or(Error::SigningAckFailed)?;
        record.ack = Some(req.signing_result);
        self.store.put_business(record)?;
        Ok(Handled::default())
    }

    /// Signs an approved signing task as `persona`, after checking the signer rules again
    /// (anonymous requests meet their signer only now).
    pub(crate) fn sign(
        &mut self,
        task: &Task,
        persona: &Persona,
        req: &TaskSigning,
        now_ms: u64,
    ) -> Result<Released, Error> {
        check_signer(persona, req.hkic_hash.as_deref(), task.scenario)?;
        let signer = self.signer(persona)?;
        match task.flow() {
            Flow::PdfSigning => signer.sign_pdf_digest(&req.digest, now_ms).map(Released::Pdf),
            _ => {
                let algo = req.sig_algo.unwrap_or(SigAlgo::Sha256WithRsa);
                signer.sign_hash(&req.digest, algo, now_ms).map(Released::Hash)
            }
        }
    }

    /// The identification code the app shows for a signing task, if it is one.
    pub(crate) fn identification_code(&self, task: &Task) -> Option<String> {
        let (TaskRequest::Signing(req) | TaskRequest::PdfSigning(req)) = &task.request else {
            return None;
        };
        if task.anonymous {
            let hkic_hash = req.hkic_hash.as_deref().unwrap_or_default();
            return Some(pki::anonymous_identification_code(
                &req.digest,
                hkic_hash,
                &task.client_id,
            ));
        }
        let persona = task.persona.as_deref()?;
        let open_id = self.open_id(&task.client_id, persona);
        Some(pki::identification_code(&req.digest, &open_id))
    }

    /// The persona's signer, issued by the sandbox CA on first use.
    fn signer(&mut self, persona: &Persona) -> Result<&Signer, Error> {
        if !self.signers.iter().any(|it| it.persona_id() == persona.id) {
            let validity = ValidityWindow {
                not_before_ms: self.config.cert_not_before_ms,
                not_after_ms: self.config.cert_not_after_ms,
            };
            let index = pki::PERSONA_IDS.iter().position(|it| *it == persona.id);
            let serial = 1000 + index.ok_or(Error::NotFound)? as u64;
            let spec = SignerSpec {
                persona_id: &persona.id,
                english_name: persona.en_name(),
                serial,
                validity,
            };
            let signer = self.ca()?.issue(&spec)?;
            self.signers.push(signer);
        }
        self.signers.iter().find(|it| it.persona_id() == persona.id).ok_or(Error::Internal)
    }
}

/// The signer rules: an iAM Smart+ user with signing enabled (`D70004`) whose card number
/// hashes to `hkic_hash`, when one is given (`D70005`).
pub(crate) fn check_signer(
    persona: &Persona,
    hkic_hash: Option<&str>,
    scenario: Option<Scenario>,
) -> Result<(), Error> {
    fault(scenario, Scenario::NotIamSmartPlus, Flow::Signing)?;
    if !persona.can_sign() {
        return Err(Error::SigningNotAllowed);
    }
    fault(scenario, Scenario::HkicMismatch, Flow::Signing)?;
    match hkic_hash {
        Some(hash) if hash != pki::hkic_hash(persona.hkic_identifier()) => {
            Err(Error::InconsistentHkic)
        }
        _ => Ok(()),
    }
}

/// Checks that a digest to sign is Base64 of something, and of exactly 32 bytes (a SHA-256
/// digest) when it is signed without hashing (`NONEwithRSA`, PDF digests) (`D20003`).
pub(crate) fn check_digest(
    field: &'static str,
    b64: &str,
    algo: Option<SigAlgo>,
) -> Result<(), Error> {
    let bytes = STANDARD.decode(b64).map_err(|_| Error::InvalidParameter(field.into()))?;
    let must_be_digest = algo == Some(SigAlgo::NoneWithRsa);
    if bytes.is_empty() || (must_be_digest && bytes.len() != 32) {
        return Err(Error::InvalidParameter(field.into()));
    }
    Ok(())
}
