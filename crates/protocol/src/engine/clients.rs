//! Registered clients: the online services the mock platform knows, and their settings.
//!
//! A [`Client`] is what the real platform's self-service portal holds for an e-service: its
//! `clientID` and secret, the redirect URIs it registered (matched exactly; anything else is
//! `D20008`), the scopes it was approved for (asking for more is `D20012`), the public key
//! encryption key it uploaded, and whether its traffic is sealed. [`ClientSettings`] adds the
//! sandbox's per-client knobs: code and token lifetimes, a default fault scenario, and a
//! default persona with automatic answers for headless test runs.

use serde::{Deserialize, Serialize};

use crate::{
    Error,
    content::ContentMode,
    keys::{CekForm, Kek, Padding},
    scenario::Scenario,
    vocab::{Scope, Scopes},
};

/// An online service registered with the mock platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Client {
    /// The `clientID`.
    pub client_id: String,
    /// The client secret that keys request signatures.
    pub secret: String,
    /// The service's name, shown to the user in the app.
    pub name: String,
    /// Registered redirect and callback URIs, matched exactly.
    pub redirect_uris: Vec<String>,
    /// Approved scopes.
    pub scopes: Scopes,
    /// The key encryption key the client uploaded: the RSA public key CEKs are wrapped under.
    pub kek: Option<Kek>,
    /// Whether requests, responses and callbacks are sealed with the content key.
    pub content_mode: ContentMode,
    /// The sandbox's per-client knobs.
    pub settings: ClientSettings,
}

/// Per-client knobs of the sandbox. [`ClientSettings::default`] documents the defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ClientSettings {
    /// How long an authorisation code is accepted, in milliseconds.
    pub auth_code_ttl_ms: u64,
    /// How long an access token is accepted, in milliseconds.
    pub access_token_ttl_ms: u64,
    /// How long a content encryption key issued by getKey lives, in milliseconds.
    pub cek_ttl_ms: u64,
    /// The fault scenario applied when a request selects none.
    pub scenario: Option<Scenario>,
    /// The persona that answers when nobody picks one in the app.
    pub persona: Option<String>,
    /// Whether requests are answered at once, without the simulated app.
    pub auto_answer: AutoAnswer,
    /// The RSA padding that wraps the CEK under the KEK (undocumented on the real platform).
    pub kek_padding: Padding,
    /// What a callback's `secretKey` wraps: the raw CEK or its Base64 text (undocumented).
    pub callback_key_form: CekForm,
}

/// How requests are answered when a test runs without anyone using the simulated app.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AutoAnswer {
    /// Requests wait for the simulated app.
    #[default]
    Manual,
    /// Every request is approved at once by the default persona, releasing every field.
    Approve,
    /// Every request is declined at once.
    Deny,
}

impl Default for ClientSettings {
    /// Authorisation codes live 60 seconds and access tokens 4 hours, as the sandbox guide
    /// says; content keys live 24 hours (the real value is unknown). No scenario, no default
    /// persona, manual answers. CEKs are wrapped with PKCS#1 v1.5 as raw key bytes.
    fn default() -> Self {
        ClientSettings {
            auth_code_ttl_ms: 60_000,
            access_token_ttl_ms: 4 * 60 * 60 * 1000,
            cek_ttl_ms: 24 * 60 * 60 * 1000,
            scenario: None,
            persona: None,
            auto_answer: AutoAnswer::Manual,
            kek_padding: Padding::Pkcs1v15,
            callback_key_form: CekForm::Raw,
        }
    }
}

/// Per-call overrides of a client's settings (the `X-Sandbox-*` headers): the engine applies
/// them to the client as it reads it during that one call, and never stores them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// The persona who answers instead of the client's default.
    pub persona: Option<String>,
    /// The automatic answer instead of the client's.
    pub auto_answer: Option<AutoAnswer>,
    /// The fault scenario instead of the client's default.
    pub scenario: Option<Scenario>,
}

impl Overrides {
    /// Applies the overrides to `client`'s settings.
    pub fn apply(&self, client: &mut Client) {
        if let Some(persona) = &self.persona {
            client.settings.persona = Some(persona.clone());
        }
        if let Some(auto) = self.auto_answer {
            client.settings.auto_answer = auto;
        }
        if let Some(scenario) = self.scenario {
            client.settings.scenario = Some(scenario);
        }
    }
}

impl Client {
    /// Checks that `uri` is registered, character for character (`D20008`).
    pub fn check_redirect_uri(&self, uri: &str) -> Result<(), Error> {
        if self.redirect_uris.iter().any(|it| it == uri) {
            return Ok(());
        }
        Err(Error::UnregisteredRedirectUri)
    }

    /// Checks that every scope in `asked` was approved for the client (`D20012`).
    pub fn check_scopes(&self, asked: &Scopes) -> Result<(), Error> {
        if self.scopes.covers(asked) {
            return Ok(());
        }
        Err(Error::InsufficientScope)
    }

    /// Checks that the client was approved for `scope` (`D20012`).
    pub fn check_scope(&self, scope: Scope) -> Result<(), Error> {
        if self.scopes.contains(scope) {
            return Ok(());
        }
        Err(Error::InsufficientScope)
    }
}
