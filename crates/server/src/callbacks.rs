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

use crate::{
    AppState, SharedPlatform,
    db::{Attempt, DueDelivery, InboxEntry, to_i64},
    error::AppError,
    pages::{document, escape, html},
    state::Limit,
};
use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, Query, State},
    http::{StatusCode, Uri},
    response::{IntoResponse, Response},
    routing::get,
};
use http_body_util::{BodyExt as _, Full};
use hyper_util::{client::legacy::Client, rt::TokioExecutor};

/// The callback inboxes and the delivery log.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sandbox/inbox/{client}", get(inbox_get).post(inbox_post))
        .route("/sandbox/inbox/{client}/entries", get(inbox_entries))
        .route("/sandbox/clients/{client}/deliveries", get(deliveries))
        .route("/sandbox/deliveries/{id}/replay", axum::routing::post(replay))
}

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

/// How many due deliveries a worker claims at a time.
const CLAIM: usize = 16;
/// How long a claim keeps a delivery from other workers: longer than an attempt takes.
const LEASE_MS: u64 = 3 * TIMEOUT.as_millis() as u64;

/// Delivers due callbacks until the task is aborted. Deliveries are claimed for a while
/// (see `db::Db::claim_deliveries`), so several workers, on this server or others sharing
/// its database, never send the same one twice.
pub async fn deliver_forever(platform: SharedPlatform) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    loop {
        let due =
            platform.call(|core, now| core.store().claim_deliveries(now, CLAIM, LEASE_MS)).await;
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
        for due in due {
            let client = client.clone();
            attempts.spawn(async move {
                let outcome = post(&client, &due.url, due.body.clone()).await;
                (due, outcome)
            });
        }
        while let Some(done) = attempts.join_next().await {
            let Ok((due, outcome)) = done else { continue };
            let recorded = platform
                .call(move |core, now| {
                    let attempt = attempt(&due, outcome, now);
                    log_attempt(&attempt);
                    core.store().record_attempt(&attempt)
                })
                .await;
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
                let outbound = core.engine.poll(now, &mut core.rng)?;
                core.enqueue(&outbound, None, now)?;
                if now.saturating_sub(last_purge) > 60_000 {
                    let replay = core.engine.config().replay;
                    core.store().purge(now.saturating_sub(60 * 60 * 1000), &replay)?;
                }
                Ok((core.engine.next_deadline()?, now))
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
        // Only the start of the answer is kept, so only that much is read: a target that
        // answers hundreds of megabytes costs no more than one that answers a line.
        let mut body = res.into_body();
        let mut bytes = Vec::new();
        while bytes.len() <= KEEP_BODY {
            match body.frame().await {
                None => break,
                Some(frame) => {
                    let frame = frame.map_err(|err| format!("{err}"))?;
                    if let Some(data) = frame.data_ref() {
                        bytes.extend_from_slice(data);
                    }
                }
            }
        }
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

/// What an attempt of `due` leaves in its row: delivered on 2xx, else tried again after
/// 1 s, 2 s, 4 s … or, after [`MAX_ATTEMPTS`], failed.
fn attempt(due: &DueDelivery, outcome: Outcome, now_ms: u64) -> Attempt {
    let attempts = due.attempts + 1;
    let (status, body, error) = match outcome {
        Outcome::Answered { status, body } => (Some(i64::from(status)), Some(body), None),
        Outcome::Failed(err) => (None, None, Some(err)),
    };
    let ok = status.is_some_and(|s| (200..300).contains(&s));
    let state = match (ok, attempts >= MAX_ATTEMPTS) {
        (true, _) => "delivered",
        (false, true) => "failed",
        (false, false) => "pending",
    };
    let backoff_ms = 1000u64 << (attempts - 1).clamp(0, 20);
    Attempt {
        id: due.id,
        state,
        attempts,
        next_attempt_ms: now_ms.saturating_add(backoff_ms),
        now_ms,
        status,
        body,
        error,
    }
}

fn log_attempt(attempt: &Attempt) {
    tracing::info!(
        delivery = attempt.id,
        attempts = attempt.attempts,
        state = attempt.state,
        status = attempt.status.unwrap_or(0),
        "callback attempt"
    );
}

/// `GET /sandbox/inbox/{clientID}`: a browser redirect landing in the inbox.
pub async fn inbox_get(
    State(state): State<AppState>,
    Path(client): Path<String>,
    uri: Uri,
) -> Result<Response, AppError> {
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
) -> Result<Response, AppError> {
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
) -> Result<(), AppError> {
    let known = state
        .ready()?
        .platform
        .call(move |core, now| {
            if !core.store().knows_client(&client) {
                return Ok(false);
            }
            let entry = InboxEntry {
                id: 0,
                client_id: client,
                received_ms: to_i64(now),
                method: method.to_owned(),
                query,
                body,
            };
            core.store().keep_inbox(&entry)?;
            Ok(true)
        })
        .await?;
    if known { Ok(()) } else { Err(AppError::NotFound) }
}

/// `GET /sandbox/inbox/{clientID}/entries?limit=N`: what landed in the inbox, newest first.
pub async fn inbox_entries(
    State(state): State<AppState>,
    Path(client): Path<String>,
    Query(limit): Query<Limit>,
) -> Result<Response, AppError> {
    let n = limit.rows();
    let rows = state.ready()?.platform.call(move |core, _| core.store().inbox(&client, n)).await?;
    Ok(Json(rows).into_response())
}

/// `GET /sandbox/clients/{clientID}/deliveries?limit=N`: the delivery log, newest first.
pub async fn deliveries(
    State(state): State<AppState>,
    Path(client): Path<String>,
    Query(limit): Query<Limit>,
) -> Result<Response, AppError> {
    let n = limit.rows();
    let rows =
        state.ready()?.platform.call(move |core, _| core.store().deliveries(&client, n)).await?;
    Ok(Json(rows).into_response())
}

/// `POST /sandbox/deliveries/{id}/replay`: queues a copy of a delivery; answers its new id.
pub async fn replay(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let new_id = state
        .ready()?
        .platform
        .call(move |core, now| {
            let new_id = core.store().requeue_delivery(id, now)?;
            core.queued |= new_id.is_some();
            Ok(new_id)
        })
        .await?;
    match new_id {
        Some(new_id) => {
            Ok((StatusCode::ACCEPTED, Json(serde_json::json!({ "id": new_id }))).into_response())
        }
        None => Err(AppError::NotFound),
    }
}
