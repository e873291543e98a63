//! The codes of outcomes (`D4xxxx` to `D8xxxx`): refusals, codes, signer rules and acknowledgements.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use serde_json::{Value, json};

use super::{
    codes::{ACK, PROFILE, SIGNING, TOKEN, check_post, profile, signing},
    util::*,
};
use crate::{
    Code,
    catalogue::{self, Method},
    content::ContentMode,
    engine::{AppAction, Outbound, Store},
    pki,
    vocab::Source,
};

#[test]
fn login_refusals_redirect_with_d40000_to_d40003() {
    let cases = [
        (AppAction::Cancel, "D40000"),
        (AppAction::Decline, "D40001"),
        (AppAction::FailBiometric, "D40002"),
        (AppAction::TimeOut, "D40003"),
    ];
    for (action, expect) in cases {
        let mut sb = Sandbox::new(ContentMode::Plain);
        let page = sb.get_qr(Source::PcBrowser).value;
        sb.app(&page.ticket_id, open("chan-tai-man"));
        let reply = sb.app(&page.ticket_id, action);
        let query = redirect_query(&reply.outbound, LOGIN_URI);
        assert_eq!(query.error_code.map(Code::as_str), Some(expect));
        assert_eq!((query.code, query.state.as_deref()), (None, Some("st4te_1")));
    }
}

#[test]
fn reused_expired_or_foreign_auth_code_is_d40004() {
    let mut sb = Sandbox::new(ContentMode::Encrypted);
    let page = sb.get_qr(Source::PcBrowser).value;
    let reply = sb.app(
        &page.ticket_id,
        AppAction::Approve { persona: Some("chan-tai-man".into()), fields: None },
    );
    let code = redirect_query(&reply.outbound, LOGIN_URI).code.unwrap();
    sb.exchange(&code);
    let grant = |code: &str| json!({ "code": code, "grantType": "authorization_code" });
    check_post(&mut sb, TOKEN, grant(&code), "D40004");

    let page = sb.get_qr(Source::PcBrowser).value;
    let reply = sb.app(
        &page.ticket_id,
        AppAction::Approve { persona: Some("chan-tai-man".into()), fields: None },
    );
    let code = redirect_query(&reply.outbound, LOGIN_URI).code.unwrap();
    sb.advance(60_000);
    check_post(&mut sb, TOKEN, grant(&code), "D40004");

    let page = sb.get_qr(Source::PcBrowser).value;
    let reply = sb.app(
        &page.ticket_id,
        AppAction::Approve { persona: Some("chan-tai-man".into()), fields: None },
    );
    let code = redirect_query(&reply.outbound, LOGIN_URI).code.unwrap();
    let mut stolen = sb.engine.store_mut().take_auth_code(&code).unwrap().unwrap();
    stolen.client_id = "another-client".to_owned();
    sb.engine.store_mut().put_auth_code(stolen).unwrap();
    check_post(&mut sb, TOKEN, grant(&code), "D40004");
}

/// Opens a logged-in request of chan-tai-man at `path`, applies `action` in the app and
/// returns the callback's code.
fn refused(path: &str, extra: Value, action: AppAction) -> Code {
    let mut sb = Sandbox::new(ContentMode::Encrypted);
    let login = sb.login("chan-tai-man");
    let mut body = profile(&login, "refused");
    body.as_object_mut().unwrap().remove("profileFields");
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    assert_eq!(sb.post(path, Some(body)).code, Code::Success);
    let task = sb.engine.app_inbox("chan-tai-man", sb.now).unwrap().remove(0).task;
    let reply = sb.app(&task.id, action);
    let (code, content) = sb.callback(&reply.outbound);
    assert_eq!(content.unwrap()["businessID"], "refused");
    let callback = catalogue::find(Method::Post, path).unwrap().callback.unwrap();
    assert!(callback.endpoint().can_return(code), "{path}'s callback does not list {code}");
    code
}

#[test]
fn request_refusals_call_back_with_the_flow_code() {
    let hkic = pki::hkic_hash("K512783");
    let digest = STANDARD.encode([7u8; 32]);
    let flows = [
        (PROFILE, json!({ "profileFields": ["idNo"] }), ["D40000", "D50001", "D50002", "D50003"]),
        (
            "/api/v1/account/eme/initiateRequest",
            json!({ "eMEFields": ["prefix"] }),
            ["D60000", "D60001", "D60002", "D60003"],
        ),
        (
            "/api/v1/account/stepup/initiateRequest",
            json!({}),
            ["D80001", "D80001", "D80002", "D80003"],
        ),
        (
            SIGNING,
            json!({ "hashCode": digest, "HKICHash": hkic, "serviceName": "S", "documentName": "D" }),
            ["D70000", "D70001", "D70002", "D70003"],
        ),
        (
            "/api/v1/account/pdfsigning/initiateRequest",
            json!({ "docDigest": digest, "serviceName": "S", "documentName": "D" }),
            ["D70000", "D70001", "D70002", "D70003"],
        ),
    ];
    for (path, extra, expect) in flows {
        let actions =
            [AppAction::Cancel, AppAction::Decline, AppAction::FailBiometric, AppAction::TimeOut];
        let got: Vec<&str> =
            actions.into_iter().map(|a| refused(path, extra.clone(), a).as_str()).collect();
        assert_eq!(got, expect, "{path}");
    }
}

