//! The codes of the request checks (`D2xxxx`, `D3xxxx`), one rule per test, named after the
//! rule.
//!
//! Each API check also asserts that the catalogue lists the code for that endpoint, so the
//! documentation and the mock agree.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use serde_json::{Value, json};

use super::util::*;
use crate::{
    Code, Error,
    catalogue::{self, Method},
    content::ContentMode,
    engine::{AccessToken, Store},
    pki,
    vocab::{Scopes, Source},
};

/// Checks an API answer's code, and that the catalogue lists it for `path`.
#[track_caller]
fn check(answer: &Answer, path: &str, expect: &str) {
    assert_eq!(answer.code.as_str(), expect, "{}", answer.raw.body);
    let endpoint = catalogue::find(Method::Post, path).unwrap();
    assert!(endpoint.can_return(answer.code), "{path} does not list {expect}");
}

/// POSTs `body` to `path` and checks the code.
#[track_caller]
pub(super) fn check_post(sb: &mut Sandbox, path: &str, body: Value, expect: &str) {
    let answer = sb.post(path, Some(body));
    check(&answer, path, expect);
}

/// Checks a getQR query's error code.
#[track_caller]
fn check_get_qr(sb: &mut Sandbox, query: &str, expect: &str) {
    let err = sb.engine.get_qr(query, sb.now, &mut sb.rng, &Default::default()).unwrap_err();
    assert_eq!(err.code().as_str(), expect, "{query}: {err}");
}

pub(super) const PROFILE: &str = "/api/v1/account/auth/profile/initiateRequest";
pub(super) const TOKEN: &str = "/api/v1/auth/getToken";
const GET_KEY: &str = "/api/v1/security/getKey";
pub(super) const SIGNING: &str = "/api/v1/account/signing/initiateRequest";
pub(super) const ACK: &str = "/api/v1/account/signing/ackResult";

/// A valid profile request for `login`.
pub(super) fn profile(login: &Login, business_id: &str) -> Value {
    json!({
        "businessID": business_id,
        "accessToken": login.token,
        "openID": login.open_id,
        "source": "PC_Browser",
        "redirectURI": CALLBACK_URI,
        "profileFields": ["enName"],
    })
}

/// A valid hash-signing request for `login` naming the card `hkic`.
pub(super) fn signing(login: &Login, business_id: &str, hkic: &str) -> Value {
    json!({
        "businessID": business_id,
        "accessToken": login.token,
        "openID": login.open_id,
        "source": "PC_Browser",
        "redirectURI": CALLBACK_URI,
        "hashCode": STANDARD.encode(b"doc"),
        "HKICHash": pki::hkic_hash(hkic),
        "serviceName": "S",
        "documentName": "D",
    })
}

/// Renames a header so that it is absent.
fn drop_header(name: &'static str) -> impl FnOnce(&mut [(&'static str, String); 5]) {
    move |headers| headers.iter_mut().filter(|(n, _)| *n == name).for_each(|h| h.0 = "x-gone")
}

/// Sets a header's value.
fn set_header(name: &'static str, value: &str) -> impl FnOnce(&mut [(&'static str, String); 5]) {
    let value = value.to_owned();
    move |headers| headers.iter_mut().filter(|(n, _)| *n == name).for_each(|h| h.1 = value.clone())
}

#[test]
fn missing_header_is_d20001() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let answer = sb.post_raw(GET_KEY, b"", drop_header("nonce"), None);
    check(&answer, GET_KEY, "D20001");
    assert!(answer.raw.body.contains("parameter nonce is missing"));
}

#[test]
fn empty_header_is_d20002() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    check(&sb.post_raw(GET_KEY, b"", set_header("timestamp", ""), None), GET_KEY, "D20002");
}

#[test]
fn unknown_client_and_malformed_timestamp_are_d20003() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    check(&sb.post_raw(GET_KEY, b"", set_header("clientID", "nobody"), None), GET_KEY, "D20003");
    check(&sb.post_raw(GET_KEY, b"", set_header("timestamp", "-5"), None), GET_KEY, "D20003");
}

#[test]
fn replayed_request_is_d20004() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    assert_eq!(sb.post(GET_KEY, None).code, Code::Success);
    check(&sb.resend(GET_KEY), GET_KEY, "D20004");
}

