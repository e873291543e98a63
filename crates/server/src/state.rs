//! The application state: configuration, the start-up phase, the platform once ready, and the
//! background workers.

use std::sync::{
    Arc, Mutex, OnceLock,
    atomic::{AtomicU8, Ordering},
};

use axum::http::{HeaderMap, header};
use tokio::task::JoinHandle;

use crate::{
    Config, SharedPlatform, callbacks, db::Db, demo, demo::Banner, error::AppError,
    limits::RateLimiter, platform::Platform,
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
    pub fn ready(&self) -> Result<&Ready, AppError> {
        match (self.phase(), self.0.ready.get()) {
            (Phase::Ready, Some(ready)) => Ok(ready),
            _ => Err(AppError::Unavailable),
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

impl Ready {
    /// The token the admin API requires (see [`crate::auth::AdminToken`]).
    pub fn admin_token(&self) -> &str {
        &self.admin_token
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
        let db = Db::open(&config.database)?;
        let platform = Arc::new(Platform::new(db)?);
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

/// Whether a `Host` header value is safe to put into a URL: a host name or address and port.
fn is_plain_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
}

/// The `?limit=N` of the listing routes: how many rows, newest first.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Limit {
    limit: Option<usize>,
}

impl Limit {
    /// The most rows a listing answers.
    pub const MAX: usize = 1000;

    /// A limit as asked for (`None`: the default).
    pub fn new(limit: Option<usize>) -> Limit {
        Limit { limit }
    }

    /// The requested count, 50 by default, within 1..=[`Limit::MAX`].
    pub fn rows(&self) -> usize {
        self.limit.unwrap_or(50).clamp(1, Limit::MAX)
    }
}
