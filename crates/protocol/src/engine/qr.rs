//! Login tickets: the getQR page, app-to-app launches, and the page's status polling.
//!
//! getQR is a browser navigation, not a signed call. [`Engine::get_qr`] checks its query the
//! way the platform does (field shapes first, then: a known `clientID`, a `source` other than
//! `App_Link`/`App_Scheme` (`D20007`), a registered `redirectURI` (`D20008`), approved scopes
//! (`D20012`)) and opens a ticket. A desktop browser gets a QR page whose code the phone
//! scans; every other source gets a broker page that deep-links into the app on the same
//! phone. With `ticketID`, getQR instead binds the page to a pending anonymous request
//! (`D20027` when there is none).
//! [`Engine::app_launch`] is the app-to-app variant: an e-service app opens the iAM Smart app
//! directly, so there is no page and the answer goes back to the app. Pages poll
//! [`Engine::qr_status`] until a redirect is ready.

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use crate::{
    Error,
    catalogue::EndpointId,
    engine::{
        APP_SCHEME, AppView, Engine, Flow, Overrides, Reply, Store, Task, TaskRequest, TaskStatus,
        api, effective, ids,
    },
    scenario::Scenario,
    vocab::Lang,
    wire::{GetQrQuery, append_query, query_object},
};

/// How a ticket is shown in the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PageKind {
    /// A QR code for the app on another device to scan.
    Qr,
    /// A broker page that opens the app on this device through its deep link.
    Broker,
}

/// What the getQR page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QrPage {
    /// The ticket the page stands for; poll [`Engine::qr_status`] with it.
    pub ticket_id: String,
    /// QR page or broker page.
    pub kind: PageKind,
    /// The app deep link: the QR code's content, and the broker page's link.
    pub deep_link: String,
    /// The page language.
    pub lang: Lang,
    /// The e-service's name, shown on the page.
    pub client_name: String,
    /// Login, or the anonymous flow the page was bound to.
    pub flow: Flow,
    /// When the ticket expires, in milliseconds since the Unix epoch.
    pub expires_ms: u64,
}

/// Where a login or anonymous ticket stands, as its page sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "status")]
pub enum QrStatus {
    /// No such ticket.
    Unknown,
    /// Waiting for the app to scan or open it.
    Waiting,
    /// The app opened it; waiting for the user's answer.
    Scanned,
    /// Answered: the page should go to `url`.
    Redirect {
        /// `redirectURI` with the outcome's query.
        url: String,
    },
    /// Nobody answered in time; the page should offer a fresh code.
    Expired,
}

impl<S: Store> Engine<S> {
    /// Handles `GET /api/v1/auth/getQR` with the raw `query` string.
    ///
    /// Returns the page to show, and any redirect already decided (an automatic answer or a
    /// user-outcome scenario answers at once). A rejected query is an error page.
    pub fn get_qr(
        &mut self,
        query: &str,
        now_ms: u64,
        rng: &mut impl CryptoRng,
        overrides: &Overrides,
    ) -> Result<Reply<QrPage>, Error> {
        self.with_overrides(overrides, |this| this.open_qr(query, now_ms, rng, overrides.scenario))
    }

    fn open_qr(
        &mut self,
        query: &str,
        now_ms: u64,
        rng: &mut impl CryptoRng,
        scenario: Option<Scenario>,
    ) -> Result<Reply<QrPage>, Error> {
        let query = self.checked_login_query(query, false)?;
        if !query.source.allowed_for_get_qr() {
            return Err(Error::UnsupportedSource);
        }
        let client = self.known_client(&query.client_id)?;
        let scenario = effective(scenario, &client);
        let same_device = !query.source.is_desktop();
        let task = match &query.ticket_id {
            Some(ticket_id) => self.bind_anonymous(ticket_id, &query, same_device, now_ms)?,
            None => {
                let expires_ms = now_ms.saturating_add(self.config.lifetimes.login_ticket_ms);
                login_task(ids::hex32(rng), &query, same_device, now_ms, expires_ms)
            }
        };
        let task = Task { scenario: scenario.or(task.scenario), ..task };
        let page = QrPage {
            ticket_id: task.id.clone(),
            kind: if same_device { PageKind::Broker } else { PageKind::Qr },
            deep_link: deep_link(task.flow(), &task.id),
            lang: task.lang,
            client_name: client.name.clone(),
            flow: task.flow(),
            expires_ms: task.expires_ms,
        };
        let outbound = self.settle_new(task, now_ms, rng)?;
        Ok(Reply { value: page, outbound })
    }

