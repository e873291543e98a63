//! The storage boundary: every SQL statement of the server, behind named operations, on the
//! embedded SQLite (the default) or on PostgreSQL (several server instances).
//!
//! [`Db`] is one connection to one of the two backends. It is the engine's
//! [`protocol::engine::Store`] and it has the server's own operations (deliveries, inboxes,
//! settings, resets, retention). Nothing outside this module sees a connection or a statement;
//! both backends pass the one test suite in `tests.rs`.
//!
//! Each engine call runs in one transaction on one `Db` ([`Db::begin`], [`Db::finish`],
//! [`Db::rollback`]), opened by its first statement. What the two backends do differently is
//! what several instances need:
//!
//! * **Replay defence.** SQLite keeps every client's replay guard in memory and writes it
//!   behind (`replay.rs`): one server owns the data folder. PostgreSQL admits a timestamp and
//!   nonce in one statement (`admit_request`, a function the migration creates): a unique key
//!   on (client, nonce) and a row lock on the client's clock, held until the call commits, so
//!   a nonce used on one instance is refused on every other and one client's calls are
//!   serialised across instances.
//! * **Mirrors.** SQLite mirrors clients, codes, tokens and content keys in memory; PostgreSQL
//!   reads them every time (another instance may have changed them).
//! * **Work that must happen once.** Due tasks and due deliveries are claimed with
//!   `FOR UPDATE SKIP LOCKED` (tasks for the call's transaction, deliveries with a lease), so
//!   two timers or two delivery workers never take the same row.
//! * **The journal.** SQLite's is in memory with an append-only copy; PostgreSQL's is a table
//!   that every instance appends to and lists from.

#[cfg(any(test, feature = "testing"))]
pub mod pg_temp;
pub mod postgres;
mod replay;
pub mod sqlite;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use protocol::{
    engine::{AccessToken, AuthCode, BusinessRecord, Client, Store, Stored, Task},
    headers::{ReplayConfig, RequestHeaders, VerifiedRequest},
    keys::CekState,
};
use serde::Serialize;

pub use replay::Saved;

use crate::journal;

/// Tables that hold a client's registration: a reset keeps their rows. Every other table
/// with a `client_id` column is emptied of the client's rows.
pub const REGISTRATION_TABLES: &[&str] = &["clients", "kek_private_keys"];

/// How many inbox entries, deliveries and journal rows are kept per client.
pub const KEEP_ROWS: usize = 1000;

/// Where the state lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// SQLite in this data folder (`sandbox.sqlite3`), owned by one server.
    Sqlite(PathBuf),
    /// A PostgreSQL database (`postgres://…`), shared by any number of servers, and how many
    /// connections this server opens to it (calls that run at once).
    Postgres { url: String, connections: usize },
}

/// Connections a server opens to PostgreSQL unless told otherwise.
pub const DEFAULT_CONNECTIONS: u16 = 4;

/// One connection to the state.
#[derive(Debug)]
pub enum Db {
    Sqlite(sqlite::Sqlite),
    Postgres(postgres::Postgres),
}

/// A connection beside the calls' ones, for what is written behind.
#[derive(Debug)]
pub enum Background {
    Sqlite(sqlite::Background),
    Postgres(Box<postgres::Postgres>),
}

/// One delivery, as listed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub id: i64,
    pub client_id: Option<String>,
    pub url: String,
    /// The callback envelope as sent.
    pub body: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    pub attempts: i64,
    pub next_attempt_ms: i64,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub response_status: Option<i64>,
    pub response_body: Option<String>,
    pub error: Option<String>,
    /// Every attempt so far, first first.
    pub history: Vec<AttemptRecord>,
}

/// One attempt of a delivery, as listed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AttemptRecord {
    /// 1 for the first attempt.
    pub n: i64,
    pub started_ms: i64,
    pub duration_ms: i64,
    /// The HTTP status the target answered, if it answered.
    pub status: Option<i64>,
    /// Why there was no answer, if there was none.
    pub error: Option<String>,
    /// The start of the answer (see `callbacks::KEEP_BODY`).
    pub response_body: Option<String>,
}

/// A delivery claimed by a worker, to attempt now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDelivery {
    pub id: i64,
    pub url: String,
    pub body: String,
    /// This attempt's number, 1 for the first. Claiming counts it and notes it in the
    /// history as [`INTERRUPTED`] until its outcome is recorded, so that an attempt cut short
    /// by a crash still shows.
    pub attempts: i64,
}

