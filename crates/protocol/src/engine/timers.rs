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

use crate::engine::{
    Engine, Outbound, Refusal, Store, Task, TaskStatus,
    outcome::{Answer, default_persona},
};

/// How long a closed task is kept after its expiry, so its page and the app can still show
/// the outcome.
pub const CLOSED_TASK_RETENTION_MS: u64 = 60 * 60 * 1000;

impl<S: Store> Engine<S> {
    /// Carries out everything due at `now_ms`; returns the messages to send.
    pub fn poll(&mut self, now_ms: u64, rng: &mut impl CryptoRng) -> Vec<Outbound> {
        let mut res = Vec::new();
        for task in self.store.tasks() {
            if !task.is_open() {
                if now_ms >= task.expires_ms.saturating_add(CLOSED_TASK_RETENTION_MS) {
                    self.store.remove_task(&task.id);
                }
                continue;
            }
            if approval_due(&task, now_ms) {
                res.extend(self.approve_due(task, now_ms, rng));
            } else if now_ms >= task.expires_ms {
                res.extend(self.expire(task, now_ms, rng));
            }
        }
        res
    }

    /// When [`Engine::poll`] next has something to do, if ever.
    pub fn next_deadline(&self) -> Option<u64> {
        self.store
            .tasks()
            .iter()
            .filter(|it| it.is_open())
            .map(|it| match it.approve_at_ms {
                Some(at) if it.status != TaskStatus::AwaitingPage => at.min(it.expires_ms),
                _ => it.expires_ms,
            })
            .min()
    }

    fn approve_due(&mut self, task: Task, now_ms: u64, rng: &mut impl CryptoRng) -> Vec<Outbound> {
        let Some(client) = self.store.client(&task.client_id) else {
            return self.give_up(task);
        };
        let persona = default_persona(&task, &client);
        let answer = Answer::Approve { persona, consent: None };
        self.answer(task.clone(), answer, now_ms, rng).unwrap_or_else(|_| self.give_up(task))
    }

    fn expire(&mut self, task: Task, now_ms: u64, rng: &mut impl CryptoRng) -> Vec<Outbound> {
        let never_opened = matches!(task.status, TaskStatus::AwaitingPage | TaskStatus::Pending);
        if task.answers_by_redirect() && never_opened {
            return self.give_up(task);
        }
        let code = task.flow().code(Refusal::TimedOut);
        self.answer(task.clone(), Answer::Refuse(code), now_ms, rng)
            .unwrap_or_else(|_| self.give_up(task))
    }

    /// Marks a task expired without telling anyone.
    fn give_up(&mut self, task: Task) -> Vec<Outbound> {
        self.store.put_task(Task { status: TaskStatus::Expired, ..task });
        Vec::new()
    }
}

/// Whether a delayed approval of `task` is due at `now_ms`, before the task expires.
fn approval_due(task: &Task, now_ms: u64) -> bool {
    let shown = task.status != TaskStatus::AwaitingPage;
    shown && task.approve_at_ms.is_some_and(|at| now_ms >= at && at < task.expires_ms)
}
