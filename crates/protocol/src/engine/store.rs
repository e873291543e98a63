//! The store: where the engine keeps its state between calls.
//!
//! [`Store`] is a small synchronous trait of gets and puts, one pair per kind of record, so a
//! host can keep the state wherever it likes: the server over SQLite, the in-browser mock in
//! memory. Records are returned by value; the engine reads, decides, and writes back. The
//! engine is the only writer, so no method needs to be atomic beyond itself.
//!
//! [`MemoryStore`] is the in-memory implementation used by tests and the in-browser mock. It
//! serialises with serde as a whole, so a browser can keep it in local storage.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{
    engine::{AccessToken, AuthCode, BusinessRecord, Client, Task},
    headers::ReplayGuard,
    keys::CekState,
};

/// Where the engine keeps clients, tasks, codes, tokens, keys and business records.
pub trait Store {
    /// The client registered under `client_id`.
    fn client(&self, client_id: &str) -> Option<Client>;
    /// Registers or replaces a client.
    fn put_client(&mut self, client: Client);

    /// The task with this ticket ID.
    fn task(&self, id: &str) -> Option<Task>;
    /// Saves a task, replacing the one with the same ID.
    fn put_task(&mut self, task: Task);
    /// Every task, for expiry and for the app's inbox.
    fn tasks(&self) -> Vec<Task>;
    /// Forgets a task that is long closed.
    fn remove_task(&mut self, id: &str);

    /// Removes and returns an authorisation code, so that it can be used only once.
    fn take_auth_code(&mut self, code: &str) -> Option<AuthCode>;
    /// Saves a new authorisation code.
    fn put_auth_code(&mut self, code: AuthCode);

    /// The access token with this value.
    fn access_token(&self, token: &str) -> Option<AccessToken>;
    /// Saves a new access token.
    fn put_access_token(&mut self, token: AccessToken);

    /// The client's content encryption key slot; an empty one before its first getKey.
    fn cek(&self, client_id: &str) -> CekState;
    /// Saves the client's content encryption key slot.
    fn put_cek(&mut self, client_id: &str, cek: CekState);

    /// The client's replay state, to change in place; a default one before its first
    /// request. A store need not roll it back with a failed call: a nonce once admitted
    /// stays spent, which errs on the safe side.
    fn replay_guard(&mut self, client_id: &str) -> &mut ReplayGuard;

    /// What became of a client's `businessID`, if the client used it.
    fn business(&self, client_id: &str, business_id: &str) -> Option<BusinessRecord>;
    /// Saves a business record, replacing the one for the same client and `businessID`.
    fn put_business(&mut self, record: BusinessRecord);
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
    fn client(&self, client_id: &str) -> Option<Client> {
        self.clients.get(client_id).cloned()
    }

    fn put_client(&mut self, client: Client) {
        self.clients.insert(client.client_id.clone(), client);
    }

    fn task(&self, id: &str) -> Option<Task> {
        self.tasks.get(id).cloned()
    }

    fn put_task(&mut self, task: Task) {
        self.tasks.insert(task.id.clone(), task);
    }

    fn tasks(&self) -> Vec<Task> {
        self.tasks.values().cloned().collect()
    }

    fn remove_task(&mut self, id: &str) {
        self.tasks.remove(id);
    }

    fn take_auth_code(&mut self, code: &str) -> Option<AuthCode> {
        self.auth_codes.remove(code)
    }

    fn put_auth_code(&mut self, code: AuthCode) {
        self.auth_codes.insert(code.code.clone(), code);
    }

    fn access_token(&self, token: &str) -> Option<AccessToken> {
        self.access_tokens.get(token).cloned()
    }

    fn put_access_token(&mut self, token: AccessToken) {
        self.access_tokens.insert(token.token.clone(), token);
    }

    fn cek(&self, client_id: &str) -> CekState {
        self.ceks.get(client_id).cloned().unwrap_or_default()
    }

    fn put_cek(&mut self, client_id: &str, cek: CekState) {
        self.ceks.insert(client_id.to_owned(), cek);
    }

    fn replay_guard(&mut self, client_id: &str) -> &mut ReplayGuard {
        self.replay_guards.entry(client_id.to_owned()).or_default()
    }

    fn business(&self, client_id: &str, business_id: &str) -> Option<BusinessRecord> {
        self.businesses.get(client_id)?.get(business_id).cloned()
    }

    fn put_business(&mut self, record: BusinessRecord) {
        self.businesses
            .entry(record.client_id.clone())
            .or_default()
            .insert(record.business_id.clone(), record);
    }
}
