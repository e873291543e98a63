//! The simulated iAM Smart app: a page in a phone frame, and the same actions as JSON.
//!
//! `/sandbox/app?ticketID=…` is where the QR code and the broker page lead. The tester picks
//! the persona whose phone this is (scanning opens the ticket as that user), sees which service
//! asks for which fields, and approves (consenting per field), declines, cancels, lets the
//! request time out or fails the biometric check; signing shows the identification code to
//! compare with the e-service's page. `/sandbox/app?persona=…` is that user's inbox of
//! pending requests (profile, e-ME, signing, re-authentication), and `/sandbox/app/launch`
//! takes an app-to-app login (an e-service app opening the app directly). Forms post to
//! `/sandbox/app/act` and come back to the page, so it works without script on any phone.
//! Tests and the portal use the JSON routes under `/sandbox/app/tasks` and
//! `/sandbox/app/inbox`.

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use protocol::{
    engine::{AppAction, AppView, Reply, TaskRequest, TaskStatus, personas},
    wire::{append_query, parse_query},
};
use serde::{Deserialize, Serialize};

use crate::{
    AppState,
    error::AppError,
    pages::{document, escape, flow_name, html},
    sandbox_headers::SandboxHeaders,
};

/// The simulated app: its page and forms, app-to-app launch, and the JSON routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sandbox/app", get(page))
        .route("/sandbox/app/act", post(act_form))
        .route("/sandbox/app/launch", get(launch))
        .route("/sandbox/app/tasks/{ticket}", get(task_json).post(act_json))
        .route("/sandbox/app/inbox/{persona}", get(inbox_json))
        .route("/sandbox/personas", get(personas))
}

/// The query of the app page.
#[derive(Debug, Default, Deserialize)]
pub struct AppQuery {
    #[serde(rename = "ticketID")]
    ticket_id: Option<String>,
    persona: Option<String>,
    /// A deep link such as `hk.gov.iamsmart.testapp://auth?ticketID=…`, pasted by the tester.
    #[serde(rename = "deepLink")]
    deep_link: Option<String>,
    /// An error to show, after a refused action.
    error: Option<String>,
}

/// One persona, as the app lists them.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonaSummary {
    id: &'static str,
    summary: &'static str,
    user_type: &'static str,
    can_sign: bool,
}

/// `GET /sandbox/app`.
pub async fn page(
    State(state): State<AppState>,
    Query(query): Query<AppQuery>,
) -> Result<Response, AppError> {
    let ready = state.ready()?;
    let ticket =
        query.ticket_id.clone().or_else(|| query.deep_link.as_deref().and_then(ticket_of_link));
    let persona = query.persona.clone().filter(|p| personas::find(p).is_ok());
    let error = query.error.clone();
    let body = match ticket {
        Some(ticket) => {
            let view =
                ready.platform.call(move |core, _| Ok(core.engine.app_view(&ticket))).await?;
            match view {
                Ok(view) => task_page(&view, persona.as_deref(), error.as_deref()),
                Err(_) => frame(
                    persona.as_deref(),
                    "<p class=\"status error\" role=\"alert\">No such request. It may have expired and been cleared.</p>",
                ),
            }
        }
        None => match persona {
            Some(persona) => {
                let id = persona.clone();
                let inbox = ready
                    .platform
                    .call(move |core, now| Ok(core.engine.app_inbox(&id, now)?))
                    .await?;
                inbox_page(&persona, &inbox)
            }
            None => frame(None, &choose_persona_form()),
        },
    };
    Ok(html(StatusCode::OK, document("iAM Smart (simulated)", "en", &body)))
}

/// `GET /sandbox/app/launch?clientID=…&source=App_Link&…`: an e-service app on the same phone
/// opens the iAM Smart app directly (app-to-app login). The ticket opens in the simulated
/// app; a refused query shows its D-code.
pub async fn launch(
    State(state): State<AppState>,
    SandboxHeaders(overrides): SandboxHeaders,
    uri: axum::http::Uri,
) -> Result<Response, AppError> {
    let ready = state.ready()?;
    let query = uri.query().unwrap_or_default().to_owned();
    let client_id = parse_query(&query)
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "clientID").map(|(_, v)| v));
    let res = ready
        .platform
        .call(move |core, now| {
            let res = core.engine.app_launch(&query, now, &mut core.rng, &overrides);
            if let Ok(reply) = &res {
                core.enqueue(&reply.outbound, client_id.as_deref(), now)?;
            }
            Ok(res)
        })
        .await?;
    Ok(match res {
        Ok(reply) => {
            let back = append_query("/sandbox/app", &[("ticketID", reply.value.task.id.as_str())]);
            Redirect::to(&back).into_response()
        }
        Err(err) => crate::pages::get_qr_error(&err),
    })
}

