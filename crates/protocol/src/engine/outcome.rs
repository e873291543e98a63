//! Answers: turning the user's decision on a task into the platform's messages.
//!
//! Every task ends the same way, whoever decides: the user in the simulated app, an automatic
//! answer from the client's settings, a user-outcome scenario, or the clock. An approval
//! releases something (a login, personal data, a re-authentication, a signature) and a
//! refusal carries the flow's code. Login and anonymous tasks answer by redirecting the
//! browser (`code` or `error_code`, with `state`, plus `businessID` for anonymous ones);
//! logged-in tasks answer with a POST callback envelope whose `content` holds `businessID`,
//! `state` and the released data, sealed in encrypted mode with the CEK wrapped in
//! `secretKey`.

use rand_core::CryptoRng;
use serde_json::Value;

use crate::{
    Code, Error,
    content::{self, ContentMode},
    engine::{
        AutoAnswer, Client, Engine, Flow, Outbound, Refusal, Store, Stored, Task, TaskRequest,
        TaskStatus, data_flows::release_data, fresh_iv, ids, personas,
    },
    pki,
    scenario::Scenario,
    wire::{
        CallbackEnvelope, Content, FormResult, HashSignature, PdfSignature, PersonalData,
        RedirectQuery, StepupResult,
    },
};

/// A decision on a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// Approve as `persona`, releasing only the fields named in `consent` when given.
    Approve {
        /// The approving persona's id.
        persona: String,
        /// The fields the user agreed to release; `None` releases every requested field.
        consent: Option<Vec<String>>,
    },
    /// Refuse with the flow's code.
    Refuse(Code),
}

/// What an approval releases.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Released {
    /// A login: the redirect carries a fresh authorisation code.
    Login,
    /// Profile or e-ME fields.
    Data(Box<PersonalData>),
    /// A passed re-authentication.
    Reauth,
    /// A hash signature.
    Hash(pki::HashSignature),
    /// A PDF signature.
    Pdf(pki::PdfSignature),
}

/// How a new task is answered without the app, if at all.
enum Automatic {
    /// Answer now.
    Now(Answer),
    /// Approve at this time.
    At(u64),
}

impl<S: Store> Engine<S> {
    /// Saves a new (or newly shown) task, answering it at once when a user-outcome scenario
    /// or the client's automatic answer says so.
    pub(crate) fn settle_new(
        &mut self,
        task: Task,
        now_ms: u64,
        rng: &mut impl CryptoRng,
    ) -> Result<Vec<Outbound>, Error> {
        if task.status == TaskStatus::AwaitingPage {
            self.store.put_task(task)?;
            return Ok(Vec::new());
        }
        let client = self.client(&task.client_id)?.ok_or(Error::NotFound)?;
        match automatic(&task, &client, now_ms) {
            Some(Automatic::Now(answer)) => self.answer(task, answer, now_ms, rng),
            Some(Automatic::At(at_ms)) => {
                self.store.put_task(Task { approve_at_ms: Some(at_ms), ..task })?;
                Ok(Vec::new())
            }
            None => {
                self.store.put_task(task)?;
                Ok(Vec::new())
            }
        }
    }

    /// Applies `answer` to an open task: delivers the outcome, records it, and returns the
    /// messages to send.
    pub(crate) fn answer(
        &mut self,
        mut task: Task,
        answer: Answer,
        now_ms: u64,
        rng: &mut impl CryptoRng,
    ) -> Result<Vec<Outbound>, Error> {
        let client = self.client(&task.client_id)?.ok_or(Error::NotFound)?;
        let decided = match answer {
            Answer::Approve { persona, consent } => {
                task.persona = Some(persona);
                self.release(&task, consent.as_deref(), now_ms)
                    .map_err(|err| refusal_code(task.flow(), &err))
            }
            Answer::Refuse(code) => Err(code),
        };
        let (code, outbound, result) = match decided {
            Ok(released) => {
                let (outbound, result) = self.deliver(&task, &client, released, now_ms, rng)?;
                (Code::Success, outbound, result)
            }
            Err(code) => (code, self.refuse(&task, &client, code, now_ms, rng)?, None),
        };
        self.record_outcome(&task, code, result)?;
        let redirect = outbound.iter().find_map(|it| match it {
            Outbound::Redirect { url, .. } => Some(url.clone()),
            Outbound::Callback { .. } => None,
        });
        task.status = TaskStatus::Answered { code, redirect };
        self.store.put_task(task)?;
        Ok(outbound)
    }

