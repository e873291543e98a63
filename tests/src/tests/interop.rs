//! The signature agrees with Python's `hmac` and Node's `crypto`, computed independently.

use std::process::Command;

use protocol::{SIGNATURE_METHOD, SignatureInput};

const CLIENT_ID: &str = "edae2e2529ff46228af1e4d18c8405d1";
const SECRET: &str = "pa55/w+rd=密鑰";
const TIMESTAMP: &str = "1557048906183";
const NONCE: &str = "e893647dc4204eb9b7b8eddd527b687c";
const BODY: &str = r#"{"content":"AAAADDZ1b3F0ZWQrL2JvZHk9"}"#;

fn rust_signature(body: &str) -> String {
    let input = SignatureInput {
        client_id: CLIENT_ID,
        signature_method: SIGNATURE_METHOD,
        timestamp: TIMESTAMP,
        nonce: NONCE,
        body: body.as_bytes(),
    };
    protocol::sign(SECRET, &input)
}

fn run(program: &str, script: &str, body: &str) -> String {
    let flag = if program == "node" { "-e" } else { "-c" };
    let out = Command::new(program)
        .args([flag, script])
        .env("SIG_CLIENT_ID", CLIENT_ID)
        .env("SIG_SECRET", SECRET)
        .env("SIG_TIMESTAMP", TIMESTAMP)
        .env("SIG_NONCE", NONCE)
        .env("SIG_BODY", body)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(out.status.success(), "{program} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output").trim().to_owned()
}

const PYTHON: &str = r#"
import base64, hashlib, hmac, os, urllib.parse
e = os.environ
msg = e["SIG_CLIENT_ID"] + "HmacSHA256" + e["SIG_TIMESTAMP"] + e["SIG_NONCE"] + e["SIG_BODY"]
mac = hmac.new(e["SIG_SECRET"].encode(), msg.encode(), hashlib.sha256).digest()
print(urllib.parse.quote(base64.b64encode(mac).decode(), safe=""))
"#;

const NODE: &str = r#"
const crypto = require("crypto");
const e = process.env;
const msg = e.SIG_CLIENT_ID + "HmacSHA256" + e.SIG_TIMESTAMP + e.SIG_NONCE + e.SIG_BODY;
const mac = crypto.createHmac("sha256", Buffer.from(e.SIG_SECRET, "utf8")).update(msg, "utf8").digest("base64");
console.log(encodeURIComponent(mac));
"#;

#[test]
fn signature_matches_python_hmac() {
    for body in [BODY, ""] {
        assert_eq!(run("python3", PYTHON, body), rust_signature(body));
    }
}

#[test]
fn signature_matches_node_crypto() {
    for body in [BODY, ""] {
        assert_eq!(run("node", NODE, body), rust_signature(body));
    }
}