#[test]
fn anonymous_refusals_redirect_with_the_flow_code() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let body = json!({ "businessID": "a1", "eMEFields": ["enName"] });
    let answer = sb.post("/api/v1/anonymous/eme/initiateRequest", Some(body));
    let ticket = answer.content.unwrap()["ticketID"].as_str().unwrap().to_owned();
    let query = sb.login_query(Source::PcBrowser, Some(&ticket));
    sb.get_qr_with(&query, None);
    let reply = sb.app(&ticket, AppAction::Decline);
    let query = redirect_query(&reply.outbound, LOGIN_URI);
    assert_eq!(query.error_code, Some(Code::FormFillingRejected));
    assert_eq!(query.code, None);
}

#[test]
fn signer_who_is_not_iam_smart_plus_or_disabled_is_d70004() {
    for persona in ["lee-ka-yan", "fung-oi-ling"] {
        let mut sb = Sandbox::new(ContentMode::Plain);
        let login = sb.login(persona);
        let hkic = crate::engine::personas::find(persona).unwrap().hkic_identifier().to_owned();
        check_post(&mut sb, SIGNING, signing(&login, "s1", &hkic), "D70004");
    }
}

#[test]
fn hkic_hash_of_someone_else_is_d70005() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let login = sb.login("chan-tai-man");
    check_post(&mut sb, SIGNING, signing(&login, "s1", "Y604718"), "D70005");
}

#[test]
fn anonymous_signer_rules_apply_at_approval() {
    let cases =
        [("lee-ka-yan", Code::SigningNotAllowed), ("wong-siu-ling", Code::InconsistentHkic)];
    for (persona, expect) in cases {
        let mut sb = Sandbox::new(ContentMode::Plain);
        let body = json!({
            "businessID": "a1",
            "hashCode": STANDARD.encode(b"doc"),
            "HKICHash": pki::hkic_hash("P203915"),
            "serviceName": "S",
            "documentName": "D",
        });
        let answer = sb.post("/api/v1/anonymous/signing/initiateRequest", Some(body));
        let ticket = answer.content.unwrap()["ticketID"].as_str().unwrap().to_owned();
        let query = sb.login_query(Source::PcBrowser, Some(&ticket));
        sb.get_qr_with(&query, None);
        let reply =
            sb.app(&ticket, AppAction::Approve { persona: Some(persona.into()), fields: None });
        let query = redirect_query(&reply.outbound, LOGIN_URI);
        assert_eq!(query.error_code, Some(expect), "{persona}");
    }
}

#[test]
fn acknowledging_nothing_or_twice_is_d70006() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let ack = |id: &str| json!({ "businessID": id, "signingResult": "SR001" });
    check_post(&mut sb, ACK, ack("never-signed"), "D70006");

    let login = sb.login("chan-tai-man");
    check_post(&mut sb, PROFILE, profile(&login, "a-profile"), "D00000");
    check_post(&mut sb, ACK, ack("a-profile"), "D70006");

    check_post(&mut sb, SIGNING, signing(&login, "s1", "K512783"), "D00000");
    check_post(&mut sb, ACK, ack("s1"), "D70006");
    let inbox = sb.engine.app_inbox("chan-tai-man", sb.now).unwrap();
    let task = inbox.iter().find(|it| it.task.business_id.as_deref() == Some("s1")).unwrap();
    sb.app(&task.task.id.clone(), approve());
    check_post(&mut sb, ACK, ack("s1"), "D00000");
    check_post(&mut sb, ACK, ack("s1"), "D70006");
}

#[test]
fn refusal_callbacks_in_plain_mode_carry_clear_content() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let login = sb.login("chan-tai-man");
    check_post(&mut sb, PROFILE, profile(&login, "p1"), "D00000");
    let task = sb.engine.app_inbox("chan-tai-man", sb.now).unwrap().remove(0).task;
    let reply = sb.app(&task.id, AppAction::Decline);
    let [Outbound::Callback { body, .. }] = reply.outbound.as_slice() else { panic!() };
    let body: Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["code"], "D50001");
    assert_eq!(body["message"], "user rejected profile request");
    assert_eq!(body["content"], json!({ "businessID": "p1" }));
    assert!(body.get("secretKey").is_none());
}
