//! X.509 certificates of the sandbox PKI: the root CA and the personas' signing certificates.
//!
//! [`SandboxCa::new`] builds the root's self-signed certificate; [`SandboxCa::issue`] builds a
//! persona's signing certificate and returns it with the persona's key as a [`Signer`]. Both
//! are deterministic: RSA PKCS#1 v1.5 signatures involve no randomness and every varying field
//! (name, serial, validity) is an argument, so the same arguments give the same DER bytes.
//! Validity is given in milliseconds since the Unix epoch and truncated to whole seconds, the
//! resolution of X.509 time.

use std::{fmt, time::Duration};

use base64::{Engine as _, engine::general_purpose::STANDARD};
use rsa::{PrivateKey, pkcs1v15::SigningKey};
use sha2::Sha256;
use x509_cert::{
    Certificate, TbsCertificate,
    attr::AttributeTypeAndValue,
    builder::{Builder, CertificateBuilder, Result as BuildResult, profile::BuilderProfile},
    der::{
        Any, DateTime, Decode, Encode, EncodePem,
        asn1::{PrintableStringRef, Utf8StringRef},
        oid::{
            ObjectIdentifier,
            db::rfc4519::{COMMON_NAME, COUNTRY_NAME, ORGANIZATION_NAME},
        },
        pem::LineEnding,
    },
    ext::{
        Extension, ToExtension,
        pkix::{
            AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier,
        },
    },
    name::{Name, RdnSequence, RelativeDistinguishedName},
    serial_number::SerialNumber,
    spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef},
    time::{Time, Validity},
};

use super::{Signer, material};
use crate::Error;

/// The common name of the sandbox root CA.
pub const CA_COMMON_NAME: &str = "iAM Smart Sandbox Root CA";

/// The organisation named in every sandbox certificate; it says the certificate is a test one.
pub const ORGANIZATION: &str = "iAM Smart Sandbox (test only)";

/// The serial number of the root CA's self-signed certificate.
pub const CA_SERIAL: u64 = 1;

/// When a certificate is valid, in milliseconds since the Unix epoch (inclusive bounds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ValidityWindow {
    /// The first instant the certificate is valid.
    pub not_before_ms: u64,
    /// The last instant the certificate is valid.
    pub not_after_ms: u64,
}

/// What goes into a persona's signing certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignerSpec<'a> {
    /// The persona whose committed key the certificate certifies, e.g. `"chan-tai-man"`.
    pub persona_id: &'a str,
    /// The persona's English name, used as the subject's common name.
    pub english_name: &'a str,
    /// The certificate's serial number; must be positive and unique per issued certificate.
    pub serial: u64,
    /// When the certificate is valid.
    pub validity: ValidityWindow,
}

/// The sandbox root CA: its key and its self-signed certificate.
///
/// Build it once (e.g. when the mock platform starts) and issue signer certificates from it.
pub struct SandboxCa {
    key: SigningKey<Sha256>,
    certificate: Certificate,
    der: Vec<u8>,
}

impl SandboxCa {
    /// Builds the root CA with a self-signed certificate valid during `validity`.
    pub fn new(validity: ValidityWindow) -> Result<SandboxCa, Error> {
        let key = SigningKey::<Sha256>::new(material::ca_key()?);
        let profile = RootProfile { subject: name(CA_COMMON_NAME)? };
        let (certificate, der) = build(profile, CA_SERIAL, validity, key.as_ref(), &key)?;
        Ok(SandboxCa { key, certificate, der })
    }

    /// Issues a persona's signing certificate and pairs it with the persona's key.
    ///
    /// Fails with [`Error::NotFound`] for an unknown persona id and with
    /// [`Error::InvalidParameter`] for a blank name, a zero serial or an empty or inverted
    /// validity window.
    pub fn issue(&self, spec: &SignerSpec<'_>) -> Result<Signer, Error> {
        if spec.english_name.trim().is_empty() {
            return Err(Error::InvalidParameter("enName".into()));
        }
        let key = material::persona_key(spec.persona_id)?;
        let profile = SignerProfile {
            subject: name(spec.english_name)?,
            issuer: self.certificate.tbs_certificate().subject().clone(),
        };
        let (certificate, der) = build(profile, spec.serial, spec.validity, &key, &self.key)?;
        Ok(Signer::new(spec.persona_id, key, certificate, der))
    }

    /// The CA's certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The CA's certificate, DER-encoded.
    pub fn certificate_der(&self) -> &[u8] {
        &self.der
    }

    /// The CA's certificate as Base64 of its DER encoding.
    pub fn certificate_base64(&self) -> String {
        STANDARD.encode(&self.der)
    }

    /// The CA's certificate in PEM, for developers to add to a trust store.
    pub fn certificate_pem(&self) -> Result<String, Error> {
        self.certificate.to_pem(LineEnding::LF).map_err(|_| Error::Internal)
    }
}

