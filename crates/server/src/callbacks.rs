//! Callbacks and time: delivering POST callbacks, the built-in inboxes, and the engine's timer.
//!
//! Every callback the engine produces is a row of `deliveries` (queued in the same transaction
//! as the call that produced it). [`deliver_forever`] POSTs due rows to their URL with a
//! timeout, records the response (status and the first 4 KB of the body), and retries
//! failures with exponential backoff (1 s, 2 s, 4 s … up to [`MAX_ATTEMPTS`]). Rows survive
//! a restart. Each client has an inbox at `/sandbox/inbox/{clientID}` that it may register as
//! its redirect URI: browser redirects (GET) and callbacks (POST) landing there are kept and
//! listed. A delivery can be replayed, which queues a copy.
//!
//! [`tick_forever`] calls `Engine::poll` at `Engine::next_deadline` (or every few seconds),
//! so timeouts and delayed approvals happen on time, and purges expired codes and tokens.

use std::time::Duration;

use axum::{
    Json,
    body::Bytes,
    extract::{Path, Query, State},
    http::{StatusCode, Uri},
    response::{IntoResponse, Response},
};
use http_body_util::{BodyExt as _, Full};
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use protocol::engine::Store as _;
use serde::Serialize;

use crate::{
    AppState, SharedPlatform,
    pages::{document, escape, html},
    state::{ApiError, Limit, latest_rows},
    store::to_i64,
};

/// How many times a callback is tried before it is marked failed.
pub const MAX_ATTEMPTS: i64 = 6;
/// How long one attempt may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The most of a response body kept in the log.
const KEEP_BODY: usize = 4096;
/// The longest the timer sleeps without checking.
const TICK: Duration = Duration::from_secs(5);
/// How often the timer saves what is written behind (replay memory, journal).
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// One delivery, as listed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub id: i64,
    pub client_id: Option<String>,
    pub url: String,
    /// The callback envelope as sent.
    pub body: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    pub attempts: i64,
    pub next_attempt_ms: i64,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub response_status: Option<i64>,
    pub response_body: Option<String>,
    pub error: Option<String>,
}

/// One request that landed in an inbox.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InboxEntry {
    pub id: i64,
    pub client_id: String,
    pub received_ms: i64,
    /// `GET` for a browser redirect, `POST` for a callback.
    pub method: String,
    pub query: String,
    pub body: String,
}

/// Delivers due callbacks until the task is aborted.
pub async fn deliver_forever(platform: SharedPlatform) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    loop {
        let due = platform
            .call(|core, now| {
                let mut stmt = core.store().conn().prepare_cached(
                    "SELECT id, url, body FROM deliveries
                     WHERE state = 'pending' AND next_attempt_ms <= ?1 ORDER BY id LIMIT 16",
                )?;
                let rows = stmt.query_map([to_i64(now)], |row| {
                    Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?))
                })?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .await;
        let due = match due {
            Ok(due) => due,
            Err(err) => {
                tracing::error!("cannot read deliveries: {:#}", err.0);
                tokio::time::sleep(TICK).await;
                continue;
            }
        };
        if due.is_empty() {
            // Woken by any platform call; at the latest, look again after a tick.
            let _ = tokio::time::timeout(Duration::from_secs(1), platform.changed.notified()).await;
            continue;
        }
        // Attempts run side by side, so one slow e-service does not hold up the others.
        let mut attempts = tokio::task::JoinSet::new();
        for (id, url, body) in due {
            let client = client.clone();
            attempts.spawn(async move { (id, post(&client, &url, body).await) });
        }
        while let Some(done) = attempts.join_next().await {
            let Ok((id, outcome)) = done else { continue };
            let recorded = platform.call(move |core, now| record(core, id, &outcome, now)).await;
            if let Err(err) = recorded {
                tracing::error!("cannot record a delivery: {:#}", err.0);
            }
        }
    }
}

