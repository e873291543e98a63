//! Each endpoint's happy path, in both plain (pilot) and encrypted mode.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::util::*;
use crate::{Code, content::ContentMode, engine::AppAction, pki, vocab::Source};

const MODES: [ContentMode; 2] = [ContentMode::Plain, ContentMode::Encrypted];

/// Runs `check` once per content mode on a fresh sandbox.
fn each_mode(check: impl Fn(&mut Sandbox)) {
    for mode in MODES {
        check(&mut Sandbox::new(mode));
    }
}

/// A logged-in request body with the common fields and `extra`.
fn logged_in(login: &Login, business_id: &str, extra: Value) -> Value {
    let mut body = json!({
        "businessID": business_id,
        "accessToken": login.token,
        "openID": login.open_id,
        "source": "PC_Browser",
        "redirectURI": CALLBACK_URI,
        "state": "st",
    });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    body
}

/// POSTs a logged-in request, approves its task in the app and returns the callback.
fn approved_callback(sb: &mut Sandbox, path: &str, body: Value, action: AppAction) -> Value {
    let answer = sb.post(path, Some(body));
    assert_eq!(answer.code, Code::Success, "{}", answer.raw.body);
    assert_eq!(answer.content, Some(json!({ "authByQR": true })));
    let task = sb.engine.app_inbox("chan-tai-man", sb.now).unwrap().remove(0).task;
    let reply = sb.app(&task.id, action);
    let (code, content) = sb.callback(&reply.outbound);
    assert_eq!(code, Code::Success);
    content.unwrap()
}

#[test]
fn get_key_reuses_the_key_until_it_expires() {
    each_mode(|sb| {
        let first = sb.post("/api/v1/security/getKey", None);
        assert_eq!(first.code, Code::Success, "{}", first.raw.body);
        let key = sb.cek;
        let grant = first.content.unwrap();
        assert_eq!(grant["expiresIn"], 24 * 60 * 60 * 1000);
        assert_eq!(grant["pubKey"], test_kek().kek().pub_key());

        sb.advance(1000);
        let again = sb.post("/api/v1/security/getKey", Some(json!({})));
        assert_eq!(again.content.unwrap()["issueAt"], grant["issueAt"]);
        assert_eq!(sb.cek, key);

        sb.advance(24 * 60 * 60 * 1000);
        let renewed = sb.post("/api/v1/security/getKey", None);
        assert_eq!(renewed.content.unwrap()["issueAt"], sb.now);
        assert_ne!(sb.cek, key);
    });
}

#[test]
fn revoke_key_makes_the_next_get_key_issue_a_new_key() {
    each_mode(|sb| {
        sb.post("/api/v1/security/getKey", None);
        let key = sb.cek;
        let answer = sb.post("/api/v1/security/revokeKey", None);
        assert_eq!(answer.code, Code::Success);
        assert_eq!(answer.content, None);
        sb.post("/api/v1/security/getKey", None);
        assert_ne!(sb.cek, key);
    });
}

#[test]
fn get_token_returns_token_tokenised_id_and_account_facts() {
    each_mode(|sb| {
        let login = sb.login("lee-ka-yan");
        let content = login.content;
        assert_eq!(login.token.len(), 32);
        assert!(login.token.bytes().all(|b| b.is_ascii_hexdigit()));
        let secret = sb.engine.config().platform_secret.clone();
        assert_eq!(login.open_id, pki::open_id(secret.as_bytes(), CLIENT_ID, "lee-ka-yan"));
        assert_eq!(content["tokenType"], "Bearer");
        assert_eq!(content["issueAt"], sb.now);
        assert_eq!(content["expiresIn"], 14_400_000);
        assert_eq!(content["lastModifiedDate"], 1_656_633_600_000u64);
        assert_eq!(content["userType"], "default");
        assert_eq!(content["scope"], ALL_SCOPES);
    });
}

