//! Static files of the portal, served as a single-page app.
//!
//! Files are served from `dist/` with their MIME type (`application/wasm` for the module) and,
//! when the build left `.br`/`.gz` siblings, precompressed. A path that names no file and has
//! no extension is a client-side route, so it gets `index.html`; a missing asset (a path with an
//! extension) stays a 404.

use std::{convert::Infallible, path::Path};

use axum::{
    body::Body,
    http::{HeaderValue, Request, Response, StatusCode, header},
    response::IntoResponse,
};
use tower::{ServiceExt as _, service_fn, util::BoxCloneSyncService};
use tower_http::services::{ServeDir, ServeFile};

type AssetService = BoxCloneSyncService<Request<Body>, Response<Body>, Infallible>;

/// The fallback service that serves `dist`.
pub(crate) fn service(dist: &Path) -> AssetService {
    let files = ServeDir::new(dist).precompressed_br().precompressed_gzip();
    let index = ServeFile::new(dist.join("index.html")).precompressed_br().precompressed_gzip();
    let svc = service_fn(move |req: Request<Body>| {
        let files = files.clone();
        let index = index.clone();
        async move {
            let is_route = !last_segment(req.uri().path()).contains('.');
            let mut fallback = Request::new(Body::empty());
            *fallback.method_mut() = req.method().clone();
            *fallback.headers_mut() = req.headers().clone();
            let mut res = files.oneshot(req).await.map(IntoResponse::into_response)?;
            if res.status() == StatusCode::NOT_FOUND && is_route {
                res = index.oneshot(fallback).await.map(IntoResponse::into_response)?;
            }
            // Names are stable (not content-hashed), so browsers must revalidate.
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            Ok::<_, Infallible>(res)
        }
    });
    BoxCloneSyncService::new(svc)
}

fn last_segment(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}
