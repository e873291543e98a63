//! `iamsmart-edge`: the client side of the iAM Smart protocol for JavaScript.
//!
//! An online service that runs JavaScript (a browser, Node.js or an edge worker) imports this
//! module to sign requests, verify signatures, encrypt and decrypt `content`, unwrap the
//! content encryption key and build a complete signed request. Every function is a thin
//! binding over `protocol`, so JavaScript and the sandbox compute the same bytes.
//!
//! Randomness (IVs, nonces) comes from `crypto.getRandomValues` and time from `Date.now()`,
//! both available in browsers, Node 20 and workers.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use protocol::{
    SIGNATURE_METHOD, SignatureInput, content,
    keys::{KekPrivateKey, Padding},
};
use serde_json::{Map, Value, json};
use wasm_bindgen::prelude::*;

/// Signs a request: the URL-encoded Base64 HMAC-SHA256 of
/// `clientID + "HmacSHA256" + timestamp + nonce + body`, keyed with the client secret.
#[wasm_bindgen]
pub fn sign(
    client_id: &str,
    client_secret: &str,
    timestamp: &str,
    nonce: &str,
    body: &str,
) -> String {
    protocol::sign(client_secret, &input(client_id, timestamp, nonce, body))
}

/// Checks a `signature` header (URL-encoded or plain Base64) in constant time.
#[wasm_bindgen]
pub fn verify(
    client_id: &str,
    client_secret: &str,
    timestamp: &str,
    nonce: &str,
    body: &str,
    signature: &str,
) -> bool {
    protocol::verify(client_secret, &input(client_id, timestamp, nonce, body), signature).is_ok()
}

/// Encrypts `plaintext` (usually a JSON string) under the Base64 CEK, with a fresh random IV.
/// Returns the Base64 `content` value.
#[wasm_bindgen]
pub fn encrypt(cek: &str, plaintext: &str) -> Result<String, JsError> {
    let mut iv = [0u8; content::IV_LEN];
    getrandom::fill(&mut iv).map_err(|e| JsError::new(&format!("no randomness source: {e}")))?;
    Ok(content::encrypt(&cek_bytes(cek)?, iv, plaintext.as_bytes()))
}

/// Encrypts with a caller-chosen 12-byte IV given in Base64. Never reuse an IV with one key:
/// this exists for test vectors.
#[wasm_bindgen(js_name = encryptWithIv)]
pub fn encrypt_with_iv(cek: &str, iv: &str, plaintext: &str) -> Result<String, JsError> {
    let iv: [u8; content::IV_LEN] = STANDARD
        .decode(iv)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| JsError::new("the IV must be 12 bytes, in Base64"))?;
    Ok(content::encrypt(&cek_bytes(cek)?, iv, plaintext.as_bytes()))
}

/// Decrypts a Base64 `content` value under the Base64 CEK and returns the plaintext as text.
#[wasm_bindgen]
pub fn decrypt(cek: &str, content_b64: &str) -> Result<String, JsError> {
    let plain = content::decrypt(&cek_bytes(cek)?, content_b64).map_err(protocol_error)?;
    String::from_utf8(plain).map_err(|_| JsError::new("the decrypted content is not UTF-8 text"))
}

/// Unwraps a `secretKey` (from getKey or a callback) with the e-service's RSA private key in
/// PEM (PKCS#8 or PKCS#1). `padding` is `"pkcs1v15"` (default), `"oaep-sha256"` or
/// `"oaep-sha1"`. Returns the CEK in Base64.
#[wasm_bindgen(js_name = unwrapCek)]
pub fn unwrap_cek(
    private_key_pem: &str,
    secret_key: &str,
    padding: Option<String>,
) -> Result<String, JsError> {
    let padding = parse_padding(padding.as_deref().unwrap_or("pkcs1v15"))?;
    let key = KekPrivateKey::from_pem(private_key_pem).map_err(protocol_error)?;
    let cek = key.unwrap_cek(secret_key, padding).map_err(protocol_error)?;
    Ok(STANDARD.encode(cek))
}

/// Builds a complete signed request.
///
/// `business` is the request's business JSON (an object or its text). With `cek` (Base64) the
/// body is the encrypted `{"content":"..."}` wrapper; without it the body is the clear JSON
/// (the pilot sandbox's plain mode). `timestamp` (ms) and `nonce` default to `Date.now()` and
/// 32 random hex digits. Returns `{ headers: {clientID, signatureMethod, timestamp, nonce,
/// signature, "Content-Type"}, body }`.
#[wasm_bindgen(js_name = signedRequest)]
pub fn signed_request(
    client_id: &str,
    client_secret: &str,
    business: JsValue,
    cek: Option<String>,
    timestamp: Option<f64>,
    nonce: Option<String>,
) -> Result<JsValue, JsError> {
    let business: Value = match business.as_string() {
        Some(text) => {
            serde_json::from_str(&text).map_err(|e| JsError::new(&format!("business JSON: {e}")))?
        }
        None => {
            let text = js_sys::JSON::stringify(&business)
                .map_err(|_| JsError::new("business is not JSON-serialisable"))?;
            serde_json::from_str(&String::from(text)).map_err(|e| JsError::new(&e.to_string()))?
        }
    };
    let body = match cek {
        Some(cek) => {
            let mut iv = [0u8; content::IV_LEN];
            getrandom::fill(&mut iv).map_err(|e| JsError::new(&e.to_string()))?;
            content::seal_body(&cek_bytes(&cek)?, iv, &business)
        }
        None => business.to_string(),
    };
    let timestamp = timestamp.unwrap_or_else(js_sys::Date::now) as u64;
    let nonce = match nonce {
        Some(nonce) => nonce,
        None => random_nonce()?,
    };
    let headers = protocol::headers::signed_headers(
        client_id,
        client_secret,
        timestamp,
        &nonce,
        body.as_bytes(),
    );
    let mut map: Map<String, Value> =
        headers.into_iter().map(|(k, v)| (k.to_owned(), Value::String(v))).collect();
    map.insert("Content-Type".into(), Value::String("application/json".into()));
    let res = json!({ "headers": map, "body": body });
    js_sys::JSON::parse(&res.to_string())
        .map_err(|_| JsError::new("cannot build the request object"))
}

/// The signature method this library implements, `"HmacSHA256"`.
#[wasm_bindgen(js_name = signatureMethod)]
pub fn signature_method() -> String {
    SIGNATURE_METHOD.to_owned()
}

fn input<'a>(
    client_id: &'a str,
    timestamp: &'a str,
    nonce: &'a str,
    body: &'a str,
) -> SignatureInput<'a> {
    SignatureInput {
        client_id,
        signature_method: SIGNATURE_METHOD,
        timestamp,
        nonce,
        body: body.as_bytes(),
    }
}

fn cek_bytes(cek: &str) -> Result<[u8; 32], JsError> {
    STANDARD
        .decode(cek)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| JsError::new("the CEK must be 32 bytes, in Base64"))
}

fn parse_padding(name: &str) -> Result<Padding, JsError> {
    match name {
        "pkcs1v15" => Ok(Padding::Pkcs1v15),
        "oaep-sha256" => Ok(Padding::OaepSha256),
        "oaep-sha1" => Ok(Padding::OaepSha1),
        other => Err(JsError::new(&format!(
            "unknown padding {other:?}: use \"pkcs1v15\", \"oaep-sha256\" or \"oaep-sha1\""
        ))),
    }
}

fn random_nonce() -> Result<String, JsError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| JsError::new(&e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn protocol_error(err: protocol::Error) -> JsError {
    JsError::new(&format!("{}: {}", err.code(), err.message()))
}
