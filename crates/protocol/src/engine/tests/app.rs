//! Tickets, the simulated app's actions, expiry and automatic answers.

use serde_json::json;

use super::util::*;
use crate::{
    Code, Error,
    content::ContentMode,
    engine::{AppAction, AutoAnswer, CLOSED_TASK_RETENTION_MS, Outbound, QrStatus, TaskStatus},
    scenario::Scenario,
    vocab::Source,
};

/// A profile request body for `login`.
fn profile(login: &Login) -> serde_json::Value {
    json!({
        "businessID": "b1",
        "accessToken": login.token,
        "openID": login.open_id,
        "source": "PC_Browser",
        "redirectURI": CALLBACK_URI,
        "profileFields": ["idNo"],
    })
}

const PROFILE: &str = "/api/v1/account/auth/profile/initiateRequest";

#[test]
fn login_ticket_expires_after_its_lifetime() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let page = sb.get_qr(Source::PcBrowser).value;
    assert_eq!(page.expires_ms, sb.now + 5 * 60 * 1000);
    assert_eq!(sb.engine.next_deadline().unwrap(), Some(page.expires_ms));
    sb.advance(5 * 60 * 1000);
    assert_eq!(sb.engine.qr_status(&page.ticket_id, sb.now).unwrap(), QrStatus::Expired);
    let err = sb.engine.app_act(&page.ticket_id, open("chan-tai-man"), sb.now, &mut sb.rng);
    assert_eq!(err.unwrap_err(), Error::Outcome(Code::AuthTimeout));
    assert_eq!(sb.engine.poll(sb.now, &mut sb.rng).unwrap(), Vec::new());
    assert_eq!(sb.engine.app_view(&page.ticket_id).unwrap().task.status, TaskStatus::Expired);
    // What is left to do is forgetting the closed ticket, after its retention.
    let forget_at = page.expires_ms + CLOSED_TASK_RETENTION_MS;
    assert_eq!(sb.engine.next_deadline().unwrap(), Some(forget_at));
    sb.advance(CLOSED_TASK_RETENTION_MS);
    sb.engine.poll(sb.now, &mut sb.rng).unwrap();
    assert_eq!(sb.engine.qr_status(&page.ticket_id, sb.now).unwrap(), QrStatus::Unknown);
    assert_eq!(sb.engine.next_deadline().unwrap(), None);
}

#[test]
fn scanned_login_that_times_out_redirects_with_d40003() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let page = sb.get_qr(Source::PcBrowser).value;
    sb.app(&page.ticket_id, open("chan-tai-man"));
    sb.advance(5 * 60 * 1000);
    let outbound = sb.engine.poll(sb.now, &mut sb.rng).unwrap();
    assert_eq!(redirect_query(&outbound, LOGIN_URI).error_code, Some(Code::AuthTimeout));
}

#[test]
fn unanswered_request_times_out_with_a_callback() {
    let mut sb = Sandbox::new(ContentMode::Encrypted);
    let login = sb.login("chan-tai-man");
    sb.post(PROFILE, Some(profile(&login)));
    sb.advance(18 * 60 * 1000 - 1);
    assert_eq!(sb.engine.poll(sb.now, &mut sb.rng).unwrap(), Vec::new());
    sb.advance(1);
    let outbound = sb.engine.poll(sb.now, &mut sb.rng).unwrap();
    assert_eq!(sb.callback(&outbound).0, Code::ProfileTimeout);
    assert!(sb.engine.app_inbox("chan-tai-man", sb.now).unwrap().is_empty());
}

#[test]
fn answered_ticket_cannot_be_answered_again() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let page = sb.get_qr(Source::PcBrowser).value;
    sb.app(&page.ticket_id, AppAction::Decline);
    let err = sb.engine.app_act(&page.ticket_id, approve(), sb.now, &mut sb.rng).unwrap_err();
    assert_eq!(err, Error::NotFound);
}

#[test]
fn request_belongs_to_its_user_only() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let login = sb.login("chan-tai-man");
    sb.post(PROFILE, Some(profile(&login)));
    let task = sb.engine.app_inbox("chan-tai-man", sb.now).unwrap().remove(0).task;
    assert!(sb.engine.app_inbox("wong-siu-ling", sb.now).unwrap().is_empty());
    let err = sb.engine.app_act(&task.id, open("wong-siu-ling"), sb.now, &mut sb.rng);
    assert_eq!(err.unwrap_err(), Error::NotFound);
    let err = sb.engine.app_act(&task.id, open("no-such-persona"), sb.now, &mut sb.rng);
    assert_eq!(err.unwrap_err(), Error::NotFound);
}

