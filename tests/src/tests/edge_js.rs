//! The JavaScript library (`dist/sdk/iamsmart-edge/node`) under Node 20, checked against
//! Node's own `crypto` and against the native protocol crate.

use std::process::Command;

use protocol::{
    content::{self, ContentMode},
    headers::{RequestHeaders, verify_request},
};
use serde_json::Value;

use crate::workspace_root;

const SECRET: &str = "edge-test-secret/+=";

const SCRIPT: &str = r#"
const crypto = require("crypto");
const edge = require(process.env.EDGE);
const out = {};
const check = (name, ok) => { out[name] = ok; };

// Signing agrees with an HMAC computed by Node itself.
const [id, ts, nonce, body] = ["3f2a9c0e5b7d4e1f8a6c2b9d0e4f7a15", "1764316800123", "n-1", '{"content":"AAAA"}'];
const mac = crypto.createHmac("sha256", process.env.SECRET).update(id + "HmacSHA256" + ts + nonce + body).digest("base64");
check("sign", edge.sign(id, process.env.SECRET, ts, nonce, body) === encodeURIComponent(mac));
check("verify", edge.verify(id, process.env.SECRET, ts, nonce, body, mac));
check("verify_rejects", !edge.verify(id, process.env.SECRET, ts, nonce, body + " ", mac));

// AES-256-GCM both ways, with the 4-byte IV length prefix.
const cek = crypto.randomBytes(32), cekB64 = cek.toString("base64");
const sealed = Buffer.from(edge.encrypt(cekB64, "智方便 hello"), "base64");
const iv = sealed.subarray(4, 16), tag = sealed.subarray(sealed.length - 16);
const d = crypto.createDecipheriv("aes-256-gcm", cek, iv); d.setAuthTag(tag);
const plain = Buffer.concat([d.update(sealed.subarray(16, sealed.length - 16)), d.final()]).toString("utf8");
check("node_decrypts_edge", sealed.readUInt32BE(0) === 12 && plain === "智方便 hello");
const iv2 = crypto.randomBytes(12), e = crypto.createCipheriv("aes-256-gcm", cek, iv2);
const ct = Buffer.concat([e.update("from node", "utf8"), e.final()]);
const len = Buffer.alloc(4); len.writeUInt32BE(12);
const blob = Buffer.concat([len, iv2, ct, e.getAuthTag()]).toString("base64");
check("edge_decrypts_node", edge.decrypt(cekB64, blob) === "from node");
let threw = false; try { edge.decrypt(cekB64, blob.slice(0, -4) + "AAA="); } catch (err) { threw = String(err).includes("D30004"); }
check("tampered_content_is_d30004", threw);

// RSA-wrapped CEK, as getKey and callbacks deliver it.
const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
const pem = privateKey.export({ type: "pkcs8", format: "pem" });
const wrap = (padding, oaepHash) => crypto.publicEncrypt({ key: publicKey, padding, oaepHash }, cek).toString("base64");
check("unwrap_pkcs1", edge.unwrapCek(pem, wrap(crypto.constants.RSA_PKCS1_PADDING)) === cekB64);
check("unwrap_oaep256", edge.unwrapCek(pem, wrap(crypto.constants.RSA_PKCS1_OAEP_PADDING, "sha256"), "oaep-sha256") === cekB64);
check("unwrap_oaep1", edge.unwrapCek(pem, wrap(crypto.constants.RSA_PKCS1_OAEP_PADDING, "sha1"), "oaep-sha1") === cekB64);

// A full signed request, handed back to Rust for verification.
out.request = edge.signedRequest("demo-client", process.env.SECRET, { code: "abc", grantType: "authorization_code" }, cekB64);
out.cek = cekB64;
console.log(JSON.stringify(out));
"#;

#[test]
fn edge_library_agrees_with_node_crypto_and_the_protocol_crate() {
    let edge = workspace_root().join("dist/sdk/iamsmart-edge/node/edge.js");
    assert!(edge.exists(), "{} is missing: run `cargo xtask dist`", edge.display());
    let out = Command::new("node")
        .args(["-e", SCRIPT])
        .env("EDGE", &edge)
        .env("SECRET", SECRET)
        .output()
        .expect("node runs");
    assert!(out.status.success(), "node failed: {}", String::from_utf8_lossy(&out.stderr));
    let res: Value = serde_json::from_slice(&out.stdout).expect("JSON from node");
    for check in [
        "sign",
        "verify",
        "verify_rejects",
        "node_decrypts_edge",
        "edge_decrypts_node",
        "tampered_content_is_d30004",
        "unwrap_pkcs1",
        "unwrap_oaep256",
        "unwrap_oaep1",
    ] {
        assert_eq!(res[check], true, "{check} failed in node: {res}");
    }

    let req = &res["request"];
    let header = |name: &str| req["headers"][name].as_str();
    let headers = RequestHeaders::from_fn(|name| header(name));
    let body = req["body"].as_str().expect("body");
    let verified =
        verify_request(&headers, body.as_bytes(), |id| (id == "demo-client").then_some(SECRET))
            .expect("the edge-built request verifies natively");
    assert_eq!(verified.client_id(), "demo-client");
    assert_eq!(verified.nonce().len(), 32);

    let cek: [u8; 32] =
        base64_decode(res["cek"].as_str().expect("cek")).try_into().expect("32 bytes");
    let business =
        content::open_body(ContentMode::Encrypted, body.as_bytes(), Some(&cek)).expect("opens");
    assert_eq!(business["grantType"], "authorization_code");
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).expect("base64")
}
