//! The thin server: the only crate that speaks HTTP.
//!
//! Today it serves the built portal (`dist/`) as a single-page app and answers `/healthz`.
//! The mock iAM Smart API, accounts and callbacks will be mounted on the same [`router`].

mod assets;
mod config;

use std::future::Future;

use axum::{Json, Router, routing::get};
use tokio::net::TcpListener;
use tower_http::{compression::CompressionLayer, trace::TraceLayer};

pub use config::{Args, Config};

/// Builds the whole application.
pub fn router(config: &Config) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .fallback_service(assets::service(&config.dist))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
}

/// Serves [`router`] on `listener` until `shutdown` completes, then drains open connections.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    tracing::info!(addr = %listener.local_addr()?, dist = %config.dist.display(), "serving");
    axum::serve(listener, router(&config)).with_graceful_shutdown(shutdown).await?;
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

async fn healthz() -> Json<Health> {
    Json(Health { status: "ok", version: env!("CARGO_PKG_VERSION") })
}

#[derive(Debug, serde::Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
}