/// Polls the engine at its deadlines until the task is aborted.
pub async fn tick_forever(platform: SharedPlatform) {
    let mut last_purge = 0;
    loop {
        let ticked = platform
            .call(move |core, now| {
                let outbound = core.engine.poll(now, &mut core.rng);
                core.enqueue(&outbound, None, now)?;
                if now.saturating_sub(last_purge) > 60_000 {
                    core.store().purge_expired(now.saturating_sub(60 * 60 * 1000))?;
                }
                Ok((core.engine.next_deadline(), now))
            })
            .await;
        let wait = match ticked {
            Ok((deadline, now)) => {
                if now.saturating_sub(last_purge) > 60_000 {
                    last_purge = now;
                }
                let until =
                    deadline.map_or(TICK, |at| Duration::from_millis(at.saturating_sub(now)));
                until.min(FLUSH_EVERY)
            }
            Err(err) => {
                tracing::error!("timer failed: {:#}", err.0);
                TICK
            }
        };
        platform.flush().await;
        // A busy server saves sooner than the tick (see `Platform::save_due`).
        let _ =
            tokio::time::timeout(wait.max(Duration::from_millis(20)), platform.save_due.notified())
                .await;
    }
}

/// What one attempt got.
#[derive(Debug)]
enum Outcome {
    Answered { status: u16, body: String },
    Failed(String),
}

async fn post(
    client: &Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    url: &str,
    body: String,
) -> Outcome {
    let req = hyper::Request::post(url)
        .header("content-type", "application/json")
        .header("user-agent", concat!("iam-smart-sandbox/", env!("CARGO_PKG_VERSION")))
        .body(Full::new(Bytes::from(body)));
    let req = match req {
        Ok(req) => req,
        Err(err) => return Outcome::Failed(format!("bad callback URL: {err}")),
    };
    let attempt = async {
        let res = client.request(req).await.map_err(|err| format!("{err}"))?;
        let status = res.status().as_u16();
        let bytes = res.into_body().collect().await.map_err(|err| format!("{err}"))?.to_bytes();
        let mut body = String::from_utf8_lossy(&bytes[..bytes.len().min(KEEP_BODY)]).into_owned();
        if bytes.len() > KEEP_BODY {
            body.push('…');
        }
        Ok::<_, String>(Outcome::Answered { status, body })
    };
    match tokio::time::timeout(TIMEOUT, attempt).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(err)) => Outcome::Failed(err),
        Err(_) => Outcome::Failed(format!("no answer within {} s", TIMEOUT.as_secs())),
    }
}

/// Records an attempt: delivered on 2xx, else retried later or given up.
fn record(
    core: &mut crate::platform::Core,
    id: i64,
    outcome: &Outcome,
    now: u64,
) -> anyhow::Result<()> {
    let conn = core.store().conn();
    let attempts: i64 =
        conn.query_row("SELECT attempts FROM deliveries WHERE id = ?1", [id], |row| row.get(0))?;
    let attempts = attempts + 1;
    let (status, body, error) = match outcome {
        Outcome::Answered { status, body } => (Some(i64::from(*status)), Some(body.clone()), None),
        Outcome::Failed(err) => (None, None, Some(err.clone())),
    };
    let ok = status.is_some_and(|s| (200..300).contains(&s));
    let state = match (ok, attempts >= MAX_ATTEMPTS) {
        (true, _) => "delivered",
        (false, true) => "failed",
        (false, false) => "pending",
    };
    let backoff = 1000i64.saturating_mul(1 << (attempts - 1).clamp(0, 20));
    conn.execute(
        "UPDATE deliveries SET state = ?2, attempts = ?3, next_attempt_ms = ?4, updated_ms = ?5,
             response_status = ?6, response_body = ?7, error = ?8 WHERE id = ?1",
        rusqlite::params![
            id,
            state,
            attempts,
            to_i64(now).saturating_add(backoff),
            to_i64(now),
            status,
            body,
            error
        ],
    )?;
    tracing::info!(
        delivery = id,
        attempts,
        state,
        status = status.unwrap_or(0),
        "callback attempt"
    );
    Ok(())
}

/// `GET /sandbox/inbox/{clientID}`: a browser redirect landing in the inbox.
pub async fn inbox_get(
    State(state): State<AppState>,
    Path(client): Path<String>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let query = uri.query().unwrap_or_default().to_owned();
    let id = client.clone();
    let pairs = protocol::wire::parse_query(&query).unwrap_or_default();
    keep(&state, id, "GET", query, String::new()).await?;
    let rows: String = pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "<li><code>{}</code> = <code id=\"param-{0}\">{}</code></li>",
                escape(k),
                escape(v)
            )
        })
        .collect();
    let body = format!(
        "<main><h1>Back at the e-service</h1><p>The browser landed in the callback inbox of \
         <code>{}</code> with:</p><ul class=\"fields\">{rows}</ul>\
         <p class=\"small\">An e-service would now call getToken with the code.</p></main>",
        escape(&client)
    );
    Ok(html(StatusCode::OK, document("Callback inbox", "en", &body)))
}