#[test]
fn profile_releases_only_consented_fields() {
    each_mode(|sb| {
        let login = sb.login("chan-tai-man");
        let body =
            logged_in(&login, "p1", json!({ "profileFields": ["idNo", "chName", "gender"] }));
        let consent = AppAction::Approve {
            persona: None,
            fields: Some(vec!["chName".to_owned(), "gender".to_owned()]),
        };
        let content =
            approved_callback(sb, "/api/v1/account/auth/profile/initiateRequest", body, consent);
        assert_eq!(
            content,
            json!({
                "businessID": "p1",
                "state": "st",
                "chName": { "ChineseName": "陳大文" },
                "gender": "M",
            })
        );
    });
}

#[test]
fn eme_releases_e_me_and_profile_fields_through_either_path() {
    each_mode(|sb| {
        let login = sb.login("chan-tai-man");
        let paths =
            ["/api/v1/account/eme/initiateRequest", "/api/v1/account/auth/eme/initiateRequest"];
        for (idx, path) in paths.into_iter().enumerate() {
            let extra = json!({
                "eMEFields": ["chNameVerified", "homeTelNumber", "residentialAddress"],
                "profileFields": ["birthDate"],
                "formName": "Application",
            });
            let body = logged_in(&login, &format!("e{idx}"), extra);
            let content = approved_callback(sb, path, body, approve());
            assert_eq!(content["chNameVerified"], "陳大文");
            assert_eq!(content["birthDate"], "19850314");
            assert_eq!(content["homeTelNumber"]["SubscriberNumber"], "21234567");
            let address = &content["residentialAddress"]["ChiPremisesAddress"];
            assert_eq!(address["ChiDistrict"]["Sub-district"], "何文田");
        }
    });
}

#[test]
fn stepup_reports_a_passed_re_authentication() {
    each_mode(|sb| {
        let login = sb.login("chan-tai-man");
        let body = logged_in(&login, "r1", json!({}));
        let content =
            approved_callback(sb, "/api/v1/account/stepup/initiateRequest", body, approve());
        assert_eq!(content, json!({ "businessID": "r1", "state": "st" }));
    });
}

#[test]
fn signing_signs_a_digest_with_none_with_rsa() {
    each_mode(|sb| {
        let login = sb.login("chan-tai-man");
        let digest = STANDARD.encode(Sha256::digest(b"form data"));
        let extra = json!({
            "hashCode": digest,
            "sigAlgo": "NONEwithRSA",
            "HKICHash": pki::hkic_hash("K512783"),
            "department": "Sandbox Department",
            "serviceName": "Service",
            "documentName": "Form",
        });
        let body = logged_in(&login, "s1", extra);
        let content =
            approved_callback(sb, "/api/v1/account/signing/initiateRequest", body, approve());
        assert_eq!(content["hashCode"], digest);
        assert_eq!(content["businessID"], "s1");
        assert!(content["signature"].as_str().is_some_and(|s| STANDARD.decode(s).is_ok()));
        assert!(content["cert"].as_str().is_some());
    });
}

#[test]
fn pdf_signing_and_ack_result_complete_a_signing() {
    each_mode(|sb| {
        let login = sb.login("chan-tai-man");
        let digest = STANDARD.encode(Sha256::digest(b"pdf"));
        let extra = json!({ "docDigest": digest, "serviceName": "S", "documentName": "D" });
        let body = logged_in(&login, "pdf1", extra);
        let content =
            approved_callback(sb, "/api/v1/account/pdfsigning/initiateRequest", body, approve());
        assert_eq!(content["docDigest"], digest);
        assert!(content["pdfSignature"].as_str().is_some());
        let ack = json!({ "businessID": "pdf1", "signingResult": "SR002" });
        let answer = sb.post("/api/v1/account/signing/ackResult", Some(ack));
        assert_eq!(answer.code, Code::Success, "{}", answer.raw.body);
    });
}

