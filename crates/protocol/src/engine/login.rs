//! Codes and tokens: what an approval hands the browser, and what getToken trades it for.
//!
//! An approved login (or anonymous request) issues a single-use authorisation code of 32 hex
//! digits, valid for the client's `authCode` lifetime (one minute for anonymous requests).
//! getToken takes it back once: a code that is unknown, already used, issued to another
//! client or expired is `D40004`. The token it returns (32 hex digits) is reusable until its
//! lifetime ends and carries the user's tokenised ID at this client, the account type, the
//! profile's `lastModifiedDate` and the granted scopes.

use rand_core::CryptoRng;
use serde_json::Value;

use crate::{
    Error,
    engine::{
        AccessToken, AuthCode, Call, Client, Engine, Flow, Store, Task, TaskRequest, api, ids,
        personas,
    },
    pki,
    scenario::Scenario,
    vocab::{Scope, Scopes, TokenType},
    wire::{TokenRequest, TokenResponse},
};

impl<S: Store> Engine<S> {
    /// Issues the authorisation code that answers an approved login or anonymous task.
    pub(crate) fn issue_code(
        &mut self,
        task: &Task,
        client: &Client,
        now_ms: u64,
        rng: &mut impl CryptoRng,
    ) -> Result<String, Error> {
        let ttl_ms = match task.anonymous {
            true => self.config.lifetimes.anonymous_code_ms,
            false => client.settings.auth_code_ttl_ms,
        };
        let code = AuthCode {
            code: ids::hex32(rng),
            client_id: client.client_id.clone(),
            persona: task.persona.clone().unwrap_or_default(),
            scopes: granted_scopes(&task.request),
            same_device: task.same_device,
            business_id: task.business_id.clone(),
            expires_ms: now_ms.saturating_add(ttl_ms),
        };
        let res = code.code.clone();
        self.store.put_auth_code(code)?;
        Ok(res)
    }

    /// getToken: exchanges a single-use authorisation code for an access token.
    pub(crate) fn get_token(
        &mut self,
        call: Call<'_>,
        body: Value,
        rng: &mut impl CryptoRng,
    ) -> Result<Value, Error> {
        let req: TokenRequest = api::parse(body)?;
        call.fault(Scenario::ExpiredAuthCode, Flow::Login)?;
        let Call { client, now_ms, .. } = call;
        let code = self.store.take_auth_code(&req.code)?.ok_or(Error::AuthCodeInvalid)?;
        if code.client_id != client.client_id || now_ms >= code.expires_ms {
            return Err(Error::AuthCodeInvalid);
        }
        let persona = personas::find(&code.persona)?;
        let token = AccessToken {
            token: ids::hex32(rng),
            client_id: client.client_id.clone(),
            persona: persona.id.clone(),
            open_id: self.open_id(&client.client_id, &persona.id),
            scopes: code.scopes,
            same_device: code.same_device,
            business_id: code.business_id,
            issued_ms: now_ms,
            expires_ms: now_ms.saturating_add(client.settings.access_token_ttl_ms),
        };
        let res = TokenResponse {
            access_token: token.token.clone(),
            token_type: TokenType::Bearer,
            issue_at: token.issued_ms,
            expires_in: client.settings.access_token_ttl_ms,
            open_id: token.open_id.clone(),
            last_modified_date: persona.last_modified_date,
            user_type: persona.user_type,
            scope: token.scopes.clone(),
        };
        self.store.put_access_token(token)?;
        serde_json::to_value(res).map_err(|_| Error::Internal)
    }

    /// The tokenised ID of `persona_id` at `client_id`.
    pub(crate) fn open_id(&self, client_id: &str, persona_id: &str) -> String {
        pki::open_id(self.config.platform_secret.as_bytes(), client_id, persona_id)
    }
}

/// The scopes a token from this task carries: the login's scopes, or the one scope of an
/// anonymous request.
fn granted_scopes(request: &TaskRequest) -> Scopes {
    match request {
        TaskRequest::Login { scopes } => scopes.clone(),
        TaskRequest::FormFilling { .. } | TaskRequest::Profile { .. } => {
            [Scope::FormFilling].into_iter().collect()
        }
        TaskRequest::Reauth => [Scope::Fr].into_iter().collect(),
        TaskRequest::Signing(_) | TaskRequest::PdfSigning(_) => [Scope::Sign].into_iter().collect(),
    }
}