/// `POST /sandbox/app/act`: a form of the app page.
pub async fn act_form(State(state): State<AppState>, body: Bytes) -> Result<Response, AppError> {
    let text = String::from_utf8_lossy(&body).replace('+', " ");
    let pairs = parse_query(&text).map_err(|_| AppError::BadRequest("unreadable form".into()))?;
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let ticket =
        get("ticketID").ok_or_else(|| AppError::BadRequest("ticketID is missing".into()))?;
    let persona = get("persona").filter(|p| !p.is_empty());
    let fields: Vec<String> =
        pairs.iter().filter(|(k, _)| k == "field").map(|(_, v)| v.clone()).collect();
    let action = match get("action").as_deref() {
        Some("open") => AppAction::Open {
            persona: persona
                .clone()
                .ok_or_else(|| AppError::BadRequest("choose a persona".into()))?,
        },
        Some("approve") => {
            AppAction::Approve { persona: None, fields: get("consent").map(|_| fields) }
        }
        Some("decline") => AppAction::Decline,
        Some("cancel") => AppAction::Cancel,
        Some("timeout") => AppAction::TimeOut,
        Some("fail") => AppAction::FailBiometric,
        _ => return Err(AppError::BadRequest("unknown action".into())),
    };
    let refusal = match act(&state, ticket.clone(), action).await {
        Ok(_) => None,
        Err(AppError::Refused(err)) => Some(err),
        Err(err) => return Err(err),
    };
    let mut back = vec![("ticketID", ticket)];
    if let Some(persona) = persona {
        back.push(("persona", persona));
    }
    if let Some(err) = refusal {
        back.push(("error", format!("{}: {}", err.code().as_str(), err.message())));
    }
    Ok(Redirect::to(&append_query("/sandbox/app", &back)).into_response())
}

/// `GET /sandbox/app/tasks/{ticket}`: the task as the app shows it.
pub async fn task_json(
    State(state): State<AppState>,
    Path(ticket): Path<String>,
) -> Result<Response, AppError> {
    let view =
        state.ready()?.platform.call(move |core, _| Ok(core.engine.app_view(&ticket))).await?;
    Ok(Json(view.map_err(AppError::Refused)?).into_response())
}

/// `POST /sandbox/app/tasks/{ticket}` with an action as JSON, e.g. `{"action":"approve"}`.
pub async fn act_json(
    State(state): State<AppState>,
    Path(ticket): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let action: AppAction = serde_json::from_slice(&body)
        .map_err(|err| AppError::BadRequest(format!("not an app action: {err}")))?;
    Ok(Json(act(&state, ticket, action).await?.value).into_response())
}

/// `GET /sandbox/app/inbox/{persona}`: the persona's pending requests, oldest first.
pub async fn inbox_json(
    State(state): State<AppState>,
    Path(persona): Path<String>,
) -> Result<Response, AppError> {
    if personas::find(&persona).is_err() {
        return Err(AppError::NotFound);
    }
    let inbox = state
        .ready()?
        .platform
        .call(move |core, now| Ok(core.engine.app_inbox(&persona, now)?))
        .await?;
    Ok(Json(inbox).into_response())
}

/// `GET /sandbox/personas`: who a tester can be.
pub async fn personas() -> Json<Vec<PersonaSummary>> {
    Json(
        personas::all()
            .iter()
            .map(|p| PersonaSummary {
                id: &p.id,
                summary: &p.summary,
                user_type: p.user_type.as_str(),
                can_sign: p.can_sign(),
            })
            .collect(),
    )
}

/// Applies an action and queues its callbacks; a refusal is [`AppError::Refused`].
async fn act(
    state: &AppState,
    ticket: String,
    action: AppAction,
) -> Result<Reply<AppView>, AppError> {
    let res = state
        .ready()?
        .platform
        .call(move |core, now| {
            let res = core.engine.app_act(&ticket, action, now, &mut core.rng);
            if let Ok(reply) = &res {
                let client = reply.value.task.client_id.clone();
                core.enqueue(&reply.outbound, Some(&client), now)?;
                tracing::info!(ticket = %ticket, client_id = %client, "app answered");
            }
            Ok(res)
        })
        .await?;
    res.map_err(AppError::Refused)
}

