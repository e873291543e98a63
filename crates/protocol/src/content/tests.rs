//! Tests of content encryption: the wire layout, its failure modes and the two modes.

use proptest::prelude::*;
use serde_json::json;

use super::*;

/// Key bytes 0..=31.
const CEK: [u8; 32] = {
    let mut key = [0; 32];
    let mut idx = 0;
    while idx < 32 {
        key[idx] = idx as u8;
        idx += 1;
    }
    key
};
/// IV bytes 100..=111.
const IV: [u8; 12] = [100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111];
const PLAINTEXT: &str = r#"{"code":"7e0d","grantType":"authorization_code"}"#;
/// `PLAINTEXT` sealed under `CEK` with `IV` by Node's `crypto` (AES-256-GCM), laid out as
/// int32_be(12) || iv || ciphertext || tag.
const NODE_BLOB: &str = "AAAADGRlZmdoaWprbG1ubzM5vQkdjHSkHFU62L5HRt8lsGdk/ziKAsLzlmqa1tEg+5spui1m8muTrBtQmSfosr/iBm44CdEyqojw9R0+NE8=";

fn blob(b64: &str) -> Vec<u8> {
    STANDARD.decode(b64).unwrap()
}

#[test]
fn encrypt_matches_independent_implementation() {
    assert_eq!(encrypt(&CEK, IV, PLAINTEXT.as_bytes()), NODE_BLOB);
    assert_eq!(decrypt(&CEK, NODE_BLOB).unwrap(), PLAINTEXT.as_bytes());
}

#[test]
fn encrypt_lays_out_length_iv_ciphertext_tag() {
    let bytes = blob(&encrypt(&CEK, IV, b"hello"));
    assert_eq!(bytes.len(), 4 + IV_LEN + 5 + TAG_LEN);
    assert_eq!(bytes[..4], [0, 0, 0, 12]);
    assert_eq!(bytes[4..16], IV);
    assert!(encrypt(&CEK, IV, b"").starts_with("AAAADG"));
}

#[test]
fn decrypt_rejects_bad_base64() {
    for bad in
        ["", "!!!!", "AAAADGRl ZmdoaWprbG1ubw==", &NODE_BLOB[1..], &NODE_BLOB.replace('=', "")]
    {
        assert_eq!(decrypt(&CEK, bad), Err(Error::Decryption), "{bad:?}");
    }
}

#[test]
fn decrypt_rejects_iv_length_field_other_than_12() {
    for len in [0u32, 11, 13, 16, 0x0C00_0000] {
        let mut bytes = blob(NODE_BLOB);
        bytes[..4].copy_from_slice(&len.to_be_bytes());
        assert_eq!(decrypt(&CEK, &STANDARD.encode(&bytes)), Err(Error::Decryption), "{len}");
    }
}

#[test]
fn decrypt_rejects_short_blob() {
    let bytes = blob(&encrypt(&CEK, IV, b""));
    assert_eq!(bytes.len(), 4 + IV_LEN + TAG_LEN);
    for len in 0..bytes.len() {
        assert_eq!(decrypt(&CEK, &STANDARD.encode(&bytes[..len])), Err(Error::Decryption));
    }
    assert_eq!(decrypt(&CEK, &STANDARD.encode(&bytes)), Ok(Vec::new()));
}

#[test]
fn decrypt_rejects_wrong_key() {
    let mut other = CEK;
    other[31] ^= 1;
    let err = decrypt(&other, NODE_BLOB).unwrap_err();
    assert_eq!(err, Error::Decryption);
    assert_eq!(err.code(), crate::Code::DecryptionException);
}