/// What the history says of an attempt whose outcome was never recorded.
pub const INTERRUPTED: &str = "no outcome recorded: the sandbox stopped during this attempt";

/// What an attempt of a delivery leaves in its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub id: i64,
    /// `pending`, `delivered` or `failed`.
    pub state: &'static str,
    /// Attempts made, this one included.
    pub attempts: i64,
    pub next_attempt_ms: u64,
    /// When the attempt started and ended.
    pub started_ms: u64,
    pub now_ms: u64,
    pub status: Option<i64>,
    pub body: Option<String>,
    pub error: Option<String>,
}

/// One request that landed in an inbox.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct InboxEntry {
    pub id: i64,
    pub client_id: String,
    pub received_ms: i64,
    /// `GET` for a browser redirect, `POST` for a callback.
    pub method: String,
    pub query: String,
    pub body: String,
}

/// Runs `$body` with `$db` bound to the backend of `$self`.
macro_rules! each {
    ($self:expr, $db:ident => $body:expr) => {
        match $self {
            Db::Sqlite($db) => $body,
            Db::Postgres($db) => $body,
        }
    };
}

impl Db {
    /// Opens the state at `location`, migrating it; SQLite takes the data folder's lock.
    pub fn open(location: &Location) -> anyhow::Result<Db> {
        match location {
            Location::Sqlite(data) => Ok(Db::Sqlite(sqlite::Sqlite::open(data)?)),
            Location::Postgres { url, connections } => {
                Ok(Db::Postgres(postgres::Postgres::open(url, *connections)?))
            }
        }
    }

    /// How many calls may run at once: one connection each. SQLite has one writer, so one.
    pub fn connections(&self) -> usize {
        match self {
            Db::Sqlite(_) => 1,
            Db::Postgres(db) => db.connections(),
        }
    }

    /// Another connection to the same state, for another call to run meanwhile.
    pub fn another(&self) -> anyhow::Result<Db> {
        match self {
            Db::Sqlite(_) => anyhow::bail!("SQLite takes one call at a time"),
            Db::Postgres(db) => Ok(Db::Postgres(db.another()?)),
        }
    }

    /// A connection for what is written behind.
    pub fn background(&self) -> anyhow::Result<Background> {
        match self {
            Db::Sqlite(db) => Ok(Background::Sqlite(db.background()?)),
            Db::Postgres(db) => Ok(Background::Postgres(Box::new(db.another()?))),
        }
    }

    /// Whether several servers may share this state.
    pub fn is_shared(&self) -> bool {
        matches!(self, Db::Postgres(_))
    }

    /// Starts a call: its transaction opens with its first statement.
    pub fn begin(&self) {
        each!(self, db => db.begin())
    }

    /// Commits the call, or rolls it back (and fails) if a statement failed.
    pub fn finish(&self) -> anyhow::Result<()> {
        each!(self, db => db.finish())
    }

    /// A signed request is about to be checked: a store whose reads cost a round trip
    /// fetches what the checks will read (the signer's registration, the replay verdict)
    /// in one. Only a hint: the checks run as ever, and a call that does not get as far as
    /// admitting its request keeps nothing.
    pub fn expect_signed(&self, headers: &RequestHeaders<'_>, replay: &ReplayConfig) {
        if let Db::Postgres(db) = self {
            db.expect_signed(headers, replay);
        }
    }

    /// Rolls the call back.
    pub fn rollback(&self) {
        each!(self, db => db.rollback())
    }

