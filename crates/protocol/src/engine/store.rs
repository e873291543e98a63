//! The store: where the engine keeps its state between calls.
//!
//! [`Store`] is a small synchronous trait of gets and puts, one pair per kind of record, so a
//! host can keep the state wherever it likes: the server over SQLite or PostgreSQL, the
//! in-browser mock in memory. Records are returned by value; the engine reads, decides, and
//! writes back. Every method can fail ([`Error::Store`]): the engine then stops the call and
//! the host rolls back whatever the call wrote.
//!
//! Three operations are more than gets and puts, so that a store shared by several server
//! instances can answer them with an index and atomically: [`Store::admit`] (the replay
//! defence: this client's timestamp and nonce, checked and recorded in one step),
//! [`Store::due_tasks`] (what the timer must look at now, by [`Task::due_ms`]) and
//! [`Store::persona_tasks`] (a persona's inbox).
//!
//! [`MemoryStore`] is the in-memory implementation used by tests and the in-browser mock. It
//! serialises with serde as a whole, so a browser can keep it in local storage.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{
    Error,
    engine::{AccessToken, AuthCode, BusinessRecord, Client, Task},
    headers::{ReplayConfig, ReplayGuard, VerifiedRequest},
    keys::CekState,
};

/// What a store answers: the value, or [`Error::Store`] when the store failed.
pub type Stored<T> = Result<T, Error>;

/// Where the engine keeps clients, tasks, codes, tokens, keys, replay memory and business
/// records.
pub trait Store {
    /// The client registered under `client_id`.
    fn client(&self, client_id: &str) -> Stored<Option<Client>>;
    /// Registers or replaces a client.
    fn put_client(&mut self, client: Client) -> Stored<()>;

    /// The task with this ticket ID.
    fn task(&self, id: &str) -> Stored<Option<Task>>;
    /// Saves a task, replacing the one with the same ID.
    fn put_task(&mut self, task: Task) -> Stored<()>;
    /// Up to `limit` tasks whose [`Task::due_ms`] is at or before `now_ms`, soonest first.
    /// A store shared by several engines hands each due task to one of them at a time.
    fn due_tasks(&mut self, now_ms: u64, limit: usize) -> Stored<Vec<Task>>;
    /// The earliest [`Task::due_ms`] of any task.
    fn next_due(&self) -> Stored<Option<u64>>;
    /// The tasks whose persona is `persona` (open or not), in any order.
    fn persona_tasks(&self, persona: &str) -> Stored<Vec<Task>>;
    /// Forgets a task that is long closed.
    fn remove_task(&mut self, id: &str) -> Stored<()>;

    /// Removes and returns an authorisation code, so that it can be used only once.
    fn take_auth_code(&mut self, code: &str) -> Stored<Option<AuthCode>>;
    /// Saves a new authorisation code.
    fn put_auth_code(&mut self, code: AuthCode) -> Stored<()>;

    /// The access token with this value.
    fn access_token(&self, token: &str) -> Stored<Option<AccessToken>>;
    /// Saves a new access token.
    fn put_access_token(&mut self, token: AccessToken) -> Stored<()>;

    /// The client's content encryption key slot; an empty one before its first getKey.
    fn cek(&self, client_id: &str) -> Stored<CekState>;
    /// Saves the client's content encryption key slot.
    fn put_cek(&mut self, client_id: &str, cek: CekState) -> Stored<()>;

    /// Applies the replay checks of [`ReplayGuard::admit`] to a verified request and records
    /// it, as one atomic step: of two requests with the same nonce, however close, one is
    /// refused (`D20004`). A store need not undo it with a failed call: a nonce once
    /// admitted stays spent, which errs on the safe side.
    fn admit(
        &mut self,
        request: &VerifiedRequest<'_>,
        config: &ReplayConfig,
        now_ms: u64,
    ) -> Stored<()>;

