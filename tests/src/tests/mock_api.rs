//! The mock platform over real HTTP: every endpoint's happy path, in plain and encrypted mode.
//!
//! An [`EService`] registered through the admin API drives each flow the way an online
//! service would: the getQR page in a "browser", the simulated app through its JSON routes,
//! signed POSTs, and callbacks read back from the client's built-in inbox.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use protocol::{content::ContentMode, pki};
use serde_json::{Value, json};

use crate::{
    eservice::{EService, Login, redirect_query, redirect_url_query, ticket_of_page},
    http,
    sandbox::Sandbox,
};

const MODES: [ContentMode; 2] = [ContentMode::Plain, ContentMode::Encrypted];

/// A logged-in request body for `login`, answering to the client's inbox.
fn logged_in(es: &EService, login: &Login, business_id: &str, extra: Value) -> Value {
    let mut body = json!({
        "businessID": business_id,
        "accessToken": login.token,
        "openID": login.open_id,
        "source": "PC_Browser",
        "redirectURI": es.inbox(),
        "state": "cb-state",
    });
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    body
}

/// Applies an app action through the JSON route; answers the task view.
async fn app(sandbox: &Sandbox, ticket: &str, action: Value) -> anyhow::Result<Value> {
    let res =
        http::post(&sandbox.url(&format!("/sandbox/app/tasks/{ticket}")), &[], action.to_string())
            .await?;
    anyhow::ensure!(res.status == 200, "app action failed: {} {}", res.status, res.text());
    res.json()
}

async fn qr_status(sandbox: &Sandbox, ticket: &str) -> anyhow::Result<Value> {
    http::get(&sandbox.url(&format!("/sandbox/qr/{ticket}/status")), &[]).await?.json()
}

#[tokio::test]
async fn login_by_qr_page_and_simulated_app_in_both_modes() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    for mode in MODES {
        let mut es = EService::register(&sandbox, mode, &[]).await?;
        // The browser opens the QR page; the page names the simulated app's URL for the ticket.
        let page = http::get(&es.get_qr_url("PC_Browser", &[]), &[]).await?;
        assert_eq!(page.status, 200, "{}", page.text());
        let html = page.text();
        assert!(html.contains("<svg"), "the QR page shows a QR code");
        let ticket = ticket_of_page(&html)?;
        assert_eq!(qr_status(&sandbox, &ticket).await?["status"], "waiting");

        // The phone scans, the page notices, the user approves, the page follows the redirect.
        let app_page =
            http::get(&sandbox.url(&format!("/sandbox/app?ticketID={ticket}")), &[]).await?;
        assert_eq!(app_page.status, 200);
        assert!(app_page.text().contains("Scan as"));
        app(&sandbox, &ticket, json!({ "action": "open", "persona": "chan-tai-man" })).await?;
        assert_eq!(qr_status(&sandbox, &ticket).await?["status"], "scanned");
        app(&sandbox, &ticket, json!({ "action": "approve" })).await?;
        let status = qr_status(&sandbox, &ticket).await?;
        assert_eq!(status["status"], "redirect");
        let query = redirect_url_query(status["url"].as_str().unwrap_or_default(), &es.inbox())?;
        assert_eq!(query.state.as_deref(), Some("st4te"));
        let login = es.exchange(query.code.as_deref().unwrap_or_default()).await?;
        assert_eq!(login.content["tokenType"], "Bearer");
        assert_eq!(login.content["userType"], "sign");
        assert!(login.open_id.ends_with("%3D"), "URL-encoded Base64: {}", login.open_id);

        // The browser lands in the inbox, which shows the code.
        let landed = http::get(status["url"].as_str().unwrap_or_default(), &[]).await?;
        assert_eq!(landed.status, 200);
        assert!(landed.text().contains("param-code"));
    }
    sandbox.stop().await
}

