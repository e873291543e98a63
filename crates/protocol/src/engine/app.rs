//! The simulated iAM Smart app: what it shows, and the user's actions on a request.
//!
//! A tester plays the phone. Each login ticket, logged-in request and anonymous request is a
//! task the app can show ([`Engine::app_view`]); a persona's inbox ([`Engine::app_inbox`])
//! lists the requests waiting for that user, as push notifications do for a login made by
//! QR. [`Engine::app_act`] applies what the user does: open the task as a persona (scanning a
//! QR code or following a deep link), approve it (optionally consenting to only some fields),
//! decline, cancel, let it time out, or fail the biometric check. Each refusal carries the
//! flow's own code.

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use crate::{
    Code, Error,
    engine::{
        Engine, Outbound, Refusal, Reply, Store, Task, TaskStatus,
        outcome::{Answer, default_persona},
        personas, qr,
    },
};

/// What the user does with a task in the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "action")]
pub enum AppAction {
    /// Open the task as `persona`: scan its QR code, follow its deep link or tap its push.
    Open {
        /// The persona whose phone this is.
        persona: String,
    },
    /// Approve. `persona` may be left out once the task was opened or when it belongs to a
    /// logged-in user; `fields` limits the released fields to those named.
    Approve {
        /// The approving persona.
        #[serde(default)]
        persona: Option<String>,
        /// The profile or e-ME fields the user agrees to release; all requested when absent.
        #[serde(default)]
        fields: Option<Vec<String>>,
    },
    /// Decline the request.
    Decline,
    /// Back out of the request.
    Cancel,
    /// Leave the request unanswered until it times out.
    TimeOut,
    /// Fail the face or fingerprint check.
    FailBiometric,
}

/// A task as the app shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppView {
    /// The task, with the request's details.
    pub task: Task,
    /// The e-service's name.
    pub client_name: String,
    /// The deep link that opens the task in the app.
    pub deep_link: String,
    /// Whether the app was notified by push (the user logged in by QR on another device).
    pub pushed: bool,
    /// For signing, the 4-digit code the e-service also shows.
    pub identification_code: Option<String>,
}

impl<S: Store> Engine<S> {
    /// The task with this ticket ID, as the app shows it.
    pub fn app_view(&self, ticket_id: &str) -> Result<AppView, Error> {
        let task = self.store.task(ticket_id)?.ok_or(Error::NotFound)?;
        self.view(task)
    }

    /// The open requests waiting for `persona`, oldest first.
    pub fn app_inbox(&self, persona: &str, now_ms: u64) -> Result<Vec<AppView>, Error> {
        let mut res: Vec<Task> = self
            .store
            .persona_tasks(persona)?
            .into_iter()
            .filter(|it| it.is_open() && now_ms < it.expires_ms)
            .collect();
        res.sort_by(|a, b| (a.created_ms, &a.id).cmp(&(b.created_ms, &b.id)));
        res.into_iter().map(|it| self.view(it)).collect()
    }

    /// Applies the user's `action` to the task with this ticket ID.
    ///
    /// A task that is unknown, already answered, or (anonymous) not yet shown on a page is
    /// [`Error::NotFound`]; one past its expiry reports the flow's timeout code; a persona
    /// that is unknown or not the task's user is [`Error::NotFound`].
    pub fn app_act(
        &mut self,
        ticket_id: &str,
        action: AppAction,
        now_ms: u64,
        rng: &mut impl CryptoRng,
    ) -> Result<Reply<AppView>, Error> {
        let mut task = self.store.task(ticket_id)?.ok_or(Error::NotFound)?;
        if !task.is_open() || task.status == TaskStatus::AwaitingPage {
            return Err(Error::NotFound);
        }
        if now_ms >= task.expires_ms {
            return Err(Error::Outcome(task.flow().code(Refusal::TimedOut)));
        }
        let flow = task.flow();
        let outbound = match action {
            AppAction::Open { persona } => {
                check_persona(&task, &persona)?;
                task.persona = Some(persona);
                task.status = TaskStatus::Opened;
                self.store.put_task(task)?;
                Vec::new()
            }
            AppAction::Approve { persona, fields } => {
                let client = self.client(&task.client_id)?.ok_or(Error::NotFound)?;
                let persona = persona.unwrap_or_else(|| default_persona(&task, &client));
                check_persona(&task, &persona)?;
                self.answer(task, Answer::Approve { persona, consent: fields }, now_ms, rng)?
            }
            AppAction::Decline => {
                self.refuse_as(task, flow.code(Refusal::Rejected), now_ms, rng)?
            }
            AppAction::Cancel => {
                self.refuse_as(task, flow.code(Refusal::Cancelled), now_ms, rng)?
            }
            AppAction::TimeOut => {
                self.refuse_as(task, flow.code(Refusal::TimedOut), now_ms, rng)?
            }
            AppAction::FailBiometric => {
                self.refuse_as(task, flow.code(Refusal::Failed), now_ms, rng)?
            }
        };
        let value = self.app_view(ticket_id)?;
        Ok(Reply { value, outbound })
    }

    /// Answers `task` with the refusal `code`.
    fn refuse_as(
        &mut self,
        task: Task,
        code: Code,
        now_ms: u64,
        rng: &mut impl CryptoRng,
    ) -> Result<Vec<Outbound>, Error> {
        self.answer(task, Answer::Refuse(code), now_ms, rng)
    }

    /// Dresses a task up the way the app shows it.
    pub(crate) fn view(&self, task: Task) -> Result<AppView, Error> {
        let client_name = self.client(&task.client_id)?.map(|it| it.name).unwrap_or_default();
        Ok(AppView {
            deep_link: qr::deep_link(task.flow(), &task.id),
            pushed: !task.same_device && !task.answers_by_redirect(),
            identification_code: self.identification_code(&task),
            client_name,
            task,
        })
    }
}

/// Checks that `persona` exists and may answer `task`: a task already tied to a user (a
/// logged-in request, or a ticket opened before) only takes that user.
fn check_persona(task: &Task, persona: &str) -> Result<(), Error> {
    personas::find(persona)?;
    match &task.persona {
        Some(bound) if bound != persona => Err(Error::NotFound),
        _ => Ok(()),
    }
}
