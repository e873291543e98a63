//! The mock platform's refusals over real HTTP: each D-code path, every fault scenario, and
//! the HTTP errors (404, 413, 429, 503).

use std::time::Duration;

use base64::{Engine as _, engine::general_purpose::STANDARD};
use protocol::{content::ContentMode, pki};
use serde_json::{Value, json};

use crate::{
    eservice::{EService, Login, redirect_query},
    http,
    sandbox::{DataDir, Sandbox},
};

const TOKEN: &str = "/api/v1/auth/getToken";
const GET_KEY: &str = "/api/v1/security/getKey";
const PROFILE: &str = "/api/v1/account/auth/profile/initiateRequest";
const SIGNING: &str = "/api/v1/account/signing/initiateRequest";
const ACK: &str = "/api/v1/account/signing/ackResult";

fn profile(es: &EService, login: &Login, business_id: &str) -> Value {
    json!({
        "businessID": business_id,
        "accessToken": login.token,
        "openID": login.open_id,
        "source": "PC_Browser",
        "redirectURI": es.inbox(),
        "profileFields": ["enName"],
    })
}

fn signing(es: &EService, login: &Login, business_id: &str, hkic: &str) -> Value {
    json!({
        "businessID": business_id,
        "accessToken": login.token,
        "openID": login.open_id,
        "source": "PC_Browser",
        "redirectURI": es.inbox(),
        "hashCode": STANDARD.encode(b"doc"),
        "HKICHash": pki::hkic_hash(hkic),
        "serviceName": "S",
        "documentName": "D",
    })
}

/// POSTs and checks the envelope's code (and HTTP 200).
async fn check(
    es: &mut EService,
    path: &str,
    body: Option<Value>,
    expect: &str,
) -> anyhow::Result<()> {
    let answer = es.post(path, body).await?;
    assert_eq!(answer.status, 200, "{path}");
    assert_eq!(answer.code, expect, "{path}: {:?}", answer.envelope);
    Ok(())
}

