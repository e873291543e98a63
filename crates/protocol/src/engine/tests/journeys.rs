//! The four journeys of the sandbox guide, end to end: web or app, same device or not.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use rsa::{
    PublicKey,
    pkcs1v15::{Signature, VerifyingKey},
    pkcs8::DecodePublicKey,
    signature::Verifier,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use x509_cert::{
    Certificate,
    der::{Decode, Encode},
};

use super::util::*;
use crate::{
    Code,
    content::ContentMode,
    engine::{PageKind, QrStatus, TaskStatus},
    pki,
    vocab::Source,
};

#[test]
fn web_on_another_device_logs_in_by_qr_and_gets_profile_by_push() {
    let mut sb = Sandbox::new(ContentMode::Encrypted);

    // The desktop browser opens the QR page and polls it while the phone scans.
    let page = sb.get_qr(Source::PcBrowser).value;
    assert_eq!(page.kind, PageKind::Qr);
    assert!(page.deep_link.starts_with("hk.gov.iamsmart.testapp://auth?ticketID="));
    assert_eq!(sb.engine.qr_status(&page.ticket_id, sb.now).unwrap(), QrStatus::Waiting);
    sb.app(&page.ticket_id, open("chan-tai-man"));
    assert_eq!(sb.engine.qr_status(&page.ticket_id, sb.now).unwrap(), QrStatus::Scanned);
    let reply = sb.app(&page.ticket_id, approve());
    let QrStatus::Redirect { url } = sb.engine.qr_status(&page.ticket_id, sb.now).unwrap() else {
        panic!("the page should redirect");
    };
    let query = redirect_query(&reply.outbound, LOGIN_URI);
    assert!(url.ends_with(&format!("code={}&state=st4te_1", query.code.as_deref().unwrap())));
    let code = query.code.unwrap();
    assert_eq!(code.len(), 32);
    let login = sb.exchange(&code);
    assert_eq!(login.content["userType"], "sign");
    assert_eq!(login.content["tokenType"], "Bearer");

    // Later, the profile request is pushed to the phone that scanned.
    let answer =
        sb.post("/api/v1/account/auth/profile/initiateRequest", Some(profile_body(&login)));
    assert_eq!(answer.code, Code::Success, "{}", answer.raw.body);
    assert_eq!(answer.content, Some(json!({ "authByQR": true })));
    let inbox = sb.engine.app_inbox("chan-tai-man", sb.now).unwrap();
    assert_eq!(inbox.len(), 1);
    assert!(inbox[0].pushed);
    let reply = sb.app(&inbox[0].task.id, approve());
    let (code, content) = sb.callback(&reply.outbound);
    assert_eq!(code, Code::Success);
    assert_eq!(
        content.unwrap(),
        json!({
            "businessID": "biz-profile-1",
            "state": "cb-state",
            "idNo": { "Identification": "K512783", "CheckDigit": "1" },
            "enName": { "UnstructuredName": "CHAN, Tai Man" },
        })
    );
}

#[test]
fn web_on_the_same_phone_uses_the_broker_page_and_ticket_deep_links() {
    let mut sb = Sandbox::new(ContentMode::Encrypted);

    let page = sb.get_qr(Source::IosSafari).value;
    assert_eq!(page.kind, PageKind::Broker);
    sb.app(&page.ticket_id, open("wong-siu-ling"));
    let reply = sb.app(&page.ticket_id, approve());
    let code = redirect_query(&reply.outbound, LOGIN_URI).code.unwrap();
    let login = sb.exchange(&code);

    // The e-ME request answers with a ticket for the "Open iAM Smart" button.
    let body = json!({
        "businessID": "biz-eme-1",
        "accessToken": login.token,
        "openID": login.open_id,
        "source": "iOS_Safari",
        "redirectURI": CALLBACK_URI,
        "formName": "Change of address",
        "eMEFields": ["enName", "mobileNumber", "residentialAddress"],
    });
    let answer = sb.post("/api/v1/account/eme/initiateRequest", Some(body));
    assert_eq!(answer.code, Code::Success, "{}", answer.raw.body);
    let content = answer.content.unwrap();
    assert_eq!(content["authByQR"], false);
    let ticket = content["ticketID"].as_str().unwrap().to_owned();
    let view = sb.engine.app_view(&ticket).unwrap();
    assert_eq!(view.deep_link, format!("hk.gov.iamsmart.testapp://eme?ticketID={ticket}"));
    assert!(!view.pushed);

    let reply = sb.app(&ticket, approve());
    let (code, content) = sb.callback(&reply.outbound);
    assert_eq!(code, Code::Success);
    let content = content.unwrap();
    assert_eq!(content["businessID"], "biz-eme-1");
    assert!(content.get("state").is_none());
    assert_eq!(
        content["mobileNumber"],
        json!({ "CountryCode": "852", "SubscriberNumber": "62345678" })
    );
    assert_eq!(content["residentialAddress"]["EngPremisesAddress"]["Region"], "HK");
}