#[test]
fn anonymous_request_cannot_be_answered_before_its_page_opens() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let body = json!({ "businessID": "a1", "eMEFields": ["enName"] });
    let answer = sb.post("/api/v1/anonymous/eme/initiateRequest", Some(body));
    let ticket = answer.content.unwrap()["ticketID"].as_str().unwrap().to_owned();
    let err = sb.engine.app_act(&ticket, open("chan-tai-man"), sb.now, &mut sb.rng);
    assert_eq!(err.unwrap_err(), Error::NotFound);
    assert_eq!(sb.engine.qr_status(&ticket, sb.now).unwrap(), QrStatus::Waiting);
    sb.advance(12 * 60 * 1000);
    assert_eq!(sb.engine.poll(sb.now, &mut sb.rng).unwrap(), Vec::new());
    assert_eq!(sb.engine.qr_status(&ticket, sb.now).unwrap(), QrStatus::Expired);
}

#[test]
fn missing_fields_are_left_out_of_the_release() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let login = sb.login("ho-chun-fai");
    let body = json!({
        "businessID": "e1",
        "accessToken": login.token,
        "openID": login.open_id,
        "source": "PC_Browser",
        "redirectURI": CALLBACK_URI,
        "eMEFields": ["emailAddress", "mobileNumber", "residentialAddress"],
        "profileFields": ["chName"],
    });
    sb.post("/api/v1/account/eme/initiateRequest", Some(body));
    let task = sb.engine.app_inbox("ho-chun-fai", sb.now).unwrap().remove(0).task;
    let reply = sb.app(&task.id, approve());
    let content = sb.callback(&reply.outbound).1.unwrap();
    assert_eq!(
        content,
        json!({
            "businessID": "e1",
            "emailAddress": "chunfai.ho@example.com",
            "chName": { "ChineseName": "何俊輝" },
        })
    );
}

#[test]
fn automatic_approval_answers_at_once_as_the_default_persona() {
    let mut sb = Sandbox::with(ContentMode::Encrypted, |settings| {
        settings.auto_answer = AutoAnswer::Approve;
        settings.persona = Some("kwok-man-kit".to_owned());
    });
    let reply = sb.get_qr(Source::PcBrowser);
    let code = redirect_query(&reply.outbound, LOGIN_URI).code.unwrap();
    let login = sb.exchange(&code);
    let secret = sb.engine.config().platform_secret.clone();
    assert_eq!(login.open_id, crate::pki::open_id(secret.as_bytes(), CLIENT_ID, "kwok-man-kit"));

    let mut body = profile(&login);
    body["profileFields"] = json!(["chName"]);
    let answer = sb.post(PROFILE, Some(body));
    let (code, content) = sb.callback(&answer.raw.outbound);
    assert_eq!(code, Code::Success);
    assert_eq!(content.unwrap()["chName"], json!({ "ChineseName": "郭文傑" }));
}

#[test]
fn automatic_denial_refuses_at_once() {
    let mut sb =
        Sandbox::with(ContentMode::Plain, |settings| settings.auto_answer = AutoAnswer::Deny);
    let reply = sb.get_qr(Source::AndroidChrome);
    assert_eq!(redirect_query(&reply.outbound, LOGIN_URI).error_code, Some(Code::AuthRejected));
}

#[test]
fn slow_approval_approves_when_its_delay_has_passed() {
    let mut sb = Sandbox::with(ContentMode::Plain, |settings| {
        settings.scenario = Some(Scenario::SlowApproval { delay_ms: 30_000 });
        settings.persona = Some("lau-hoi-yee".to_owned());
    });
    let page = sb.get_qr(Source::PcBrowser);
    assert!(page.outbound.is_empty());
    let ticket = page.value.ticket_id;
    assert_eq!(sb.engine.next_deadline().unwrap(), Some(sb.now + 30_000));
    sb.advance(29_999);
    assert!(sb.engine.poll(sb.now, &mut sb.rng).unwrap().is_empty());
    sb.advance(1);
    let outbound = sb.engine.poll(sb.now, &mut sb.rng).unwrap();
    let code = redirect_query(&outbound, LOGIN_URI).code.unwrap();
    assert!(matches!(sb.engine.qr_status(&ticket, sb.now).unwrap(), QrStatus::Redirect { .. }));
    assert_eq!(sb.exchange(&code).content["userType"], "sign");
}

#[test]
fn app_task_shows_its_deep_link_and_client() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let login = sb.login_from("chan-tai-man", Source::AndroidChrome);
    let answer = sb.post(
        "/api/v1/account/stepup/initiateRequest",
        Some({
            let mut body = profile(&login);
            body.as_object_mut().unwrap().remove("profileFields");
            body
        }),
    );
    let ticket = answer.content.unwrap()["ticketID"].as_str().unwrap().to_owned();
    let view = sb.engine.app_view(&ticket).unwrap();
    assert_eq!(view.client_name, "Sandbox Test Service");
    assert_eq!(view.deep_link, format!("hk.gov.iamsmart.testapp://re-auth?ticketID={ticket}"));
    assert_eq!(view.identification_code, None);
    let Outbound::Callback { url, .. } = &sb.app(&ticket, approve()).outbound[0] else {
        panic!("a callback");
    };
    assert_eq!(url, CALLBACK_URI);
}