    /// Makes the call's transaction the only one doing first-run work (creating the admin
    /// token and the demo clients) until it ends: servers that start together on one
    /// PostgreSQL database then create them once.
    pub fn lock_first_run(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite(_) => Ok(()),
            Db::Postgres(db) => db.lock_first_run(),
        }
    }

    /// A setting of the `meta` table.
    pub fn meta(&self, key: &str) -> anyhow::Result<Option<String>> {
        each!(self, db => db.meta(key))
    }

    /// Saves a setting of the `meta` table.
    pub fn put_meta(&self, key: &str, value: &str) -> anyhow::Result<()> {
        each!(self, db => db.put_meta(key, value))
    }

    /// Every registered client, by `clientID`.
    pub fn clients(&self) -> anyhow::Result<Vec<Client>> {
        each!(self, db => db.clients())
    }

    /// Whether `client_id` is registered.
    pub fn knows_client(&self, client_id: &str) -> bool {
        each!(self, db => db.knows_client(client_id))
    }

    /// Forgets expired codes and tokens (before `before_ms`), rows beyond [`KEEP_ROWS`] per
    /// client, and nonces past the replay window.
    pub fn purge(&self, before_ms: u64, replay: &ReplayConfig) -> anyhow::Result<()> {
        match self {
            Db::Sqlite(db) => db.purge(before_ms),
            Db::Postgres(db) => db.purge(before_ms, replay),
        }
    }

    /// Forgets everything a client did (keys, replay memory, codes, tokens, tasks,
    /// `businessID`s, deliveries, inbox, journal), keeping its registration.
    pub fn reset_client(&self, client_id: &str) -> anyhow::Result<()> {
        each!(self, db => db.reset_client(client_id))
    }

    /// The private half of a KEK the sandbox generated for `client_id`.
    pub fn kek_private_key(&self, client_id: &str) -> anyhow::Result<Option<String>> {
        each!(self, db => db.kek_private_key(client_id))
    }

    /// Keeps the private half of a KEK the sandbox generated.
    pub fn put_kek_private_key(&self, client_id: &str, pem: &str) -> anyhow::Result<()> {
        each!(self, db => db.put_kek_private_key(client_id, pem))
    }

    /// Queues a callback for delivery; answers its id.
    pub fn queue_delivery(
        &self,
        client_id: Option<&str>,
        url: &str,
        body: &str,
        now_ms: u64,
    ) -> anyhow::Result<i64> {
        each!(self, db => db.queue_delivery(client_id, url, body, now_ms))
    }

    /// Queues a copy of delivery `id`; `None` when there is none.
    pub fn requeue_delivery(&self, id: i64, now_ms: u64) -> anyhow::Result<Option<i64>> {
        each!(self, db => db.requeue_delivery(id, now_ms))
    }

    /// Claims up to `limit` due deliveries for `lease_ms` (no other worker gets them
    /// meanwhile), oldest first.
    pub fn claim_deliveries(
        &self,
        now_ms: u64,
        limit: usize,
        lease_ms: u64,
    ) -> anyhow::Result<Vec<DueDelivery>> {
        each!(self, db => db.claim_deliveries(now_ms, limit, lease_ms))
    }

    /// Records attempts of deliveries: each row's state, and the attempt in its history.
    pub fn record_attempts(&self, attempts: &[Attempt]) -> anyhow::Result<()> {
        each!(self, db => attempts.iter().try_for_each(|it| db.record_attempt(it)))
    }

    /// When the soonest pending delivery is due, if any is pending.
    pub fn next_delivery_due(&self) -> anyhow::Result<Option<u64>> {
        each!(self, db => db.next_delivery_due())
    }

    /// Makes claimed deliveries due again at the given times without an attempt (their
    /// target was busy or resting): the claim's count and note are undone.
    pub fn postpone_deliveries(&self, until: &[(i64, u64)]) -> anyhow::Result<()> {
        each!(self, db => until.iter().try_for_each(|&(id, at)| db.postpone_delivery(id, at)))
    }

    /// A client's deliveries with their attempts, newest first: `limit` of them, older than
    /// delivery `before` when given.
    pub fn deliveries(
        &self,
        client_id: &str,
        limit: usize,
        before: Option<i64>,
    ) -> anyhow::Result<Vec<Delivery>> {
        let before = before.unwrap_or(i64::MAX);
        let mut rows = each!(self, db => db.deliveries(client_id, limit, before))?;
        if let (Some(newest), Some(oldest)) = (rows.first(), rows.last()) {
            let (from, to) = (oldest.id, newest.id);
            let history = each!(self, db => db.attempts(client_id, from, to))?;
            for (id, record) in history {
                if let Some(row) = rows.iter_mut().find(|row| row.id == id) {
                    row.history.push(record);
                }
            }
        }
        Ok(rows)
    }

    /// Keeps a request that landed in a client's inbox (`entry.id` is ignored).
    pub fn keep_inbox(&self, entry: &InboxEntry) -> anyhow::Result<()> {
        each!(self, db => db.keep_inbox(entry))
    }

    /// The latest `limit` inbox entries of a client, newest first.
    pub fn inbox(&self, client_id: &str, limit: usize) -> anyhow::Result<Vec<InboxEntry>> {
        each!(self, db => db.inbox(client_id, limit))
    }

    /// The latest `limit` journal rows of a client in the shared journal table, newest
    /// first; `None` where the journal is kept in memory (SQLite).
    pub fn journal(
        &self,
        client_id: &str,
        limit: usize,
    ) -> anyhow::Result<Option<Vec<journal::Entry>>> {
        match self {
            Db::Sqlite(_) => Ok(None),
            Db::Postgres(db) => db.journal(client_id, limit).map(Some),
        }
    }

    /// The next save of the replay memory written behind (SQLite), up to `budget` entries.
    pub fn take_guards(&self, budget: usize) -> Saved {
        match self {
            Db::Sqlite(db) => db.take_guards(budget),
            Db::Postgres(_) => Saved::nothing(),
        }
    }

    /// Applies a save of the replay memory that committed.
    pub fn guards_saved(&self, saved: Saved) {
        if let Db::Sqlite(db) = self {
            db.guards_saved(saved);
        }
    }

    /// How many requests reached the replay memory since it was last saved.
    pub fn unsaved_nonces(&self) -> usize {
        match self {
            Db::Sqlite(db) => db.unsaved_nonces(),
            Db::Postgres(_) => 0,
        }
    }

    /// The journal as it was saved (SQLite); an empty one that appends to the shared table
    /// (PostgreSQL).
    pub fn load_journal(&self) -> anyhow::Result<journal::Journal> {
        match self {
            Db::Sqlite(db) => Ok(journal::Journal::load(db.conn())?),
            Db::Postgres(_) => Ok(journal::Journal::append_only()),
        }
    }
}

