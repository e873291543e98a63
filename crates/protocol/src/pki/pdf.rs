//! PDF signing (`/pdfsigning/initiateRequest`): a detached CMS signature over `docDigest`.
//!
//! The e-service prepares a PDF with an empty `adbe.pkcs7.detached` signature field, computes
//! the SHA-256 digest of the signed byte range and submits it, Base64, as `docDigest`. The
//! signer answers with `pdfSignature`: Base64 of a DER `ContentInfo` holding a CMS
//! `SignedData` (RFC 5652) with no encapsulated content, which the e-service embeds in the
//! signature field's `/Contents`.
//!
//! The `SignedData` carries the signer's certificate and one `SignerInfo` (identified by issuer
//! and serial number, digest SHA-256, signature `rsaEncryption`, i.e. PKCS#1 v1.5 with
//! SHA-256) whose signed attributes are `contentType` (`id-data`), `signingTime` (from the
//! `now_ms` argument), `messageDigest` (the decoded `docDigest`) and `signingCertificateV2`
//! (the SHA-256 of the signer's certificate, which PAdES validators look for). The RSA
//! signature covers the DER encoding of those attributes as a `SET OF`, as RFC 5652 §5.4
//! prescribes, so any CMS verifier given the byte range as detached content accepts it.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use cms::{
    cert::{CertificateChoices, IssuerAndSerialNumber},
    content_info::{CmsVersion, ContentInfo},
    signed_data::{
        CertificateSet, EncapsulatedContentInfo, SignedAttributes, SignedData, SignerIdentifier,
        SignerInfo, SignerInfos,
    },
};
use sha2::{Digest as _, Sha256};
use x509_cert::{
    attr::Attribute,
    der::{
        Any, Encode,
        asn1::{OctetString, SetOfVec},
        oid::{
            ObjectIdentifier,
            db::{
                rfc5911::{
                    ID_AA_SIGNING_CERTIFICATE_V_2, ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST,
                    ID_SIGNED_DATA, ID_SIGNING_TIME,
                },
                rfc5912::{ID_SHA_256, RSA_ENCRYPTION},
            },
        },
    },
    spki::AlgorithmIdentifierOwned,
};

use super::{Signer, cert};
use crate::Error;

/// The outcome of signing a PDF digest: the fields of a successful PDF signing result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfSignature {
    /// The submitted `docDigest`, echoed unchanged.
    pub doc_digest: String,
    /// Base64 of the DER-encoded CMS `ContentInfo` to embed in the PDF.
    pub pdf_signature: String,
}

impl Signer {
    /// Signs `doc_digest` (Base64 of a SHA-256 digest, as submitted) at `now_ms`.
    ///
    /// Fails with [`Error::InvalidParameter`] naming `docDigest` when it is not Base64 of
    /// exactly 32 bytes.
    pub fn sign_pdf_digest(&self, doc_digest: &str, now_ms: u64) -> Result<PdfSignature, Error> {
        let digest = STANDARD
            .decode(doc_digest)
            .ok()
            .filter(|d| d.len() == SHA256_LEN)
            .ok_or_else(|| Error::InvalidParameter("docDigest".into()))?;
        let der = self.cms_signature(&digest, now_ms)?;
        Ok(PdfSignature { doc_digest: doc_digest.to_owned(), pdf_signature: STANDARD.encode(der) })
    }

    /// The DER `ContentInfo` of a detached signature over content whose SHA-256 is `digest`.
    fn cms_signature(&self, digest: &[u8], now_ms: u64) -> Result<Vec<u8>, Error> {
        let attrs = self.signed_attributes(digest, now_ms)?;
        let attrs_der = attrs.to_der().map_err(internal)?;
        let signature = self.key().pkcs1v15_sign::<Sha256>(&attrs_der).map_err(internal)?;
        let tbs = self.certificate().tbs_certificate();
        let signer_info = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: tbs.issuer().clone(),
                serial_number: tbs.serial_number().clone(),
            }),
            digest_alg: sha256(),
            signed_attrs: Some(attrs),
            signature_algorithm: AlgorithmIdentifierOwned {
                oid: RSA_ENCRYPTION,
                parameters: Some(Any::null()),
            },
            signature: OctetString::new(signature).map_err(internal)?,
            unsigned_attrs: None,
        };
        let certificates = CertificateSet::try_from(vec![CertificateChoices::Certificate(
            self.certificate().clone(),
        )])
        .map_err(internal)?;
        let signed_data = SignedData {
            version: CmsVersion::V1,
            digest_algorithms: SetOfVec::try_from(vec![sha256()]).map_err(internal)?,
            encap_content_info: EncapsulatedContentInfo { econtent_type: ID_DATA, econtent: None },
            certificates: Some(certificates),
            crls: None,
            signer_infos: SignerInfos::try_from(vec![signer_info]).map_err(internal)?,
        };
        let content_info = ContentInfo {
            content_type: ID_SIGNED_DATA,
            content: Any::encode_from(&signed_data).map_err(internal)?,
        };
        content_info.to_der().map_err(internal)
    }

    fn signed_attributes(&self, digest: &[u8], now_ms: u64) -> Result<SignedAttributes, Error> {
        let signing_time = cert::time(now_ms).ok_or(Error::Internal)?;
        let cert_hash = Sha256::digest(self.certificate_der());
        let attrs = vec![
            attribute(ID_CONTENT_TYPE, Any::encode_from(&ID_DATA))?,
            attribute(ID_SIGNING_TIME, Any::encode_from(&signing_time))?,
            attribute(ID_MESSAGE_DIGEST, Any::encode_from(&octets(digest)?))?,
            attribute(ID_AA_SIGNING_CERTIFICATE_V_2, signing_certificate_v2(&cert_hash))?,
        ];
        SetOfVec::try_from(attrs).map_err(internal)
    }
}

/// The length of a SHA-256 digest.
const SHA256_LEN: usize = 32;

/// An attribute with a single value.
fn attribute(
    oid: ObjectIdentifier,
    value: x509_cert::der::Result<Any>,
) -> Result<Attribute, Error> {
    let values = SetOfVec::try_from(vec![value.map_err(internal)?]).map_err(internal)?;
    Ok(Attribute { oid, values })
}

/// `SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }` (RFC 5035) with one
/// `ESSCertIDv2 ::= SEQUENCE { certHash OCTET STRING }`: the hash algorithm is the default
/// SHA-256 and so omitted, as is the optional issuer serial.
fn signing_certificate_v2(cert_hash: &[u8]) -> x509_cert::der::Result<Any> {
    let ess_cert_id = vec![OctetString::new(cert_hash)?];
    let certs = vec![ess_cert_id];
    Any::encode_from(&vec![certs])
}

fn octets(bytes: &[u8]) -> Result<OctetString, Error> {
    OctetString::new(bytes).map_err(internal)
}

/// SHA-256 with absent parameters, as RFC 5754 recommends.
fn sha256() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned { oid: ID_SHA_256, parameters: None }
}

fn internal(_: impl std::error::Error) -> Error {
    Error::Internal
}
