//! Callbacks and time: delivering POST callbacks, the built-in inboxes, and the engine's timer.
//!
//! Every callback the engine produces is a row of `deliveries` (queued in the same transaction
//! as the call that produced it). [`deliver_forever`] keeps up to [`IN_FLIGHT`] attempts
//! running, at most [`PER_TARGET`] per target (scheme, host and port), and starts the next
//! due row as soon as one ends: no attempt waits for another. Each attempt POSTs the row's
//! body with a timeout and a `webhook-id` header carrying the delivery's id (the same on
//! every attempt, so that an e-service can recognise a repeat), and its outcome (status, or
//! why there was none, and the first 4 KB of the answer) joins the row's history. Failures
//! are tried again after 1 s, 2 s, 4 s … up to [`MAX_ATTEMPTS`]. A target that stops
//! answering rests (its later rows wait, without counting as attempts) instead of holding
//! up other clients' rows.
//!
//! Delivery is at least once: a row is claimed for a while ([`LEASE_MS`]) before its
//! attempt and marked after it, so a server that dies in between leaves it to be sent again,
//! with the same `webhook-id`. Rows survive a restart. Each client has an inbox at
//! `/sandbox/inbox/{clientID}` that it may register as its redirect URI: browser redirects
//! (GET) and callbacks (POST) landing there are kept and listed. A delivery can be replayed,
//! which queues a copy (a new delivery, with its own id).
//!
//! [`tick_forever`] calls `Engine::poll` at `Engine::next_deadline` (or every few seconds),
//! so timeouts and delayed approvals happen on time, and purges expired codes and tokens.

use std::{collections::HashMap, time::Duration};

use crate::{
    AppState, SharedPlatform,
    db::{Attempt, DueDelivery, InboxEntry, to_i64},
    error::AppError,
    pages::{document, escape, html},
    platform::now_ms,
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
use serde::Deserialize;

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
/// The header that carries a delivery's id on each of its attempts.
pub const DELIVERY_ID_HEADER: &str = "webhook-id";
/// How long one attempt may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The most of a response body kept in the log.
const KEEP_BODY: usize = 4096;
/// The longest the timer sleeps without checking.
const TICK: Duration = Duration::from_secs(5);
/// How often the timer saves what is written behind (replay memory, journal).
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// How many attempts run at once, in all.
const IN_FLIGHT: usize = 64;
/// How many attempts run at once against one target.
const PER_TARGET: usize = 8;
/// How long a claim keeps a delivery from other workers: longer than an attempt takes.
const LEASE_MS: u64 = 3 * TIMEOUT.as_millis() as u64;
/// How long a row waits when its target already has [`PER_TARGET`] attempts running.
const BUSY_TARGET_WAIT_MS: u64 = 500;
/// After this many attempts in a row without an answer, a target rests.
const REST_AFTER: u32 = 3;
/// The longest the delivery worker sleeps without looking for due rows: other servers
/// sharing the database queue rows too.
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// An attempt that ended: the row, its target, when it started, and what it got.
type Ended = (DueDelivery, String, u64, Outcome);

/// Delivers due callbacks until the task is aborted. Deliveries are claimed for a while
/// (see `db::Db::claim_deliveries`), so several workers, on this server or others sharing
/// its database, never send the same one at once.
pub async fn deliver_forever(platform: SharedPlatform) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut running = tokio::task::JoinSet::<Ended>::new();
    let mut targets = Targets::default();
    let mut look = true;
    let mut next_due: Option<u64> = None;
    loop {
        if look && running.len() < IN_FLIGHT {
            let free = IN_FLIGHT - running.len();
            let claimed = platform
                .call(move |core, now| {
                    let due = core.store().claim_deliveries(now, free, LEASE_MS)?;
                    let next = match due.len() < free {
                        true => core.store().next_delivery_due()?,
                        false => Some(now),
                    };
                    Ok((due, next, now))
                })
                .await;
            match claimed {
                Ok((due, next, now)) => {
                    next_due = next;
                    let mut waiting = Vec::new();
                    for due in due {
                        let target = target_of(&due.url);
                        match targets.start(&target, now) {
                            Ok(()) => {
                                let client = client.clone();
                                running.spawn(async move {
                                    let started = now_ms();
                                    let outcome = post(&client, &due).await;
                                    (due, target, started, outcome)
                                });
                            }
                            Err(until) => waiting.push((due.id, until)),
                        }
                    }
                    if !waiting.is_empty() {
                        next_due = next_due.min(waiting.iter().map(|it| it.1).min());
                        let postponed = platform
                            .call(move |core, _| core.store().postpone_deliveries(&waiting))
                            .await;
                        if let Err(err) = postponed {
                            tracing::error!("cannot postpone deliveries: {:#}", err.0);
                        }
                    }
                }
                Err(err) => {
                    tracing::error!("cannot read deliveries: {:#}", err.0);
                    next_due = Some(now_ms().saturating_add(TICK.as_millis() as u64));
                }
            }
        }
        let sleep = next_due.map_or(LOOK_EVERY, |at| {
            Duration::from_millis(at.saturating_sub(now_ms())).min(LOOK_EVERY)
        });
        tokio::select! {
            Some(ended) = running.join_next(), if !running.is_empty() => {
                let mut ended: Vec<Ended> = ended.into_iter().collect();
                while let Some(more) = running.try_join_next() {
                    ended.extend(more);
                }
                record(&platform, &mut targets, ended).await;
                look = true;
            }
            _ = platform.changed.notified() => look = true,
            _ = tokio::time::sleep(sleep) => look = true,
        }
    }
}