#[tokio::test]
async fn profile_request_is_pushed_to_the_app_and_called_back_with_consented_fields()
-> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    for mode in MODES {
        let mut es = EService::register(&sandbox, mode, &[]).await?;
        let login = es.login("chan-tai-man").await?;
        let body = logged_in(&es, &login, "p-1", json!({ "profileFields": ["idNo", "enName"] }));
        let answer = es.post("/api/v1/account/auth/profile/initiateRequest", Some(body)).await?;
        assert_eq!(answer.code, "D00000", "{:?}", answer.envelope);
        assert_eq!(answer.content, Some(json!({ "authByQR": true })));
        if mode == ContentMode::Encrypted {
            assert!(answer.envelope["content"].is_string(), "encrypted content is sealed");
        }

        let inbox =
            http::get(&sandbox.url("/sandbox/app/inbox/chan-tai-man"), &[]).await?.json()?;
        let task = inbox
            .as_array()
            .and_then(|tasks| tasks.iter().find(|t| t["task"]["clientId"] == es.client_id.as_str()))
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("the request is not in the app's inbox: {inbox}"))?;
        let ticket = task["task"]["id"].as_str().unwrap_or_default().to_owned();
        app(&sandbox, &ticket, json!({ "action": "approve", "fields": ["idNo"] })).await?;

        let callbacks = es.wait_callbacks(1).await?;
        let (code, content) = &callbacks[0];
        assert_eq!(code, "D00000");
        assert_eq!(
            content.clone().unwrap_or_default(),
            json!({
                "businessID": "p-1",
                "state": "cb-state",
                "idNo": { "Identification": "K512783", "CheckDigit": "1" },
            })
        );

        // The delivery log shows the POST and the inbox's answer.
        let log =
            http::get(&sandbox.url(&format!("/sandbox/clients/{}/deliveries", es.client_id)), &[])
                .await?
                .json()?;
        assert_eq!(log[0]["state"], "delivered", "{log}");
        assert_eq!(log[0]["responseStatus"], 200);
    }
    sandbox.stop().await
}

#[tokio::test]
async fn every_logged_in_flow_completes_headlessly_in_both_modes() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    for mode in MODES {
        let mut es = EService::register(&sandbox, mode, &[]).await?;
        let res = es.settings(json!({ "autoAnswer": "approve" })).await?;
        assert_eq!(res.status, 200, "{}", res.text());
        let login = es.login("chan-tai-man").await?;
        let digest = STANDARD.encode(sha256(b"the document"));
        let requests = [
            (
                "/api/v1/account/auth/profile/initiateRequest",
                json!({ "profileFields": ["birthDate", "gender"] }),
            ),
            (
                "/api/v1/account/eme/initiateRequest",
                json!({ "eMEFields": ["mobileNumber", "emailAddress"], "formName": "Change of address" }),
            ),
            // The alias some integrators use for e-ME.
            ("/api/v1/account/auth/eme/initiateRequest", json!({ "eMEFields": ["emailAddress"] })),
            ("/api/v1/account/stepup/initiateRequest", json!({})),
            (
                "/api/v1/account/signing/initiateRequest",
                json!({
                    "hashCode": digest,
                    "HKICHash": pki::hkic_hash("K512783"),
                    "serviceName": "Sandbox service",
                    "documentName": "Application form",
                }),
            ),
            (
                "/api/v1/account/pdfsigning/initiateRequest",
                json!({ "docDigest": digest, "serviceName": "S", "documentName": "D" }),
            ),
        ];
        for (idx, (path, extra)) in requests.iter().enumerate() {
            let body = logged_in(&es, &login, &format!("b-{idx}"), extra.clone());
            let answer = es.post(path, Some(body)).await?;
            assert_eq!(answer.code, "D00000", "{path}: {:?}", answer.envelope);
        }
        let callbacks = es.wait_callbacks(requests.len()).await?;
        for (code, content) in &callbacks {
            assert_eq!(code, "D00000", "{content:?}");
        }
        let content = |id: &str| {
            callbacks
                .iter()
                .filter_map(|(_, c)| c.clone())
                .find(|c| c["businessID"] == id)
                .unwrap_or_default()
        };
        assert_eq!(content("b-0")["birthDate"], "19850314");
        assert!(content("b-1")["mobileNumber"].is_object());
        assert!(content("b-2")["emailAddress"].is_string());
        assert_eq!(content("b-3"), json!({ "businessID": "b-3", "state": "cb-state" }));
        assert_eq!(content("b-4")["hashCode"], digest.as_str());
        assert!(content("b-4")["signature"].is_string() && content("b-4")["cert"].is_string());
        assert!(content("b-5")["pdfSignature"].is_string());

        let ack = json!({ "businessID": "b-4", "signingResult": "SR001" });
        let answer = es.post("/api/v1/account/signing/ackResult", Some(ack)).await?;
        assert_eq!(answer.code, "D00000", "{:?}", answer.envelope);
    }
    sandbox.stop().await
}

