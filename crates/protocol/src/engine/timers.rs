//! Time: expiring unanswered tasks and carrying out delayed approvals.
//!
//! The engine has no clock, so the host calls [`Engine::poll`] with the current time, at the
//! latest by [`Engine::next_deadline`]. A `slow-approval` task whose moment has come is
//! approved as its persona (or the client's default). A task past its expiry times out: a
//! logged-in request sends its flow's timeout code in a callback; a login or anonymous page
//! that was opened in the app redirects with the timeout code; one never scanned just
//! expires, and its page offers a new code. Closed tasks are forgotten an hour after their
//! expiry, so a long-running store does not grow without bound.

use rand_core::CryptoRng;

use crate::{
    Error,
    engine::{
        Engine, Outbound, Refusal, Store, Task, TaskStatus,
        outcome::{Answer, default_persona},
    },
};

/// How long a closed task is kept after its expiry, so its page and the app can still show
/// the outcome.
pub const CLOSED_TASK_RETENTION_MS: u64 = 60 * 60 * 1000;

/// How many due tasks one [`Engine::poll`] handles, so that one call stays short; the host
/// calls again while [`Engine::next_deadline`] is already past.
pub const POLL_BATCH: usize = 256;

impl<S: Store> Engine<S> {
    /// Carries out what is due at `now_ms` (up to [`POLL_BATCH`] tasks, soonest first);
    /// returns the messages to send.
    pub fn poll(&mut self, now_ms: u64, rng: &mut impl CryptoRng) -> Result<Vec<Outbound>, Error> {
        let mut res = Vec::new();
        for task in self.store.due_tasks(now_ms, POLL_BATCH)? {
            if !task.is_open() {
                if now_ms >= task.expires_ms.saturating_add(CLOSED_TASK_RETENTION_MS) {
                    self.store.remove_task(&task.id)?;
                } else {
                    // Not due after all (a store's index written by an older version):
                    // saving it again files it under its real moment.
                    self.store.put_task(task)?;
                }
                continue;
            }
            if approval_due(&task, now_ms) {
                res.extend(self.approve_due(task, now_ms, rng)?);
            } else if now_ms >= task.expires_ms {
                res.extend(self.expire(task, now_ms, rng)?);
            } else {
                self.store.put_task(task)?;
            }
        }
        Ok(res)
    }

    /// When [`Engine::poll`] next has something to do, if ever.
    pub fn next_deadline(&self) -> Result<Option<u64>, Error> {
        self.store.next_due()
    }

    fn approve_due(
        &mut self,
        task: Task,
        now_ms: u64,
        rng: &mut impl CryptoRng,
    ) -> Result<Vec<Outbound>, Error> {
        let Some(client) = self.client(&task.client_id)? else {
            return self.give_up(task);
        };
        let persona = default_persona(&task, &client);
        let answer = Answer::Approve { persona, consent: None };
        let answered = self.answer(task.clone(), answer, now_ms, rng);
        self.or_give_up(answered, task)
    }

    fn expire(
        &mut self,
        task: Task,
        now_ms: u64,
        rng: &mut impl CryptoRng,
    ) -> Result<Vec<Outbound>, Error> {
        let never_opened = matches!(task.status, TaskStatus::AwaitingPage | TaskStatus::Pending);
        if task.answers_by_redirect() && never_opened {
            return self.give_up(task);
        }
        let code = task.flow().code(Refusal::TimedOut);
        let answered = self.answer(task.clone(), Answer::Refuse(code), now_ms, rng);
        self.or_give_up(answered, task)
    }

    /// An answer's messages; a task that cannot be answered is given up, but a failed store
    /// fails the call.
    fn or_give_up(
        &mut self,
        answered: Result<Vec<Outbound>, Error>,
        task: Task,
    ) -> Result<Vec<Outbound>, Error> {
        match answered {
            Err(Error::Store(err)) => Err(Error::Store(err)),
            Err(_) => self.give_up(task),
            Ok(outbound) => Ok(outbound),
        }
    }

    /// Marks a task expired without telling anyone.
    fn give_up(&mut self, task: Task) -> Result<Vec<Outbound>, Error> {
        self.store.put_task(Task { status: TaskStatus::Expired, ..task })?;
        Ok(Vec::new())
    }
}

/// Whether a delayed approval of `task` is due at `now_ms`, before the task expires.
fn approval_due(task: &Task, now_ms: u64) -> bool {
    let shown = task.status != TaskStatus::AwaitingPage;
    shown && task.approve_at_ms.is_some_and(|at| now_ms >= at && at < task.expires_ms)
}
