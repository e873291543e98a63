//! Certificates and signatures, checked through an independent path: every test parses the
//! DER output back, takes the public key out of the certificate and verifies with `rsa`'s own
//! verifying key, never with the code that signed.

use std::sync::OnceLock;

use base64::{Engine as _, engine::general_purpose::STANDARD};
use cms::{
    cert::CertificateChoices,
    content_info::ContentInfo,
    signed_data::{SignedData, SignerIdentifier},
};
use rsa::{
    Pkcs1v15Sign, PublicKey,
    pkcs1v15::{Signature, VerifyingKey},
    signature::{Verifier, hazmat::PrehashVerifier},
    traits::PublicKeyParts,
};
use sha2::{Digest, Sha256};
use x509_cert::{
    Certificate, Version,
    der::{
        Decode, Encode,
        asn1::{ObjectIdentifier, OctetString},
        oid::db::{
            rfc5911::{
                ID_AA_SIGNING_CERTIFICATE_V_2, ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST,
                ID_SIGNED_DATA, ID_SIGNING_TIME,
            },
            rfc5912::{ID_SHA_256, RSA_ENCRYPTION, SHA_256_WITH_RSA_ENCRYPTION},
        },
        referenced::OwnedToRef,
    },
    ext::pkix::{
        AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier,
    },
    serial_number::SerialNumber,
    time::Time,
};

use super::*;
use crate::{Error, vocab::SigAlgo};

/// 2026-01-01T00:00:00Z to 2030-01-01T00:00:00Z.
const VALIDITY: ValidityWindow =
    ValidityWindow { not_before_ms: 1_767_225_600_000, not_after_ms: 1_893_456_000_000 };

/// 2026-03-04T05:06:07.890Z.
const NOW_MS: u64 = 1_772_600_767_890;

const SPEC: SignerSpec<'static> = SignerSpec {
    persona_id: "chan-tai-man",
    english_name: "CHAN, Tai Man",
    serial: 0x1001,
    validity: VALIDITY,
};

fn ca() -> &'static SandboxCa {
    static CA: OnceLock<SandboxCa> = OnceLock::new();
    CA.get_or_init(|| SandboxCa::new(VALIDITY).unwrap())
}

fn signer() -> &'static Signer {
    static SIGNER: OnceLock<Signer> = OnceLock::new();
    SIGNER.get_or_init(|| ca().issue(&SPEC).unwrap())
}

fn parse(der: &[u8]) -> Certificate {
    Certificate::from_der(der).unwrap()
}

fn public_key(cert: &Certificate) -> PublicKey {
    PublicKey::try_from(cert.tbs_certificate().subject_public_key_info().owned_to_ref()).unwrap()
}

fn verifying_key(cert: &Certificate) -> VerifyingKey<Sha256> {
    VerifyingKey::new(public_key(cert))
}

fn signature(b64: &str) -> Signature {
    Signature::try_from(STANDARD.decode(b64).unwrap().as_slice()).unwrap()
}

fn common_name(cert: &Certificate) -> String {
    String::from(cert.tbs_certificate().subject().common_name().unwrap().unwrap())
}

/// Checks that `issuer` signed `cert` with SHA256withRSA.
#[track_caller]
fn assert_issued_by(cert: &Certificate, issuer: &Certificate) {
    assert_eq!(cert.signature_algorithm().oid, SHA_256_WITH_RSA_ENCRYPTION);
    let tbs = cert.tbs_certificate().to_der().unwrap();
    let sig = Signature::try_from(cert.signature().raw_bytes()).unwrap();
    verifying_key(issuer).verify(&tbs, &sig).unwrap();
}

fn key_usage(cert: &Certificate) -> (bool, KeyUsage) {
    cert.tbs_certificate().get_extension::<KeyUsage>().unwrap().unwrap()
}

#[test]
fn ca_certificate_is_a_self_signed_root() {
    let cert = parse(ca().certificate_der());
    let tbs = cert.tbs_certificate();
    assert_eq!(tbs.version(), Version::V3);
    assert_eq!(tbs.subject(), tbs.issuer());
    assert_eq!(common_name(&cert), CA_COMMON_NAME);
    assert_eq!(String::from(tbs.subject().organization().unwrap().unwrap()), ORGANIZATION);
    assert_eq!(tbs.subject().country().unwrap().unwrap().as_str(), "HK");
    assert_eq!(tbs.serial_number(), &SerialNumber::from(CA_SERIAL));
    assert_issued_by(&cert, &cert);
    let (_, constraints) = tbs.get_extension::<BasicConstraints>().unwrap().unwrap();
    assert!(constraints.ca);
    let (critical, usage) = key_usage(&cert);
    assert!(critical);
    assert_eq!(usage.0, KeyUsages::KeyCertSign | KeyUsages::CRLSign);
    assert_eq!(STANDARD.decode(ca().certificate_base64()).unwrap(), ca().certificate_der());
    assert!(ca().certificate_pem().unwrap().starts_with("-----BEGIN CERTIFICATE-----\n"));
}

