//! The signed POST pipeline: from a request as received to the HTTP-200 envelope.
//!
//! [`Engine::api`] routes the path through the catalogue, then checks the request in the
//! order the platform is taken to: headers and signature (`D20001`–`D20006`, with an unknown
//! client as an invalid `clientID`), replay (`D20004`), the content key and decryption of
//! `content` (`D30002`, `D30004`; getKey and revokeKey have no content), the fields against
//! the catalogue (`D20001`–`D20003`, `D20007`), and finally the endpoint's own rules. The
//! answer is an envelope `{txID, code, message, content}` whose `content` is sealed under the
//! client's CEK in encrypted mode (getKey's stays clear, as the key inside is wrapped). A
//! fault scenario can replace any of these checks' outcomes with its code.

use rand_core::CryptoRng;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{
    Code, Error,
    catalogue::{self, CheckOptions, EndpointId, Method},
    content::{self, ContentMode},
    engine::{
        ApiReply, ApiRequest, Call, Client, Engine, Flow, Outbound, Overrides, Store, effective,
        fault, fresh_iv, ids::tx_id,
    },
    headers,
    scenario::Scenario,
    wire::{Content, Envelope},
};

/// What an endpoint produced: the clear business content, if any, and messages to send.
#[derive(Debug, Default)]
pub(crate) struct Handled {
    /// The response `content` before sealing.
    pub content: Option<Value>,
    /// Callbacks and redirects the request caused.
    pub outbound: Vec<Outbound>,
}

impl<S: Store> Engine<S> {
    /// Handles a signed POST as received: path, raw headers and raw body.
    ///
    /// `overrides` are the request's own choices of persona, automatic answer and fault
    /// scenario; without them, the client's settings apply. Every business outcome is HTTP 200 with the code in the envelope; a path the platform
    /// does not serve is HTTP 404 with `D20027`.
    pub fn api(
        &mut self,
        req: &ApiRequest<'_>,
        now_ms: u64,
        rng: &mut impl CryptoRng,
        overrides: &Overrides,
    ) -> ApiReply {
        let tx_id = tx_id(rng);
        let endpoint = Method::parse(req.method).and_then(|m| catalogue::find(m, req.path));
        let Some(endpoint) = endpoint.filter(|it| it.signed) else {
            return reply(404, Envelope::failure(tx_id, &Error::NotFound), Vec::new());
        };
        let scenario = overrides.scenario;
        let handled = self
            .with_overrides(overrides, |this| this.handle(endpoint.id, req, now_ms, rng, scenario));
        match handled {
            Ok((content, outbound)) => {
                let message = Code::Success.template().to_owned();
                let envelope = Envelope { tx_id, code: Code::Success, message, content };
                reply(200, envelope, outbound)
            }
            Err(err) => reply(200, Envelope::failure(tx_id, &err), Vec::new()),
        }
    }

    /// Runs the checks and the endpoint; returns the sealed content and the messages.
    fn handle(
        &mut self,
        id: EndpointId,
        req: &ApiRequest<'_>,
        now_ms: u64,
        rng: &mut impl CryptoRng,
        scenario: Option<Scenario>,
    ) -> Result<(Option<Content>, Vec<Outbound>), Error> {
        let client = self.admit(req, now_ms, scenario)?;
        let scenario = effective(scenario, &client);
        fault(scenario, Scenario::ServerError, Flow::Login)?;
        match id {
            EndpointId::GetKey => {
                fault(scenario, Scenario::KekMissing, Flow::Login)?;
                let grant = self.get_key(&client, now_ms, rng)?;
                return Ok((Some(Content::Clear(grant)), Vec::new()));
            }
            EndpointId::RevokeKey => {
                self.revoke_key(&client)?;
                return Ok((None, Vec::new()));
            }
            _ => {}
        }
        fault(scenario, Scenario::ExpiredCek, Flow::Login)?;
        fault(scenario, Scenario::DecryptFail, Flow::Login)?;
        let cek = match client.content_mode {
            ContentMode::Plain => None,
            ContentMode::Encrypted => self.current_cek(&client, now_ms)?,
        };
        let body = content::open_body(client.content_mode, req.body, cek.as_ref())
            .map_err(|err| other_mode(err, client.content_mode, req.body))?;
        check_fields(id, &body).map_err(|err| other_mode(err, client.content_mode, req.body))?;
        // The platform would fail to seal the answer; failing first leaves no trace behind.
        fault(scenario, Scenario::EncryptFail, Flow::Login)?;
        let call = Call { client: &client, scenario, now_ms };
        let handled = self.dispatch(id, call, body, rng)?;
        let Some(content) = handled.content else {
            return Ok((None, handled.outbound));
        };
        let sealed =
            content::seal_content(client.content_mode, &content, cek.as_ref(), fresh_iv(rng))?;
        let sealed = match client.content_mode {
            ContentMode::Plain => Content::Clear(sealed),
            ContentMode::Encrypted => {
                Content::Sealed(sealed.as_str().unwrap_or_default().to_owned())
            }
        };
        Ok((Some(sealed), handled.outbound))
    }

