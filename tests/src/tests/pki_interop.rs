//! The sandbox PKI's certificates and signatures verify with the `openssl` command-line tool.
//!
//! Every check hands OpenSSL only what an e-service would have (the Base64 `cert`,
//! `signature` or `pdfSignature` and its own document bytes) and lets OpenSSL extract the
//! public key and verify. A tampered input must fail, so a passing check is a real one.

use std::{
    fs,
    io::Read,
    path::PathBuf,
    process::{Command, Output, Stdio},
};

use protocol::{
    pki::{NoneWithRsaEncoding, SandboxCa, Signer, SignerSpec, ValidityWindow},
    vocab::SigAlgo,
};

/// 2026-01-01T00:00:00Z to 2030-01-01T00:00:00Z.
const VALIDITY: ValidityWindow =
    ValidityWindow { not_before_ms: 1_767_225_600_000, not_after_ms: 1_893_456_000_000 };

/// 2026-03-04T05:06:07Z, inside the validity window.
const NOW_MS: u64 = 1_772_600_767_000;

/// A scratch directory for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("pki-interop-{}-{name}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// The path of `file` in the directory, as the text OpenSSL takes.
    fn path(&self, file: &str) -> String {
        self.0.join(file).to_str().expect("temporary paths are UTF-8").to_owned()
    }

    fn write(&self, file: &str, bytes: impl AsRef<[u8]>) -> String {
        let path = self.path(file);
        fs::write(&path, bytes).unwrap();
        path
    }

    /// Writes Base64 text as the bytes it encodes, decoded by OpenSSL.
    fn write_base64(&self, file: &str, b64: &str) -> String {
        let text = self.write(&format!("{file}.b64"), b64);
        let path = self.path(file);
        openssl_ok(&["base64", "-d", "-A", "-in", &text, "-out", &path]);
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn openssl(args: &[&str]) -> Output {
    Command::new("openssl").args(args).stdin(Stdio::null()).output().unwrap_or_else(|e| {
        panic!("cannot run the `openssl` CLI ({e}); install OpenSSL to run the PKI interop tests")
    })
}

#[track_caller]
fn openssl_ok(args: &[&str]) -> String {
    let out = openssl(args);
    assert!(
        out.status.success(),
        "openssl {} failed:\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[track_caller]
fn openssl_fails(args: &[&str]) {
    assert!(!openssl(args).status.success(), "openssl accepted a tampered input");
}

fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    fs::File::open("/dev/urandom").unwrap().read_exact(&mut bytes).unwrap();
    bytes
}

/// The SHA-256 of `file` as Base64, computed by OpenSSL.
fn sha256_base64(scratch: &Scratch, file: &str) -> String {
    let digest = scratch.path("digest.bin");
    openssl_ok(&["dgst", "-sha256", "-binary", "-out", &digest, file]);
    openssl_ok(&["base64", "-A", "-in", &digest]).trim().to_owned()
}

fn signer(ca: &SandboxCa, persona_id: &str, english_name: &str) -> Signer {
    ca.issue(&SignerSpec { persona_id, english_name, serial: 0x2001, validity: VALIDITY }).unwrap()
}

/// The signer's public key as PEM, extracted from the Base64 `cert` by OpenSSL.
fn public_key(scratch: &Scratch, cert_b64: &str) -> String {
    let der = scratch.write_base64("cert.der", cert_b64);
    let pem = scratch.path("pub.pem");
    openssl_ok(&["x509", "-inform", "DER", "-in", &der, "-pubkey", "-noout", "-out", &pem]);
    pem
}

#[test]
fn openssl_verifies_the_signer_certificate_against_the_sandbox_ca() {
    let scratch = Scratch::new("chain");
    let ca = SandboxCa::new(VALIDITY).unwrap();
    let signer = signer(&ca, "wong-siu-ling", "WONG, Siu Ling");
    let ca_pem = scratch.write("ca.pem", ca.certificate_pem().unwrap());
    let cert_der = scratch.write_base64("signer.der", &signer.certificate_base64());
    let cert_pem = scratch.path("signer.pem");
    openssl_ok(&["x509", "-inform", "DER", "-in", &cert_der, "-out", &cert_pem]);

    let at = (NOW_MS / 1000).to_string();
    let verified = openssl_ok(&["verify", "-attime", &at, "-CAfile", &ca_pem, &cert_pem]);
    assert!(verified.contains(": OK"), "{verified}");

    let text = openssl_ok(&["x509", "-in", &cert_pem, "-noout", "-text"]);
    assert!(text.contains("Digital Signature, Non Repudiation"), "{text}");
    assert!(
        text.contains(
            "Issuer: C = HK, O = iAM Smart Sandbox (test only), CN = iAM Smart Sandbox Root CA"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"Subject: C = HK, O = iAM Smart Sandbox (test only), CN = "WONG, Siu Ling""#
        ),
        "{text}"
    );
    assert!(text.contains("Not Before: Jan  1 00:00:00 2026 GMT"), "{text}");
    assert!(text.contains("Not After : Jan  1 00:00:00 2030 GMT"), "{text}");

    let expired = (VALIDITY.not_after_ms / 1000 + 1).to_string();
    openssl_fails(&["verify", "-attime", &expired, "-CAfile", &ca_pem, &cert_pem]);
}

#[test]
fn openssl_verifies_sha256_with_rsa_over_the_decoded_hash_code() {
    let scratch = Scratch::new("sha256");
    let ca = SandboxCa::new(VALIDITY).unwrap();
    let signer = signer(&ca, "chan-tai-man", "CHAN, Tai Man");
    let document = scratch.write("document.bin", random_bytes(3000));
    let hash_code = sha256_base64(&scratch, &document);

    let res = signer.sign_hash(&hash_code, SigAlgo::Sha256WithRsa, NOW_MS).unwrap();
    let key = public_key(&scratch, &res.cert);
    let sig = scratch.write_base64("sig.bin", &res.signature);
    let hash = scratch.write_base64("hash.bin", &hash_code);
    openssl_ok(&["dgst", "-sha256", "-verify", &key, "-signature", &sig, &hash]);
    openssl_fails(&["dgst", "-sha256", "-verify", &key, "-signature", &sig, &document]);
}

#[test]
fn openssl_verifies_none_with_rsa_as_a_signature_of_the_document() {
    let scratch = Scratch::new("none");
    let ca = SandboxCa::new(VALIDITY).unwrap();
    let signer = signer(&ca, "john-whitfield", "WHITFIELD, John");
    let document = scratch.write("document.bin", random_bytes(5000));
    let hash_code = sha256_base64(&scratch, &document);

    let res = signer.sign_hash(&hash_code, SigAlgo::NoneWithRsa, NOW_MS).unwrap();
    let key = public_key(&scratch, &res.cert);
    let sig = scratch.write_base64("sig.bin", &res.signature);
    let digest = scratch.write_base64("digest-in.bin", &hash_code);
    openssl_ok(&["dgst", "-sha256", "-verify", &key, "-signature", &sig, &document]);
    openssl_ok(&[
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        &key,
        "-pkeyopt",
        "digest:sha256",
        "-in",
        &digest,
        "-sigfile",
        &sig,
    ]);
}

#[test]
fn openssl_verifies_raw_none_with_rsa_over_the_digest_bytes() {
    let scratch = Scratch::new("raw");
    let ca = SandboxCa::new(VALIDITY).unwrap();
    let signer = signer(&ca, "priya-raman", "RAMAN, Priya");
    let document = scratch.write("document.bin", random_bytes(1000));
    let hash_code = sha256_base64(&scratch, &document);

    let res = signer
        .sign_hash_with(&hash_code, SigAlgo::NoneWithRsa, NoneWithRsaEncoding::Raw, NOW_MS)
        .unwrap();
    let key = public_key(&scratch, &res.cert);
    let sig = scratch.write_base64("sig.bin", &res.signature);
    let digest = scratch.write_base64("digest-in.bin", &hash_code);
    openssl_ok(&["pkeyutl", "-verify", "-pubin", "-inkey", &key, "-in", &digest, "-sigfile", &sig]);
    openssl_fails(&["dgst", "-sha256", "-verify", &key, "-signature", &sig, &document]);
}

#[test]
fn openssl_cms_verifies_the_pdf_signature_against_the_detached_byte_range() {
    let scratch = Scratch::new("pdf");
    let ca = SandboxCa::new(VALIDITY).unwrap();
    let signer = signer(&ca, "lee-ka-yan", "LEE, Ka Yan");
    let content = scratch.write("byte-range.bin", random_bytes(20_000));
    let doc_digest = sha256_base64(&scratch, &content);

    let res = signer.sign_pdf_digest(&doc_digest, NOW_MS).unwrap();
    assert_eq!(res.doc_digest, doc_digest);
    let cms = scratch.write_base64("signature.p7s", &res.pdf_signature);
    let verify = |content: &str, trust: &[&str]| {
        let args =
            ["cms", "-verify", "-binary", "-inform", "DER", "-in", &cms, "-out", "/dev/null"];
        openssl(&[&args[..], &["-content", content], trust].concat())
    };
    let noverify = verify(&content, &["-noverify"]);
    assert!(noverify.status.success(), "{}", String::from_utf8_lossy(&noverify.stderr));

    let ca_pem = scratch.write("ca.pem", ca.certificate_pem().unwrap());
    let at = (NOW_MS / 1000).to_string();
    let chained = verify(&content, &["-CAfile", &ca_pem, "-purpose", "any", "-attime", &at]);
    assert!(chained.status.success(), "{}", String::from_utf8_lossy(&chained.stderr));

    let mut tampered = fs::read(&content).unwrap();
    tampered[0] ^= 1;
    let tampered = scratch.write("tampered.bin", tampered);
    assert!(!verify(&tampered, &["-noverify"]).status.success());

    let printed = openssl_ok(&["cms", "-cmsout", "-print", "-inform", "DER", "-in", &cms]);
    assert!(printed.contains("signingTime"), "{printed}");
    assert!(printed.contains("UTCTIME:Mar  4 05:06:07 2026 GMT"), "{printed}");
    assert!(printed.contains("id-smime-aa-signingCertificateV2"), "{printed}");
}