#[test]
fn content_mode_serialises_in_lowercase() {
    assert_eq!(serde_json::to_string(&ContentMode::Plain).unwrap(), r#""plain""#);
    assert_eq!(
        serde_json::from_str::<ContentMode>(r#""encrypted""#).unwrap(),
        ContentMode::Encrypted
    );
    assert_eq!(ContentMode::default(), ContentMode::Encrypted);
}

#[test]
fn open_body_decrypts_the_content_wrapper() {
    let business = json!({ "code": "7e0d", "grantType": "authorization_code" });
    let body = seal_body(&CEK, IV, &business);
    assert_eq!(open_body(ContentMode::Encrypted, body.as_bytes(), Some(&CEK)), Ok(business));
    // A peer's wrapper, with JSON's optional escape of `/`.
    let escaped = format!(r#"{{"content":"{}"}}"#, NODE_BLOB.replace('/', "\\/"));
    let opened = open_body(ContentMode::Encrypted, escaped.as_bytes(), Some(&CEK)).unwrap();
    assert_eq!(opened["grantType"], "authorization_code");
}

#[test]
fn open_body_reports_each_malformed_wrapper() {
    let missing = Error::MissingParameter(Param::Borrowed(CONTENT));
    let empty = Error::EmptyParameter(Param::Borrowed(CONTENT));
    let invalid = Error::InvalidParameter(Param::Borrowed(CONTENT));
    let not_json_inside = format!(r#"{{"content":"{}"}}"#, encrypt(&CEK, IV, b"not json"));
    let array_inside = format!(r#"{{"content":"{}"}}"#, encrypt(&CEK, IV, b"[1,2]"));
    let cases: &[(&str, Error)] = &[
        ("", missing.clone()),
        ("{}", missing.clone()),
        (r#"{"content":null}"#, missing),
        (r#"{"content":""}"#, empty),
        (r#"{"content":12}"#, invalid.clone()),
        (r#"["AAAA"]"#, invalid.clone()),
        ("{not json", invalid.clone()),
        (r#"{"content":"AAAA"}"#, Error::Decryption),
        (&not_json_inside, invalid.clone()),
        (&array_inside, invalid),
    ];
    for (body, expected) in cases {
        let got = open_body(ContentMode::Encrypted, body.as_bytes(), Some(&CEK));
        assert_eq!(got.as_ref().err(), Some(expected), "{body}");
    }
}

#[test]
fn open_body_needs_a_cek_in_encrypted_mode() {
    let body = seal_body(&CEK, IV, &json!({}));
    assert_eq!(open_body(ContentMode::Encrypted, body.as_bytes(), None), Err(Error::CekNotExist));
}

#[test]
fn open_body_takes_clear_json_in_plain_mode() {
    let business = json!({ "businessID": "b1", "profileFields": ["idNo"] });
    let body = business.to_string();
    assert_eq!(open_body(ContentMode::Plain, body.as_bytes(), None), Ok(business));
    assert_eq!(open_body(ContentMode::Plain, b"", None), Ok(json!({})));
    let invalid = Error::InvalidParameter(Param::Borrowed(CONTENT));
    for bad in ["{", "[]", r#""text""#, "null"] {
        assert_eq!(open_body(ContentMode::Plain, bad.as_bytes(), Some(&CEK)), Err(invalid.clone()));
    }
}

#[test]
fn seal_content_encrypts_or_passes_through() {
    let content = json!({ "authByQR": true, "ticketID": "t1" });
    let sealed = seal_content(ContentMode::Encrypted, &content, Some(&CEK), IV).unwrap();
    let b64 = sealed.as_str().unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&decrypt(&CEK, b64).unwrap()).unwrap(), content);
    assert_eq!(open_content(ContentMode::Encrypted, &sealed, Some(&CEK)), Ok(content.clone()));
    assert_eq!(seal_content(ContentMode::Encrypted, &content, None, IV), Err(Error::CekNotExist));
    assert_eq!(seal_content(ContentMode::Plain, &content, None, IV), Ok(content.clone()));
    assert_eq!(open_content(ContentMode::Plain, &content, None), Ok(content));
}

proptest! {
    #[test]
    fn encrypt_then_decrypt_round_trips(
        cek in any::<[u8; 32]>(),
        iv in any::<[u8; 12]>(),
        plaintext in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let sealed = encrypt(&cek, iv, &plaintext);
        prop_assert_eq!(decrypt(&cek, &sealed), Ok(plaintext));
    }

    #[test]
    fn any_single_byte_change_of_the_blob_fails_decryption(
        plaintext in proptest::collection::vec(any::<u8>(), 0..256),
        pos in any::<usize>(),
        delta in 1..=255u8,
    ) {
        let mut bytes = blob(&encrypt(&CEK, IV, &plaintext));
        let idx = pos % bytes.len();
        bytes[idx] = bytes[idx].wrapping_add(delta);
        prop_assert_eq!(decrypt(&CEK, &STANDARD.encode(&bytes)), Err(Error::Decryption));
    }
}