#[test]
fn signer_certificate_is_issued_by_the_ca_for_the_persona() {
    let ca_cert = parse(ca().certificate_der());
    let cert = parse(signer().certificate_der());
    let tbs = cert.tbs_certificate();
    assert_eq!(signer().persona_id(), "chan-tai-man");
    assert_eq!(tbs.version(), Version::V3);
    assert_eq!(tbs.issuer(), ca_cert.tbs_certificate().subject());
    assert_eq!(common_name(&cert), "CHAN, Tai Man");
    assert_eq!(tbs.serial_number(), &SerialNumber::from(0x1001u64));
    assert_issued_by(&cert, &ca_cert);

    let (critical, usage) = key_usage(&cert);
    assert!(critical);
    assert_eq!(usage.0, KeyUsages::DigitalSignature | KeyUsages::NonRepudiation);
    let (_, constraints) = tbs.get_extension::<BasicConstraints>().unwrap().unwrap();
    assert!(!constraints.ca);
    let (_, aki) = tbs.get_extension::<AuthorityKeyIdentifier>().unwrap().unwrap();
    let (_, ca_ski) =
        ca_cert.tbs_certificate().get_extension::<SubjectKeyIdentifier>().unwrap().unwrap();
    assert_eq!(aki.key_identifier, Some(ca_ski.0));

    let persona_key = material::persona_key("chan-tai-man").unwrap();
    assert_eq!(&public_key(&cert), persona_key.as_public_key());
    assert_eq!(STANDARD.decode(signer().certificate_base64()).unwrap(), signer().certificate_der());
}

#[test]
fn validity_comes_from_the_arguments_in_whole_seconds() {
    let cases = [
        // Sub-second parts are truncated; UTCTime through 2049.
        (1_767_225_600_999, 1_893_456_000_500, false),
        // 2051-01-01 needs GeneralizedTime.
        (1_767_225_600_000, 2_556_144_000_000, true),
    ];
    for (not_before_ms, not_after_ms, generalized) in cases {
        let spec = SignerSpec { validity: ValidityWindow { not_before_ms, not_after_ms }, ..SPEC };
        let cert = parse(ca().issue(&spec).unwrap().certificate_der());
        let validity = cert.tbs_certificate().validity();
        assert_eq!(validity.not_before.to_unix_duration().as_secs(), not_before_ms / 1000);
        assert_eq!(validity.not_after.to_unix_duration().as_secs(), not_after_ms / 1000);
        assert!(matches!(validity.not_before, Time::UtcTime(_)));
        assert_eq!(matches!(validity.not_after, Time::GeneralTime(_)), generalized);
    }
}

#[test]
fn certificates_are_deterministic_in_their_arguments() {
    assert_eq!(SandboxCa::new(VALIDITY).unwrap().certificate_der(), ca().certificate_der());
    assert_eq!(ca().issue(&SPEC).unwrap().certificate_der(), signer().certificate_der());
    let other_serial = ca().issue(&SignerSpec { serial: 0x1002, ..SPEC }).unwrap();
    assert_ne!(other_serial.certificate_der(), signer().certificate_der());
}

#[test]
fn common_names_keep_special_characters() {
    for name in ["CHAN, Tai Man", "陳大文", "O'Brien + \"Jr\" <x>; #1 \\ =", " padded "] {
        let signer = ca().issue(&SignerSpec { english_name: name, ..SPEC }).unwrap();
        assert_eq!(common_name(&parse(signer.certificate_der())), name);
    }
}

#[test]
fn issuing_rejects_bad_specs() {
    let inverted = ValidityWindow { not_before_ms: 2_000, not_after_ms: 1_000 };
    let empty = ValidityWindow { not_before_ms: 1_000, not_after_ms: 1_000 };
    let cases = [
        (SignerSpec { persona_id: "nobody", ..SPEC }, Error::NotFound),
        (SignerSpec { persona_id: "", ..SPEC }, Error::NotFound),
        (SignerSpec { english_name: " ", ..SPEC }, Error::InvalidParameter("enName".into())),
        (SignerSpec { serial: 0, ..SPEC }, Error::InvalidParameter("certificate serial".into())),
        (
            SignerSpec { validity: inverted, ..SPEC },
            Error::InvalidParameter("certificate validity".into()),
        ),
        (
            SignerSpec { validity: empty, ..SPEC },
            Error::InvalidParameter("certificate validity".into()),
        ),
    ];
    for (spec, expected) in cases {
        assert_eq!(ca().issue(&spec).unwrap_err(), expected, "{spec:?}");
    }
}

