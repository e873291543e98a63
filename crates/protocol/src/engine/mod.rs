//! The mock iAM Smart platform: a deterministic state machine behind a small store.
//!
//! The engine plays the platform's side of every flow. It never performs I/O, reads a clock or
//! draws randomness of its own: each entry point takes `now_ms` and a random number generator,
//! and everything it remembers lives in a [`Store`] the host provides. What the platform would
//! send on its own (POST callbacks to the e-service, browser redirects) comes back as
//! [`Outbound`] messages for the host to deliver.
//!
//! The entry points follow the flows:
//!
//! * **Login in a browser.** [`Engine::get_qr`] validates the getQR query and opens a login
//!   ticket, shown as a QR page (desktop) or a broker page that deep-links into the app
//!   (mobile browsers). The page polls [`Engine::qr_status`]. The simulated app scans the ticket
//!   and answers through [`Engine::app_act`]; approval issues a single-use authorisation code
//!   and redirects the browser to `redirectURI?code=…&state=…`, refusal to
//!   `redirectURI?error_code=…&state=…`.
//! * **Login from an app on the same phone.** [`Engine::app_launch`] takes the query an
//!   e-service app opens the iAM Smart app with (`App_Link`, `App_Scheme`, `App_Package`) and
//!   opens the same kind of ticket without a page; the answer is redirected to the app.
//! * **Signed API calls.** [`Engine::api`] takes a POST as received (path, raw headers, raw
//!   body), checks signature and replay, decrypts, validates the fields, runs the endpoint and
//!   returns the HTTP-200 envelope. getToken exchanges a code for a token; getKey and
//!   revokeKey manage the content key; the logged-in `initiateRequest` endpoints (profile,
//!   e-ME, re-authentication, hash and PDF signing) open an app task and answer
//!   `{authByQR, ticketID}`; the anonymous ones open a task the browser binds with getQR and
//!   answer `{businessID, ticketID}`; `getResult` and `ackResult` close anonymous and signing
//!   flows.
//! * **The user's answer.** [`Engine::app_act`] opens, approves (with per-field consent),
//!   declines, cancels, times out or fails the biometric check of a task. Logged-in tasks
//!   answer with a POST callback; login and anonymous tasks with a redirect.
//! * **Time.** [`Engine::poll`] expires unanswered tasks and carries out delayed approvals;
//!   [`Engine::next_deadline`] says when to call it next.
//!
//! Fault scenarios ([`Scenario`]) chosen per request or per client make any of these produce a
//! chosen error code; automatic answers in [`ClientSettings`] let headless tests run without
//! the app.

mod anonymous;
mod api;
mod app;
mod clients;
mod data_flows;
mod flow;
mod ids;
mod keys_flow;
mod login;
mod outcome;
pub mod personas;
mod qr;
mod records;
mod signing_flow;
mod store;
mod timers;

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use crate::{
    Code, Error,
    headers::{ReplayConfig, RequestHeaders},
    pki::{SandboxCa, Signer, ValidityWindow},
    scenario::Scenario,
};

pub use app::{AppAction, AppView};
pub use clients::{AutoAnswer, Client, ClientSettings, Overrides};
pub use flow::{Flow, Refusal};
pub use personas::Persona;
pub use qr::{PageKind, QrPage, QrStatus};
pub use records::{
    AccessToken, AuthCode, BusinessRecord, FormInfo, SigningRequest, Task, TaskRequest, TaskStatus,
};
pub use store::{MemoryStore, Store, Stored};
pub use timers::{CLOSED_TASK_RETENTION_MS, POLL_BATCH};

/// The scheme of the iAM Smart testing app, used in deep links and QR codes.
pub const APP_SCHEME: &str = "hk.gov.iamsmart.testapp";