impl Background {
    /// Writes one save of the replay memory and one of the journal, in one transaction.
    pub fn save(&mut self, guards: &Saved, rows: &journal::Taken) -> anyhow::Result<()> {
        match self {
            Background::Sqlite(db) => db.save(guards, rows),
            Background::Postgres(db) => db.save_journal(rows),
        }
    }

    /// Copies the WAL into the database file (SQLite), without waiting for the calls.
    pub fn checkpoint(&self) -> anyhow::Result<()> {
        match self {
            Background::Sqlite(db) => db.checkpoint(),
            Background::Postgres(_) => Ok(()),
        }
    }
}

impl Store for Db {
    fn client(&self, client_id: &str) -> Stored<Option<Client>> {
        each!(self, db => db.client(client_id))
    }

    fn put_client(&mut self, client: Client) -> Stored<()> {
        each!(self, db => db.put_client(client))
    }

    fn task(&self, id: &str) -> Stored<Option<Task>> {
        each!(self, db => db.task(id))
    }

    fn put_task(&mut self, task: Task) -> Stored<()> {
        each!(self, db => db.put_task(task))
    }

    fn due_tasks(&mut self, now_ms: u64, limit: usize) -> Stored<Vec<Task>> {
        each!(self, db => db.due_tasks(now_ms, limit))
    }

    fn next_due(&self) -> Stored<Option<u64>> {
        each!(self, db => db.next_due())
    }

    fn persona_tasks(&self, persona: &str) -> Stored<Vec<Task>> {
        each!(self, db => db.persona_tasks(persona))
    }

    fn remove_task(&mut self, id: &str) -> Stored<()> {
        each!(self, db => db.remove_task(id))
    }

    fn take_auth_code(&mut self, code: &str) -> Stored<Option<AuthCode>> {
        each!(self, db => db.take_auth_code(code))
    }

    fn put_auth_code(&mut self, code: AuthCode) -> Stored<()> {
        each!(self, db => db.put_auth_code(code))
    }

    fn access_token(&self, token: &str) -> Stored<Option<AccessToken>> {
        each!(self, db => db.access_token(token))
    }

    fn put_access_token(&mut self, token: AccessToken) -> Stored<()> {
        each!(self, db => db.put_access_token(token))
    }

    fn cek(&self, client_id: &str) -> Stored<CekState> {
        each!(self, db => db.cek(client_id))
    }

    fn put_cek(&mut self, client_id: &str, cek: CekState) -> Stored<()> {
        each!(self, db => db.put_cek(client_id, cek))
    }

    fn admit(
        &mut self,
        request: &VerifiedRequest<'_>,
        config: &ReplayConfig,
        now_ms: u64,
    ) -> Stored<()> {
        each!(self, db => db.admit(request, config, now_ms))
    }

    fn business(&self, client_id: &str, business_id: &str) -> Stored<Option<BusinessRecord>> {
        each!(self, db => db.business(client_id, business_id))
    }

    fn put_business(&mut self, record: BusinessRecord) -> Stored<()> {
        each!(self, db => db.put_business(record))
    }
}

/// Milliseconds as a database integer, saturating.
pub fn to_i64(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

/// A database integer as milliseconds; negative ones are 0.
pub fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}