#[test]
fn every_persona_has_its_own_2048_bit_key() {
    assert_eq!(PERSONA_IDS.len(), 12);
    let mut moduli: Vec<_> = PERSONA_IDS
        .iter()
        .map(|id| {
            let key = material::persona_key(id).unwrap();
            assert_eq!(key.size(), 256, "{id}");
            key.n().to_be_bytes()
        })
        .collect();
    moduli.push(material::ca_key().unwrap().n().to_be_bytes());
    moduli.sort();
    moduli.dedup();
    assert_eq!(moduli.len(), PERSONA_IDS.len() + 1);
}

/// A "document", the SHA-256 an e-service would compute, and that hash as `hashCode`.
fn document() -> (&'static [u8], Vec<u8>, String) {
    let doc: &[u8] = b"Application for a sandbox licence, version 3.";
    let digest = Sha256::digest(doc).to_vec();
    let hash_code = STANDARD.encode(&digest);
    (doc, digest, hash_code)
}

#[test]
fn sha256_with_rsa_signs_the_decoded_hash_code_as_the_message() {
    let (_, digest, hash_code) = document();
    let res = signer().sign_hash(&hash_code, SigAlgo::Sha256WithRsa, NOW_MS).unwrap();
    let cert = parse(&STANDARD.decode(&res.cert).unwrap());
    verifying_key(&cert).verify(&digest, &signature(&res.signature)).unwrap();
    assert_eq!(res.hash_code, hash_code);
    assert_eq!(res.timestamp, NOW_MS);
    assert_eq!(res.cert, signer().certificate_base64());
}

#[test]
fn sha256_with_rsa_accepts_hashes_of_any_length() {
    for bytes in [&b"x"[..], &[0u8; 20], &[7u8; 64]] {
        let res = signer().sign_hash(&STANDARD.encode(bytes), SigAlgo::Sha256WithRsa, 0).unwrap();
        verifying_key(&parse(signer().certificate_der()))
            .verify(bytes, &signature(&res.signature))
            .unwrap();
    }
}

#[test]
fn none_with_rsa_verifies_as_sha256_with_rsa_over_the_document() {
    let (doc, digest, hash_code) = document();
    let res = signer().sign_hash(&hash_code, SigAlgo::NoneWithRsa, NOW_MS).unwrap();
    let key = verifying_key(&parse(&STANDARD.decode(&res.cert).unwrap()));
    let sig = signature(&res.signature);
    key.verify(doc, &sig).unwrap();
    key.verify_prehash(&digest, &sig).unwrap();
    let default = signer()
        .sign_hash_with(&hash_code, SigAlgo::NoneWithRsa, NoneWithRsaEncoding::DigestInfo, 0)
        .unwrap();
    assert_eq!(default.signature, res.signature);
}

#[test]
fn none_with_rsa_raw_pads_the_digest_without_digest_info() {
    let (doc, digest, hash_code) = document();
    let res = signer()
        .sign_hash_with(&hash_code, SigAlgo::NoneWithRsa, NoneWithRsaEncoding::Raw, NOW_MS)
        .unwrap();
    let sig = STANDARD.decode(&res.signature).unwrap();
    let key = public_key(&parse(signer().certificate_der()));
    key.verify(Pkcs1v15Sign::new_unprefixed(), &digest, &sig).unwrap();
    let as_sha256 = verifying_key(&parse(signer().certificate_der()));
    assert!(as_sha256.verify(doc, &Signature::try_from(sig.as_slice()).unwrap()).is_err());
}

#[test]
fn the_algorithms_give_different_signatures() {
    let (_, _, hash_code) = document();
    let sign =
        |algo, encoding| signer().sign_hash_with(&hash_code, algo, encoding, 0).unwrap().signature;
    let sha = sign(SigAlgo::Sha256WithRsa, NoneWithRsaEncoding::DigestInfo);
    let none = sign(SigAlgo::NoneWithRsa, NoneWithRsaEncoding::DigestInfo);
    let raw = sign(SigAlgo::NoneWithRsa, NoneWithRsaEncoding::Raw);
    assert!(sha != none && none != raw && sha != raw);
}

#[test]
fn hash_signing_rejects_bad_hash_codes() {
    let cases = [
        ("not base64!", SigAlgo::Sha256WithRsa),
        ("", SigAlgo::Sha256WithRsa),
        ("YWJj", SigAlgo::NoneWithRsa),
        (
            "pZGm1Av0IEBKARczz7exkNYsZb8LzaMrV7J32a2fFG4=pZGm1Av0IEBKARczz7exkNYsZb8LzaMrV7J32a2fFG4=",
            SigAlgo::NoneWithRsa,
        ),
        ("pZGm1Av0IEBKARczz7exkNYsZb8LzaMrV7J32a2fFG4", SigAlgo::NoneWithRsa),
    ];
    for (hash_code, algo) in cases {
        assert_eq!(
            signer().sign_hash(hash_code, algo, NOW_MS),
            Err(Error::InvalidParameter("hashCode".into())),
            "{hash_code:?} {algo}"
        );
    }
}