#[tokio::test]
async fn anonymous_flows_bind_a_get_qr_page_and_return_results() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    for mode in MODES {
        let mut es = EService::register(&sandbox, mode, &[]).await?;
        let digest = STANDARD.encode(sha256(b"anonymous"));
        let cases = [
            ("eme", json!({ "eMEFields": ["emailAddress"], "profileFields": ["idNo"] })),
            (
                "signing",
                json!({
                    "hashCode": STANDARD.encode(b"anon"),
                    "HKICHash": pki::hkic_hash("Y604718"),
                    "serviceName": "S",
                    "documentName": "D",
                }),
            ),
            ("pdfsigning", json!({ "docDigest": digest, "serviceName": "S", "documentName": "D" })),
        ];
        for (kind, extra) in cases {
            let business_id = format!("anon-{kind}");
            let mut body = json!({ "businessID": business_id });
            if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
                body.extend(extra);
            }
            let path = format!("/api/v1/anonymous/{kind}/initiateRequest");
            let answer = es.post(&path, Some(body)).await?;
            assert_eq!(answer.code, "D00000", "{kind}: {:?}", answer.envelope);
            let ticket = answer.content.unwrap_or_default()["ticketID"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            // A mobile browser gets the broker page for the anonymous ticket.
            let page =
                http::get(&es.get_qr_url("Android_Chrome", &[("ticketID", &ticket)]), &[]).await?;
            assert_eq!(page.status, 200, "{}", page.text());
            assert!(page.text().contains("hk.gov.iamsmart.testapp://"), "a deep link");
            app(&sandbox, &ticket, json!({ "action": "open", "persona": "wong-siu-ling" })).await?;
            let view = app(&sandbox, &ticket, json!({ "action": "approve" })).await?;
            let redirect = view["task"]["status"]["redirect"].as_str().unwrap_or_default();
            let query = redirect_url_query(redirect, &es.inbox())?;
            assert_eq!(query.business_id.as_deref(), Some(business_id.as_str()));
            let login = es.exchange(query.code.as_deref().unwrap_or_default()).await?;
            let body = json!({
                "businessID": business_id,
                "accessToken": login.token,
                "openID": login.open_id,
            });
            let answer =
                es.post(&format!("/api/v1/anonymous/{kind}/getResult"), Some(body)).await?;
            assert_eq!(answer.code, "D00000", "{kind}: {:?}", answer.envelope);
            assert_eq!(answer.content.unwrap_or_default()["businessID"], business_id.as_str());
        }
    }
    sandbox.stop().await
}

#[tokio::test]
async fn key_endpoints_and_pilot_paths_work() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let mut es = EService::register(&sandbox, ContentMode::Encrypted, &[]).await?;
    let first = es.cek;
    let again = es.post("/api/v1/security/getKey", Some(json!({}))).await?;
    assert_eq!(again.code, "D00000");
    assert_eq!(es.cek, first, "the key is reused until it expires");
    let revoked = es.post("/api/v1/security/revokeKey", None).await?;
    assert_eq!(revoked.code, "D00000", "{:?}", revoked.envelope);
    let renewed = es.post("/authentication/api/v1/security/getKey", None).await?;
    assert_eq!(renewed.code, "D00000");
    assert_ne!(es.cek, first, "after revokeKey, getKey issues a new key");

    // The pilot sandbox's prefix reaches the same endpoints, getQR included.
    let code = es.headless_code("lee-ka-yan", "PC_Browser").await?;
    let body = json!({ "code": code, "grantType": "authorization_code" });
    let answer = es.post("/authentication/api/v1/auth/getToken", Some(body)).await?;
    assert_eq!(answer.code, "D00000", "{:?}", answer.envelope);
    assert_eq!(answer.content.unwrap_or_default()["userType"], "default");
    let url = es.get_qr_url("PC_Browser", &[]).replace("/api/v1/", "/authentication/api/v1/");
    let page = http::get(&url, &[]).await?;
    assert_eq!(page.status, 200);
    sandbox.stop().await
}

