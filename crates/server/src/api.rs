//! The mock iAM Smart API at its real paths: signed POSTs and the getQR page.
//!
//! `/api/…` and the pilot sandbox's `/authentication/api/…` both land in [`dispatch`]. A POST
//! goes to `Engine::api` as received (path, the five signed headers, raw body), which answers
//! the platform's envelope: HTTP 200 with a D-code for every business outcome, 404 for a path
//! the platform lacks. `GET …/auth/getQR` opens a login (or anonymous) ticket and answers the
//! QR page or the broker page; when the ticket is answered at once (headless mode, or a
//! user-outcome scenario) it redirects straight to the e-service instead, MockPass-style.
//! Rejected queries get an error page with the D-code.

use std::time::Instant;

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header},
    middleware,
    response::{IntoResponse, Redirect, Response},
    routing::{any, get},
};
use protocol::{
    catalogue::{self, EndpointId},
    engine::{ApiRequest, Outbound, QrPage},
    headers::RequestHeaders,
    wire::parse_query,
};

use crate::{
    AppState,
    error::AppError,
    journal::{self, NewEntry},
    limits, pages,
    sandbox_headers::SandboxHeaders,
};

/// The mock API at its real paths (and the pilot sandbox's), rate limited, and the status
/// of a login page's ticket.
pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/api/{*rest}", any(dispatch))
        .route("/authentication/api/{*rest}", any(dispatch))
        .layer(middleware::from_fn_with_state(state.clone(), limits::rate_limit))
        .route("/sandbox/qr/{ticket}/status", get(qr_status))
}

/// Every method on `/api/…` and `/authentication/api/…`.
pub async fn dispatch(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    sandbox: Result<SandboxHeaders, AppError>,
    body: Bytes,
) -> Result<Response, AppError> {
    let is_get_qr = method == Method::GET
        && catalogue::find(catalogue::Method::Get, uri.path())
            .is_some_and(|e| e.id == EndpointId::GetQr);
    if is_get_qr {
        return get_qr(state, uri, headers, sandbox).await;
    }
    if method != Method::POST {
        return Ok(not_found_envelope());
    }
    signed_post(state, uri, headers, sandbox, body).await
}

/// A signed POST, through the engine.
async fn signed_post(
    state: AppState,
    uri: Uri,
    headers: HeaderMap,
    sandbox: Result<SandboxHeaders, AppError>,
    body: Bytes,
) -> Result<Response, AppError> {
    let ready = state.ready()?;
    let SandboxHeaders(overrides) = sandbox?;
    let started = Instant::now();
    let path = uri.path().to_owned();
    let client_id = header_text(&headers, "clientid").map(str::to_owned);
    let reply = ready
        .platform
        .call_inline(move |core, now| {
            let scenario = overrides.scenario;
            let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
            let req = ApiRequest {
                method: "POST",
                path: &path,
                headers: RequestHeaders::from_fn(get),
                body: &body,
            };
            core.store().expect_signed(&req.headers, &core.engine.config().replay);
            let reply = core.engine.api(&req, now, &mut core.rng, &overrides);
            core.enqueue(&reply.outbound, client_id.as_deref(), now)?;
            let tx_id = Some(reply.tx_id.as_str());
            let entry = NewEntry {
                client_id: client_id.as_deref(),
                method: "POST",
                path: &path,
                status: reply.status,
                code: Some(reply.code.as_str()),
                tx_id,
                scenario: scenario.map(|s| s.name()),
                elapsed_us: elapsed_us(started),
            };
            journal::record(core, &entry, now)?;
            Ok((reply, client_id, path))
        })
        .await?;
    let (reply, client_id, path) = reply;
    // Logged once the platform is free (a log line is a write to standard error), and only
    // the start of what the caller sent.
    let shown: String = client_id.as_deref().unwrap_or("-").chars().take(64).collect();
    let path: String = path.chars().take(256).collect();
    tracing::info!(
        tx_id = reply.tx_id.as_str(),
        client_id = shown.as_str(),
        path = %path,
        status = reply.status,
        code = reply.code.as_str(),
        "api request"
    );
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    let mut res = (status, reply.body).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(res)
}

/// `GET /api/v1/auth/getQR`: the QR page, the broker page, a redirect, or an error page.
async fn get_qr(
    state: AppState,
    uri: Uri,
    headers: HeaderMap,
    sandbox: Result<SandboxHeaders, AppError>,
) -> Result<Response, AppError> {
    let ready = state.ready()?;
    // A browser asked for a page: a bad override header gets an error page, not JSON.
    let overrides = match sandbox {
        Ok(SandboxHeaders(it)) => it,
        Err(AppError::BadRequest(text)) => return Ok(pages::bad_request(&text)),
        Err(err) => return Err(err),
    };
    let origin = state.origin(&headers);
    let started = Instant::now();
    let query = uri.query().unwrap_or_default().to_owned();
    let path = uri.path().to_owned();
    let client_id = parse_query(&query)
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "clientID").map(|(_, v)| v));
    let res = ready
        .platform
        .call(move |core, now| {
            let scenario = overrides.scenario;
            let res = core.engine.get_qr(&query, now, &mut core.rng, &overrides);
            let (status, code) = match &res {
                Ok(reply) => {
                    core.enqueue(&reply.outbound, client_id.as_deref(), now)?;
                    let redirects = redirect_of(&reply.outbound, &reply.value).is_some();
                    (if redirects { 302 } else { 200 }, None)
                }
                Err(err) => (400, Some(err.code())),
            };
            let entry = NewEntry {
                client_id: client_id.as_deref(),
                method: "GET",
                path: &path,
                status,
                code: code.map(|c| c.as_str()),
                tx_id: None,
                scenario: scenario.map(|s| s.name()),
                elapsed_us: elapsed_us(started),
            };
            journal::record(core, &entry, now)?;
            tracing::info!(
                client_id = client_id.as_deref().unwrap_or("-"),
                status,
                code = code.map(|c| c.as_str()).unwrap_or("-"),
                "getQR"
            );
            Ok(res)
        })
        .await?;
    let reply = match res {
        Ok(reply) => reply,
        Err(err) => return Ok(pages::get_qr_error(&err)),
    };
    if let Some(url) = redirect_of(&reply.outbound, &reply.value) {
        return Ok(Redirect::to(&url).into_response());
    }
    Ok(pages::login_page(&reply.value, &origin))
}

/// `GET /sandbox/qr/{ticket}/status`: where a login or anonymous ticket stands.
pub async fn qr_status(
    State(state): State<AppState>,
    Path(ticket): Path<String>,
) -> Result<Response, AppError> {
    let status = state
        .ready()?
        .platform
        .call(move |core, now| Ok(core.engine.qr_status(&ticket, now)?))
        .await?;
    let mut res = Json(status).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// The redirect already decided for the page's ticket, if any.
fn redirect_of(outbound: &[Outbound], page: &QrPage) -> Option<String> {
    outbound.iter().find_map(|it| match it {
        Outbound::Redirect { ticket_id, url } if *ticket_id == page.ticket_id => Some(url.clone()),
        _ => None,
    })
}

/// The platform's 404 envelope, for methods other than POST on an API path.
fn not_found_envelope() -> Response {
    let body = serde_json::json!({
        "txID": null,
        "code": protocol::Code::NotFound.as_str(),
        "message": protocol::Code::NotFound.template(),
    });
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty())
}

fn elapsed_us(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX)
}