#[test]
fn app_on_another_device_signs_a_hash_with_a_matching_identification_code() {
    let mut sb = Sandbox::new(ContentMode::Encrypted);
    // The e-service app on a tablet shows the QR page in a web view, so its source is a
    // browser one and the redirect goes to the e-service's server.
    let login = sb.login_from("cheung-wai-kit", Source::PcBrowser);

    let document = b"Tenancy agreement, flat 20D";
    let hash_code = STANDARD.encode(document);
    let body = json!({
        "businessID": "biz-sign-1",
        "accessToken": login.token,
        "openID": login.open_id,
        "source": "PC_Browser",
        "redirectURI": CALLBACK_URI,
        "state": "s1",
        "hashCode": hash_code,
        "HKICHash": pki::hkic_hash("R418062"),
        "serviceName": "Tenancy service",
        "documentName": "Agreement",
    });
    let answer = sb.post("/api/v1/account/signing/initiateRequest", Some(body));
    assert_eq!(answer.code, Code::Success, "{}", answer.raw.body);
    assert_eq!(answer.content, Some(json!({ "authByQR": true })));

    let view = sb.engine.app_inbox("cheung-wai-kit", sb.now).unwrap().remove(0);
    let shown = pki::identification_code(&hash_code, &login.open_id);
    assert_eq!(view.identification_code.as_deref(), Some(shown.as_str()));

    let reply = sb.app(&view.task.id, approve());
    let (code, content) = sb.callback(&reply.outbound);
    assert_eq!(code, Code::Success);
    let content = content.unwrap();
    assert_eq!(content["hashCode"], hash_code);
    assert_eq!(content["timestamp"], sb.now);
    verify_signature(&content, document);
}

#[test]
fn app_on_the_same_phone_launches_the_app_and_signs_a_pdf() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let query = "clientID=edae2e2529ff46228af1e4d18c8405d1&responseType=code&source=App_Scheme\
        &redirectURI=https%3A%2F%2Frp.example%2Fapp&scope=eidapi_auth%20eidapi_sign&state=a1";
    let launch =
        sb.engine.app_launch(query, sb.now, &mut sb.rng, &Default::default()).unwrap().value;
    assert!(launch.task.same_device && !launch.pushed);
    sb.app(&launch.task.id, open("lau-hoi-yee"));
    let reply = sb.app(&launch.task.id, approve());
    let redirect = redirect_query(&reply.outbound, APP_URI);
    assert_eq!(redirect.state.as_deref(), Some("a1"));
    let login = sb.exchange(redirect.code.as_deref().unwrap());
    assert_eq!(login.content["scope"], "eidapi_auth eidapi_sign");

    let digest = STANDARD.encode(Sha256::digest(b"%PDF byte range"));
    let body = json!({
        "businessID": "biz-pdf-1",
        "accessToken": login.token,
        "openID": login.open_id,
        "source": "App_Scheme",
        "redirectURI": CALLBACK_URI,
        "docDigest": digest,
        "serviceName": "Licensing",
        "documentName": "Application form",
    });
    let answer = sb.post("/api/v1/account/pdfsigning/initiateRequest", Some(body));
    assert_eq!(answer.code, Code::Success, "{}", answer.raw.body);
    let ticket = answer.content.unwrap()["ticketID"].as_str().unwrap().to_owned();
    let reply = sb.app(&ticket, approve());
    let (code, content) = sb.callback(&reply.outbound);
    assert_eq!(code, Code::Success);
    let content = content.unwrap();
    assert_eq!(content["docDigest"], digest);
    let pkcs7 = STANDARD.decode(content["pdfSignature"].as_str().unwrap()).unwrap();
    assert_eq!(pkcs7[0], 0x30, "a DER ContentInfo");

    let ack = json!({ "businessID": "biz-pdf-1", "signingResult": "SR001" });
    let answer = sb.post("/api/v1/account/signing/ackResult", Some(ack));
    assert_eq!(answer.code, Code::Success);
    assert_eq!(answer.content, None);
}