/// Sends signed headers edited by `edit`, and checks the code.
async fn check_headers(
    es: &mut EService,
    edit: impl FnOnce(&mut [(&'static str, String); 5]),
    expect: &str,
) -> anyhow::Result<()> {
    let mut headers = es.sign("");
    edit(&mut headers);
    let answer = es.send(GET_KEY, &headers, String::new(), &[]).await?;
    assert_eq!(answer.code, expect, "{:?}", answer.envelope);
    Ok(())
}

fn set(name: &'static str, value: &'static str) -> impl FnOnce(&mut [(&'static str, String); 5]) {
    move |headers| headers.iter_mut().filter(|(n, _)| *n == name).for_each(|h| h.1 = value.into())
}

#[tokio::test]
async fn signed_request_checks_answer_their_codes() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let mut es = EService::register(&sandbox, ContentMode::Plain, &[]).await?;
    check_headers(
        &mut es,
        |h| h.iter_mut().filter(|(n, _)| *n == "nonce").for_each(|h| h.0 = "x-gone"),
        "D20001",
    )
    .await?;
    check_headers(&mut es, set("nonce", ""), "D20002").await?;
    check_headers(&mut es, set("clientID", "no-such-client"), "D20003").await?;
    check_headers(&mut es, set("signatureMethod", "HmacSHA1"), "D20005").await?;
    check_headers(
        &mut es,
        set("signature", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D"),
        "D20006",
    )
    .await?;

    // Replays: the same headers twice, then an older timestamp.
    let headers = es.sign("");
    assert_eq!(es.send(GET_KEY, &headers, String::new(), &[]).await?.code, "D00000");
    assert_eq!(es.send(GET_KEY, &headers, String::new(), &[]).await?.code, "D20004");
    let timestamp: u64 = headers
        .iter()
        .find(|(n, _)| *n == "timestamp")
        .and_then(|h| h.1.parse().ok())
        .unwrap_or_default();
    let nonce = "fresh-nonce-for-an-older-request";
    let older = protocol::headers::signed_headers(
        &es.client_id,
        &es.secret,
        timestamp.saturating_sub(60_000),
        nonce,
        b"",
    );
    let answer = es.send(GET_KEY, &older, String::new(), &[]).await?;
    assert_eq!(answer.code, "D20004", "an older timestamp is a replay: {:?}", answer.envelope);
    sandbox.stop().await
}

#[tokio::test]
async fn content_and_field_checks_answer_their_codes() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let mut es = EService::register(&sandbox, ContentMode::Encrypted, &[]).await?;
    // Garbage where the sealed content should be.
    let headers = es.sign("{\"content\":\"bm90IGEgcmVhbCBjaXBoZXJ0ZXh0IGF0IGFsbA==\"}");
    let answer = es
        .send(
            TOKEN,
            &headers,
            "{\"content\":\"bm90IGEgcmVhbCBjaXBoZXJ0ZXh0IGF0IGFsbA==\"}".into(),
            &[],
        )
        .await?;
    assert_eq!(answer.code, "D30004", "{:?}", answer.envelope);
    // Field rules.
    check(&mut es, TOKEN, Some(json!({ "code": "abc" })), "D20001").await?;
    check(&mut es, TOKEN, Some(json!({ "code": "", "grantType": "authorization_code" })), "D20002")
        .await?;
    check(&mut es, TOKEN, Some(json!({ "code": "abc", "grantType": "password" })), "D20003")
        .await?;
    check(&mut es, TOKEN, Some(json!({ "code": "0123456789abcdef0123456789abcdef", "grantType": "authorization_code" })), "D40004").await?;
    // After revokeKey, the client's key is gone until the next getKey.
    check(&mut es, "/api/v1/security/revokeKey", None, "D00000").await?;
    check(
        &mut es,
        TOKEN,
        Some(json!({ "code": "abc", "grantType": "authorization_code" })),
        "D30002",
    )
    .await?;
    sandbox.stop().await
}

#[tokio::test]
async fn business_rules_answer_their_codes() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let mut es = EService::register(&sandbox, ContentMode::Plain, &[]).await?;
    // Authorisation codes are single use, and expire.
    let code = es.headless_code("chan-tai-man", "PC_Browser").await?;
    let login = es.exchange(&code).await?;
    let body = json!({ "code": code, "grantType": "authorization_code" });
    check(&mut es, TOKEN, Some(body), "D40004").await?;
    es.settings(json!({ "authCodeTtlMs": 1 })).await?;
    let code = es.headless_code("chan-tai-man", "PC_Browser").await?;
    tokio::time::sleep(Duration::from_millis(20)).await;
    check(
        &mut es,
        TOKEN,
        Some(json!({ "code": code, "grantType": "authorization_code" })),
        "D40004",
    )
    .await?;
    es.settings(json!({ "authCodeTtlMs": 60_000 })).await?;

    let mut bad = profile(&es, &login, "x1");
    bad["accessToken"] = json!("0123456789abcdef0123456789abcdef");
    check(&mut es, PROFILE, Some(bad), "D20009").await?;
    let mut bad = profile(&es, &login, "x2");
    bad["openID"] = json!("not-the-users-open-id");
    check(&mut es, PROFILE, Some(bad), "D20010").await?;
    let mut bad = profile(&es, &login, "x3");
    bad["source"] = json!("Nokia_Browser");
    check(&mut es, PROFILE, Some(bad), "D20007").await?;
    let mut bad = profile(&es, &login, "x4");
    bad["redirectURI"] = json!("https://elsewhere.example/cb");
    check(&mut es, PROFILE, Some(bad), "D20008").await?;
    let body = profile(&es, &login, "dup");
    check(&mut es, PROFILE, Some(body), "D00000").await?;
    let body = profile(&es, &login, "dup");
    check(&mut es, PROFILE, Some(body), "D20011").await?;
    let body = signing(&es, &login, "s1", "A123456");
    check(&mut es, SIGNING, Some(body), "D70005").await?;
    let body =
        json!({ "businessID": "never-used", "accessToken": login.token, "openID": login.open_id });
    check(&mut es, "/api/v1/anonymous/eme/getResult", Some(body), "D20027").await?;

    // An iAM Smart user without signing may not sign.
    let plain_user = es.login("lee-ka-yan").await?;
    let body = signing(&es, &plain_user, "s2", "P203915");
    check(&mut es, SIGNING, Some(body), "D70004").await?;

    // A client approved for fewer scopes cannot ask for more.
    let [auth] = crate::eservice::admin();
    let res = http::request(
        hyper::Method::PUT,
        &sandbox.url(&format!("/sandbox/admin/clients/{}", es.client_id)),
        &[(auth.0, &auth.1)],
        json!({ "scopes": "eidapi_auth" }).to_string().into_bytes(),
    )
    .await?;
    assert_eq!(res.status, 200, "{}", res.text());
    let body = profile(&es, &login, "x5");
    check(&mut es, PROFILE, Some(body), "D20012").await?;
    sandbox.stop().await
}

#[tokio::test]
async fn get_qr_refusals_are_error_pages_with_their_codes() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let es = EService::register(&sandbox, ContentMode::Plain, &[]).await?;
    let cases = [
        (
            es.get_qr_url("PC_Browser", &[])
                .replace("redirectURI=", "redirectURI=https%3A%2F%2Fevil.example%2F&x="),
            "D20008",
        ),
        (es.get_qr_url("App_Link", &[]), "D20007"),
        (
            es.get_qr_url("PC_Browser", &[("ticketID", "00000000000000000000000000000000")]),
            "D20027",
        ),
        (es.get_qr_url("PC_Browser", &[]).replace("responseType=code&", ""), "D20001"),
        (
            es.get_qr_url("PC_Browser", &[]).replace("responseType=code", "responseType=token"),
            "D20003",
        ),
        (es.get_qr_url("PC_Browser", &[]).replace(&es.client_id, "unknown-client"), "D20003"),
    ];
    for (url, expect) in cases {
        let res = http::get(&url, &[]).await?;
        assert_eq!(res.status, 400, "{url}");
        assert!(res.text().contains(expect), "{url} should show {expect}: {}", res.text());
    }
    sandbox.stop().await
}

/// Where each scenario fires, and the code it must produce there.
#[tokio::test]
async fn every_fault_scenario_produces_its_code() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let mut es = EService::register(&sandbox, ContentMode::Encrypted, &[]).await?;
    let login = es.login("chan-tai-man").await?;
    let token_body =
        || json!({ "code": "0123456789abcdef0123456789abcdef", "grantType": "authorization_code" });
    let request_faults = [
        ("bad-signature", TOKEN, "D20006"),
        ("replayed-nonce", TOKEN, "D20004"),
        ("server-error", TOKEN, "D20000"),
        ("expired-cek", TOKEN, "D30002"),
        ("decrypt-fail", TOKEN, "D30004"),
        ("encrypt-fail", TOKEN, "D30003"),
        ("kek-missing", GET_KEY, "D30001"),
    ];
    for (name, path, expect) in request_faults {
        let body = (path != GET_KEY).then(token_body);
        let answer = es.post_with(path, body, &[("x-sandbox-scenario", name)]).await?;
        assert_eq!(answer.code, expect, "{name}: {:?}", answer.envelope);
    }
    let code = es.headless_code("chan-tai-man", "PC_Browser").await?;
    let body = json!({ "code": code, "grantType": "authorization_code" });
    let answer =
        es.post_with(TOKEN, Some(body), &[("x-sandbox-scenario", "expired-authcode")]).await?;
    assert_eq!(answer.code, "D40004");

    let business_faults = [
        ("token-expired", "D20009"),
        ("unknown-openid", "D20010"),
        ("insufficient-scope", "D20012"),
        ("duplicate-business-id", "D20011"),
    ];
    for (idx, (name, expect)) in business_faults.into_iter().enumerate() {
        let body = profile(&es, &login, &format!("bf-{idx}"));
        let answer = es.post_with(PROFILE, Some(body), &[("x-sandbox-scenario", name)]).await?;
        assert_eq!(answer.code, expect, "{name}: {:?}", answer.envelope);
    }
    for (idx, (name, expect)) in
        [("not-iamsmart-plus", "D70004"), ("hkic-mismatch", "D70005")].into_iter().enumerate()
    {
        let body = signing(&es, &login, &format!("sf-{idx}"), "K512783");
        let answer = es.post_with(SIGNING, Some(body), &[("x-sandbox-scenario", name)]).await?;
        assert_eq!(answer.code, expect, "{name}: {:?}", answer.envelope);
    }
    let ack = json!({ "businessID": "sf-0", "signingResult": "SR001" });
    let answer = es.post_with(ACK, Some(ack), &[("x-sandbox-scenario", "ack-failed")]).await?;
    assert_eq!(answer.code, "D70006", "{:?}", answer.envelope);

    // User outcomes decide a logged-in request at once; the callback carries the code.
    let outcomes = [
        ("user-declined", "D50001"),
        ("user-cancelled", "D40000"),
        ("app-timeout", "D50003"),
        ("biometric-fail", "D50002"),
    ];
    for (idx, (name, _)) in outcomes.iter().enumerate() {
        let body = profile(&es, &login, &format!("uo-{idx}"));
        let answer = es.post_with(PROFILE, Some(body), &[("x-sandbox-scenario", name)]).await?;
        assert_eq!(answer.code, "D00000", "{name}: {:?}", answer.envelope);
    }
    let callbacks = es.wait_callbacks(outcomes.len()).await?;
    for (idx, (name, expect)) in outcomes.iter().enumerate() {
        let business_id = format!("uo-{idx}");
        let found = callbacks.iter().find(|(code, _)| code == expect);
        assert!(found.is_some(), "{name} ({business_id}) should call back {expect}: {callbacks:?}");
    }
    // A login refused for the card record, and one approved after a delay by the timer.
    let url = es.get_qr_url("PC_Browser", &[]);
    let res = http::get(&url, &[("x-sandbox-scenario", "id-card-error")]).await?;
    assert_eq!(redirect_query(&res, &es.inbox())?.error_code.map(|c| c.as_str()), Some("D40035"));
    let res = http::get(
        &url,
        &[("x-sandbox-scenario", "slow-approval:1"), ("x-sandbox-persona", "chan-tai-man")],
    )
    .await?;
    assert_eq!(res.status, 200, "a slow approval shows the page first");
    let ticket = crate::eservice::ticket_of_page(&res.text())?;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let status =
            http::get(&sandbox.url(&format!("/sandbox/qr/{ticket}/status")), &[]).await?.json()?;
        if status["status"] == "redirect" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the timer never approved: {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    sandbox.stop().await
}

#[tokio::test]
async fn refusals_in_the_app_call_back_with_the_flow_codes() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let mut es = EService::register(&sandbox, ContentMode::Plain, &[]).await?;
    let login = es.login("cheung-wai-kit").await?;
    let cases = [
        ("/api/v1/account/stepup/initiateRequest", json!({}), "decline", "D80001"),
        (SIGNING, signing(&es, &login, "", "R418062"), "timeOut", "D70003"),
        (
            "/api/v1/account/eme/initiateRequest",
            json!({ "eMEFields": ["emailAddress"] }),
            "cancel",
            "D60000",
        ),
        (PROFILE, json!({ "profileFields": ["gender"] }), "failBiometric", "D50002"),
    ];
    for (idx, (path, extra, action, _)) in cases.iter().enumerate() {
        let mut body = profile(&es, &login, &format!("r-{idx}"));
        if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra.clone()) {
            body.remove("profileFields");
            body.extend(extra);
            body.insert("businessID".into(), json!(format!("r-{idx}")));
        }
        let answer = es.post(path, Some(body)).await?;
        assert_eq!(answer.code, "D00000", "{path}: {:?}", answer.envelope);
        let inbox =
            http::get(&sandbox.url("/sandbox/app/inbox/cheung-wai-kit"), &[]).await?.json()?;
        let ticket = inbox[0]["task"]["id"].as_str().unwrap_or_default().to_owned();
        let res = http::post(
            &sandbox.url(&format!("/sandbox/app/tasks/{ticket}")),
            &[],
            json!({ "action": action }).to_string(),
        )
        .await?;
        assert_eq!(res.status, 200, "{}", res.text());
    }
    let callbacks = es.wait_callbacks(cases.len()).await?;
    let codes: Vec<&str> = callbacks.iter().map(|(c, _)| c.as_str()).collect();
    let expected: Vec<&str> = cases.iter().map(|c| c.3).collect();
    assert_eq!(codes, expected);
    sandbox.stop().await
}

