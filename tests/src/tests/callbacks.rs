//! Callback delivery as e-services meet it: a target that never answers holds up no one
//! else, and every attempt names its delivery in the `webhook-id` header.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use protocol::content::ContentMode;
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::TcpListener,
};

use crate::{
    eservice::{EService, Login},
    http,
    sandbox::Sandbox,
};

/// Half of how long the sandbox waits for one attempt (`callbacks::TIMEOUT`, 10 s): what
/// arrives by then did not wait for the hung target's first attempts to give up.
const WHILE_HUNG: Duration = Duration::from_secs(5);

/// A callback target on loopback that accepts connections and never answers.
async fn hung_target() -> anyhow::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    Ok(format!("http://{addr}/hung"))
}

/// A request a target received: its `webhook-id` header, if any, and its body.
type Received = (Option<String>, String);

/// A callback target on loopback that answers 200 at once and keeps what it received.
struct Recorder {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Recorder {
    async fn start() -> anyhow::Result<Recorder> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/fast", listener.local_addr()?);
        let got = Arc::new(Mutex::new(Vec::new()));
        let keep = Arc::clone(&got);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let keep = Arc::clone(&keep);
                tokio::spawn(async move {
                    if let Some(request) = read_request(&mut socket).await {
                        keep.lock().unwrap_or_else(|e| e.into_inner()).push(request);
                    }
                    let answer =
                        "HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
                    let _ = socket.write_all(answer.as_bytes()).await;
                });
            }
        });
        Ok(Recorder { url, got })
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// One HTTP/1.1 request with a `content-length` body: its `webhook-id` and body.
async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        bytes.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let Some(end) = text.find("\r\n\r\n") else { continue };
        let header = |name: &str| {
            text[..end].lines().find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
            })
        };
        let length: usize = header("content-length")?.parse().ok()?;
        if bytes.len() >= end + 4 + length {
            let body = String::from_utf8_lossy(&bytes[end + 4..end + 4 + length]).into_owned();
            return Some((header("webhook-id"), body));
        }
    }
}

/// Asks for a profile with automatic approval; its callback goes to `to`.
async fn profile_request(
    es: &mut EService,
    login: &Login,
    n: usize,
    to: &str,
) -> anyhow::Result<()> {
    let body = json!({
        "businessID": format!("biz-{n}"),
        "accessToken": login.token,
        "openID": login.open_id,
        "source": "PC_Browser",
        "redirectURI": to,
        "profileFields": ["idNo"],
    });
    let path = "/api/v1/account/auth/profile/initiateRequest";
    let answer = es.post_with(path, Some(body), &[("x-sandbox-auto", "approve")]).await?;
    anyhow::ensure!(answer.code == "D00000", "{:?}", answer.envelope);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_never_answers_holds_up_no_other_clients_callbacks() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let hung = hung_target().await?;
    let recorder = Recorder::start().await?;

    let mut stuck = EService::register(&sandbox, ContentMode::Plain, &[&hung]).await?;
    let login = stuck.login("chan-tai-man").await?;
    for n in 0..48 {
        profile_request(&mut stuck, &login, n, &hung).await?;
    }
    let mut other = EService::register(&sandbox, ContentMode::Plain, &[&recorder.url]).await?;
    let login = other.login("chan-tai-man").await?;
    let started = Instant::now();
    for n in 0..16 {
        profile_request(&mut other, &login, n, &recorder.url).await?;
    }
    while recorder.received().len() < 16 && started.elapsed() < WHILE_HUNG {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let received = recorder.received();
    assert_eq!(received.len(), 16, "arrived while the hung target's attempts still waited");

    // Each attempt carried its delivery's id, as the delivery log lists it.
    let url = sandbox.url(&format!("/sandbox/clients/{}/deliveries?limit=100", other.client_id));
    let log: Vec<Value> = serde_json::from_value(http::get(&url, &[]).await?.json()?)?;
    let mut listed: Vec<String> = log.iter().map(|d| d["id"].to_string()).collect();
    let mut sent: Vec<String> = received.iter().filter_map(|(id, _)| id.clone()).collect();
    listed.sort();
    sent.sort();
    assert_eq!(sent, listed);
    assert!(
        log.iter().all(|d| d["state"] == "delivered"
            && d["history"].as_array().is_some_and(|h| h.len() == 1 && h[0]["status"] == 200)),
        "{log:?}"
    );
    sandbox.stop().await
}
