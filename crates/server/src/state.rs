//! The application state: configuration, the start-up phase, the platform once ready, and the
//! background workers; plus the error type every sandbox handler answers with.

use std::sync::{
    Arc, Mutex, OnceLock,
    atomic::{AtomicU8, Ordering},
};

use axum::{
    Json,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use protocol::{engine::AutoAnswer, scenario::Scenario};
use sha2::{Digest as _, Sha256};
use tokio::task::JoinHandle;

use crate::{
    Config, SharedPlatform, callbacks, demo,
    demo::Banner,
    limits::RateLimiter,
    platform::{CallError, Overrides, Platform},
    store::SqliteStore,
};

/// Shared by every handler; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    config: Config,
    base_url: String,
    phase: AtomicU8,
    ready: OnceLock<Ready>,
    limiter: RateLimiter,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

/// What exists once the platform has started.
#[derive(Debug)]
pub struct Ready {
    pub platform: SharedPlatform,
    admin_token: String,
}

/// Where the server is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Opening and migrating the database, creating the demo e-service.
    Starting,
    /// Serving.
    Ready,
    /// Shutting down: finishing requests in flight, refusing new ones.
    Draining,
}

/// A sandbox handler's failure, answered as JSON `{"error": …}` with its HTTP status.
#[derive(Debug)]
pub enum ApiError {
    /// 503: starting or draining.
    Unavailable,
    /// 400: the request is malformed; the text says how.
    BadRequest(String),
    /// 401: the admin token is missing or wrong.
    Unauthorized,
    /// 404.
    NotFound,
    /// 500: the database failed.
    Internal,
}

impl AppState {
    /// A state in the starting phase.
    pub fn new(config: Config, listen_url: String) -> AppState {
        let base_url = config.public_url.clone().unwrap_or(listen_url);
        let limiter = RateLimiter::new(config.rate_limit, config.rate_burst);
        AppState(Arc::new(Inner {
            config,
            base_url,
            phase: AtomicU8::new(Phase::Starting as u8),
            ready: OnceLock::new(),
            limiter,
            workers: Mutex::new(Vec::new()),
        }))
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// The configured public URL, or the listening address.
    pub fn base_url(&self) -> &str {
        &self.0.base_url
    }

    /// The origin pages should use in links: the public URL when configured, else what the
    /// browser used (`Host`), else the listening address.
    pub fn origin(&self, headers: &HeaderMap) -> String {
        if let Some(url) = &self.0.config.public_url {
            return url.clone();
        }
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        match host {
            Some(host) if is_plain_host(host) => format!("http://{host}"),
            _ => self.0.base_url.clone(),
        }
    }

    pub fn phase(&self) -> Phase {
        match self.0.phase.load(Ordering::SeqCst) {
            0 => Phase::Starting,
            1 => Phase::Ready,
            _ => Phase::Draining,
        }
    }

    pub fn set_phase(&self, phase: Phase) {
        self.0.phase.store(phase as u8, Ordering::SeqCst);
    }

    pub fn limiter(&self) -> &RateLimiter {
        &self.0.limiter
    }

    /// The platform, when serving; 503 otherwise.
    pub fn ready(&self) -> Result<&Ready, ApiError> {
        match (self.phase(), self.0.ready.get()) {
            (Phase::Ready, Some(ready)) => Ok(ready),
            _ => Err(ApiError::Unavailable),
        }
    }

    /// The platform, when serving, after checking the admin token of `headers`.
    pub fn admin(&self, headers: &HeaderMap) -> Result<&Ready, ApiError> {
        let ready = self.ready()?;
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .or_else(|| headers.get("x-admin-token").and_then(|v| v.to_str().ok()));
        match presented {
            Some(token) if same_secret(token.trim(), &ready.admin_token) => Ok(ready),
            _ => Err(ApiError::Unauthorized),
        }
    }

    /// Stops the background workers, waits for them, and saves what is written behind.
    pub async fn stop_workers(&self) {
        self.stop_tasks().await;
        if let Some(ready) = self.0.ready.get() {
            ready.platform.flush().await;
        }
    }

    async fn stop_tasks(&self) {
        let workers =
            std::mem::take(&mut *self.0.workers.lock().unwrap_or_else(|e| e.into_inner()));
        for worker in &workers {
            worker.abort();
        }
        for worker in workers {
            let _ = worker.await;
        }
    }

    fn add_worker(&self, worker: JoinHandle<()>) {
        self.0.workers.lock().unwrap_or_else(|e| e.into_inner()).push(worker);
    }
}

impl Phase {
    pub const fn as_str(self) -> &'static str {
        match self {
            Phase::Starting => "starting",
            Phase::Ready => "ok",
            Phase::Draining => "draining",
        }
    }
}

