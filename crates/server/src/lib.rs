//! The thin server: the only crate that speaks HTTP or SQL.
//!
//! It serves the built portal (`dist/`, when built) as a single-page app and runs the mock
//! iAM Smart platform of `protocol::engine` live: every API of the catalogue at its real path
//! (and the pilot sandbox's), the getQR login page, a simulated phone app, POST callbacks
//! delivered by a background task, a callback inbox per client, an admin API and a request
//! journal. State lives in SQLite in the data folder, so a restart loses no pending flow.
//!
//! The listener answers at once: until the database is open and migrated (and, at first run,
//! the demo e-service created) the platform's routes answer 503, and so do they again while
//! the server drains at shutdown. `/healthz` tells which phase the server is in.

mod admin;
mod api;
mod assets;
mod auth;
mod callbacks;
mod config;
pub mod db;
mod demo;
mod error;
mod journal;
mod limits;
mod pages;
mod phone;
mod platform;
mod sandbox_headers;
mod state;

#[cfg(test)]
mod tests;

use std::{future::Future, net::SocketAddr, sync::Arc};

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{any, get},
};
use tokio::net::TcpListener;
use tower_http::{
    compression::CompressionLayer,
    set_header::SetResponseHeaderLayer,
    trace::{DefaultOnFailure, TraceLayer},
};
use tracing::Level;

pub use config::{Args, Config, DemoClients};
pub use demo::Banner;
pub use state::{AppState, Phase};

/// Headers every response carries unless its handler set them: no MIME sniffing, no
/// referrer (redirects carry codes and `state`), and no page in a frame, `<base>` or plugin.
/// Script sources are left to each page: the portal is WASM and the sandbox pages are
/// server-rendered.
const SECURITY_HEADERS: [(axum::http::HeaderName, &str); 4] = [
    (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (axum::http::header::REFERRER_POLICY, "no-referrer"),
    (axum::http::header::X_FRAME_OPTIONS, "DENY"),
    (
        axum::http::header::CONTENT_SECURITY_POLICY,
        "frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    ),
];

/// Builds the whole application around `state`: one router per feature, then the portal.
pub fn router(state: AppState) -> Router {
    let config = state.config();
    let app = Router::new()
        .route("/healthz", get(healthz))
        .merge(api::routes(&state))
        .merge(phone::routes())
        .merge(admin::routes())
        .merge(callbacks::routes())
        .merge(journal::routes())
        .route("/sandbox/{*rest}", any(not_found));
    let app = match &config.dist {
        Some(dist) => app.fallback_service(assets::service(dist)),
        None => app.fallback(assets::not_built),
    };
    let mut app = app.layer(DefaultBodyLimit::max(config.body_limit));
    for (name, value) in SECURITY_HEADERS {
        let value = axum::http::HeaderValue::from_static(value);
        app = app.layer(SetResponseHeaderLayer::if_not_present(name, value));
    }
    app.layer(CompressionLayer::new())
        // Failures are logged where they happen; 503s while starting are not errors.
        .layer(TraceLayer::new_for_http().on_failure(DefaultOnFailure::new().level(Level::DEBUG)))
        .with_state(state)
}

/// Serves [`router`] on `listener` until `shutdown` completes, then drains open connections.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_with(listener, config, shutdown, |_| {}).await
}

/// Like [`serve`], calling `on_ready` with what to print once the platform is ready.
pub async fn serve_with(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
    on_ready: impl FnOnce(&Banner) + Send + 'static,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    match &config.dist {
        Some(dist) => {
            tracing::info!(%addr, dist = %dist.display(), data = %config.data.display(), "serving");
        }
        None => tracing::warn!(
            %addr,
            data = %config.data.display(),
            "serving the API without the portal: build it with `cargo xtask dist`"
        ),
    }
    let state = AppState::new(config, base_url(addr));
    let starting = tokio::spawn(state::start(state.clone(), on_ready));
    let draining = state.clone();
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let res = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            draining.set_phase(Phase::Draining);
        })
        .await;
    starting.abort();
    state.stop_workers().await;
    res?;
    Ok(())
}

/// Completes on Ctrl-C or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down");
}

/// The URL this listener answers on, as a browser on this machine writes it.
fn base_url(addr: SocketAddr) -> String {
    match addr.ip() {
        ip if ip.is_unspecified() => format!("http://127.0.0.1:{}", addr.port()),
        std::net::IpAddr::V6(ip) => format!("http://[{ip}]:{}", addr.port()),
        ip => format!("http://{ip}:{}", addr.port()),
    }
}

async fn healthz(State(state): State<AppState>) -> Response {
    let phase = state.phase();
    let status = match phase {
        Phase::Ready => StatusCode::OK,
        Phase::Starting | Phase::Draining => StatusCode::SERVICE_UNAVAILABLE,
    };
    let body = Health { status: phase.as_str(), version: env!("CARGO_PKG_VERSION") };
    (status, Json(body)).into_response()
}

async fn not_found() -> Response {
    error::AppError::NotFound.into_response()
}

#[derive(Debug, serde::Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
}

/// Shared by the handlers that need to keep the platform alive past a request.
type SharedPlatform = Arc<platform::Platform>;
