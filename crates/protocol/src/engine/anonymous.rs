//! Anonymous requests: e-ME form filling, hash signing and PDF signing without a login.
//!
//! The e-service's server opens the request with its `businessID` (after the client-scope
//! check, `D20012`, and the duplicate check, `D20011`) and receives a `ticketID`. The user's
//! browser then calls getQR with that `ticketID`, which binds the QR or broker page to the
//! request and supplies `source`, `redirectURI` and `state`. The user picks who they are in
//! the app and approves; the browser is redirected with `businessID`, a one-minute `code` and
//! `state`. The e-service exchanges the code with getToken and fetches the outcome with
//! `getResult`, presenting that token and its `openID` (`D20009`, `D20010`; an unknown or
//! unanswered `businessID` is `D20027`); the result is kept and may be read again. Signing
//! checks the signer rules only at approval, since the signer is unknown before: refusals
//! come back as `error_code` on the redirect.

use rand_core::CryptoRng;
use serde_json::Value;

use crate::{
    Error,
    catalogue::{self, EndpointId},
    engine::{
        Call, Engine, Flow, Store, Task, TaskRequest, TaskStatus,
        api::{self, Handled},
        data_flows::business_record,
        ids,
        signing_flow::check_digest,
    },
    scenario::Scenario,
    vocab::SigAlgo,
    wire::{
        AnonymousEmeRequest, AnonymousPdfSigningRequest, AnonymousSigningRequest, AnonymousTicket,
        ResultRequest,
    },
};

impl<S: Store> Engine<S> {
    /// `anonymous/eme/initiateRequest`.
    pub(crate) fn anonymous_eme(
        &mut self,
        call: Call<'_>,
        body: Value,
        rng: &mut impl CryptoRng,
    ) -> Result<Handled, Error> {
        let req: AnonymousEmeRequest = api::parse(body)?;
        let request = TaskRequest::form_filling(req.form);
        let open = Anonymous { endpoint: EndpointId::AnonymousEme, business_id: req.business_id };
        self.open_anonymous(call, open, request, rng)
    }

    /// `anonymous/signing/initiateRequest`.
    pub(crate) fn anonymous_signing(
        &mut self,
        call: Call<'_>,
        body: Value,
        rng: &mut impl CryptoRng,
    ) -> Result<Handled, Error> {
        let req: AnonymousSigningRequest = api::parse(body)?;
        check_digest("hashCode", &req.hash.hash_code, req.hash.sig_algo)?;
        let request = TaskRequest::hash_signing(req.hash, req.info);
        let open =
            Anonymous { endpoint: EndpointId::AnonymousSigning, business_id: req.business_id };
        self.open_anonymous(call, open, request, rng)
    }

    /// `anonymous/pdfsigning/initiateRequest`.
    pub(crate) fn anonymous_pdf_signing(
        &mut self,
        call: Call<'_>,
        body: Value,
        rng: &mut impl CryptoRng,
    ) -> Result<Handled, Error> {
        let req: AnonymousPdfSigningRequest = api::parse(body)?;
        check_digest("docDigest", &req.pdf.doc_digest, Some(SigAlgo::NoneWithRsa))?;
        let request = TaskRequest::pdf_signing(req.pdf, req.info);
        let endpoint = EndpointId::AnonymousPdfSigning;
        let open = Anonymous { endpoint, business_id: req.business_id };
        self.open_anonymous(call, open, request, rng)
    }

    /// `anonymous/{eme,signing,pdfsigning}/getResult`: the outcome of an approved anonymous
    /// request of `flow`, for the token its code was exchanged for.
    pub(crate) fn get_result(
        &mut self,
        call: Call<'_>,
        body: Value,
        flow: Flow,
    ) -> Result<Handled, Error> {
        let req: ResultRequest = api::parse(body)?;
        let endpoint = match flow {
            Flow::FormFilling => EndpointId::AnonymousEmeResult,
            Flow::PdfSigning => EndpointId::AnonymousPdfSigningResult,
            _ => EndpointId::AnonymousSigningResult,
        };
        check_client_scope(call, endpoint, flow)?;
        let token = self.check_token(call, &req.access_token, &req.open_id, flow)?;
        let record = self
            .store
            .business(&call.client.client_id, &req.business_id)?
            .filter(|it| it.anonymous && it.flow == flow)
            .filter(|it| it.persona.as_deref() == Some(token.persona.as_str()))
            .ok_or(Error::NotFound)?;
        let result = record.result.ok_or(Error::NotFound)?;
        Ok(Handled { content: Some(Value::Object(result)), outbound: Vec::new() })
    }

    /// Opens an anonymous request, waiting for its getQR page, and answers
    /// `{businessID, ticketID}`.
    fn open_anonymous(
        &mut self,
        call: Call<'_>,
        open: Anonymous,
        request: TaskRequest,
        rng: &mut impl CryptoRng,
    ) -> Result<Handled, Error> {
        let flow = request.flow();
        check_client_scope(call, open.endpoint, flow)?;
        self.check_business_id_unused(call, &open.business_id, flow)?;
        let Call { client, scenario, now_ms } = call;
        let task = Task {
            id: ids::hex32(rng),
            client_id: client.client_id.clone(),
            request,
            anonymous: true,
            persona: None,
            business_id: Some(open.business_id.clone()),
            redirect_uri: None,
            state: None,
            source: None,
            lang: Default::default(),
            same_device: false,
            created_ms: now_ms,
            expires_ms: now_ms.saturating_add(self.config.lifetimes.anonymous_task_ms),
            approve_at_ms: None,
            scenario,
            status: TaskStatus::AwaitingPage,
        };
        self.store.put_business(business_record(&task))?;
        let ticket = AnonymousTicket { business_id: open.business_id, ticket_id: task.id.clone() };
        let outbound = self.settle_new(task, now_ms, rng)?;
        let content = serde_json::to_value(ticket).map_err(|_| Error::Internal)?;
        Ok(Handled { content: Some(content), outbound })
    }
}

/// Checks that the client was approved for the endpoint's scope (`D20012`).
fn check_client_scope(call: Call<'_>, endpoint: EndpointId, flow: Flow) -> Result<(), Error> {
    call.fault(Scenario::InsufficientScope, flow)?;
    match catalogue::get(endpoint).scope {
        Some(scope) => call.client.check_scope(scope),
        None => Ok(()),
    }
}

/// Which anonymous endpoint opens a request, and its `businessID`.
struct Anonymous {
    endpoint: EndpointId,
    business_id: String,
}