#[test]
fn anonymous_form_filling_on_the_same_phone_returns_its_result_by_get_result() {
    let mut sb = Sandbox::new(ContentMode::Encrypted);
    let body = json!({ "businessID": "anon-1", "eMEFields": ["enName", "postalAddress"] });
    let answer = sb.post("/api/v1/anonymous/eme/initiateRequest", Some(body));
    assert_eq!(answer.code, Code::Success, "{}", answer.raw.body);
    let content = answer.content.unwrap();
    assert_eq!(content["businessID"], "anon-1");
    let ticket = content["ticketID"].as_str().unwrap().to_owned();

    let query = sb.login_query(Source::AndroidChrome, Some(&ticket));
    let page = sb.get_qr_with(&query, None).value;
    assert_eq!(page.ticket_id, ticket);
    assert_eq!(page.kind, PageKind::Broker);
    sb.app(&ticket, open("tsang-yuk-lan"));
    let reply = sb.app(&ticket, approve());
    let redirect = redirect_query(&reply.outbound, LOGIN_URI);
    assert_eq!(redirect.business_id.as_deref(), Some("anon-1"));
    let login = sb.exchange(redirect.code.as_deref().unwrap());

    let body =
        json!({ "businessID": "anon-1", "accessToken": login.token, "openID": login.open_id });
    let answer = sb.post("/api/v1/anonymous/eme/getResult", Some(body));
    assert_eq!(answer.code, Code::Success, "{}", answer.raw.body);
    let content = answer.content.unwrap();
    assert_eq!(content["businessID"], "anon-1");
    assert_eq!(content["postalAddress"]["PostBoxAddress"]["EngPostBox"]["PoBoxNo"], 80917);
    let status = sb.engine.app_view(&ticket).unwrap().task.status;
    assert!(matches!(status, TaskStatus::Answered { code: Code::Success, redirect: Some(_) }));
}

#[test]
fn anonymous_signing_by_qr_shows_the_anonymous_identification_code() {
    let mut sb = Sandbox::new(ContentMode::Plain);
    let hash_code = STANDARD.encode(b"declaration");
    let hkic_hash = pki::hkic_hash("K512783");
    let body = json!({
        "businessID": "anon-sign-1",
        "hashCode": hash_code,
        "HKICHash": hkic_hash,
        "serviceName": "Declarations",
        "documentName": "Statutory declaration",
    });
    let answer = sb.post("/api/v1/anonymous/signing/initiateRequest", Some(body));
    assert_eq!(answer.code, Code::Success, "{}", answer.raw.body);
    let ticket = answer.content.unwrap()["ticketID"].as_str().unwrap().to_owned();

    let query = sb.login_query(Source::PcBrowser, Some(&ticket));
    let page = sb.get_qr_with(&query, None).value;
    assert_eq!(page.kind, PageKind::Qr);
    assert!(page.deep_link.contains("hash-sign?ticketID="));
    let view = sb.app(&ticket, open("chan-tai-man")).value;
    let expected = pki::anonymous_identification_code(&hash_code, &hkic_hash, CLIENT_ID);
    assert_eq!(view.identification_code, Some(expected));
    let reply = sb.app(&ticket, approve());
    let redirect = redirect_query(&reply.outbound, LOGIN_URI);
    let login = sb.exchange(redirect.code.as_deref().unwrap());

    let body =
        json!({ "businessID": "anon-sign-1", "accessToken": login.token, "openID": login.open_id });
    let answer = sb.post("/api/v1/anonymous/signing/getResult", Some(body));
    assert_eq!(answer.code, Code::Success, "{}", answer.raw.body);
    verify_signature(&answer.content.unwrap(), b"declaration");
}

/// A profile request for `login` asking for the card number and English name.
pub(super) fn profile_body(login: &Login) -> Value {
    json!({
        "businessID": "biz-profile-1",
        "accessToken": login.token,
        "openID": login.open_id,
        "source": "PC_Browser",
        "redirectURI": CALLBACK_URI,
        "state": "cb-state",
        "profileFields": ["idNo", "enName"],
    })
}

/// Checks a result's `signature` over `document` with the key of its `cert`, which the
/// sandbox CA issued.
fn verify_signature(content: &Value, document: &[u8]) {
    let cert_der = STANDARD.decode(content["cert"].as_str().unwrap()).unwrap();
    let cert = Certificate::from_der(&cert_der).unwrap();
    let issuer = cert.tbs_certificate().issuer().to_string();
    assert!(issuer.contains(pki::CA_COMMON_NAME), "{issuer}");
    let spki = cert.tbs_certificate().subject_public_key_info().to_der().unwrap();
    let key = VerifyingKey::<Sha256>::new(PublicKey::from_public_key_der(&spki).unwrap());
    let signature = STANDARD.decode(content["signature"].as_str().unwrap()).unwrap();
    let signature = Signature::try_from(signature.as_slice()).unwrap();
    key.verify(document, &signature).unwrap();
}
