//! Tests of request signing against independent vectors.

use super::*;

fn input<'a>(
    client_id: &'a str,
    timestamp: &'a str,
    nonce: &'a str,
    body: &'a [u8],
) -> SignatureInput<'a> {
    SignatureInput { client_id, signature_method: SIGNATURE_METHOD, timestamp, nonce, body }
}

#[test]
fn signature_matches_rfc4231_vector() {
    // RFC 4231 test case 2 (key "Jefe"), with its message split across the signed fields.
    let input = SignatureInput {
        client_id: "what do ",
        signature_method: "ya want ",
        timestamp: "for ",
        nonce: "nothing?",
        body: b"",
    };
    assert_eq!(sign("Jefe", &input), "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM%3D");
}

#[test]
fn signature_is_url_encoded_base64_over_concatenation() {
    // Expected value computed with Python's hmac module.
    let req = input(
        "edae2e2529ff46228af1e4d18c8405d1",
        "1557048906183",
        "e893647dc4204eb9b7b8eddd527b687c",
        br#"{"content":"x"}"#,
    );
    assert_eq!(sign("secret", &req), "3kWxkA3R4EPQF61Kvl%2BSYUeVqvRmACNQBgFCHmWE%2FS8%3D");
}

#[test]
fn verify_accepts_encoded_and_plain_forms() {
    let req = input("client", "1557048906183", "n1", b"{}");
    let encoded = sign("s3cret", &req);
    let plain = url_decode(&encoded).unwrap();
    assert_ne!(encoded, plain);
    assert_eq!(verify("s3cret", &req, &encoded), Ok(()));
    assert_eq!(verify("s3cret", &req, &plain), Ok(()));
    assert_eq!(
        verify("s3cret", &req, &encoded.to_ascii_lowercase()),
        Err(Error::SignatureMismatch)
    );
}

#[test]
fn verify_accepts_lowercase_escapes() {
    let req = input("client", "1", "n", b"");
    let sig = sign("k", &req).replace("%3D", "%3d").replace("%2B", "%2b").replace("%2F", "%2f");
    assert_eq!(verify("k", &req, &sig), Ok(()));
}

#[test]
fn verify_rejects_any_changed_part() {
    let secret = "s3cret";
    let req = input("client", "1557048906183", "nonce", br#"{"content":"abc"}"#);
    let sig = sign(secret, &req);
    let changed = [
        SignatureInput { client_id: "clienT", ..req },
        SignatureInput { signature_method: "HmacSHA1", ..req },
        SignatureInput { timestamp: "1557048906184", ..req },
        SignatureInput { nonce: "nonce2", ..req },
        SignatureInput { body: br#"{"content":"abd"}"#, ..req },
    ];
    for other in changed {
        assert_eq!(verify(secret, &other, &sig), Err(Error::SignatureMismatch), "{other:?}");
    }
    assert_eq!(verify("s3creT", &req, &sig), Err(Error::SignatureMismatch));
}

#[test]
fn verify_rejects_malformed_signatures() {
    let req = input("client", "1", "n", b"");
    for bad in ["", "%", "%2", "%41AAAA", "not base64!", "AAAA"] {
        assert_eq!(verify("k", &req, bad), Err(Error::SignatureMismatch), "{bad}");
    }
}
