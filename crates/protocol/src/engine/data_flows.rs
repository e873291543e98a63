//! Logged-in requests: profile, e-ME form filling and re-authentication.
//!
//! Each `initiateRequest` names the user by `accessToken` and `openID`. The platform checks,
//! in this order, that the token is live and the client's (`D20009`), that `openID` is the
//! token's (`D20010`), that client and token hold the endpoint's scope (`D20012`), that
//! `redirectURI` is registered (`D20008`) and that `businessID` is new (`D20011`). It then
//! opens an app task for the token's user and answers `authByQR: true` when that user logged
//! in by scanning a QR code on another device (the app is notified by push), or
//! `authByQR: false` with a `ticketID` the e-service deep-links into the app with. When the
//! user approves, the callback carries the released fields: only those requested, consented
//! to, and present in the user's profile. The logged-in signing requests (`signing_flow`)
//! go through the same [`Engine::initiate`], which adds the signer rules after these checks.

use rand_core::CryptoRng;
use serde_json::{Map, Value};

use crate::{
    Error,
    catalogue::{self, EndpointId},
    engine::{
        AccessToken, BusinessRecord, Call, Engine, Flow, Persona, Store, Task, TaskRequest,
        TaskStatus,
        api::{self, Handled},
        ids, personas,
        signing_flow::check_signer,
    },
    scenario::Scenario,
    vocab::{EmeField, ProfileField},
    wire::{EmeRequest, LoggedIn, PersonalData, ProfileRequest, StepupRequest, TicketResponse},
};

impl<S: Store> Engine<S> {
    /// `account/auth/profile/initiateRequest`.
    pub(crate) fn profile(
        &mut self,
        call: Call<'_>,
        body: Value,
        rng: &mut impl CryptoRng,
    ) -> Result<Handled, Error> {
        let req: ProfileRequest = api::parse(body)?;
        let request = TaskRequest::Profile { fields: req.profile_fields };
        self.initiate(call, EndpointId::Profile, &req.logged_in, request, rng)
    }

    /// `account/eme/initiateRequest` (and its `account/auth/eme` alias).
    pub(crate) fn eme(
        &mut self,
        call: Call<'_>,
        body: Value,
        rng: &mut impl CryptoRng,
    ) -> Result<Handled, Error> {
        let req: EmeRequest = api::parse(body)?;
        let request = TaskRequest::form_filling(req.form);
        self.initiate(call, EndpointId::Eme, &req.logged_in, request, rng)
    }

    /// `account/stepup/initiateRequest`.
    pub(crate) fn stepup(
        &mut self,
        call: Call<'_>,
        body: Value,
        rng: &mut impl CryptoRng,
    ) -> Result<Handled, Error> {
        let req: StepupRequest = api::parse(body)?;
        let request = TaskRequest::Reauth;
        self.initiate(call, EndpointId::Stepup, &req.logged_in, request, rng)
    }

    /// Opens a logged-in request to `endpoint` that asks the user for `request`: the checks
    /// every logged-in request passes, then the signer rules for a signing request, then the
    /// app task.
    pub(crate) fn initiate(
        &mut self,
        call: Call<'_>,
        endpoint: EndpointId,
        req: &LoggedIn,
        request: TaskRequest,
        rng: &mut impl CryptoRng,
    ) -> Result<Handled, Error> {
        let token = self.admit_logged_in(call, endpoint, req, request.flow())?;
        if let TaskRequest::Signing(signing) | TaskRequest::PdfSigning(signing) = &request {
            let persona = personas::find(&token.persona)?;
            check_signer(persona, signing.hkic_hash.as_deref(), call.scenario)?;
        }
        self.open_task(call, req, &token, request, rng)
    }

    /// The checks every logged-in request to `endpoint` passes, in order; returns the
    /// caller's token.
    fn admit_logged_in(
        &self,
        call: Call<'_>,
        endpoint: EndpointId,
        req: &LoggedIn,
        flow: Flow,
    ) -> Result<AccessToken, Error> {
        let token = self.check_token(call, &req.access_token, &req.open_id, flow)?;
        call.fault(Scenario::InsufficientScope, flow)?;
        let client = call.client;
        if let Some(scope) = catalogue::get(endpoint).scope {
            client.check_scope(scope)?;
            if !token.scopes.contains(scope) {
                return Err(Error::InsufficientScope);
            }
        }
        client.check_redirect_uri(&req.redirect_uri)?;
        self.check_business_id_unused(call, &req.business_id, flow)?;
        Ok(token)
    }