#[test]
fn anonymous_requests_return_their_results_by_get_result() {
    each_mode(|sb| {
        let digest = STANDARD.encode(Sha256::digest(b"anon"));
        let cases = [
            (
                "eme",
                json!({ "businessID": "a-eme", "eMEFields": ["emailAddress"], "profileFields": ["idNo"] }),
            ),
            (
                "signing",
                json!({
                    "businessID": "a-sign",
                    "hashCode": STANDARD.encode(b"anon"),
                    "HKICHash": pki::hkic_hash("Y604718"),
                    "serviceName": "S",
                    "documentName": "D",
                }),
            ),
            (
                "pdfsigning",
                json!({ "businessID": "a-pdf", "docDigest": digest, "serviceName": "S", "documentName": "D" }),
            ),
        ];
        for (kind, body) in cases {
            let business_id = body["businessID"].as_str().unwrap().to_owned();
            let answer = sb.post(&format!("/api/v1/anonymous/{kind}/initiateRequest"), Some(body));
            assert_eq!(answer.code, Code::Success, "{kind}: {}", answer.raw.body);
            let ticket = answer.content.unwrap()["ticketID"].as_str().unwrap().to_owned();
            let query = sb.login_query(Source::PcBrowser, Some(&ticket));
            sb.get_qr_with(&query, None);
            sb.app(&ticket, open("wong-siu-ling"));
            let reply = sb.app(&ticket, approve());
            let redirect = redirect_query(&reply.outbound, LOGIN_URI);
            let login = sb.exchange(redirect.code.as_deref().unwrap());
            let body = json!({ "businessID": business_id, "accessToken": login.token, "openID": login.open_id });
            let answer =
                sb.post(&format!("/api/v1/anonymous/{kind}/getResult"), Some(body.clone()));
            assert_eq!(answer.code, Code::Success, "{kind}: {}", answer.raw.body);
            let content = answer.content.unwrap();
            assert_eq!(content["businessID"], business_id.as_str());
            let again = sb.post(&format!("/api/v1/anonymous/{kind}/getResult"), Some(body));
            assert_eq!(again.content.unwrap(), content, "{kind}: results can be read again");
        }
    });
}

#[test]
fn pilot_paths_reach_the_same_endpoints() {
    each_mode(|sb| {
        let login = sb.login("chan-tai-man");
        let body = logged_in(&login, "pilot-1", json!({ "profileFields": ["enName"] }));
        let path = "/authentication/api/v1/account/auth/profile/initiateRequest";
        let answer = sb.post(path, Some(body));
        assert_eq!(answer.code, Code::Success, "{}", answer.raw.body);
    });
}

#[test]
fn a_body_of_the_other_mode_keeps_its_code_and_names_the_clients_mode() {
    let path = "/api/v1/auth/getToken";
    let plain_body = br#"{"code":"abc","grantType":"authorization_code"}"#;
    let sealed_body = br#"{"content":"AAAADAABAgMEBQYHCAkKCw=="}"#;

    let mut plain = Sandbox::new(ContentMode::Plain);
    let answer = plain.post_raw(path, sealed_body, |_| {}, None);
    assert_eq!(answer.code, Code::MissingParameter);
    let envelope: Value = serde_json::from_str(&answer.raw.body).unwrap();
    let message = envelope["message"].as_str().unwrap();
    assert!(message.contains("code") && message.contains("plain mode"), "{message}");

    let mut encrypted = Sandbox::new(ContentMode::Encrypted);
    encrypted.post("/api/v1/security/getKey", None);
    let answer = encrypted.post_raw(path, plain_body, |_| {}, None);
    assert_eq!(answer.code, Code::MissingParameter);
    let envelope: Value = serde_json::from_str(&answer.raw.body).unwrap();
    let message = envelope["message"].as_str().unwrap();
    assert!(message.contains("content") && message.contains("encrypted mode"), "{message}");

    // A body of the right shape keeps the plain message.
    let answer = plain.post_raw(path, br#"{"grantType":"authorization_code"}"#, |_| {}, None);
    let envelope: Value = serde_json::from_str(&answer.raw.body).unwrap();
    assert!(!envelope["message"].as_str().unwrap().contains("mode"), "{envelope}");
}