    /// What became of a client's `businessID`, if the client used it.
    fn business(&self, client_id: &str, business_id: &str) -> Stored<Option<BusinessRecord>>;
    /// Saves a business record, replacing the one for the same client and `businessID`.
    fn put_business(&mut self, record: BusinessRecord) -> Stored<()>;
}

/// A [`Store`] in memory, serialisable as a whole.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MemoryStore {
    clients: BTreeMap<String, Client>,
    tasks: BTreeMap<String, Task>,
    auth_codes: BTreeMap<String, AuthCode>,
    access_tokens: BTreeMap<String, AccessToken>,
    ceks: BTreeMap<String, CekState>,
    replay_guards: BTreeMap<String, ReplayGuard>,
    /// Business records by client, then by `businessID`.
    businesses: BTreeMap<String, BTreeMap<String, BusinessRecord>>,
}

impl Store for MemoryStore {
    fn client(&self, client_id: &str) -> Stored<Option<Client>> {
        Ok(self.clients.get(client_id).cloned())
    }

    fn put_client(&mut self, client: Client) -> Stored<()> {
        self.clients.insert(client.client_id.clone(), client);
        Ok(())
    }

    fn task(&self, id: &str) -> Stored<Option<Task>> {
        Ok(self.tasks.get(id).cloned())
    }

    fn put_task(&mut self, task: Task) -> Stored<()> {
        self.tasks.insert(task.id.clone(), task);
        Ok(())
    }

    fn due_tasks(&mut self, now_ms: u64, limit: usize) -> Stored<Vec<Task>> {
        let mut due: Vec<Task> =
            self.tasks.values().filter(|it| it.due_ms() <= now_ms).cloned().collect();
        due.sort_by_key(Task::due_ms);
        due.truncate(limit);
        Ok(due)
    }

    fn next_due(&self) -> Stored<Option<u64>> {
        Ok(self.tasks.values().map(Task::due_ms).min())
    }

    fn persona_tasks(&self, persona: &str) -> Stored<Vec<Task>> {
        Ok(self
            .tasks
            .values()
            .filter(|it| it.persona.as_deref() == Some(persona))
            .cloned()
            .collect())
    }

    fn remove_task(&mut self, id: &str) -> Stored<()> {
        self.tasks.remove(id);
        Ok(())
    }

    fn take_auth_code(&mut self, code: &str) -> Stored<Option<AuthCode>> {
        Ok(self.auth_codes.remove(code))
    }

    fn put_auth_code(&mut self, code: AuthCode) -> Stored<()> {
        self.auth_codes.insert(code.code.clone(), code);
        Ok(())
    }

    fn access_token(&self, token: &str) -> Stored<Option<AccessToken>> {
        Ok(self.access_tokens.get(token).cloned())
    }

    fn put_access_token(&mut self, token: AccessToken) -> Stored<()> {
        self.access_tokens.insert(token.token.clone(), token);
        Ok(())
    }

    fn cek(&self, client_id: &str) -> Stored<CekState> {
        Ok(self.ceks.get(client_id).cloned().unwrap_or_default())
    }

    fn put_cek(&mut self, client_id: &str, cek: CekState) -> Stored<()> {
        self.ceks.insert(client_id.to_owned(), cek);
        Ok(())
    }

    fn admit(
        &mut self,
        request: &VerifiedRequest<'_>,
        config: &ReplayConfig,
        now_ms: u64,
    ) -> Stored<()> {
        let guard = self.replay_guards.entry(request.client_id().to_owned()).or_default();
        guard.admit(request, config, now_ms)
    }

    fn business(&self, client_id: &str, business_id: &str) -> Stored<Option<BusinessRecord>> {
        Ok(self.businesses.get(client_id).and_then(|it| it.get(business_id)).cloned())
    }

    fn put_business(&mut self, record: BusinessRecord) -> Stored<()> {
        self.businesses
            .entry(record.client_id.clone())
            .or_default()
            .insert(record.business_id.clone(), record);
        Ok(())
    }
}
