//! Content encryption and CEK wrapping agree with Node's `crypto`, in both directions.
//!
//! Node sees only the wire forms: Base64 blobs, a PEM private key and Base64 wrapped keys,
//! passed through environment variables. Padding randomness comes from a seeded ChaCha RNG.

use std::process::Command;

use protocol::{
    content::{self, ContentMode},
    keys::{self, CekForm, KekPrivateKey, Padding},
};
use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
use serde_json::json;

const CEK: [u8; 32] = *b"0123456789abcdef0123456789ABCDEF";
const IV: [u8; 12] = *b"iv-12-bytes!";

/// Runs a Node script with `env` and returns its trimmed standard output.
fn node(script: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new("node")
        .args(args)
        .args(["-e", script])
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("cannot run node: {e}"));
    assert!(out.status.success(), "node failed: {}", String::from_utf8_lossy(&out.stderr));
    // The result is the last line: a reverted security fix prints a warning first.
    let stdout = String::from_utf8(out.stdout).expect("utf-8 output");
    stdout.trim().lines().last().unwrap_or_default().to_owned()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A throwaway 2048-bit test key (`openssl genpkey`). Generating one in Rust takes over 5 s
/// in a debug build, so it is fixed rather than drawn from a seeded RNG.
fn private_key() -> KekPrivateKey {
    KekPrivateKey::from_pem(include_str!("../../data/crypto_interop_kek.pem")).unwrap()
}

const NODE_DECRYPT: &str = r#"
const crypto = require("crypto");
const blob = Buffer.from(process.env.BLOB, "base64");
if (blob.readInt32BE(0) !== 12) throw new Error("bad IV length field");
const iv = blob.subarray(4, 16);
const tag = blob.subarray(blob.length - 16);
const decipher = crypto.createDecipheriv("aes-256-gcm", Buffer.from(process.env.CEK, "hex"), iv);
decipher.setAuthTag(tag);
const plain = Buffer.concat([decipher.update(blob.subarray(16, blob.length - 16)), decipher.final()]);
console.log(plain.toString("utf8"));
"#;

const NODE_ENCRYPT: &str = r#"
const crypto = require("crypto");
const iv = crypto.randomBytes(12);
const cipher = crypto.createCipheriv("aes-256-gcm", Buffer.from(process.env.CEK, "hex"), iv);
const sealed = Buffer.concat([cipher.update(process.env.PLAIN, "utf8"), cipher.final()]);
const len = Buffer.alloc(4);
len.writeInt32BE(12);
console.log(Buffer.concat([len, iv, sealed, cipher.getAuthTag()]).toString("base64"));
"#;

const NODE_UNWRAP: &str = r#"
const crypto = require("crypto");
const padding = {
  "pkcs1v15": { padding: crypto.constants.RSA_PKCS1_PADDING },
  "oaep-sha256": { padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" },
  "oaep-sha1": { padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" },
}[process.env.PADDING];
const key = crypto.privateDecrypt(
  { key: process.env.PRIVATE_KEY, ...padding },
  Buffer.from(process.env.WRAPPED, "base64"),
);
console.log(key.toString("hex"));
"#;

const NODE_WRAP: &str = r#"
const crypto = require("crypto");
const wrapped = crypto.publicEncrypt(
  { key: process.env.PUBLIC_KEY, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" },
  Buffer.from(process.env.CEK, "hex"),
);
console.log(wrapped.toString("base64"));
"#;

/// Node 20 refuses PKCS#1 v1.5 private decryption (Marvin attack, CVE-2023-46809) unless
/// this flag reverts the fix; an online service on Node needs it, or OAEP.
const PKCS1_REVERT: &str = "--security-revert=CVE-2023-46809";

#[test]
fn node_decrypts_rust_encrypted_content() {
    let plaintext =
        json!({ "accessToken": "a1", "openID": "liR14+vX/5hSum5uf4ERczu0Kc=", "名": "申智能" });
    let sealed = content::seal_content(ContentMode::Encrypted, &plaintext, Some(&CEK), IV).unwrap();
    let blob = sealed.as_str().unwrap();
    let opened = node(NODE_DECRYPT, &[], &[("CEK", &hex(&CEK)), ("BLOB", blob)]);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&opened).unwrap(), plaintext);
}

#[test]
fn rust_decrypts_node_encrypted_content() {
    let plaintext = r#"{"code":"7e0d5b3e","grantType":"authorization_code"}"#;
    let blob = node(NODE_ENCRYPT, &[], &[("CEK", &hex(&CEK)), ("PLAIN", plaintext)]);
    assert!(blob.starts_with("AAAAD"), "IV length field of 12 expected: {blob}");
    assert_eq!(content::decrypt(&CEK, &blob).unwrap(), plaintext.as_bytes());
    let body = json!({ "content": blob }).to_string();
    let opened = content::open_body(ContentMode::Encrypted, body.as_bytes(), Some(&CEK)).unwrap();
    assert_eq!(opened["grantType"], "authorization_code");
}

#[test]
fn node_unwraps_rust_wrapped_cek() {
    let key = private_key();
    let pem = key.to_pem();
    let kek = key.kek();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let cases = [
        (Padding::Pkcs1v15, "pkcs1v15", &[PKCS1_REVERT][..]),
        (Padding::OaepSha256, "oaep-sha256", &[][..]),
        (Padding::OaepSha1, "oaep-sha1", &[][..]),
    ];
    for (padding, name, args) in cases {
        let wrapped = keys::wrap_cek(&kek, &CEK, padding, &mut rng).unwrap();
        let env = [("PRIVATE_KEY", pem.as_str()), ("WRAPPED", &wrapped), ("PADDING", name)];
        assert_eq!(node(NODE_UNWRAP, args, &env), hex(&CEK), "{name}");
    }
    // The callback's optional text form unwraps to the key's Base64 text.
    let wrapped =
        keys::wrap_cek_as(&kek, &CEK, Padding::OaepSha256, CekForm::Base64Text, &mut rng).unwrap();
    let env = [("PRIVATE_KEY", pem.as_str()), ("WRAPPED", &wrapped), ("PADDING", "oaep-sha256")];
    assert_eq!(node(NODE_UNWRAP, &[], &env), hex(b"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlBQkNERUY="));
}

#[test]
fn rust_unwraps_node_wrapped_cek() {
    let key = private_key();
    let public_pem = key.kek().to_pem();
    let env = [("PUBLIC_KEY", public_pem.as_str()), ("CEK", &hex(&CEK))];
    let wrapped = node(NODE_WRAP, &[], &env);
    assert_eq!(key.unwrap_cek(&wrapped, Padding::OaepSha256), Ok(CEK));
}