    /// Checks headers, signature and replay; returns the signing client.
    fn admit(
        &mut self,
        req: &ApiRequest<'_>,
        now_ms: u64,
        scenario: Option<Scenario>,
    ) -> Result<Client, Error> {
        let mut signer = Ok(None);
        let verified = headers::verify_request(&req.headers, req.body, |id| {
            signer = self.client(id);
            signer.as_ref().ok().and_then(Option::as_ref).map(|c| c.secret.clone())
        });
        let signer = signer?;
        let verified = verified?;
        let client = signer.ok_or(Error::InvalidParameter("clientID".into()))?;
        let scenario = effective(scenario, &client);
        fault(scenario, Scenario::BadSignature, Flow::Login)?;
        fault(scenario, Scenario::ReplayedNonce, Flow::Login)?;
        self.store.admit(&verified, &self.config.replay, now_ms)?;
        Ok(client)
    }

    /// Runs the endpoint `id` on a decrypted, field-checked body.
    fn dispatch(
        &mut self,
        id: EndpointId,
        call: Call<'_>,
        body: Value,
        rng: &mut impl CryptoRng,
    ) -> Result<Handled, Error> {
        match id {
            EndpointId::GetToken => {
                let content = self.get_token(call, body, rng)?;
                Ok(Handled { content: Some(content), outbound: Vec::new() })
            }
            EndpointId::Profile => self.profile(call, body, rng),
            EndpointId::Eme => self.eme(call, body, rng),
            EndpointId::Stepup => self.stepup(call, body, rng),
            EndpointId::Signing => self.signing(call, body, rng),
            EndpointId::PdfSigning => self.pdf_signing(call, body, rng),
            EndpointId::SigningAck => self.ack_result(call, body),
            EndpointId::AnonymousEme => self.anonymous_eme(call, body, rng),
            EndpointId::AnonymousSigning => self.anonymous_signing(call, body, rng),
            EndpointId::AnonymousPdfSigning => self.anonymous_pdf_signing(call, body, rng),
            EndpointId::AnonymousEmeResult => self.get_result(call, body, Flow::FormFilling),
            EndpointId::AnonymousSigningResult => self.get_result(call, body, Flow::Signing),
            EndpointId::AnonymousPdfSigningResult => self.get_result(call, body, Flow::PdfSigning),
            _ => Err(Error::NotFound),
        }
    }
}

/// Checks a request body (or a query as a JSON object) against the catalogue's field table.
pub(crate) fn check_fields(id: EndpointId, value: &Value) -> Result<(), Error> {
    catalogue::check_fields(catalogue::get(id), value)
}

/// Checks an app-to-app login query: getQR's fields, with the app sources allowed.
pub(crate) fn check_app_launch_fields(value: &Value) -> Result<(), Error> {
    let options = CheckOptions { get_qr_app_sources: true };
    catalogue::check_fields_with(catalogue::get(EndpointId::GetQr), value, &options)
}

/// Reads a checked body into its wire type; a shape the field table let through but the type
/// rejects is an invalid `content`.
pub(crate) fn parse<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
    serde_json::from_value(value).map_err(|_| Error::InvalidParameter("content".into()))
}

/// Serialises an envelope into a reply.
fn reply(status: u16, envelope: Envelope, outbound: Vec<Outbound>) -> ApiReply {
    let (code, tx_id) = (envelope.code, envelope.tx_id.clone());
    let body = serde_json::to_string(&envelope).unwrap_or_default();
    ApiReply { status, body, code, tx_id, outbound }
}

/// Tells the client's mode in the error of a body shaped for the other mode: an encrypted
/// client's body without `content` but with other fields, or a plain client's body that is
/// only `{"content":"..."}`. The code stays the rule's.
fn other_mode(err: Error, mode: ContentMode, body: &[u8]) -> Error {
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return err;
    };
    let sealed = fields.len() == 1 && fields.get(content::CONTENT).is_some_and(Value::is_string);
    let other = match mode {
        ContentMode::Plain => sealed,
        ContentMode::Encrypted => !fields.is_empty() && !fields.contains_key(content::CONTENT),
    };
    if other { Error::BodyOfOtherMode { error: Box::new(err), mode } } else { err }
}