    /// What approving `task` as its persona releases, or why it cannot be approved.
    fn release(
        &mut self,
        task: &Task,
        consent: Option<&[String]>,
        now_ms: u64,
    ) -> Result<Released, Error> {
        let persona = personas::find(task.persona.as_deref().unwrap_or_default())?;
        match &task.request {
            TaskRequest::Login { .. } => Ok(Released::Login),
            TaskRequest::Profile { fields } => {
                release_data(persona, fields, &[], consent).map(|it| Released::Data(Box::new(it)))
            }
            TaskRequest::FormFilling { eme_fields, profile_fields, .. } => {
                release_data(persona, profile_fields, eme_fields, consent)
                    .map(|it| Released::Data(Box::new(it)))
            }
            TaskRequest::Reauth => Ok(Released::Reauth),
            TaskRequest::Signing(req) | TaskRequest::PdfSigning(req) => {
                self.sign(task, persona, req, now_ms)
            }
        }
    }

    /// Sends an approval where it belongs; returns the messages and, for anonymous tasks,
    /// the content getResult will return.
    fn deliver(
        &mut self,
        task: &Task,
        client: &Client,
        released: Released,
        now_ms: u64,
        rng: &mut impl CryptoRng,
    ) -> Result<(Vec<Outbound>, Option<Value>), Error> {
        let business_id = task.business_id.clone().unwrap_or_default();
        if task.flow() == Flow::Login || task.anonymous {
            let code = self.issue_code(task, client, now_ms, rng)?;
            let mut query = RedirectQuery::success(code, task.state.clone());
            let mut result = None;
            if task.anonymous {
                query = query.with_business_id(business_id.clone());
                result = Some(released.content(business_id, None)?);
            }
            return Ok((vec![redirect(task, &query)], result));
        }
        let content = released.content(business_id, task.state.clone())?;
        let callback = self.callback(task, client, Code::Success, content, now_ms, rng);
        Ok((vec![callback], None))
    }

    /// Sends a refusal where it belongs.
    fn refuse(
        &mut self,
        task: &Task,
        client: &Client,
        code: Code,
        now_ms: u64,
        rng: &mut impl CryptoRng,
    ) -> Result<Vec<Outbound>, Error> {
        if task.flow() == Flow::Login || task.anonymous {
            let query = RedirectQuery::failure(code, task.state.clone());
            return Ok(vec![redirect(task, &query)]);
        }
        let content = serde_json::to_value(StepupResult {
            business_id: task.business_id.clone().unwrap_or_default(),
            state: task.state.clone(),
        })
        .map_err(|_| Error::Internal)?;
        Ok(vec![self.callback(task, client, code, content, now_ms, rng)])
    }

    /// Builds the POST callback of a logged-in task.
    ///
    /// In encrypted mode the content is sealed under the client's current CEK, or a new one
    /// when it has none, and the CEK travels wrapped with the client's KEK; when that is
    /// impossible the callback reports an encryption exception (`D30003`) instead.
    fn callback(
        &mut self,
        task: &Task,
        client: &Client,
        code: Code,
        content: Value,
        now_ms: u64,
        rng: &mut impl CryptoRng,
    ) -> Outbound {
        let tx_id = ids::tx_id(rng);
        let envelope = match self.callback_content(client, content, now_ms, rng) {
            Ok((content, secret_key)) if code.is_success() => {
                CallbackEnvelope::success(tx_id, content, secret_key)
            }
            Ok((content, secret_key)) => {
                CallbackEnvelope::failure(tx_id, &Error::Outcome(code), Some(content), secret_key)
            }
            Err(err) => CallbackEnvelope::failure(tx_id, &err, None, None),
        };
        Outbound::Callback {
            url: task.redirect_uri.clone().unwrap_or_default(),
            body: serde_json::to_string(&envelope).unwrap_or_default(),
        }
    }

