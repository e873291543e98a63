//! Static files of the portal, served as a single-page app.
//!
//! Files are served from `dist/` with their MIME type (`application/wasm` for the module,
//! [`corrected_type`] where the usual table is wrong for us, as for TypeScript) and,
//! when the build left `.br`/`.gz` siblings, precompressed. A path that names no file and has
//! no extension is a client-side route, so it gets `index.html`; a missing asset (a path with an
//! extension) stays a 404.
//!
//! Without a built portal the server still runs the platform; every other path then answers
//! [`not_built`].

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
            let corrected = corrected_type(req.uri().path());
            let mut res = files.oneshot(req).await.map(IntoResponse::into_response)?;
            if let Some(mime) = corrected
                && res.status().is_success()
            {
                res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
            }
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

/// The answer to a portal path when no portal was built: a 404 page that says how to build it.
pub(crate) async fn not_built() -> Response<Body> {
    let body = "<main><h1>The portal is not built</h1>\
                <p>This server runs the mock iAM Smart platform (<code>/api/…</code>, \
                <code>/sandbox/…</code>) without the developer portal. Build the portal with \
                <code>cargo xtask dist</code> and restart the server, or point \
                <code>--dist</code> at a built portal.</p></main>";
    crate::pages::html(
        StatusCode::NOT_FOUND,
        crate::pages::document("Portal not built", "en", body),
    )
}

/// The MIME type of the SDK's files where the usual table (`mime_guess`) is wrong for us:
/// it takes `.ts` for an MPEG transport stream and knows no `.cjs`.
fn corrected_type(path: &str) -> Option<&'static str> {
    let name = last_segment(path);
    if [".ts", ".mts", ".cts"].iter().any(|ext| name.ends_with(ext)) {
        Some("application/typescript; charset=utf-8")
    } else if name.ends_with(".cjs") || name.ends_with(".mjs") {
        Some("text/javascript; charset=utf-8")
    } else if name.ends_with(".tgz") {
        Some("application/gzip")
    } else {
        None
    }
}

fn last_segment(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::corrected_type;

    #[test]
    fn typescript_declarations_are_typescript_not_video() {
        let ts = Some("application/typescript; charset=utf-8");
        assert_eq!(corrected_type("/sdk/iamsmart-edge/index.d.ts"), ts);
        assert_eq!(corrected_type("/sdk/iamsmart-edge/index.d.cts"), ts);
        assert_eq!(
            corrected_type("/sdk/iamsmart-edge/cjs/node.cjs"),
            Some("text/javascript; charset=utf-8")
        );
        assert_eq!(corrected_type("/sdk/iamsmart-edge-0.1.0.tgz"), Some("application/gzip"));
        assert_eq!(corrected_type("/portal.js"), None);
        assert_eq!(corrected_type("/guides/typescript"), None);
    }
}
