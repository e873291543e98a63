//! The mock platform's answers over real HTTP: that a D-code reaches the wire on each surface
//! (the signed POST's envelope with HTTP 200, the getQR error page, the app's JSON and the
//! callbacks the delivery worker posts), that the `X-Sandbox-*` headers, the admin API and the
//! timer reach the engine, and the HTTP errors only the server gives (404, 413, 429, 503).
//!
//! Which rule gives which D-code is the engine's business and tested there, without HTTP:
//! `crates/protocol/src/engine/tests/` (`codes.rs`, `outcomes.rs`, `app.rs`) and
//! `crates/protocol/src/scenario/tests.rs`, one test per code and per scenario.

use std::time::Duration;

use protocol::content::ContentMode;
use serde_json::{Value, json};

use crate::{
    eservice::{EService, Login, redirect_query},
    http,
    sandbox::{DataDir, Sandbox},
};

const TOKEN: &str = "/api/v1/auth/getToken";
const GET_KEY: &str = "/api/v1/security/getKey";
const PROFILE: &str = "/api/v1/account/auth/profile/initiateRequest";

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

#[tokio::test]
async fn a_signed_post_answers_its_code_in_an_envelope_with_http_200() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let mut es = EService::register(&sandbox, ContentMode::Encrypted, &[]).await?;
    // A refusal of the body, in a sealed exchange.
    let body =
        json!({ "code": "0123456789abcdef0123456789abcdef", "grantType": "authorization_code" });
    let answer = es.post(TOKEN, Some(body.clone())).await?;
    assert_eq!((answer.status, answer.code.as_str()), (200, "D40004"), "{:?}", answer.envelope);
    assert!(answer.envelope["txID"].as_str().is_some_and(|t| t.starts_with("<T=")));
    // A refusal of the headers: what the engine reads is what arrived over HTTP.
    let mut headers = es.sign("");
    headers.iter_mut().filter(|(n, _)| *n == "nonce").for_each(|h| h.0 = "x-gone");
    let answer = es.send(GET_KEY, &headers, String::new(), &[]).await?;
    assert_eq!((answer.status, answer.code.as_str()), (200, "D20001"), "{:?}", answer.envelope);
    // A scenario selected by header reaches the engine.
    let answer = es.post_with(TOKEN, Some(body), &[("x-sandbox-scenario", "server-error")]).await?;
    assert_eq!((answer.status, answer.code.as_str()), (200, "D20000"), "{:?}", answer.envelope);
    sandbox.stop().await
}

#[tokio::test]
async fn an_admin_change_applies_to_the_next_signed_request() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let mut es = EService::register(&sandbox, ContentMode::Plain, &[]).await?;
    let login = es.login("chan-tai-man").await?;
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
    let answer = es.post(PROFILE, Some(body)).await?;
    assert_eq!(answer.code, "D20012", "{:?}", answer.envelope);
    sandbox.stop().await
}

#[tokio::test]
async fn get_qr_answers_its_codes_as_pages_and_redirects() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let es = EService::register(&sandbox, ContentMode::Plain, &[]).await?;
    // A refused query is an error page with HTTP 400 and the code.
    let url = es
        .get_qr_url("PC_Browser", &[])
        .replace("redirectURI=", "redirectURI=https%3A%2F%2Fevil.example%2F&x=");
    let res = http::get(&url, &[]).await?;
    assert_eq!(res.status, 400, "{url}");
    assert!(res.text().contains("D20008"), "{url} should show D20008: {}", res.text());
    // A login refused at once by a scenario redirects with its code.
    let url = es.get_qr_url("PC_Browser", &[]);
    let res = http::get(&url, &[("x-sandbox-scenario", "id-card-error")]).await?;
    assert_eq!(redirect_query(&res, &es.inbox())?.error_code.map(|c| c.as_str()), Some("D40035"));
    // A delayed approval shows the page first; the server's timer approves it later.
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
async fn the_app_answers_json_and_outcomes_are_called_back() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let mut es = EService::register(&sandbox, ContentMode::Plain, &[]).await?;
    let login = es.login("cheung-wai-kit").await?;
    // Declined in the app, through its JSON route.
    let answer = es.post(PROFILE, Some(profile(&es, &login, "r-1"))).await?;
    assert_eq!(answer.code, "D00000", "{:?}", answer.envelope);
    let inbox = http::get(&sandbox.url("/sandbox/app/inbox/cheung-wai-kit"), &[]).await?.json()?;
    let ticket = inbox[0]["task"]["id"].as_str().unwrap_or_default().to_owned();
    let task = sandbox.url(&format!("/sandbox/app/tasks/{ticket}"));
    let decline = json!({ "action": "decline" }).to_string();
    let res = http::post(&task, &[], decline.clone()).await?;
    assert_eq!(res.status, 200, "{}", res.text());
    // Answering again is refused as JSON with the engine's code.
    let res = http::post(&task, &[], decline).await?;
    assert_eq!(res.status, 404, "{}", res.text());
    assert!(res.json()?["code"].as_str().is_some_and(|c| c.starts_with('D')), "{}", res.text());
    // Declined at once by a scenario selected by header.
    let body = profile(&es, &login, "r-2");
    let answer =
        es.post_with(PROFILE, Some(body), &[("x-sandbox-scenario", "user-declined")]).await?;
    assert_eq!(answer.code, "D00000", "{:?}", answer.envelope);
    // Both outcomes reach the e-service as POST callbacks from the delivery worker.
    let callbacks = es.wait_callbacks(2).await?;
    let codes: Vec<&str> = callbacks.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(codes, ["D50001", "D50001"], "{callbacks:?}");
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