#[test]
fn timestamp_going_backwards_is_d20004() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    sb.advance(10);
    assert_eq!(sb.post(GET_KEY, None).code, Code::Success);
    sb.now -= 1;
    check(&sb.post(GET_KEY, None), GET_KEY, "D20004");
}

#[test]
fn unsupported_signature_method_is_d20005() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let answer = sb.post_raw(GET_KEY, b"", set_header("signatureMethod", "HmacSHA1"), None);
    check(&answer, GET_KEY, "D20005");
}

#[test]
fn wrong_signature_is_d20006() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let forged = "5X42Y1B7MEd8Mm%2BonwjiQz9VCZkkrntADskXsYntavU%3D";
    check(&sb.post_raw(GET_KEY, b"", set_header("signature", forged), None), GET_KEY, "D20006");
}

#[test]
fn missing_empty_and_invalid_body_fields_are_d20001_to_d20003() {
    let mut sb = Sandbox::new(ContentMode::Encrypted);
    let login = sb.login("chan-tai-man");
    let mut body = profile(&login, "b1");
    body.as_object_mut().unwrap().remove("businessID");
    check_post(&mut sb, PROFILE, body, "D20001");
    check_post(&mut sb, PROFILE, profile(&login, " "), "D20002");
    let grant = json!({ "code": "0123", "grantType": "client_credentials" });
    check_post(&mut sb, TOKEN, grant, "D20003");
}

#[test]
fn unsupported_source_is_d20007() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let login = sb.login("chan-tai-man");
    let mut body = profile(&login, "b1");
    body["source"] = json!("Windows_Phone");
    check_post(&mut sb, PROFILE, body, "D20007");
}

#[test]
fn unregistered_redirect_uri_is_d20008() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let login = sb.login("chan-tai-man");
    let mut body = profile(&login, "b1");
    body["redirectURI"] = json!("https://rp.example/callback/");
    check_post(&mut sb, PROFILE, body, "D20008");
}

#[test]
fn unknown_expired_or_foreign_access_token_is_d20009() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let login = sb.login("chan-tai-man");
    let mut body = profile(&login, "b1");
    body["accessToken"] = json!("0".repeat(32));
    check_post(&mut sb, PROFILE, body, "D20009");

    let foreign = AccessToken {
        token: "f".repeat(32),
        client_id: "another-client".to_owned(),
        persona: "chan-tai-man".to_owned(),
        open_id: login.open_id.clone(),
        scopes: Scopes::parse(ALL_SCOPES).unwrap(),
        same_device: false,
        business_id: None,
        issued_ms: sb.now,
        expires_ms: sb.now + 1000,
    };
    sb.engine.store_mut().put_access_token(foreign).unwrap();
    let mut body = profile(&login, "b2");
    body["accessToken"] = json!("f".repeat(32));
    check_post(&mut sb, PROFILE, body, "D20009");

    sb.advance(4 * 60 * 60 * 1000);
    check_post(&mut sb, PROFILE, profile(&login, "b3"), "D20009");
}

#[test]
fn open_id_of_another_user_is_d20010() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let login = sb.login("chan-tai-man");
    let other = sb.login("wong-siu-ling");
    let mut body = profile(&login, "b1");
    body["openID"] = json!(other.open_id);
    check_post(&mut sb, PROFILE, body, "D20010");
}

#[test]
fn reused_business_id_is_d20011() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let login = sb.login("chan-tai-man");
    check_post(&mut sb, PROFILE, profile(&login, "same"), "D00000");
    check_post(&mut sb, PROFILE, profile(&login, "same"), "D20011");
    let anonymous = json!({ "businessID": "same", "eMEFields": ["enName"] });
    check_post(&mut sb, "/api/v1/anonymous/eme/initiateRequest", anonymous, "D20011");
}

#[test]
fn scope_not_granted_or_not_approved_is_d20012() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let login = sb.login_with("chan-tai-man", Source::PcBrowser, "eidapi_auth");
    check_post(&mut sb, PROFILE, profile(&login, "b1"), "D20012");

    sb.edit_client(|client| {
        client.scopes = Scopes::parse("eidapi_auth eidapi_formFilling").unwrap()
    });
    let anonymous = json!({
        "businessID": "a1",
        "hashCode": STANDARD.encode(b"doc"),
        "HKICHash": pki::hkic_hash("K512783"),
        "serviceName": "S",
        "documentName": "D",
    });
    check_post(&mut sb, "/api/v1/anonymous/signing/initiateRequest", anonymous, "D20012");
    let query = sb.scoped_query(Source::PcBrowser, "eidapi_auth eidapi_sign", None);
    check_get_qr(&mut sb, &query, "D20012");
}