/// The ticket of a pasted deep link.
fn ticket_of_link(link: &str) -> Option<String> {
    let query = link.split_once('?')?.1;
    let pairs = parse_query(query).ok()?;
    pairs.into_iter().find(|(k, _)| k == "ticketID").map(|(_, v)| v)
}

/// The phone frame around `inner`.
fn frame(persona: Option<&str>, inner: &str) -> String {
    let who = match persona {
        Some(p) => format!(
            "<a href=\"{}\">{}</a>",
            escape(&append_query("/sandbox/app", &[("persona", p)])),
            escape(p)
        ),
        None => "<a href=\"/sandbox/app\">choose a persona</a>".to_owned(),
    };
    format!(
        "<div class=\"phone\"><header><span class=\"brand\">iAM Smart <small>(simulated)</small></span>\
         <span class=\"small\">{who}</span></header>{inner}</div>"
    )
}

fn persona_options(selected: Option<&str>) -> String {
    personas::all()
        .iter()
        .map(|p| {
            let sel = if Some(p.id.as_str()) == selected { " selected" } else { "" };
            format!(
                "<option value=\"{}\"{sel}>{} ({})</option>",
                escape(&p.id),
                escape(&p.id),
                escape(&p.summary)
            )
        })
        .collect()
}

fn choose_persona_form() -> String {
    format!(
        "<h1>Whose phone is this?</h1>\
         <form method=\"get\" action=\"/sandbox/app\">\
         <p><label for=\"persona\">Persona</label><br><select id=\"persona\" name=\"persona\">{}</select></p>\
         <p><button type=\"submit\">Open the inbox</button></p></form>\
         <h2>Open a deep link</h2>\
         <form method=\"get\" action=\"/sandbox/app\">\
         <p><label for=\"deep-link\">Deep link</label><br><input id=\"deep-link\" type=\"text\" name=\"deepLink\" \
         placeholder=\"hk.gov.iamsmart.testapp://auth?ticketID=…\" size=\"30\"></p>\
         <p><button type=\"submit\" class=\"secondary\">Open</button></p></form>",
        persona_options(None)
    )
}

fn inbox_page(persona: &str, inbox: &[AppView]) -> String {
    let items: String = inbox
        .iter()
        .map(|v| {
            let href = append_query(
                "/sandbox/app",
                &[("ticketID", v.task.id.as_str()), ("persona", persona)],
            );
            format!(
                "<li><a href=\"{}\">{}</a> from {}</li>",
                escape(&href),
                escape(flow_name(v.task.flow())),
                escape(&v.client_name)
            )
        })
        .collect();
    let list = if inbox.is_empty() {
        "<p>Nothing is waiting for you.</p>".to_owned()
    } else {
        format!("<ul class=\"fields\" id=\"inbox\">{items}</ul>")
    };
    let refresh = escape(&append_query("/sandbox/app", &[("persona", persona)]));
    frame(
        Some(persona),
        &format!(
            "<h1>Inbox</h1>{list}<p><a class=\"button secondary\" href=\"{refresh}\">Refresh</a></p>"
        ),
    )
}