    /// Handles an app-to-app login: the query an e-service app opens the iAM Smart app with.
    ///
    /// The query has getQR's parameters, but `source` must be an app (`App_Link`,
    /// `App_Scheme` or `App_Package`; anything else is `D20007`) and `redirectURI` is the
    /// app's registered link. Returns the ticket as the app shows it.
    pub fn app_launch(
        &mut self,
        query: &str,
        now_ms: u64,
        rng: &mut impl CryptoRng,
        overrides: &Overrides,
    ) -> Result<Reply<AppView>, Error> {
        self.with_overrides(overrides, |this| this.launch(query, now_ms, rng, overrides.scenario))
    }

    fn launch(
        &mut self,
        query: &str,
        now_ms: u64,
        rng: &mut impl CryptoRng,
        scenario: Option<Scenario>,
    ) -> Result<Reply<AppView>, Error> {
        let query = self.checked_login_query(query, true)?;
        if !query.source.is_app() {
            return Err(Error::UnsupportedSource);
        }
        let client = self.known_client(&query.client_id)?;
        let expires_ms = now_ms.saturating_add(self.config.lifetimes.login_ticket_ms);
        let task = login_task(ids::hex32(rng), &query, true, now_ms, expires_ms);
        let task = Task { scenario: effective(scenario, &client), ..task };
        let id = task.id.clone();
        let outbound = self.settle_new(task, now_ms, rng)?;
        Ok(Reply { value: self.app_view(&id)?, outbound })
    }

    /// Where a login or anonymous ticket stands, for its page to poll.
    pub fn qr_status(&self, ticket_id: &str, now_ms: u64) -> Result<QrStatus, Error> {
        let Some(task) = self.store.task(ticket_id)? else {
            return Ok(QrStatus::Unknown);
        };
        Ok(match task.status {
            TaskStatus::Answered { redirect: Some(url), .. } => QrStatus::Redirect { url },
            TaskStatus::Answered { redirect: None, .. } => QrStatus::Unknown,
            TaskStatus::Expired => QrStatus::Expired,
            _ if now_ms >= task.expires_ms => QrStatus::Expired,
            TaskStatus::Opened => QrStatus::Scanned,
            TaskStatus::AwaitingPage | TaskStatus::Pending => QrStatus::Waiting,
        })
    }

    /// Validates a login query's fields (allowing app sources for an app-to-app launch),
    /// then its client, redirect URI and scopes.
    fn checked_login_query(&self, query: &str, app_launch: bool) -> Result<GetQrQuery, Error> {
        let value = serde_json::Value::Object(query_object(query)?);
        match app_launch {
            true => api::check_app_launch_fields(&value)?,
            false => api::check_fields(EndpointId::GetQr, &value)?,
        }
        let query: GetQrQuery = api::parse(value)?;
        let client = self.known_client(&query.client_id)?;
        client.check_redirect_uri(&query.redirect_uri)?;
        client.check_scopes(&query.scope)?;
        Ok(query)
    }

    /// Binds an anonymous request to the page that getQR opens for it; an unknown, foreign,
    /// answered or expired ticket is `D20027`.
    fn bind_anonymous(
        &mut self,
        ticket_id: &str,
        query: &GetQrQuery,
        same_device: bool,
        now_ms: u64,
    ) -> Result<Task, Error> {
        let task = self.store.task(ticket_id)?.ok_or(Error::NotFound)?;
        let bindable = matches!(task.status, TaskStatus::AwaitingPage | TaskStatus::Pending);
        if task.client_id != query.client_id || !task.anonymous || !bindable {
            return Err(Error::NotFound);
        }
        if now_ms >= task.expires_ms {
            return Err(Error::NotFound);
        }
        Ok(Task {
            redirect_uri: Some(query.redirect_uri.clone()),
            state: query.state.clone(),
            source: Some(query.source),
            lang: query.lang_or_default(),
            same_device,
            status: TaskStatus::Pending,
            ..task
        })
    }
}

/// The app deep link that opens ticket `ticket_id` of `flow`.
pub(crate) fn deep_link(flow: Flow, ticket_id: &str) -> String {
    append_query(&format!("{APP_SCHEME}://{}", flow.deep_link_host()), &[("ticketID", ticket_id)])
}

/// A fresh login ticket for `query`.
fn login_task(
    id: String,
    query: &GetQrQuery,
    same_device: bool,
    now_ms: u64,
    expires_ms: u64,
) -> Task {
    Task {
        id,
        client_id: query.client_id.clone(),
        request: TaskRequest::Login { scopes: query.scope.clone() },
        anonymous: false,
        persona: None,
        business_id: None,
        redirect_uri: Some(query.redirect_uri.clone()),
        state: query.state.clone(),
        source: Some(query.source),
        lang: query.lang_or_default(),
        same_device,
        created_ms: now_ms,
        expires_ms,
        approve_at_ms: None,
        scenario: None,
        status: TaskStatus::Pending,
    }
}