/// Records ended attempts in one platform call.
async fn record(platform: &SharedPlatform, targets: &mut Targets, ended: Vec<Ended>) {
    let now = now_ms();
    let attempts: Vec<Attempt> = ended
        .into_iter()
        .map(|(due, target, started, outcome)| {
            targets.ended(&target, matches!(outcome, Outcome::Answered { .. }), now);
            let attempt = attempt(&due, outcome, started, now);
            log_attempt(&attempt);
            attempt
        })
        .collect();
    let recorded = platform.call(move |core, _| core.store().record_attempts(&attempts)).await;
    if let Err(err) = recorded {
        // The rows stay claimed until their lease ends, then are tried again.
        tracing::error!("cannot record deliveries: {:#}", err.0);
    }
}

/// What the delivery worker knows of each target it is sending to or resting.
#[derive(Debug, Default)]
struct Targets {
    targets: HashMap<String, Target>,
}

#[derive(Debug, Default)]
struct Target {
    /// Attempts running now.
    running: usize,
    /// Attempts in a row that got no answer.
    silent: u32,
    /// While later than now, the target rests.
    rest_until_ms: u64,
}

impl Targets {
    /// Starts an attempt to `target` at `now_ms`, or says when its row should be tried
    /// instead: when the target rests or is busy.
    fn start(&mut self, target: &str, now_ms: u64) -> Result<(), u64> {
        let it = self.targets.entry(target.to_owned()).or_default();
        if it.rest_until_ms > now_ms {
            return Err(it.rest_until_ms);
        }
        if it.running >= PER_TARGET {
            return Err(now_ms.saturating_add(BUSY_TARGET_WAIT_MS));
        }
        it.running += 1;
        Ok(())
    }

    /// An attempt to `target` ended at `now_ms`, with or without an answer. A target that
    /// leaves [`REST_AFTER`] attempts in a row unanswered rests 1 s, then 2 s, 4 s … up to a
    /// minute; an answer ends its rest. Only targets with something running or resting are
    /// remembered.
    fn ended(&mut self, target: &str, answered: bool, now_ms: u64) {
        let Some(it) = self.targets.get_mut(target) else { return };
        it.running = it.running.saturating_sub(1);
        if answered {
            it.silent = 0;
            it.rest_until_ms = 0;
        } else {
            it.silent = it.silent.saturating_add(1);
            if it.silent >= REST_AFTER {
                let rest_ms = 1000u64 << (it.silent - REST_AFTER).min(6);
                it.rest_until_ms = now_ms.saturating_add(rest_ms);
            }
        }
        if it.running == 0 && it.silent == 0 {
            self.targets.remove(target);
        }
    }
}