fn task_page(view: &AppView, persona: Option<&str>, error: Option<&str>) -> String {
    let task = &view.task;
    let persona = task.persona.as_deref().or(persona);
    let asks = match task.flow() {
        protocol::engine::Flow::Login => "asks you to log in".to_owned(),
        flow => format!("asks for {}", flow_name(flow)),
    };
    let mut out = format!(
        "<h1>{}</h1><p><strong>{}</strong> {asks}.</p>",
        escape(&capitalised(flow_name(task.flow()))),
        escape(&view.client_name),
    );
    if let Some(error) = error {
        out.push_str(&format!("<p class=\"status error\" role=\"alert\">{}</p>", escape(error)));
    }
    let ticket = escape(&task.id);
    let hidden = format!(
        "<input type=\"hidden\" name=\"ticketID\" value=\"{ticket}\">{}",
        persona
            .map(|p| format!("<input type=\"hidden\" name=\"persona\" value=\"{}\">", escape(p)))
            .unwrap_or_default()
    );
    match &task.status {
        TaskStatus::Answered { code, redirect } => {
            let outcome = if code.is_success() { "Approved" } else { "Not approved" };
            out.push_str(&format!(
                "<p id=\"outcome\" class=\"status\" role=\"status\">{outcome} ({})</p>",
                code.as_str()
            ));
            match redirect {
                Some(url) if task.same_device => out.push_str(&format!(
                    "<p><a id=\"return\" class=\"button\" href=\"{}\">Return to the service</a></p>",
                    escape(url)
                )),
                Some(_) => out.push_str("<p>You can go back to the other screen now.</p>"),
                None => out.push_str("<p>The service gets the result by callback.</p>"),
            }
            return frame(persona, &out);
        }
        TaskStatus::Expired => {
            out.push_str("<p id=\"outcome\" class=\"status error\" role=\"status\">This request expired.</p>");
            return frame(persona, &out);
        }
        TaskStatus::AwaitingPage => {
            out.push_str(
                "<p class=\"status\">Waiting for the service's page to open this request.</p>",
            );
            return frame(persona, &out);
        }
        TaskStatus::Pending | TaskStatus::Opened => {}
    }
    if task.persona.is_none() {
        out.push_str(&format!(
            "<form method=\"post\" action=\"/sandbox/app/act\">{hidden}\
             <p><label for=\"persona\">Scan as</label><br><select id=\"persona\" name=\"persona\">{}</select></p>\
             <p><button type=\"submit\" name=\"action\" value=\"open\">Continue</button></p></form>",
            persona_options(persona)
        ));
        return frame(persona, &out);
    }
    out.push_str(&details(view));
    let fields = requested_fields(&task.request);
    let consent = if fields.is_empty() {
        String::new()
    } else {
        let items: String = fields
            .iter()
            .map(|f| {
                format!(
                    "<li><label><input type=\"checkbox\" name=\"field\" value=\"{f}\" checked> {f}</label></li>"
                )
            })
            .collect();
        format!(
            "<h2>Share these details</h2><input type=\"hidden\" name=\"consent\" value=\"1\">\
             <ul class=\"fields\">{items}</ul>"
        )
    };
    out.push_str(&format!(
        "<form method=\"post\" action=\"/sandbox/app/act\">{hidden}{consent}\
         <p><button id=\"approve\" type=\"submit\" name=\"action\" value=\"approve\">Approve</button>\
         <button id=\"decline\" class=\"danger\" type=\"submit\" name=\"action\" value=\"decline\">Decline</button></p>\
         <p><button class=\"secondary\" type=\"submit\" name=\"action\" value=\"cancel\">Cancel</button>\
         <button class=\"secondary\" type=\"submit\" name=\"action\" value=\"timeout\">Let it time out</button>\
         <button class=\"secondary\" type=\"submit\" name=\"action\" value=\"fail\">Fail the face check</button></p></form>"
    ));
    frame(persona, &out)
}

/// What the request is about: the form, the document, the identification code.
fn details(view: &AppView) -> String {
    match &view.task.request {
        TaskRequest::Login { scopes } => {
            let scopes: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
            format!("<p class=\"small\">Scopes: {}</p>", escape(&scopes.join(" ")))
        }
        TaskRequest::FormFilling { form, .. } => {
            let name = form.name.as_deref().unwrap_or("a form");
            format!("<p>For the form <strong>{}</strong>.</p>", escape(name))
        }
        TaskRequest::Signing(req) | TaskRequest::PdfSigning(req) => {
            let code = view.identification_code.as_deref().unwrap_or("----");
            format!(
                "<p>Sign <strong>{}</strong> for {}.</p>\
                 <p>Check that the service shows the same identification code:</p>\
                 <p id=\"identification-code\" class=\"code\">{}</p>",
                escape(&req.document_name),
                escape(&req.service_name),
                escape(code)
            )
        }
        TaskRequest::Profile { .. } | TaskRequest::Reauth => String::new(),
    }
}

/// The field names a request asks the user to release.
fn requested_fields(request: &TaskRequest) -> Vec<&'static str> {
    match request {
        TaskRequest::Profile { fields } => fields.iter().map(|f| f.as_str()).collect(),
        TaskRequest::FormFilling { eme_fields, profile_fields, .. } => profile_fields
            .iter()
            .map(|f| f.as_str())
            .chain(eme_fields.iter().map(|f| f.as_str()))
            .collect(),
        _ => Vec::new(),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