#[tokio::test]
async fn http_errors_cover_unknown_paths_large_bodies_and_bursts() -> anyhow::Result<()> {
    let sandbox = Sandbox::start_with(|args| {
        args.body_limit = 2048;
        args.rate_limit = 1;
        args.rate_burst = 5;
    })
    .await?;
    let res = http::post(&sandbox.url("/api/v1/no/such/api"), &[("clientID", "a")], "{}").await?;
    assert_eq!(res.status, 404);
    assert_eq!(res.json()?["code"], "D20027");
    let res = http::get(&sandbox.url("/api/v1/auth/getToken"), &[("clientID", "a")]).await?;
    assert_eq!(res.status, 404);
    let res = http::get(&sandbox.url("/sandbox/nothing"), &[]).await?;
    assert_eq!(res.status, 404);
    let res = http::post(&sandbox.url(TOKEN), &[("clientID", "b")], vec![b'x'; 4096]).await?;
    assert_eq!(res.status, 413);
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(http::post(&sandbox.url(GET_KEY), &[("clientID", "c")], "").await?.status);
    }
    assert!(statuses.contains(&429), "a burst beyond the limit is refused: {statuses:?}");
    let res = http::post(&sandbox.url(GET_KEY), &[("clientID", "d")], "").await?;
    assert_eq!(res.status, 200, "other clients have their own bucket");
    // Admin API: malformed JSON is 400, no token is 401.
    let [auth] = crate::eservice::admin();
    let res =
        http::post(&sandbox.url("/sandbox/admin/clients"), &[(auth.0, &auth.1)], "{oops").await?;
    assert_eq!(res.status, 400);
    let res = http::post(&sandbox.url("/sandbox/admin/clients"), &[], "{}").await?;
    assert_eq!(res.status, 401);
    sandbox.stop().await
}