fn attribute_value(signed: &SignedData, oid: ObjectIdentifier) -> x509_cert::der::Any {
    let info = signed.signer_infos.0.get(0).unwrap();
    let attrs = info.signed_attrs.as_ref().unwrap();
    let attr = attrs.iter().find(|a| a.oid == oid).unwrap();
    assert_eq!(attr.values.len(), 1);
    attr.values.get(0).unwrap().clone()
}

#[test]
fn pdf_signature_is_a_detached_cms_signed_data_over_the_digest() {
    let (_, digest, doc_digest) = document();
    let res = signer().sign_pdf_digest(&doc_digest, NOW_MS).unwrap();
    assert_eq!(res.doc_digest, doc_digest);

    let info = ContentInfo::from_der(&STANDARD.decode(&res.pdf_signature).unwrap()).unwrap();
    assert_eq!(info.content_type, ID_SIGNED_DATA);
    let signed: SignedData = info.content.decode_as().unwrap();
    assert_eq!(signed.encap_content_info.econtent_type, ID_DATA);
    assert!(signed.encap_content_info.econtent.is_none());
    assert_eq!(signed.digest_algorithms.get(0).unwrap().oid, ID_SHA_256);

    let certs = signed.certificates.as_ref().unwrap();
    assert_eq!(certs.0.len(), 1);
    let Some(CertificateChoices::Certificate(cert)) = certs.0.get(0) else { panic!("no cert") };
    assert_eq!(cert.to_der().unwrap(), signer().certificate_der());

    assert_eq!(signed.signer_infos.0.len(), 1);
    let signer_info = signed.signer_infos.0.get(0).unwrap();
    let SignerIdentifier::IssuerAndSerialNumber(sid) = &signer_info.sid else { panic!("sid") };
    assert_eq!(&sid.issuer, cert.tbs_certificate().issuer());
    assert_eq!(&sid.serial_number, cert.tbs_certificate().serial_number());
    assert_eq!(signer_info.digest_alg.oid, ID_SHA_256);
    assert_eq!(signer_info.signature_algorithm.oid, RSA_ENCRYPTION);

    let content_type: ObjectIdentifier =
        attribute_value(&signed, ID_CONTENT_TYPE).decode_as().unwrap();
    assert_eq!(content_type, ID_DATA);
    let message_digest: OctetString =
        attribute_value(&signed, ID_MESSAGE_DIGEST).decode_as().unwrap();
    assert_eq!(message_digest.as_bytes(), digest);
    let signing_time: Time = attribute_value(&signed, ID_SIGNING_TIME).decode_as().unwrap();
    assert_eq!(signing_time.to_unix_duration().as_secs(), NOW_MS / 1000);
    // SigningCertificateV2 { certs: [ESSCertIDv2 { certHash }] }.
    let signing_cert: Vec<Vec<Vec<OctetString>>> =
        attribute_value(&signed, ID_AA_SIGNING_CERTIFICATE_V_2).decode_as().unwrap();
    let cert_hash = Sha256::digest(signer().certificate_der());
    assert_eq!(signing_cert, [[[OctetString::new(cert_hash.as_slice()).unwrap()]]]);

    let attrs_der = signer_info.signed_attrs.as_ref().unwrap().to_der().unwrap();
    let sig = Signature::try_from(signer_info.signature.as_bytes()).unwrap();
    verifying_key(cert).verify(&attrs_der, &sig).unwrap();
}

#[test]
fn pdf_signatures_are_deterministic_in_time() {
    let (_, _, doc_digest) = document();
    let sign = |now_ms| signer().sign_pdf_digest(&doc_digest, now_ms).unwrap().pdf_signature;
    assert_eq!(sign(NOW_MS), sign(NOW_MS + 100));
    assert_ne!(sign(NOW_MS), sign(NOW_MS + 1_000));
}

#[test]
fn pdf_signing_rejects_bad_digests() {
    for doc_digest in ["", "YWJj", "%%%", "pZGm1Av0IEBKARczz7exkNYsZb8LzaMrV7J32a2fFG4=AA=="] {
        assert_eq!(
            signer().sign_pdf_digest(doc_digest, NOW_MS),
            Err(Error::InvalidParameter("docDigest".into())),
            "{doc_digest:?}"
        );
    }
}