/// `POST /sandbox/inbox/{clientID}`: a callback landing in the inbox.
pub async fn inbox_post(
    State(state): State<AppState>,
    Path(client): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = String::from_utf8_lossy(&body).into_owned();
    keep(&state, client, "POST", String::new(), body).await?;
    Ok(Json(serde_json::json!({ "received": true })).into_response())
}

/// Keeps a request in a registered client's inbox.
async fn keep(
    state: &AppState,
    client: String,
    method: &'static str,
    query: String,
    body: String,
) -> Result<(), ApiError> {
    let known = state
        .ready()?
        .platform
        .call(move |core, now| {
            if core.engine.store().client(&client).is_none() {
                return Ok(false);
            }
            core.store().conn().execute(
                "INSERT INTO inbox (client_id, received_ms, method, query, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![client, to_i64(now), method, query, body],
            )?;
            Ok(true)
        })
        .await?;
    if known { Ok(()) } else { Err(ApiError::NotFound) }
}

/// `GET /sandbox/inbox/{clientID}/entries?limit=N`: what landed in the inbox, newest first.
pub async fn inbox_entries(
    State(state): State<AppState>,
    Path(client): Path<String>,
    Query(limit): Query<Limit>,
) -> Result<Response, ApiError> {
    const SQL: &str = "SELECT id, client_id, received_ms, method, query, body FROM inbox
                       WHERE client_id = ?1 ORDER BY id DESC LIMIT ?2";
    latest_rows(&state, SQL, client, &limit, |row| {
        Ok(InboxEntry {
            id: row.get(0)?,
            client_id: row.get(1)?,
            received_ms: row.get(2)?,
            method: row.get(3)?,
            query: row.get(4)?,
            body: row.get(5)?,
        })
    })
    .await
}

/// `GET /sandbox/clients/{clientID}/deliveries?limit=N`: the delivery log, newest first.
pub async fn deliveries(
    State(state): State<AppState>,
    Path(client): Path<String>,
    Query(limit): Query<Limit>,
) -> Result<Response, ApiError> {
    const SQL: &str = "SELECT id, client_id, url, body, state, attempts, next_attempt_ms,
                              created_ms, updated_ms, response_status, response_body, error
                       FROM deliveries WHERE client_id = ?1 ORDER BY id DESC LIMIT ?2";
    latest_rows(&state, SQL, client, &limit, |row| {
        Ok(Delivery {
            id: row.get(0)?,
            client_id: row.get(1)?,
            url: row.get(2)?,
            body: row.get(3)?,
            state: row.get(4)?,
            attempts: row.get(5)?,
            next_attempt_ms: row.get(6)?,
            created_ms: row.get(7)?,
            updated_ms: row.get(8)?,
            response_status: row.get(9)?,
            response_body: row.get(10)?,
            error: row.get(11)?,
        })
    })
    .await
}

/// `POST /sandbox/deliveries/{id}/replay`: queues a copy of a delivery; answers its new id.
pub async fn replay(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let new_id = state
        .ready()?
        .platform
        .call(move |core, now| {
            let conn = core.store().conn();
            let changed = conn.execute(
                "INSERT INTO deliveries (client_id, url, body, state, next_attempt_ms, created_ms, updated_ms)
                 SELECT client_id, url, body, 'pending', ?2, ?2, ?2 FROM deliveries WHERE id = ?1",
                rusqlite::params![id, to_i64(now)],
            )?;
            let new_id = (changed == 1).then(|| conn.last_insert_rowid());
            core.queued |= new_id.is_some();
            Ok(new_id)
        })
        .await?;
    match new_id {
        Some(new_id) => {
            Ok((StatusCode::ACCEPTED, Json(serde_json::json!({ "id": new_id }))).into_response())
        }
        None => Err(ApiError::NotFound),
    }
}