#[tokio::test]
async fn a_platform_that_cannot_start_answers_503() -> anyhow::Result<()> {
    // A folder where the database file should be keeps the platform from starting.
    let data = DataDir::fresh()?;
    std::fs::create_dir_all(data.path().join("sandbox.sqlite3"))?;
    let (addr, stop, task) = serve_folder(data.path()).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let health = http::get(&format!("http://{addr}/healthz"), &[]).await?;
    assert_eq!(health.status, 503);
    assert_eq!(health.json()?["status"], "starting");
    let res = http::post(&format!("http://{addr}{GET_KEY}"), &[], "").await?;
    assert_eq!(res.status, 503);
    assert_eq!(res.header("retry-after"), Some("1"));
    let _ = stop.send(());
    task.await??;
    Ok(())
}

#[tokio::test]
async fn a_request_in_flight_while_draining_answers_503() -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut sandbox = Sandbox::start().await?;
    // The head arrives before the stop, the body after it: the handler runs while draining.
    let body = r#"{"code":"0123456789abcdef","grantType":"authorization_code"}"#;
    let mut stream = tokio::net::TcpStream::connect(sandbox.addr).await?;
    let head = format!(
        "POST {TOKEN} HTTP/1.1\r\nhost: sandbox\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    sandbox.begin_stop();
    // The server closes its listener once it drains: new connections are refused from then.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(sandbox.addr).await.is_ok() {
        anyhow::ensure!(std::time::Instant::now() < deadline, "the server kept accepting");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stream.write_all(body.as_bytes()).await?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await?;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("retry-after: 1"), "{answer}");
    sandbox.stop().await
}

#[tokio::test]
async fn a_second_server_on_the_same_data_folder_does_not_start() -> anyhow::Result<()> {
    let first = Sandbox::start().await?;
    let (addr, stop, task) = serve_folder(first.data_dir()).await?;
    // The second one finds the folder's lock file taken and stays unavailable.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let health = http::get(&format!("http://{addr}/healthz"), &[]).await?;
    assert_eq!(health.status, 503);
    let res = http::get(&first.url("/healthz"), &[]).await?;
    assert_eq!(res.status, 200, "the first server keeps serving");
    let _ = stop.send(());
    task.await??;
    first.stop().await
}

/// A server on a free loopback port over `data`, without waiting for it to be ready: its
/// address, the sender that stops it, and its task.
async fn serve_folder(
    data: &std::path::Path,
) -> anyhow::Result<(
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
)> {
    let dist = crate::workspace_root().join("dist");
    let mut args = server::Args::with_folders("127.0.0.1:0".parse()?, dist, data.to_owned());
    args.log = "off".into();
    let config = args.validate()?;
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server::serve(listener, config, async {
        let _ = stopped.await;
    }));
    Ok((addr, stop, task))
}
