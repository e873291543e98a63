//! The WebAssembly core of the `iamsmart-edge` npm package: the protocol's own signing,
//! content encryption and CEK unwrapping, for JavaScript.
//!
//! This is the reference implementation the package runs in browsers and edge workers and
//! checks its Node path against (`crates/edge/npm/` is the package; its JavaScript layer
//! validates every argument before it gets here). Every function is a thin binding over
//! `protocol`, so JavaScript and the sandbox compute the same bytes. Arguments arrive as
//! strings and byte arrays, already checked; randomness (IVs, nonces) and time stay in
//! JavaScript.
//!
//! A failure is thrown as a JavaScript `Error` whose `name` is the package's error code
//! (`BAD_BASE64`, `IV_LENGTH`, `AUTH_TAG_MISMATCH`, ...); the JavaScript layer turns it into
//! an `IamSmartEdgeError`. No platform `D`-code is ever produced here: those only come from
//! the platform's answers.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use protocol::{
    SIGNATURE_METHOD, SignatureInput, content,
    keys::{CEK_LEN, KekPrivateKey, Padding},
};
use wasm_bindgen::prelude::*;

/// The URL-encoded Base64 HMAC-SHA256 of `clientID + "HmacSHA256" + timestamp + nonce + body`,
/// keyed with the UTF-8 bytes of the client secret.
#[wasm_bindgen]
pub fn sign(
    client_id: &str,
    client_secret: &str,
    timestamp: &str,
    nonce: &str,
    body: &[u8],
) -> String {
    protocol::sign(client_secret, &input(client_id, timestamp, nonce, body))
}

/// Checks a `signature` header value (URL-encoded or plain Base64) in constant time.
#[wasm_bindgen]
pub fn verify(
    client_id: &str,
    client_secret: &str,
    timestamp: &str,
    nonce: &str,
    body: &[u8],
    signature: &str,
) -> bool {
    protocol::verify(client_secret, &input(client_id, timestamp, nonce, body), signature).is_ok()
}

/// Seals `plaintext` under the 32-byte `cek` with the 12-byte `iv` into the Base64
/// `int32(12) | iv | ciphertext | tag` blob.
#[wasm_bindgen(js_name = sealContent)]
pub fn seal_content(cek: &[u8], iv: &[u8], plaintext: &[u8]) -> Result<String, JsValue> {
    let iv: [u8; content::IV_LEN] =
        iv.try_into().map_err(|_| fault("IV_LENGTH", "the IV must be 12 bytes"))?;
    Ok(content::encrypt(&cek_bytes(cek)?, iv, plaintext))
}

/// Opens a Base64 `content` blob under the 32-byte `cek`; returns the plaintext bytes.
#[wasm_bindgen(js_name = openContent)]
pub fn open_content(cek: &[u8], content_b64: &str) -> Result<Vec<u8>, JsValue> {
    let cek = cek_bytes(cek)?;
    let blob = STANDARD
        .decode(content_b64)
        .map_err(|_| fault("BAD_BASE64", "content is not standard, padded Base64"))?;
    if blob.len() < 4 + content::IV_LEN + content::TAG_LEN {
        return Err(fault(
            "CONTENT_TOO_SHORT",
            &format!("content holds {} bytes, too few for a length, an IV and a tag", blob.len()),
        ));
    }
    let prefix = u32::from_be_bytes([blob[0], blob[1], blob[2], blob[3]]);
    if prefix != content::IV_LEN as u32 {
        return Err(fault(
            "IV_LENGTH",
            &format!("content declares a {prefix}-byte IV; iAM Smart always uses 12"),
        ));
    }
    content::decrypt(&cek, content_b64).map_err(|_| {
        fault(
            "AUTH_TAG_MISMATCH",
            "content does not authenticate under this CEK (wrong key or altered data)",
        )
    })
}

/// The e-service's RSA private key (its KEK), parsed once and kept for every unwrap.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Kek {
    key: KekPrivateKey,
}

#[wasm_bindgen]
impl Kek {
    /// Parses an RSA private key from DER, PKCS#8 or PKCS#1.
    #[wasm_bindgen(js_name = fromDer)]
    pub fn from_der(der: &[u8]) -> Result<Kek, JsValue> {
        KekPrivateKey::from_der(der)
            .map(|key| Kek { key })
            .map_err(|_| fault("BAD_PEM", "the key is not a valid RSA private key"))
    }

    /// The modulus size in bits.
    #[wasm_bindgen]
    pub fn bits(&self) -> usize {
        self.key.kek().bits()
    }

    /// Unwraps a Base64 `secretKey` into the 32-byte CEK. `padding` is `pkcs1v15`,
    /// `oaep-sha256` or `oaep-sha1`.
    #[wasm_bindgen]
    pub fn unwrap(&self, secret_key: &str, padding: &str) -> Result<Vec<u8>, JsValue> {
        let padding = match padding {
            "pkcs1v15" => Padding::Pkcs1v15,
            "oaep-sha256" => Padding::OaepSha256,
            "oaep-sha1" => Padding::OaepSha1,
            other => return Err(fault("BAD_ARGUMENT", &format!("unknown padding {other:?}"))),
        };
        let wrapped = STANDARD
            .decode(secret_key)
            .map_err(|_| fault("BAD_BASE64", "secretKey is not standard, padded Base64"))?;
        let modulus = self.bits().div_ceil(8);
        if wrapped.len() != modulus {
            return Err(fault(
                "UNWRAP_FAILED",
                &format!(
                    "secretKey holds {} bytes but this {}-bit key unwraps {modulus}: was it wrapped under another KEK?",
                    wrapped.len(),
                    self.bits()
                ),
            ));
        }
        let cek: [u8; CEK_LEN] = self.key.unwrap_cek(secret_key, padding).map_err(|_| {
            fault("UNWRAP_FAILED", "secretKey does not unwrap with this key and padding (another KEK, or another padding?)")
        })?;
        Ok(cek.to_vec())
    }
}

fn input<'a>(
    client_id: &'a str,
    timestamp: &'a str,
    nonce: &'a str,
    body: &'a [u8],
) -> SignatureInput<'a> {
    SignatureInput { client_id, signature_method: SIGNATURE_METHOD, timestamp, nonce, body }
}

fn cek_bytes(cek: &[u8]) -> Result<[u8; CEK_LEN], JsValue> {
    cek.try_into().map_err(|_| {
        fault("CEK_LENGTH", &format!("the CEK must be 32 bytes (AES-256), not {}", cek.len()))
    })
}

/// A JavaScript `Error` named after the package's error `code`.
fn fault(code: &str, message: &str) -> JsValue {
    let err = js_sys::Error::new(message);
    err.set_name(code);
    err.into()
}