    /// Checks that `access_token` is live and the client's (`D20009`) and that `open_id` is
    /// the token's (`D20010`).
    pub(crate) fn check_token(
        &self,
        call: Call<'_>,
        access_token: &str,
        open_id: &str,
        flow: Flow,
    ) -> Result<AccessToken, Error> {
        call.fault(Scenario::TokenExpired, flow)?;
        let token = self
            .store
            .access_token(access_token)?
            .filter(|it| it.client_id == call.client.client_id && call.now_ms < it.expires_ms)
            .ok_or(Error::AccessTokenInvalid)?;
        call.fault(Scenario::UnknownOpenId, flow)?;
        if !same_open_id(&token.open_id, open_id) {
            return Err(Error::OpenIdNotExist);
        }
        Ok(token)
    }

    /// Checks that the client has not used `business_id` before (`D20011`).
    pub(crate) fn check_business_id_unused(
        &self,
        call: Call<'_>,
        business_id: &str,
        flow: Flow,
    ) -> Result<(), Error> {
        call.fault(Scenario::DuplicateBusinessId, flow)?;
        if self.store.business(&call.client.client_id, business_id)?.is_some() {
            return Err(Error::DuplicatedBusinessId);
        }
        Ok(())
    }

    /// Opens the app task of a logged-in request and answers `{authByQR, ticketID}`.
    fn open_task(
        &mut self,
        call: Call<'_>,
        req: &LoggedIn,
        token: &AccessToken,
        request: TaskRequest,
        rng: &mut impl CryptoRng,
    ) -> Result<Handled, Error> {
        let Call { client, scenario, now_ms } = call;
        let task = Task {
            id: ids::hex32(rng),
            client_id: client.client_id.clone(),
            request,
            anonymous: false,
            persona: Some(token.persona.clone()),
            business_id: Some(req.business_id.clone()),
            redirect_uri: Some(req.redirect_uri.clone()),
            state: req.state.clone(),
            source: Some(req.source),
            lang: Default::default(),
            same_device: token.same_device,
            created_ms: now_ms,
            expires_ms: now_ms.saturating_add(self.config.lifetimes.task_ms),
            approve_at_ms: None,
            scenario,
            status: TaskStatus::Pending,
        };
        self.store.put_business(business_record(&task))?;
        let response = TicketResponse {
            auth_by_qr: !task.same_device,
            ticket_id: task.same_device.then(|| task.id.clone()),
        };
        let outbound = self.settle_new(task, now_ms, rng)?;
        let content = serde_json::to_value(response).map_err(|_| Error::Internal)?;
        Ok(Handled { content: Some(content), outbound })
    }
}

/// A fresh business record for a task that carries a `businessID`.
pub(crate) fn business_record(task: &Task) -> BusinessRecord {
    BusinessRecord {
        client_id: task.client_id.clone(),
        business_id: task.business_id.clone().unwrap_or_default(),
        flow: task.flow(),
        anonymous: task.anonymous,
        task_id: task.id.clone(),
        persona: task.persona.clone(),
        code: None,
        result: None,
        ack: None,
    }
}

/// The personal data an approval releases: requested, consented to (when `consent` is given)
/// and present in the persona's profiles. Profile fields come from the verified profile and
/// e-ME fields from the e-ME profile.
pub(crate) fn release_data(
    persona: &Persona,
    profile_fields: &[ProfileField],
    eme_fields: &[EmeField],
    consent: Option<&[String]>,
) -> Result<PersonalData, Error> {
    let agreed = |name: &str| consent.is_none_or(|names| names.iter().any(|it| it == name));
    let profile: Vec<ProfileField> =
        profile_fields.iter().copied().filter(|it| agreed(it.as_str())).collect();
    let eme: Vec<EmeField> = eme_fields.iter().copied().filter(|it| agreed(it.as_str())).collect();
    let mut data: Map<String, Value> = persona.eme_fields(&eme);
    data.extend(persona.profile_fields(&profile));
    serde_json::from_value(Value::Object(data)).map_err(|_| Error::Internal)
}

/// Whether two tokenised IDs are the same, whether or not either is URL-encoded.
fn same_open_id(expected: &str, presented: &str) -> bool {
    let decode = |s: &str| s.replace("%2B", "+").replace("%2F", "/").replace("%3D", "=");
    expected == presented || decode(expected) == decode(presented)
}