    /// The callback's `content` and `secretKey` in the client's mode.
    fn callback_content(
        &mut self,
        client: &Client,
        content: Value,
        now_ms: u64,
        rng: &mut impl CryptoRng,
    ) -> Result<(Content, Option<String>), Error> {
        if client.content_mode == ContentMode::Plain {
            return Ok((Content::Clear(content), None));
        }
        let (cek, secret_key) = self.callback_cek(client, now_ms, rng)?;
        let sealed = content::encrypt(&cek, fresh_iv(rng), content.to_string().as_bytes());
        Ok((Content::Sealed(sealed), Some(secret_key)))
    }

    /// Updates the business record of a task with its outcome.
    fn record_outcome(&mut self, task: &Task, code: Code, result: Option<Value>) -> Stored<()> {
        let Some(business_id) = &task.business_id else {
            return Ok(());
        };
        let Some(mut record) = self.store.business(&task.client_id, business_id)? else {
            return Ok(());
        };
        record.code = Some(code);
        record.persona = task.persona.clone();
        record.result = result.and_then(|it| match it {
            Value::Object(map) => Some(map),
            _ => None,
        });
        self.store.put_business(record)
    }
}

impl Released {
    /// The business content of this approval, as the callback or getResult carries it.
    pub(crate) fn content(
        self,
        business_id: String,
        state: Option<String>,
    ) -> Result<Value, Error> {
        let res = match self {
            Released::Login | Released::Reauth => {
                serde_json::to_value(StepupResult { business_id, state })
            }
            Released::Data(data) => {
                serde_json::to_value(FormResult { business_id, state, data: *data })
            }
            Released::Hash(sig) => serde_json::to_value(HashSignature {
                business_id,
                state,
                hash_code: sig.hash_code,
                timestamp: Some(sig.timestamp),
                signature: Some(sig.signature),
                cert: Some(sig.cert),
                access_token: None,
            }),
            Released::Pdf(sig) => serde_json::to_value(PdfSignature {
                business_id,
                state,
                doc_digest: sig.doc_digest,
                pdf_signature: Some(sig.pdf_signature),
                access_token: None,
            }),
        };
        res.map_err(|_| Error::Internal)
    }
}

/// The code a failed approval reports: the signing rule it broke, else the flow's failure.
fn refusal_code(flow: Flow, err: &Error) -> Code {
    match err {
        Error::SigningNotAllowed | Error::InconsistentHkic => err.code(),
        _ => flow.code(Refusal::Failed),
    }
}

/// The redirect that answers a login or anonymous task.
fn redirect(task: &Task, query: &RedirectQuery) -> Outbound {
    let uri = task.redirect_uri.as_deref().unwrap_or_default();
    Outbound::Redirect { ticket_id: task.id.clone(), url: query.redirect_url(uri) }
}

/// How a new task is answered without the app: by its scenario first, then by the client's
/// automatic answer.
fn automatic(task: &Task, client: &Client, now_ms: u64) -> Option<Automatic> {
    let flow = task.flow();
    match task.scenario {
        Some(scenario) if scenario.refusal().is_some() => {
            return Some(Automatic::Now(Answer::Refuse(scenario.code(flow))));
        }
        Some(Scenario::IdCardError) if flow == Flow::Login => {
            return Some(Automatic::Now(Answer::Refuse(Code::IdCardError)));
        }
        Some(Scenario::SlowApproval { delay_ms }) => {
            return Some(Automatic::At(now_ms.saturating_add(delay_ms)));
        }
        _ => {}
    }
    match client.settings.auto_answer {
        AutoAnswer::Manual => None,
        AutoAnswer::Approve => Some(Automatic::Now(Answer::Approve {
            persona: default_persona(task, client),
            consent: None,
        })),
        AutoAnswer::Deny => Some(Automatic::Now(Answer::Refuse(flow.code(Refusal::Rejected)))),
    }
}

/// The persona that answers a task when nobody picks one: the task's own, the client's
/// default, else the first persona.
pub(crate) fn default_persona(task: &Task, client: &Client) -> String {
    task.persona
        .clone()
        .or_else(|| client.settings.persona.clone())
        .or_else(|| personas::all().first().map(|it| it.id.clone()))
        .unwrap_or_default()
}