impl fmt::Debug for SandboxCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxCa")
            .field("subject", &self.certificate.tbs_certificate().subject().to_string())
            .finish_non_exhaustive()
    }
}

/// The self-signed root: a CA that may sign certificates and CRLs.
struct RootProfile {
    subject: Name,
}

/// A persona's end-entity certificate for digital signatures with non-repudiation.
struct SignerProfile {
    subject: Name,
    issuer: Name,
}

impl BuilderProfile for RootProfile {
    fn get_issuer(&self, subject: &Name) -> Name {
        subject.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> BuildResult<Vec<Extension>> {
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        let constraints = BasicConstraints { ca: true, path_len_constraint: Some(0) };
        let usage = KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign);
        let mut res = Vec::new();
        push(&mut res, tbs, &constraints)?;
        push(&mut res, tbs, &usage)?;
        push(&mut res, tbs, &ski)?;
        Ok(res)
    }
}

impl BuilderProfile for SignerProfile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> BuildResult<Vec<Extension>> {
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(SubjectKeyIdentifier::try_from(issuer_spk)?.0),
            ..Default::default()
        };
        let constraints = BasicConstraints { ca: false, path_len_constraint: None };
        let usage = KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation);
        let mut res = Vec::new();
        push(&mut res, tbs, &constraints)?;
        push(&mut res, tbs, &usage)?;
        push(&mut res, tbs, &ski)?;
        push(&mut res, tbs, &aki)?;
        Ok(res)
    }
}

/// Appends one extension, letting the extension type choose its criticality.
fn push<'a, E>(res: &mut Vec<Extension>, tbs: &TbsCertificate, ext: &'a E) -> BuildResult<()>
where
    &'a E: ToExtension<Error = x509_cert::der::Error>,
{
    let ext = ext.to_extension(tbs.subject(), res)?;
    res.push(ext);
    Ok(())
}

/// `C=HK, O=<ORGANIZATION>, CN=<common_name>`, built attribute by attribute so that names
/// with commas or other RFC 4514 specials need no escaping.
fn name(common_name: &str) -> Result<Name, Error> {
    let country = Any::from(PrintableStringRef::new("HK").map_err(|_| Error::Internal)?);
    let organization = Any::from(Utf8StringRef::new(ORGANIZATION).map_err(|_| Error::Internal)?);
    let common =
        Utf8StringRef::new(common_name).map_err(|_| Error::InvalidParameter("enName".into()))?;
    let mut rdns = RdnSequence::default();
    for (oid, value) in
        [(COUNTRY_NAME, country), (ORGANIZATION_NAME, organization), (COMMON_NAME, common.into())]
    {
        rdns.push(rdn(oid, value)?);
    }
    let der = rdns.to_der().map_err(|_| Error::Internal)?;
    Name::from_der(&der).map_err(|_| Error::Internal)
}

/// A relative distinguished name with one attribute.
fn rdn(oid: ObjectIdentifier, value: Any) -> Result<RelativeDistinguishedName, Error> {
    RelativeDistinguishedName::try_from(vec![AttributeTypeAndValue { oid, value }])
        .map_err(|_| Error::Internal)
}

fn serial(n: u64) -> Result<SerialNumber, Error> {
    if n == 0 {
        return Err(Error::InvalidParameter("certificate serial".into()));
    }
    Ok(SerialNumber::from(n))
}

fn to_validity(window: ValidityWindow) -> Result<Validity, Error> {
    let invalid = || Error::InvalidParameter("certificate validity".into());
    if window.not_after_ms <= window.not_before_ms {
        return Err(invalid());
    }
    let not_before = time(window.not_before_ms).ok_or_else(invalid)?;
    let not_after = time(window.not_after_ms).ok_or_else(invalid)?;
    Ok(Validity::new(not_before, not_after))
}

/// An X.509 time: `UTCTime` through 2049, `GeneralizedTime` after, as RFC 5280 and RFC 5652
/// require. `None` beyond the year 9999.
pub(super) fn time(ms: u64) -> Option<Time> {
    DateTime::from_unix_duration(Duration::from_millis(ms)).ok().map(Time::from)
}

/// Builds and signs the certificate `profile` describes for `subject_key`; returns it with
/// its DER encoding.
fn build<P: BuilderProfile>(
    profile: P,
    serial_number: u64,
    validity: ValidityWindow,
    subject_key: &PrivateKey,
    issuer_key: &SigningKey<Sha256>,
) -> Result<(Certificate, Vec<u8>), Error> {
    let spki = SubjectPublicKeyInfoOwned::from_key(subject_key.as_public_key())
        .map_err(|_| Error::Internal)?;
    let builder =
        CertificateBuilder::new(profile, serial(serial_number)?, to_validity(validity)?, spki)
            .map_err(|_| Error::Internal)?;
    let certificate =
        builder.build::<_, rsa::pkcs1v15::Signature>(issuer_key).map_err(|_| Error::Internal)?;
    let der = certificate.to_der().map_err(|_| Error::Internal)?;
    Ok((certificate, der))
}