/// The part of a callback URL that names its target: scheme, host and port.
fn target_of(url: &str) -> String {
    match url.parse::<Uri>() {
        Ok(uri) => format!(
            "{}://{}",
            uri.scheme_str().unwrap_or("http"),
            uri.authority().map_or("", |it| it.as_str())
        ),
        Err(_) => url.to_owned(),
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
    due: &DueDelivery,
) -> Outcome {
    let req = hyper::Request::post(due.url.as_str())
        .header("content-type", "application/json")
        .header("user-agent", concat!("iam-smart-sandbox/", env!("CARGO_PKG_VERSION")))
        .header(DELIVERY_ID_HEADER, due.id.to_string())
        .body(Full::new(Bytes::from(due.body.clone())));
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

/// What an attempt of `due` that started at `started_ms` leaves in its row: delivered on
/// 2xx, else tried again after 1 s, 2 s, 4 s … or, after [`MAX_ATTEMPTS`], failed.
fn attempt(due: &DueDelivery, outcome: Outcome, started_ms: u64, now_ms: u64) -> Attempt {
    let attempts = due.attempts;
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
        started_ms,
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

/// A page of the delivery log: `limit` rows (50 by default, at most [`Limit::MAX`]) older
/// than delivery `before`, if given.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    limit: Option<usize>,
    before: Option<i64>,
}

/// `GET /sandbox/clients/{clientID}/deliveries?limit=N&before=ID`: the delivery log, newest
/// first, each delivery with every attempt. A full page ends with the oldest row's id: pass it
/// as `before` for the next.
pub async fn deliveries(
    State(state): State<AppState>,
    Path(client): Path<String>,
    Query(page): Query<Page>,
) -> Result<Response, AppError> {
    let n = Limit::new(page.limit).rows();
    let rows = state
        .ready()?
        .platform
        .call(move |core, _| core.store().deliveries(&client, n, page.before))
        .await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn due(attempts: i64) -> DueDelivery {
        DueDelivery { id: 7, url: "http://a.test/cb".into(), body: "{}".into(), attempts }
    }

    #[test]
    fn a_target_takes_a_bounded_number_of_attempts_at_once() {
        let mut targets = Targets::default();
        for _ in 0..PER_TARGET {
            assert_eq!(targets.start("http://a", 0), Ok(()));
        }
        assert_eq!(targets.start("http://a", 0), Err(BUSY_TARGET_WAIT_MS), "busy: wait");
        assert_eq!(targets.start("http://b", 0), Ok(()), "another target is not held up");
        targets.ended("http://a", true, 10);
        assert_eq!(targets.start("http://a", 10), Ok(()), "a slot freed");
    }

    #[test]
    fn a_silent_target_rests_longer_each_time_and_an_answer_ends_its_rest() {
        let mut targets = Targets::default();
        for n in 0..REST_AFTER {
            assert_eq!(targets.start("http://hung", 0), Ok(()), "attempt {n}");
            targets.ended("http://hung", false, 10_000);
        }
        assert_eq!(targets.start("http://hung", 10_500), Err(11_000), "rests 1 s");
        assert_eq!(targets.start("http://hung", 11_000), Ok(()));
        targets.ended("http://hung", false, 21_000);
        assert_eq!(targets.start("http://hung", 21_000), Err(23_000), "then 2 s");
        assert_eq!(targets.start("http://hung", 23_000), Ok(()));
        targets.ended("http://hung", true, 23_100);
        assert_eq!(targets.start("http://hung", 23_100), Ok(()), "answered: no rest");
        targets.ended("http://hung", true, 23_200);
        assert!(targets.targets.is_empty(), "nothing running or resting is forgotten");
    }

    #[test]
    fn targets_are_scheme_host_and_port() {
        assert_eq!(target_of("http://127.0.0.1:8080/sandbox/inbox/x?a=1"), "http://127.0.0.1:8080");
        assert_eq!(target_of("https://E.example/cb"), "https://E.example");
        assert_eq!(target_of("not a url"), "not a url");
    }

    #[test]
    fn attempts_back_off_and_end_failed_or_delivered() {
        let answered = |status| Outcome::Answered { status, body: String::new() };
        let first = attempt(&due(1), Outcome::Failed("refused".into()), 1_000, 1_200);
        assert_eq!((first.state, first.attempts, first.next_attempt_ms), ("pending", 1, 2_200));
        assert_eq!((first.started_ms, first.error.as_deref()), (1_000, Some("refused")));
        let third = attempt(&due(3), answered(500), 0, 10_000);
        assert_eq!(
            (third.state, third.next_attempt_ms, third.status),
            ("pending", 14_000, Some(500))
        );
        let last = attempt(&due(MAX_ATTEMPTS), answered(404), 0, 0);
        assert_eq!(last.state, "failed");
        assert_eq!(attempt(&due(1), answered(204), 0, 0).state, "delivered");
    }
}