/// Opens the database, creates what the first run needs, starts the workers, and switches
/// to serving.
pub async fn start(state: AppState, on_ready: impl FnOnce(&Banner) + Send + 'static) {
    let config = state.config().clone();
    let base_url = state.base_url().to_owned();
    let opened = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let store = SqliteStore::open(&config.data)?;
        let platform = Arc::new(Platform::new(store)?);
        let (token, banner) =
            platform.call_blocking(|core, _| demo::init(core, &config, &base_url))?;
        Ok((platform, token, banner))
    })
    .await;
    let (platform, admin_token, banner) = match opened {
        Ok(Ok(it)) => it,
        Ok(Err(err)) => {
            tracing::error!("cannot start the mock platform: {err:#}");
            return;
        }
        Err(err) => {
            tracing::error!("cannot start the mock platform: {err}");
            return;
        }
    };
    state.add_worker(tokio::spawn(callbacks::deliver_forever(platform.clone())));
    state.add_worker(tokio::spawn(callbacks::tick_forever(platform.clone())));
    let _ = state.0.ready.set(Ready { platform, admin_token });
    if state.phase() == Phase::Starting {
        state.set_phase(Phase::Ready);
        tracing::info!("mock platform ready");
        on_ready(&banner);
    }
}

/// Reads the `X-Sandbox-Persona`, `X-Sandbox-Auto` and `X-Sandbox-Scenario` headers.
pub fn overrides(headers: &HeaderMap) -> Result<Overrides, ApiError> {
    let text = |name: &str| -> Result<Option<String>, ApiError> {
        match headers.get(name) {
            None => Ok(None),
            Some(v) => match v.to_str() {
                Ok(v) if !v.trim().is_empty() => Ok(Some(v.trim().to_owned())),
                _ => Err(ApiError::BadRequest(format!("header {name} is not readable text"))),
            },
        }
    };
    let persona = text("x-sandbox-persona")?;
    if let Some(id) = &persona
        && protocol::engine::personas::find(id).is_err()
    {
        return Err(ApiError::BadRequest(format!("X-Sandbox-Persona: no persona {id:?}")));
    }
    let auto_answer = match text("x-sandbox-auto")?.as_deref() {
        None => None,
        Some("approve") => Some(AutoAnswer::Approve),
        Some("deny") => Some(AutoAnswer::Deny),
        Some("manual") => Some(AutoAnswer::Manual),
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "X-Sandbox-Auto: {other:?} is not approve, deny or manual"
            )));
        }
    };
    let scenario = match text("x-sandbox-scenario")? {
        None => None,
        Some(name) => Some(name.parse::<Scenario>().map_err(|_| {
            ApiError::BadRequest(format!("X-Sandbox-Scenario: no scenario {name:?}"))
        })?),
    };
    Ok(Overrides { persona, auto_answer, scenario })
}

/// Compares two secrets without leaking where they differ: both are hashed first, so the
/// comparison also takes the same time whatever their lengths.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    let diff = a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Whether a `Host` header value is safe to put into a URL: a host name or address and port.
fn is_plain_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
}

impl From<CallError> for ApiError {
    fn from(err: CallError) -> ApiError {
        tracing::error!("platform call failed: {:#}", err.0);
        ApiError::Internal
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, text) = match &self {
            ApiError::Unavailable => {
                (StatusCode::SERVICE_UNAVAILABLE, "the sandbox is starting or shutting down".into())
            }
            ApiError::BadRequest(text) => (StatusCode::BAD_REQUEST, text.clone()),
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "missing or wrong admin token (Authorization: Bearer …)".into(),
            ),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not found".into()),
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the sandbox's database failed; see its log".into(),
            ),
        };
        let mut res = (status, Json(serde_json::json!({ "error": text }))).into_response();
        if matches!(self, ApiError::Unavailable) {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        res
    }
}

/// The `?limit=N` of the listing routes: how many rows, newest first.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Limit {
    limit: Option<usize>,
}

impl Limit {
    /// The most rows a listing answers.
    pub const MAX: usize = 1000;

    /// The requested count, 50 by default, within 1..=[`Limit::MAX`].
    pub fn rows(&self) -> usize {
        self.limit.unwrap_or(50).clamp(1, Limit::MAX)
    }
}

/// Answers as JSON the rows that `sql` selects: one client's (`?1`), at most `limit` (`?2`).
pub async fn latest_rows<T: serde::Serialize + Send + 'static>(
    state: &AppState,
    sql: &'static str,
    client: String,
    limit: &Limit,
    row: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Response, ApiError> {
    let limit = crate::store::to_i64(limit.rows() as u64);
    let rows = state
        .ready()?
        .platform
        .call(move |core, _| {
            let mut stmt = core.store().conn().prepare_cached(sql)?;
            let rows = stmt.query_map(rusqlite::params![client, limit], row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await?;
    Ok(Json(rows).into_response())
}