#[tokio::test]
async fn headless_headers_approve_deny_or_fail_a_login_at_once() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let mut es = EService::register(&sandbox, ContentMode::Plain, &[]).await?;
    let url = es.get_qr_url("PC_Browser", &[]);

    let approved =
        http::get(&url, &[("x-sandbox-auto", "approve"), ("x-sandbox-persona", "lee-ka-yan")])
            .await?;
    let query = redirect_query(&approved, &es.inbox())?;
    let login = es.exchange(query.code.as_deref().unwrap_or_default()).await?;
    assert_eq!(login.content["userType"], "default", "the header's persona logged in");

    let denied = http::get(&url, &[("x-sandbox-auto", "deny")]).await?;
    let query = redirect_query(&denied, &es.inbox())?;
    assert_eq!(query.error_code.map(|c| c.as_str()), Some("D40001"));
    assert_eq!(query.state.as_deref(), Some("st4te"));

    let failed = http::get(&url, &[("x-sandbox-scenario", "biometric-fail")]).await?;
    assert_eq!(
        redirect_query(&failed, &es.inbox())?.error_code.map(|c| c.as_str()),
        Some("D40002")
    );

    // A client setting does the same without headers.
    let res = es.settings(json!({ "persona": "wong-siu-ling", "autoAnswer": "approve" })).await?;
    assert_eq!(res.status, 200, "{}", res.text());
    let res = http::get(&url, &[]).await?;
    let code = redirect_query(&res, &es.inbox())?.code.unwrap_or_default();
    let login = es.exchange(&code).await?;
    assert_eq!(login.content["userType"], "sign");

    // Bad header values are refused.
    let bad = http::get(&url, &[("x-sandbox-persona", "nobody")]).await?;
    assert_eq!(bad.status, 400);
    let bad = es.post_with("/api/v1/security/getKey", None, &[("x-sandbox-auto", "maybe")]).await?;
    assert_eq!(bad.status, 400);
    sandbox.stop().await
}

#[tokio::test]
async fn an_app_to_app_login_opens_in_the_simulated_app() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let app_uri = "https://rp.example/app-landing";
    let mut es = EService::register(&sandbox, ContentMode::Plain, &[app_uri]).await?;
    let query = protocol::wire::append_query(
        &sandbox.url("/sandbox/app/launch"),
        &[
            ("clientID", es.client_id.as_str()),
            ("responseType", "code"),
            ("source", "App_Link"),
            ("redirectURI", app_uri),
            ("scope", "eidapi_auth"),
            ("state", "app-state"),
        ],
    );
    let res = http::get(&query, &[]).await?;
    assert_eq!(res.status, 303, "{}", res.text());
    let location = res.header("location").unwrap_or_default().to_owned();
    let ticket = location.rsplit("ticketID=").next().unwrap_or_default().to_owned();
    app(&sandbox, &ticket, json!({ "action": "open", "persona": "ho-chun-fai" })).await?;
    let view = app(&sandbox, &ticket, json!({ "action": "approve" })).await?;
    let redirect = view["task"]["status"]["redirect"].as_str().unwrap_or_default();
    let query = redirect_url_query(redirect, app_uri)?;
    assert_eq!(query.state.as_deref(), Some("app-state"));
    let login = es.exchange(query.code.as_deref().unwrap_or_default()).await?;
    assert_eq!(login.content["userType"], "default");
    let page = http::get(&sandbox.url(&location), &[]).await?;
    assert!(page.text().contains("Return to the service"), "{}", page.text());

    // A browser source is not an app: D20007.
    let bad = http::get(&query_with_source(&es, &sandbox, app_uri, "PC_Browser"), &[]).await?;
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("D20007"));
    sandbox.stop().await
}

fn query_with_source(es: &EService, sandbox: &Sandbox, uri: &str, source: &str) -> String {
    protocol::wire::append_query(
        &sandbox.url("/sandbox/app/launch"),
        &[
            ("clientID", es.client_id.as_str()),
            ("responseType", "code"),
            ("source", source),
            ("redirectURI", uri),
            ("scope", "eidapi_auth"),
        ],
    )
}

fn sha256(data: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(data).to_vec()
}