/// The mock platform: configuration, a store, and the sandbox CA for signing.
pub struct Engine<S> {
    store: S,
    config: EngineConfig,
    /// The sandbox CA, built on the first signing request: building it costs an RSA
    /// signature.
    ca: Option<SandboxCa>,
    /// The personas' signers issued so far by the CA.
    signers: Vec<Signer>,
    /// The current call's overrides of its client's settings (see [`Engine::with_overrides`]).
    overrides: Overrides,
}

/// Platform-wide settings of the engine. [`EngineConfig::default`] documents the defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EngineConfig {
    /// How long tickets and anonymous codes live.
    pub lifetimes: Lifetimes,
    /// Limits of the replay defence on signed requests.
    pub replay: ReplayConfig,
    /// The platform's secret that keys tokenised IDs (`openID`).
    pub platform_secret: String,
    /// When the sandbox CA and the personas' signing certificates are valid, in milliseconds
    /// since the Unix epoch.
    pub cert_not_before_ms: u64,
    /// The end of that validity.
    pub cert_not_after_ms: u64,
}

/// Lifetimes of the platform's own tickets and codes, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Lifetimes {
    /// How long a login QR or broker page stays valid.
    pub login_ticket_ms: u64,
    /// How long a logged-in request waits for the user's answer.
    pub task_ms: u64,
    /// How long an anonymous request waits for the user's answer.
    pub anonymous_task_ms: u64,
    /// How long the authorisation code of an anonymous approval is accepted.
    pub anonymous_code_ms: u64,
}

/// Something the platform sends on its own, for the host to deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Outbound {
    /// POST `body` (a JSON callback envelope) to the e-service at `url`.
    Callback {
        /// The e-service's callback URL (the request's `redirectURI`).
        url: String,
        /// The callback envelope, as JSON text.
        body: String,
    },
    /// Send the browser page or app showing ticket `ticket_id` to `url`.
    Redirect {
        /// The login or anonymous ticket whose page should follow the redirect.
        ticket_id: String,
        /// `redirectURI` with `code`/`error_code`, `state` and (anonymous) `businessID`.
        url: String,
    },
}

/// A result together with the messages the platform sends because of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply<T> {
    /// What the caller asked for.
    pub value: T,
    /// Callbacks and redirects for the host to deliver.
    pub outbound: Vec<Outbound>,
}

/// A signed POST as received by the host.
#[derive(Debug, Clone, Copy)]
pub struct ApiRequest<'a> {
    /// The HTTP method, e.g. `POST`.
    pub method: &'a str,
    /// The request path, e.g. `/api/v1/auth/getToken`.
    pub path: &'a str,
    /// The five signed-request headers, as received.
    pub headers: RequestHeaders<'a>,
    /// The raw body, exactly as received.
    pub body: &'a [u8],
}

/// The platform's answer to a signed POST.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiReply {
    /// The HTTP status: 200 for every business outcome, 404 for a path the platform lacks.
    pub status: u16,
    /// The envelope `{txID, code, message, content}` as JSON text; `content` is sealed in
    /// encrypted mode.
    pub body: String,
    /// The envelope's code, for logging.
    pub code: Code,
    /// The envelope's transaction id, for logging.
    pub tx_id: crate::wire::TxId,
    /// Callbacks and redirects for the host to deliver.
    pub outbound: Vec<Outbound>,
}

impl Default for EngineConfig {
    /// Default lifetimes (see [`Lifetimes::default`]), the default replay limits, a fixed
    /// platform secret (so tokenised IDs are stable across restarts), and certificates valid
    /// from 2020 to the end of 2049.
    fn default() -> Self {
        EngineConfig {
            lifetimes: Lifetimes::default(),
            replay: ReplayConfig::default(),
            platform_secret: "iam-smart-sandbox-platform-secret".to_owned(),
            cert_not_before_ms: 1_577_836_800_000,
            cert_not_after_ms: 2_524_607_999_000,
        }
    }
}

