//! The thin server: the only crate that speaks HTTP or SQL.
//!
//! It serves the built portal (`dist/`) as a single-page app and runs the mock iAM Smart
//! platform of `protocol::engine` live: every API of the catalogue at its real path (and the
//! pilot sandbox's), the getQR login page, a simulated phone app, POST callbacks delivered by
//! a background task, a callback inbox per client, an admin API and a request journal. State
//! lives in SQLite in the data folder, so a restart loses no pending flow.
//!
//! The listener answers at once: until the database is open and migrated (and, at first run,
//! the demo e-service created) the platform's routes answer 503, and so do they again while
//! the server drains at shutdown. `/healthz` tells which phase the server is in.

mod admin;
mod api;
mod assets;
mod callbacks;
mod config;
mod demo;
mod journal;
mod limits;
mod pages;
mod phone;
mod platform;
mod replay;
mod state;
mod store;

use std::{future::Future, net::SocketAddr, sync::Arc};

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, State},
    http::StatusCode,
    middleware,
    response::{IntoResponse, Response},
    routing::{any, get, post},
};
use tokio::net::TcpListener;
use tower_http::{
    compression::CompressionLayer,
    trace::{DefaultOnFailure, TraceLayer},
};
use tracing::Level;

pub use config::{Args, Config};
pub use demo::Banner;
pub use state::{AppState, Phase};

/// Builds the whole application around `state`.
pub fn router(state: AppState) -> Router {
    let config = state.config();
    let mock_api = Router::new()
        .route("/api/{*rest}", any(api::dispatch))
        .route("/authentication/api/{*rest}", any(api::dispatch))
        .layer(middleware::from_fn_with_state(state.clone(), limits::rate_limit));
    let sandbox = Router::new()
        .route("/sandbox/qr/{ticket}/status", get(api::qr_status))
        .route("/sandbox/app", get(phone::page))
        .route("/sandbox/app/act", post(phone::act_form))
        .route("/sandbox/app/launch", get(phone::launch))
        .route("/sandbox/app/tasks/{ticket}", get(phone::task_json).post(phone::act_json))
        .route("/sandbox/app/inbox/{persona}", get(phone::inbox_json))
        .route("/sandbox/personas", get(phone::personas))
        .route("/sandbox/scenarios", get(admin::scenarios))
        .route("/sandbox/ca.pem", get(admin::ca_pem))
        .route("/sandbox/inbox/{client}", get(callbacks::inbox_get).post(callbacks::inbox_post))
        .route("/sandbox/inbox/{client}/entries", get(callbacks::inbox_entries))
        .route("/sandbox/clients/{client}/deliveries", get(callbacks::deliveries))
        .route("/sandbox/deliveries/{id}/replay", post(callbacks::replay))
        .route("/sandbox/clients/{client}/journal", get(journal::list))
        .route("/sandbox/clients/{client}/kek-private.pem", get(admin::kek_private_pem))
        .route("/sandbox/admin/clients", get(admin::list_clients).post(admin::create_client))
        .route("/sandbox/admin/clients/{client}", get(admin::get_client).put(admin::update_client))
        .route("/sandbox/admin/clients/{client}/reset", post(admin::reset_client))
        .route(
            "/sandbox/admin/clients/{client}/settings",
            get(admin::get_settings).post(admin::update_settings),
        )
        .route("/sandbox/{*rest}", any(not_found));
    Router::new()
        .route("/healthz", get(healthz))
        .merge(mock_api)
        .merge(sandbox)
        .fallback_service(assets::service(&config.dist))
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(CompressionLayer::new())
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
    tracing::info!(%addr, dist = %config.dist.display(), data = %config.data.display(), "serving");
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
    state::ApiError::NotFound.into_response()
}

#[derive(Debug, serde::Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
}

/// Shared by the handlers that need to keep the platform alive past a request.
type SharedPlatform = Arc<platform::Platform>;