#[test]
fn unknown_path_is_http_404_with_d20027() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let answer = sb.post("/api/v1/account/bulksign/initiateRequest", Some(json!({})));
    assert_eq!((answer.raw.status, answer.code), (404, Code::NotFound));
}

#[test]
fn unknown_ticket_or_business_id_is_d20027() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let query = sb.login_query(Source::PcBrowser, Some("no-such-ticket"));
    check_get_qr(&mut sb, &query, "D20027");
    let login = sb.login("chan-tai-man");
    let body = json!({ "businessID": "nope", "accessToken": login.token, "openID": login.open_id });
    check_post(&mut sb, "/api/v1/anonymous/eme/getResult", body, "D20027");
}

#[test]
fn get_key_without_kek_is_d30001() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    sb.edit_client(|client| client.kek = None);
    check(&sb.post(GET_KEY, None), GET_KEY, "D30001");
}

#[test]
fn encrypted_request_without_live_cek_is_d30002() {
    let mut sb = Sandbox::new(ContentMode::Encrypted);
    let login = sb.login("chan-tai-man");
    sb.advance(24 * 60 * 60 * 1000);
    check_post(&mut sb, PROFILE, profile(&login, "b1"), "D30002");
    sb.post("/api/v1/security/revokeKey", None);
    check_post(&mut sb, PROFILE, profile(&login, "b2"), "D30002");
}

#[test]
fn callback_that_cannot_be_sealed_is_d30003() {
    let mut sb = Sandbox::new(ContentMode::Encrypted);
    let login = sb.login("chan-tai-man");
    check_post(&mut sb, PROFILE, profile(&login, "b1"), "D00000");
    sb.edit_client(|client| client.kek = None);
    let task = sb.engine.app_inbox("chan-tai-man", sb.now).unwrap().remove(0).task;
    let reply = sb.app(&task.id, approve());
    assert_eq!(sb.callback(&reply.outbound), (Code::EncryptionException, None));
}

#[test]
fn content_sealed_under_another_key_is_d30004() {
    let mut sb = Sandbox::new(ContentMode::Encrypted);
    let login = sb.login("chan-tai-man");
    let key = sb.cek;
    sb.cek = Some([9; 32]);
    let answer = sb.post(PROFILE, Some(profile(&login, "b1")));
    sb.cek = key;
    check(&answer, PROFILE, "D30004");
    let answer = sb.post_raw(PROFILE, br#"{"content":"bm90IGEgYmxvYg=="}"#, |_| {}, None);
    check(&answer, PROFILE, "D30004");
}

#[test]
fn get_qr_checks_its_query() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let good = sb.login_query(Source::PcBrowser, None);
    let cases = [
        (good.replace("clientID=edae2e2529ff46228af1e4d18c8405d1&", ""), "D20001"),
        (good.replace("clientID=edae2e2529ff46228af1e4d18c8405d1", "clientID=someone"), "D20003"),
        (good.replace("responseType=code", "responseType=token"), "D20003"),
        (good.replace("state=st4te_1", "state=not%20a%20token"), "D20003"),
        (good.replace("state=st4te_1", &format!("state={}", "s".repeat(37))), "D20003"),
        (good.replace("source=PC_Browser", "source=App_Link"), "D20007"),
        (good.replace("source=PC_Browser", "source=App_Scheme"), "D20007"),
        (good.replace("rp.example%2Flogin", "evil.example%2Flogin"), "D20008"),
    ];
    for (query, expect) in cases {
        check_get_qr(&mut sb, &query, expect);
    }
}

#[test]
fn app_launch_needs_an_app_source() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let query = sb.login_query(Source::PcBrowser, None);
    let err = sb.engine.app_launch(&query, sb.now, &mut sb.rng, &Default::default()).unwrap_err();
    assert_eq!(err, Error::UnsupportedSource);
    for source in [Source::AppLink, Source::AppScheme, Source::AppPackage] {
        let query = sb.login_query(source, None);
        assert!(
            sb.engine.app_launch(&query, sb.now, &mut sb.rng, &Default::default()).is_ok(),
            "{source}"
        );
    }
}
