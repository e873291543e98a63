//! The JavaScript SDK vendored (its folder `dist/sdk/iamsmart-edge/` copied into a project
//! whose `package.json` says `"type": "module"`), imported as an ES module and required as
//! CommonJS, under Node: both backends (node:crypto and the WebAssembly core) build signed,
//! encrypted requests that the native protocol crate verifies and opens.

use std::process::Command;

use protocol::{
    content::{self, ContentMode},
    headers::{RequestHeaders, verify_request},
};
use serde_json::Value;

use crate::{sandbox::DataDir, workspace_root};

const SECRET: &str = "edge-test-secret/+=";

const SCRIPT: &str = r#"
import { createRequire } from "node:module";
import * as crypto from "node:crypto";
import * as esm from "./vendor/iamsmart-edge/esm/node.js";

const cjs = createRequire(import.meta.url)("./vendor/iamsmart-edge");
const cek = crypto.randomBytes(32);
const business = '{"code":"abc","grantType":"authorization_code","n":1.10}';
const requests = [esm, esm.reference, cjs, cjs.reference].map((api) =>
  api.signedRequest({ clientId: "demo-client", clientSecret: process.env.SECRET, body: business, cek }));
console.log(JSON.stringify({ cek: cek.toString("base64"), business, requests, backends: [esm.backend, cjs.backend, esm.reference.backend] }));
"#;

#[test]
fn vendored_sdk_builds_requests_the_protocol_crate_verifies_and_opens() {
    let pkg = workspace_root().join("dist/sdk/iamsmart-edge");
    assert!(
        pkg.join("package.json").exists(),
        "{} is missing: run `cargo xtask dist`",
        pkg.display()
    );
    let project = DataDir::fresh().expect("a temporary folder");
    std::fs::write(project.path().join("package.json"), r#"{"type":"module","private":true}"#)
        .expect("writes");
    copy_dir(&pkg, &project.path().join("vendor/iamsmart-edge"));
    std::fs::write(project.path().join("main.mjs"), SCRIPT).expect("writes");
    let out = Command::new("node")
        .arg("main.mjs")
        .current_dir(project.path())
        .env("SECRET", SECRET)
        .output()
        .expect("node runs");
    assert!(out.status.success(), "node failed: {}", String::from_utf8_lossy(&out.stderr));
    let res: Value = serde_json::from_slice(&out.stdout).expect("JSON from node");
    assert_eq!(res["backends"], serde_json::json!(["node", "node", "wasm"]));

    let cek: [u8; 32] =
        base64_decode(res["cek"].as_str().expect("cek")).try_into().expect("32 bytes");
    for req in res["requests"].as_array().expect("requests") {
        let header = |name: &str| req["headers"][name].as_str();
        let headers = RequestHeaders::from_fn(|name| header(name));
        let body = req["body"].as_str().expect("body");
        let verified =
            verify_request(&headers, body.as_bytes(), |id| (id == "demo-client").then_some(SECRET))
                .expect("the SDK's request verifies natively");
        assert_eq!(verified.nonce().len(), 32);
        let wrapper: Value = serde_json::from_str(body).expect("JSON body");
        let sealed = wrapper["content"].as_str().expect("content");
        let plain = content::decrypt(&cek, sealed).expect("opens natively");
        assert_eq!(plain, res["business"].as_str().expect("business").as_bytes(), "not verbatim");
        let business =
            content::open_body(ContentMode::Encrypted, body.as_bytes(), Some(&cek)).expect("opens");
        assert_eq!(business["grantType"], "authorization_code");
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("creates");
    for entry in std::fs::read_dir(from).expect("reads").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copies");
        }
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).expect("base64")
}