impl Default for Lifetimes {
    /// Login pages live 5 minutes (the real value is unknown); logged-in requests 18 minutes
    /// and anonymous ones 12 minutes, as the sister CorpID platform documents; anonymous codes
    /// 1 minute.
    fn default() -> Self {
        Lifetimes {
            login_ticket_ms: 5 * 60 * 1000,
            task_ms: 18 * 60 * 1000,
            anonymous_task_ms: 12 * 60 * 1000,
            anonymous_code_ms: 60 * 1000,
        }
    }
}

impl<S: Store> Engine<S> {
    /// An engine over `store` with `config`.
    pub fn new(store: S, config: EngineConfig) -> Engine<S> {
        Engine { store, config, ca: None, signers: Vec::new(), overrides: Overrides::default() }
    }

    /// The engine's configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The store, for reading state.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The store, for seeding or editing state directly.
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// Gives the store back.
    pub fn into_store(self) -> S {
        self.store
    }

    /// Registers or replaces a client.
    pub fn register_client(&mut self, client: Client) -> Stored<()> {
        self.store.put_client(client)
    }

    /// Runs `f` with `overrides` applied to every client the engine reads meanwhile; the
    /// stored clients are not changed.
    fn with_overrides<T>(&mut self, overrides: &Overrides, f: impl FnOnce(&mut Self) -> T) -> T {
        self.overrides = overrides.clone();
        let res = f(self);
        self.overrides = Overrides::default();
        res
    }

    /// The client registered as `client_id`, with the current call's overrides applied.
    fn client(&self, client_id: &str) -> Stored<Option<Client>> {
        let mut client = self.store.client(client_id)?;
        if let Some(client) = &mut client {
            self.overrides.apply(client);
        }
        Ok(client)
    }

    /// The sandbox root CA's certificate in PEM, for e-services to trust signatures.
    pub fn ca_certificate_pem(&mut self) -> Result<String, Error> {
        self.ca()?.certificate_pem()
    }

    /// The sandbox CA, built on first use.
    fn ca(&mut self) -> Result<&SandboxCa, Error> {
        if self.ca.is_none() {
            let validity = ValidityWindow {
                not_before_ms: self.config.cert_not_before_ms,
                not_after_ms: self.config.cert_not_after_ms,
            };
            self.ca = Some(SandboxCa::new(validity)?);
        }
        self.ca.as_ref().ok_or(Error::Internal)
    }

    /// The client registered as `client_id`; an unknown one is an invalid `clientID`.
    fn known_client(&self, client_id: &str) -> Result<Client, Error> {
        self.client(client_id)?.ok_or(Error::InvalidParameter("clientID".into()))
    }
}

impl<S> std::fmt::Debug for Engine<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("config", &self.config).finish_non_exhaustive()
    }
}

/// Draws the bytes of a fresh AES-GCM IV.
fn fresh_iv(rng: &mut impl CryptoRng) -> [u8; crate::content::IV_LEN] {
    let mut iv = [0u8; crate::content::IV_LEN];
    rng.fill_bytes(&mut iv);
    iv
}

/// What every signed endpoint is called with: the signing client, the fault scenario in
/// force and the clock.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call<'a> {
    pub client: &'a Client,
    pub scenario: Option<Scenario>,
    pub now_ms: u64,
}

impl Call<'_> {
    /// Fails with the scenario's error when the scenario in force is `which`.
    pub fn fault(self, which: Scenario, flow: Flow) -> Result<(), Error> {
        fault(self.scenario, which, flow)
    }
}

/// The scenario in force: the request's, else the client's default.
fn effective(requested: Option<Scenario>, client: &Client) -> Option<Scenario> {
    requested.or(client.settings.scenario)
}

/// Fails with the scenario's error when `scenario` is `which`.
fn fault(scenario: Option<Scenario>, which: Scenario, flow: Flow) -> Result<(), Error> {
    match scenario {
        Some(it) if it == which => Err(it.error(flow)),
        _ => Ok(()),
    }
}

#[cfg(test)]
pub(crate) mod tests;
