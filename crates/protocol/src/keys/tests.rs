//! Tests of KEK parsing and CEK wrapping, against keys and ciphertexts made by OpenSSL.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use super::*;

const PRIVATE_PKCS8: &str = include_str!("testdata/kek.key.pem");
const PRIVATE_PKCS1: &str = include_str!("testdata/kek.rsa.key.pem");
const PUBLIC_SPKI: &str = include_str!("testdata/kek.pub.pem");
const PUBLIC_PKCS1: &str = include_str!("testdata/kek.rsapub.pem");
const CERTIFICATE: &str = include_str!("testdata/kek.crt.pem");

/// The CEK OpenSSL wrapped in `testdata/wrapped.*`: bytes 0..=31.
const CEK: [u8; 32] = {
    let mut key = [0; 32];
    let mut idx = 0;
    while idx < 32 {
        key[idx] = idx as u8;
        idx += 1;
    }
    key
};

const ALL_PADDINGS: [Padding; 3] = [Padding::Pkcs1v15, Padding::OaepSha256, Padding::OaepSha1];

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(7)
}

fn private_key() -> KekPrivateKey {
    KekPrivateKey::from_pem(PRIVATE_PKCS8).unwrap()
}

/// The DER inside a single-block PEM, decoded without this module's code.
fn der_of(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|line| !line.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

#[test]
fn kek_parses_every_public_form() {
    let expected = private_key().kek();
    for pem in [PUBLIC_SPKI, PUBLIC_PKCS1, CERTIFICATE] {
        assert_eq!(Kek::from_pem(pem).unwrap(), expected, "{pem}");
        assert_eq!(Kek::from_der(&der_of(pem)).unwrap(), expected, "{pem}");
        assert_eq!(Kek::parse(pem.as_bytes()).unwrap(), expected);
        assert_eq!(Kek::parse(&der_of(pem)).unwrap(), expected);
        assert_eq!(Kek::parse(STANDARD.encode(der_of(pem)).as_bytes()).unwrap(), expected);
    }
    assert_eq!(expected.bits(), 2048);
}

#[test]
fn kek_from_pem_skips_leading_text_and_later_blocks() {
    let expected = Kek::from_pem(PUBLIC_SPKI).unwrap();
    let bundle = format!("Bag Attributes\r\n  friendlyName: kek\r\n{CERTIFICATE}{CERTIFICATE}");
    assert_eq!(Kek::from_pem(&bundle).unwrap(), expected);
    assert_eq!(Kek::from_pem(&PUBLIC_SPKI.replace('\n', "\r\n")).unwrap(), expected);
}

#[test]
fn kek_rejects_unusable_input_as_kek_not_exist() {
    let truncated = &PUBLIC_SPKI[..PUBLIC_SPKI.len() / 2];
    for bad in [
        "",
        "hello",
        truncated,
        PRIVATE_PKCS8,
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    ] {
        let err = Kek::from_pem(bad).unwrap_err();
        assert_eq!(err, Error::KekNotExist, "{bad}");
        assert_eq!(err.code(), crate::Code::KekNotExist);
        assert_eq!(Kek::parse(bad.as_bytes()), Err(Error::KekNotExist));
    }
    assert_eq!(Kek::from_der(&[0x30, 0x03, 0x02, 0x01, 0x01]), Err(Error::KekNotExist));
    assert_eq!(Kek::from_der(&der_of(PRIVATE_PKCS8)), Err(Error::KekNotExist));
}

#[test]
fn kek_rejects_keys_outside_the_size_limits() {
    assert_eq!(KekPrivateKey::generate(&mut rng(), 512).unwrap_err(), Error::KekNotExist);
    assert_eq!(KekPrivateKey::generate(&mut rng(), 8192).unwrap_err(), Error::KekNotExist);
}

#[test]
fn generate_makes_a_working_key_pair() {
    // 1024 bits keeps this quick in a debug build; the interop test uses a 2048-bit key.
    let key = KekPrivateKey::generate(&mut rng(), 1024).unwrap();
    assert_eq!(key.kek().bits(), 1024);
    let wrapped = wrap_cek(&key.kek(), &CEK, Padding::OaepSha256, &mut rng()).unwrap();
    assert_eq!(key.unwrap_cek(&wrapped, Padding::OaepSha256), Ok(CEK));
}

#[test]
fn kek_exports_spki_for_pub_key_and_pem() {
    let kek = Kek::from_pem(PUBLIC_PKCS1).unwrap();
    assert_eq!(kek.spki_der(), der_of(PUBLIC_SPKI));
    assert_eq!(STANDARD.decode(kek.pub_key()).unwrap(), der_of(PUBLIC_SPKI));
    assert_eq!(kek.to_pem(), PUBLIC_SPKI);
}

#[test]
fn kek_serialises_as_pem() {
    let kek = Kek::from_pem(CERTIFICATE).unwrap();
    let json = serde_json::to_string(&kek).unwrap();
    assert_eq!(serde_json::from_str::<Kek>(&json).unwrap(), kek);
    assert!(serde_json::from_str::<Kek>(r#""not a key""#).is_err());
}

#[test]
fn private_key_parses_pkcs8_and_pkcs1_and_hides_itself_in_debug() {
    let pkcs8 = private_key();
    let pkcs1 = KekPrivateKey::from_pem(PRIVATE_PKCS1).unwrap();
    assert_eq!(pkcs8.as_rsa(), pkcs1.as_rsa());
    assert_eq!(KekPrivateKey::from_der(&der_of(PRIVATE_PKCS1)).unwrap().as_rsa(), pkcs8.as_rsa());
    assert_eq!(KekPrivateKey::from_pem(&pkcs8.to_pem()).unwrap().as_rsa(), pkcs8.as_rsa());
    assert_eq!(KekPrivateKey::from_pem(PUBLIC_SPKI).unwrap_err(), Error::KekNotExist);
    assert_eq!(format!("{pkcs8:?}"), "KekPrivateKey { bits: 2048, .. }");
}

#[test]
fn unwrap_cek_opens_openssl_wrapped_keys() {
    let key = private_key();
    let cases = [
        (include_str!("testdata/wrapped.pkcs1v15.b64"), Padding::Pkcs1v15),
        (include_str!("testdata/wrapped.oaep-sha256.b64"), Padding::OaepSha256),
        (include_str!("testdata/wrapped.oaep-sha1.b64"), Padding::OaepSha1),
        (include_str!("testdata/wrapped.pkcs1v15.base64text.b64"), Padding::Pkcs1v15),
    ];
    for (wrapped, padding) in cases {
        assert_eq!(key.unwrap_cek(wrapped.trim(), padding), Ok(CEK), "{padding:?}");
    }
}

#[test]
fn wrap_cek_round_trips_with_every_padding_and_form() {
    let key = private_key();
    let kek = key.kek();
    let mut rng = rng();
    for padding in ALL_PADDINGS {
        for form in [CekForm::Raw, CekForm::Base64Text] {
            let wrapped = wrap_cek_as(&kek, &CEK, padding, form, &mut rng).unwrap();
            assert_eq!(STANDARD.decode(&wrapped).unwrap().len(), 256);
            assert_eq!(key.unwrap_cek(&wrapped, padding), Ok(CEK), "{padding:?} {form:?}");
        }
    }
    // Randomised padding: wrapping twice gives different ciphertexts.
    let first = wrap_cek(&kek, &CEK, Padding::Pkcs1v15, &mut rng).unwrap();
    assert_ne!(first, wrap_cek(&kek, &CEK, Padding::Pkcs1v15, &mut rng).unwrap());
}

#[test]
fn unwrap_cek_rejects_garbage_as_decryption_error() {
    let key = private_key();
    let wrapped_oaep = wrap_cek(&key.kek(), &CEK, Padding::OaepSha256, &mut rng()).unwrap();
    assert_eq!(key.unwrap_cek("not base64", Padding::Pkcs1v15), Err(Error::Decryption));
    assert_eq!(key.unwrap_cek("AAAA", Padding::OaepSha256), Err(Error::Decryption));
    assert_eq!(key.unwrap_cek(&wrapped_oaep, Padding::OaepSha1), Err(Error::Decryption));
    // PKCS#1 v1.5 uses implicit rejection: a wrong padding yields no usable key either.
    assert_ne!(key.unwrap_cek(&wrapped_oaep, Padding::Pkcs1v15), Ok(CEK));
}

#[test]
fn padding_and_form_serialise_in_kebab_case() {
    let names: Vec<String> =
        ALL_PADDINGS.iter().map(|it| serde_json::to_string(it).unwrap()).collect();
    assert_eq!(names, [r#""pkcs1v15""#, r#""oaep-sha256""#, r#""oaep-sha1""#]);
    assert_eq!(serde_json::to_string(&CekForm::Base64Text).unwrap(), r#""base64-text""#);
    assert_eq!(Padding::default(), Padding::Pkcs1v15);
    assert_eq!(CekForm::default(), CekForm::Raw);
}

#[test]
fn key_grant_carries_wrapped_key_and_relative_lifetime() {
    let key = private_key();
    let cek = Cek::new(CEK, 1_556_450_176_000, 86_400_000);
    let grant = KeyGrant::new(&key.kek(), &cek, Padding::Pkcs1v15, &mut rng()).unwrap();
    let json = serde_json::to_value(&grant).unwrap();
    let mut fields: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["expiresIn", "issueAt", "pubKey", "secretKey"]);
    assert_eq!(json["pubKey"], key.kek().pub_key());
    assert_eq!(json["issueAt"], 1_556_450_176_000u64);
    assert_eq!(json["expiresIn"], 86_400_000);
    assert_eq!(grant.open(&key, Padding::Pkcs1v15), Ok(cek));
}

#[test]
fn key_grant_reads_absolute_looking_expiry_as_a_point_in_time() {
    let grant = |expires_in| KeyGrant {
        secret_key: String::new(),
        pub_key: String::new(),
        issue_at: 1_556_450_176_000,
        expires_in,
    };
    assert_eq!(grant(6_000_000).expires_at_ms(), 1_556_456_176_000);
    assert_eq!(grant(1_556_456_176_000).expires_at_ms(), 1_556_456_176_000);
}
