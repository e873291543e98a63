//! The storage boundary on SQLite: one connection, the embedded default.
//!
//! The database is one file, `sandbox.sqlite3` in the data folder, in WAL mode. Migrations
//! run at start and are numbered by `PRAGMA user_version`. Engine records are kept as JSON
//! text (they are serde types of the protocol crate), with the columns the engine looks them
//! up by. The server's own tables hold settings (the admin token), the demo clients' private
//! keys, callback deliveries, the built-in callback inboxes and the request journal.
//!
//! A failed statement fails the [`Store`] method with [`protocol::Error::Store`] and is also
//! remembered: the caller runs each engine call in a transaction ([`Sqlite::begin`],
//! [`Sqlite::finish`]) and rolls back when anything failed, so an engine call either fully
//! happens or leaves no trace. The transaction is opened by the call's first statement: a
//! call that needs no SQL (most signed requests, see [`Sqlite`]) costs the database nothing.

use std::{
    cell::{Cell, RefCell},
    collections::HashMap,
    fs::File,
    path::{Path, PathBuf},
};

use anyhow::Context as _;
use protocol::{
    engine::{AccessToken, AuthCode, BusinessRecord, Client, Store, Stored, Task},
    headers::{ReplayConfig, VerifiedRequest},
    keys::CekState,
};
use rusqlite::{Connection, OptionalExtension as _, params};
use serde::{Serialize, de::DeserializeOwned};

use super::{
    Delivery, DueDelivery, InboxEntry, REGISTRATION_TABLES,
    replay::{ReplayMemory, Saved},
    to_i64,
};
use crate::journal;

/// The database file's name inside the data folder.
pub const FILE_NAME: &str = "sandbox.sqlite3";

/// The file a running server holds locked inside the data folder.
pub const LOCK_NAME: &str = "sandbox.lock";

/// The deliveries a purge may forget: those no longer pending.
const FINISHED_DELIVERIES: &str = "(SELECT id, client_id FROM deliveries WHERE state <> 'pending')";

/// Migrations, in order; the database's `user_version` counts those applied.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE clients (client_id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE tasks (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE auth_codes (code TEXT PRIMARY KEY, body TEXT NOT NULL, expires_ms INTEGER NOT NULL);
CREATE TABLE access_tokens (token TEXT PRIMARY KEY, body TEXT NOT NULL, expires_ms INTEGER NOT NULL);
CREATE TABLE ceks (client_id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE replay_guards (client_id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE businesses (
    client_id TEXT NOT NULL,
    business_id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (client_id, business_id)
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE kek_private_keys (client_id TEXT PRIMARY KEY, pem TEXT NOT NULL);
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT,
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    response_status INTEGER,
    response_body TEXT,
    error TEXT
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_ms);
CREATE INDEX deliveries_client ON deliveries (client_id, id);
CREATE TABLE inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL,
    received_ms INTEGER NOT NULL,
    method TEXT NOT NULL,
    query TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX inbox_client ON inbox (client_id, id);
CREATE TABLE journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT,
    at_ms INTEGER NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    code TEXT,
    tx_id TEXT,
    scenario TEXT,
    elapsed_us INTEGER NOT NULL
);
CREATE INDEX journal_client ON journal (client_id, id);
"#,
    r#"
CREATE TABLE replay_log (
    seq INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    timestamp_ms INTEGER NOT NULL
);
CREATE TABLE replay_clocks (client_id TEXT PRIMARY KEY, last_timestamp_ms INTEGER);
INSERT INTO replay_log (client_id, nonce, timestamp_ms)
    SELECT g.client_id, json_extract(n.value, '$.nonce'), json_extract(n.value, '$.timestamp_ms')
    FROM replay_guards g, json_each(g.body, '$.nonces') n
    ORDER BY g.client_id, n.key;
INSERT INTO replay_clocks (client_id, last_timestamp_ms)
    SELECT client_id, json_extract(body, '$.last_timestamp_ms') FROM replay_guards;
DROP TABLE replay_guards;
DROP INDEX journal_client;
"#,
    // The replay log and the journal as batches: one row per save, a JSON array of entries.
    r#"
CREATE TABLE replay_batches (seq INTEGER PRIMARY KEY, body TEXT NOT NULL);
INSERT INTO replay_batches (body)
    SELECT json_group_array(json_array(client_id, nonce, timestamp_ms) ORDER BY seq)
    FROM replay_log HAVING count(*) > 0;
DROP TABLE replay_log;
CREATE TABLE journal_batches (seq INTEGER PRIMARY KEY, body TEXT NOT NULL);
INSERT INTO journal_batches (body)
    SELECT json_group_array(json_object(
        'id', id, 'clientId', client_id, 'atMs', at_ms, 'method', method, 'path', path,
        'status', status, 'code', code, 'txID', tx_id, 'scenario', scenario,
        'elapsedUs', elapsed_us) ORDER BY id)
    FROM journal WHERE client_id IS NOT NULL HAVING count(*) > 0;
DROP TABLE journal;
"#,
    // Lookup columns beside the JSON bodies: the timer's due index, the persona inbox, and
    // a `client_id` on every per-client table, from which a reset is derived.
    r#"
ALTER TABLE tasks ADD COLUMN client_id TEXT;
ALTER TABLE tasks ADD COLUMN persona TEXT;
ALTER TABLE tasks ADD COLUMN due_ms INTEGER NOT NULL DEFAULT 0;
UPDATE tasks SET client_id = json_extract(body, '$.clientId'), persona = json_extract(body, '$.persona');
CREATE INDEX tasks_due ON tasks (due_ms);
CREATE INDEX tasks_persona ON tasks (persona) WHERE persona IS NOT NULL;
ALTER TABLE auth_codes ADD COLUMN client_id TEXT;
UPDATE auth_codes SET client_id = json_extract(body, '$.clientId');
ALTER TABLE access_tokens ADD COLUMN client_id TEXT;
UPDATE access_tokens SET client_id = json_extract(body, '$.clientId');
"#,
    // Every attempt of a delivery, for its history.
    r#"
CREATE TABLE delivery_attempts (
    delivery_id INTEGER NOT NULL,
    client_id TEXT,
    n INTEGER NOT NULL,
    started_ms INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    status INTEGER,
    error TEXT,
    response_body TEXT,
    PRIMARY KEY (delivery_id, n)
);
CREATE INDEX delivery_attempts_client ON delivery_attempts (client_id, delivery_id);
"#,
];

/// The engine's [`Store`] in SQLite, and the connection for the server's own tables.
///
/// Clients, authorisation codes, access tokens and content keys are read by most signed
/// requests, so they are also kept in memory ([`Mirror`]), written through to SQLite: a
/// request that only reads them (a getToken with an unknown code, a profile request) needs no
/// SQL at all. Replay guards change on every signed request, so they live in memory
/// ([`ReplayMemory`]) and are written behind: the platform takes what changed
/// ([`Sqlite::take_guards`]) and writes it on a connection of its own ([`Background`]),
/// outside the platform's lock, in slices; the timer does it every second (sooner when a few
/// thousand requests are waiting), and the server when it stops. A crash loses at most that
/// much replay memory. A nonce admitted by a call that then fails stays spent: the guard is
/// changed in place and not rolled back, which errs on the safe side. Apart from the request
/// journal (see `journal`), nothing else is written behind.
#[derive(Debug)]
pub struct Sqlite {
    conn: Connection,
    path: PathBuf,
    /// Held while the store is open: one server per data folder.
    _lock: File,
    /// Where the call's transaction stands.
    tx: Cell<Tx>,
    /// The first error since [`Sqlite::begin`], if any.
    failure: RefCell<Option<String>>,
    clients: RefCell<HashMap<String, Option<Client>>>,
    codes: Mirror<AuthCode>,
    tokens: Mirror<AccessToken>,
    ceks: Mirror<CekState>,
    replay: RefCell<ReplayMemory>,
}

impl Sqlite {
    /// Opens (creating when missing) the database in `data`, in WAL mode, and migrates it.
    pub fn open(data: &Path) -> anyhow::Result<Sqlite> {
        let lock_path = data.join(LOCK_NAME);
        let lock = File::create(&lock_path)
            .with_context(|| format!("cannot create {}", lock_path.display()))?;
        lock.try_lock().map_err(|_| {
            anyhow::anyhow!(
                "another server is using the data folder {} (it holds {LOCK_NAME})",
                data.display()
            )
        })?;
        let path = data.join(FILE_NAME);
        let conn = Connection::open(&path)
            .with_context(|| format!("cannot open the database {}", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Checkpoints run on a connection of their own (see `Background`), off the
        // requests' path; this bound only matters if the timer falls far behind.
        conn.pragma_update(None, "wal_autocheckpoint", 16_384)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&conn)?;
        let replay = ReplayMemory::load(&conn).context("cannot read the replay memory")?;
        Ok(Sqlite {
            conn,
            path,
            _lock: lock,
            tx: Cell::new(Tx::None),
            failure: RefCell::new(None),
            clients: RefCell::new(HashMap::new()),
            codes: Mirror::new("SELECT code, body FROM auth_codes"),
            tokens: Mirror::new("SELECT token, body FROM access_tokens"),
            ceks: Mirror::new("SELECT client_id, body FROM ceks"),
            replay: RefCell::new(replay),
        })
    }

    /// A second connection to the database, for what is written behind and checkpoints.
    pub fn background(&self) -> anyhow::Result<Background> {
        let conn = Connection::open(&self.path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Background(conn))
    }

    /// The connection, for the server's own tables; inside a call, its transaction, which
    /// the first use opens.
    pub fn conn(&self) -> &Connection {
        if self.tx.get() == Tx::Wanted {
            self.tx.set(Tx::Open);
            // Immediate: the background connection writes too (see `Background`), and a
            // deferred transaction that read before it committed could not write after.
            let res = self.conn.prepare_cached("BEGIN IMMEDIATE").and_then(|mut it| it.execute([]));
            if let Err(err) = res {
                let _ = self.fail::<()>(format!("cannot begin a transaction: {err}"));
            }
        }
        &self.conn
    }

    /// Starts a call: its transaction opens with its first statement. Forgets earlier
    /// failures.
    pub fn begin(&self) {
        self.failure.replace(None);
        if !self.conn.is_autocommit() {
            // A call that panicked left its transaction open; it never committed.
            self.rollback();
        }
        self.tx.set(Tx::Wanted);
    }

    /// Commits the call's transaction, or rolls it back (and fails) if a statement failed.
    pub fn finish(&self) -> anyhow::Result<()> {
        if let Some(err) = self.failure.take() {
            self.rollback();
            anyhow::bail!("database error: {err}");
        }
        if self.tx.replace(Tx::None) == Tx::Open {
            let res = self.conn.prepare_cached("COMMIT").and_then(|mut it| it.execute([]));
            if let Err(err) = res {
                self.rollback();
                return Err(err.into());
            }
        }
        Ok(())
    }

    /// Rolls the call back: the transaction, and what memory mirrors of it.
    pub fn rollback(&self) {
        self.failure.replace(None);
        self.clients.borrow_mut().clear();
        self.codes.forget();
        self.tokens.forget();
        self.ceks.forget();
        self.tx.set(Tx::None);
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }

    /// Forgets what memory holds of a client's state, after its rows were deleted: its replay
    /// guard, and the mirrored tables (read again when next needed).
    pub fn forget_client(&self, client_id: &str) {
        self.replay.borrow_mut().forget(client_id);
        self.codes.forget();
        self.tokens.forget();
        self.ceks.forget();
    }

    /// The next save of the replay memory, up to `budget` entries (see [`ReplayMemory::take`]).
    pub fn take_guards(&self, budget: usize) -> Saved {
        self.replay.borrow().take(budget)
    }

    /// Applies a save of the replay memory that committed.
    pub fn guards_saved(&self, saved: Saved) {
        self.replay.borrow_mut().committed(saved);
    }

    /// How many requests reached the replay memory since it was last saved.
    pub fn unsaved_nonces(&self) -> usize {
        self.replay.borrow().unsaved()
    }

    /// Whether `client_id` is registered (like [`Store::client`], without a copy).
    pub fn knows_client(&self, client_id: &str) -> bool {
        if let Some(cached) = self.clients.borrow().get(client_id) {
            return cached.is_some();
        }
        matches!(self.client(client_id), Ok(Some(_)))
    }

    /// A setting of the `meta` table.
    pub fn meta(&self, key: &str) -> anyhow::Result<Option<String>> {
        let value = self
            .conn()
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| row.get(0))
            .optional()?;
        Ok(value)
    }

    /// Saves a setting of the `meta` table.
    pub fn put_meta(&self, key: &str, value: &str) -> anyhow::Result<()> {
        self.conn().execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Every registered client, by `clientID`.
    pub fn clients(&self) -> anyhow::Result<Vec<Client>> {
        let mut stmt = self.conn().prepare_cached("SELECT body FROM clients ORDER BY client_id")?;
        let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
        let mut res = Vec::new();
        for body in rows {
            res.push(serde_json::from_str(&body?)?);
        }
        Ok(res)
    }

    /// Forgets codes and tokens that expired before `before_ms`, and inbox entries and
    /// finished deliveries beyond the newest [`super::KEEP_ROWS`] of each client.
    pub fn purge(&self, before_ms: u64) -> anyhow::Result<()> {
        let before = to_i64(before_ms);
        let conn = self.conn();
        conn.execute("DELETE FROM auth_codes WHERE expires_ms < ?1", [before])?;
        conn.execute("DELETE FROM access_tokens WHERE expires_ms < ?1", [before])?;
        // Deliveries still to be sent are never purged: only finished ones count.
        for (table, rows) in [("inbox", "inbox"), ("deliveries", FINISHED_DELIVERIES)] {
            conn.execute(
                &format!(
                    "DELETE FROM {table} WHERE id IN (SELECT id FROM (SELECT id, row_number()
                     OVER (PARTITION BY client_id ORDER BY id DESC) AS n FROM {rows}) WHERE n > ?1)"
                ),
                [to_i64(super::KEEP_ROWS as u64)],
            )?;
        }
        conn.execute(
            "DELETE FROM delivery_attempts
             WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = delivery_id)",
            [],
        )?;
        self.codes.retain(|code| code.expires_ms >= before_ms);
        self.tokens.retain(|token| token.expires_ms >= before_ms);
        Ok(())
    }

    /// Deletes every row of `client_id` from each table with a `client_id` column, except
    /// the registration ([`REGISTRATION_TABLES`]), and what memory holds of them.
    pub fn reset_client(&self, client_id: &str) -> anyhow::Result<()> {
        let conn = self.conn();
        let tables: Vec<String> = conn
            .prepare_cached(
                "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) p
                 WHERE m.type = 'table' AND p.name = 'client_id' ORDER BY m.name",
            )?
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        for table in tables.iter().filter(|it| !REGISTRATION_TABLES.contains(&it.as_str())) {
            conn.execute(&format!("DELETE FROM {table} WHERE client_id = ?1"), [client_id])?;
        }
        self.forget_client(client_id);
        Ok(())
    }

    /// The private half of a KEK the sandbox generated for `client_id`.
    pub fn kek_private_key(&self, client_id: &str) -> anyhow::Result<Option<String>> {
        let pem = self
            .conn()
            .query_row(
                "SELECT pem FROM kek_private_keys WHERE client_id = ?1",
                [client_id],
                |row| row.get(0),
            )
            .optional()?;
        Ok(pem)
    }

    /// Keeps the private half of a KEK the sandbox generated.
    pub fn put_kek_private_key(&self, client_id: &str, pem: &str) -> anyhow::Result<()> {
        self.conn().execute(
            "INSERT INTO kek_private_keys (client_id, pem) VALUES (?1, ?2)
             ON CONFLICT (client_id) DO UPDATE SET pem = excluded.pem",
            params![client_id, pem],
        )?;
        Ok(())
    }

    /// Queues a callback; answers its id.
    pub fn queue_delivery(
        &self,
        client_id: Option<&str>,
        url: &str,
        body: &str,
        now_ms: u64,
    ) -> anyhow::Result<i64> {
        let id = self
            .conn()
            .prepare_cached(
                "INSERT INTO deliveries (client_id, url, body, state, next_attempt_ms, created_ms, updated_ms)
                 VALUES (?1, ?2, ?3, 'pending', ?4, ?4, ?4) RETURNING id",
            )?
            .query_row(params![client_id, url, body, to_i64(now_ms)], |row| row.get(0))?;
        Ok(id)
    }

    /// Queues a copy of delivery `id`; answers the copy's id, `None` when there is no `id`.
    pub fn requeue_delivery(&self, id: i64, now_ms: u64) -> anyhow::Result<Option<i64>> {
        let new_id = self
            .conn()
            .query_row(
                "INSERT INTO deliveries (client_id, url, body, state, next_attempt_ms, created_ms, updated_ms)
                 SELECT client_id, url, body, 'pending', ?2, ?2, ?2 FROM deliveries WHERE id = ?1
                 RETURNING id",
                params![id, to_i64(now_ms)],
                |row| row.get(0),
            )
            .optional()?;
        Ok(new_id)
    }

    /// Claims up to `limit` pending deliveries due at `now_ms`, oldest first: they are not
    /// due again until `now_ms + lease_ms`, by when their attempt has been recorded.
    pub fn claim_deliveries(
        &self,
        now_ms: u64,
        limit: usize,
        lease_ms: u64,
    ) -> anyhow::Result<Vec<DueDelivery>> {
        let conn = self.conn();
        let rows = conn
            .prepare_cached(
                "UPDATE deliveries SET next_attempt_ms = ?3, attempts = attempts + 1 WHERE id IN (
                     SELECT id FROM deliveries WHERE state = 'pending' AND next_attempt_ms <= ?1
                     ORDER BY next_attempt_ms, id LIMIT ?2)
                 RETURNING id, url, body, attempts",
            )?
            .query_map(
                params![
                    to_i64(now_ms),
                    to_i64(limit as u64),
                    to_i64(now_ms.saturating_add(lease_ms))
                ],
                |row| {
                    Ok(DueDelivery {
                        id: row.get(0)?,
                        url: row.get(1)?,
                        body: row.get(2)?,
                        attempts: row.get(3)?,
                    })
                },
            )?
            .collect::<Result<Vec<_>, _>>()?;
        let mut note = conn.prepare_cached(
            "INSERT OR IGNORE INTO delivery_attempts
                 (delivery_id, client_id, n, started_ms, duration_ms, error)
             SELECT id, client_id, attempts, ?2, 0, ?3 FROM deliveries WHERE id = ?1",
        )?;
        for row in &rows {
            note.execute(params![row.id, to_i64(now_ms), super::INTERRUPTED])?;
        }
        Ok(rows)
    }

    /// Records an attempt of delivery `id` (see [`super::Attempt`]) and adds it to the
    /// delivery's history.
    pub fn record_attempt(&self, attempt: &super::Attempt) -> anyhow::Result<()> {
        let conn = self.conn();
        conn.prepare_cached(
            "UPDATE deliveries SET state = ?2, attempts = ?3, next_attempt_ms = ?4, updated_ms = ?5,
                 response_status = ?6, response_body = ?7, error = ?8 WHERE id = ?1",
        )?
        .execute(params![
            attempt.id,
            attempt.state,
            attempt.attempts,
            to_i64(attempt.next_attempt_ms),
            to_i64(attempt.now_ms),
            attempt.status,
            attempt.body,
            attempt.error
        ])?;
        conn.prepare_cached(
            "INSERT OR REPLACE INTO delivery_attempts
                 (delivery_id, client_id, n, started_ms, duration_ms, status, error, response_body)
             SELECT id, client_id, ?2, ?3, ?4, ?5, ?6, ?7 FROM deliveries WHERE id = ?1",
        )?
        .execute(params![
            attempt.id,
            attempt.attempts,
            to_i64(attempt.started_ms),
            to_i64(attempt.now_ms.saturating_sub(attempt.started_ms)),
            attempt.status,
            attempt.error,
            attempt.body
        ])?;
        Ok(())
    }

    /// When the soonest pending delivery is due.
    pub fn next_delivery_due(&self) -> anyhow::Result<Option<u64>> {
        let at: Option<i64> = self
            .conn()
            .prepare_cached("SELECT min(next_attempt_ms) FROM deliveries WHERE state = 'pending'")?
            .query_row([], |row| row.get(0))?;
        Ok(at.map(super::to_u64))
    }

    /// Makes a claimed delivery due at `at_ms`, without an attempt.
    pub fn postpone_delivery(&self, id: i64, at_ms: u64) -> anyhow::Result<()> {
        let conn = self.conn();
        conn.prepare_cached(
            "DELETE FROM delivery_attempts
             WHERE delivery_id = ?1 AND n = (SELECT attempts FROM deliveries WHERE id = ?1)",
        )?
        .execute([id])?;
        conn.prepare_cached(
            "UPDATE deliveries SET next_attempt_ms = ?2, attempts = attempts - 1 WHERE id = ?1",
        )?
        .execute(params![id, to_i64(at_ms)])?;
        Ok(())
    }

    /// The attempts of a client's deliveries `from..=to`, by delivery and in order.
    pub fn attempts(
        &self,
        client_id: &str,
        from: i64,
        to: i64,
    ) -> anyhow::Result<Vec<(i64, super::AttemptRecord)>> {
        let rows = self
            .conn()
            .prepare_cached(
                "SELECT delivery_id, n, started_ms, duration_ms, status, error, response_body
                 FROM delivery_attempts WHERE client_id = ?1 AND delivery_id BETWEEN ?2 AND ?3
                 ORDER BY delivery_id, n",
            )?
            .query_map(params![client_id, from, to], |row| {
                Ok((
                    row.get(0)?,
                    super::AttemptRecord {
                        n: row.get(1)?,
                        started_ms: row.get(2)?,
                        duration_ms: row.get(3)?,
                        status: row.get(4)?,
                        error: row.get(5)?,
                        response_body: row.get(6)?,
                    },
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The latest `limit` deliveries of a client older than delivery `before`, newest first.
    pub fn deliveries(
        &self,
        client_id: &str,
        limit: usize,
        before: i64,
    ) -> anyhow::Result<Vec<Delivery>> {
        let rows = self
            .conn()
            .prepare_cached(
                "SELECT id, client_id, url, body, state, attempts, next_attempt_ms, created_ms,
                        updated_ms, response_status, response_body, error
                 FROM deliveries WHERE client_id = ?1 AND id < ?3 ORDER BY id DESC LIMIT ?2",
            )?
            .query_map(params![client_id, to_i64(limit as u64), before], |row| {
                Ok(Delivery {
                    id: row.get(0)?,
                    client_id: row.get(1)?,
                    url: row.get(2)?,
                    body: row.get(3)?,
                    state: row.get(4)?,
                    attempts: row.get(5)?,
                    next_attempt_ms: row.get(6)?,
                    created_ms: row.get(7)?,
                    updated_ms: row.get(8)?,
                    response_status: row.get(9)?,
                    response_body: row.get(10)?,
                    error: row.get(11)?,
                    history: Vec::new(),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Keeps a request that landed in a client's inbox.
    pub fn keep_inbox(&self, entry: &InboxEntry) -> anyhow::Result<()> {
        self.conn().execute(
            "INSERT INTO inbox (client_id, received_ms, method, query, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![entry.client_id, entry.received_ms, entry.method, entry.query, entry.body],
        )?;
        Ok(())
    }

    /// The latest `limit` inbox entries of a client, newest first.
    pub fn inbox(&self, client_id: &str, limit: usize) -> anyhow::Result<Vec<InboxEntry>> {
        let rows = self
            .conn()
            .prepare_cached(
                "SELECT id, client_id, received_ms, method, query, body FROM inbox
                 WHERE client_id = ?1 ORDER BY id DESC LIMIT ?2",
            )?
            .query_map(params![client_id, to_i64(limit as u64)], |row| {
                Ok(InboxEntry {
                    id: row.get(0)?,
                    client_id: row.get(1)?,
                    received_ms: row.get(2)?,
                    method: row.get(3)?,
                    query: row.get(4)?,
                    body: row.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Reads the JSON `body` of the row `sql` selects with `key`.
    fn get<T: DeserializeOwned>(
        &self,
        sql: &str,
        key: &[&dyn rusqlite::ToSql],
    ) -> Stored<Option<T>> {
        let res = self
            .conn()
            .prepare_cached(sql)
            .and_then(|mut stmt| stmt.query_row(key, |row| row.get::<_, String>(0)).optional());
        match res {
            Ok(Some(body)) => self.parse(&body).map(Some),
            Ok(None) => Ok(None),
            Err(err) => self.fail(err.to_string()),
        }
    }

    /// Reads the JSON bodies of the rows `sql` selects with `key`.
    fn get_all<T: DeserializeOwned>(
        &self,
        sql: &str,
        key: &[&dyn rusqlite::ToSql],
    ) -> Stored<Vec<T>> {
        let res = self.conn().prepare_cached(sql).and_then(|mut stmt| {
            stmt.query_map(key, |row| row.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()
        });
        match res {
            Ok(bodies) => bodies.iter().map(|body| self.parse(body)).collect(),
            Err(err) => self.fail(err.to_string()),
        }
    }

    fn parse<T: DeserializeOwned>(&self, body: &str) -> Stored<T> {
        serde_json::from_str(body).or_else(|err| self.fail(format!("unreadable record: {err}")))
    }

    /// Runs a write statement with `args`.
    fn run(&self, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Stored<()> {
        let res = self.conn().prepare_cached(sql).and_then(|mut stmt| stmt.execute(args));
        match res {
            Ok(_) => Ok(()),
            Err(err) => self.fail(err.to_string()),
        }
    }

    /// Remembers a failure, so the call rolls back, and fails with it.
    fn fail<T>(&self, err: String) -> Stored<T> {
        tracing::error!(%err, "database statement failed");
        self.failure.borrow_mut().get_or_insert_with(|| err.clone());
        Err(protocol::Error::Store(err))
    }

    /// A record as JSON text; a record that cannot be serialised is a failure.
    fn json(&self, value: &impl Serialize) -> Stored<String> {
        serde_json::to_string(value).or_else(|err| self.fail(format!("unwritable record: {err}")))
    }
}

impl Store for Sqlite {
    fn client(&self, client_id: &str) -> Stored<Option<Client>> {
        if let Some(cached) = self.clients.borrow().get(client_id) {
            return Ok(cached.clone());
        }
        let found: Option<Client> =
            self.get("SELECT body FROM clients WHERE client_id = ?1", &[&client_id])?;
        let mut cache = self.clients.borrow_mut();
        if cache.len() > 10_000 {
            cache.clear();
        }
        cache.insert(client_id.to_owned(), found.clone());
        Ok(found)
    }

    fn put_client(&mut self, client: Client) -> Stored<()> {
        let body = self.json(&client)?;
        self.run(
            "INSERT INTO clients (client_id, body) VALUES (?1, ?2)
             ON CONFLICT (client_id) DO UPDATE SET body = excluded.body",
            &[&client.client_id, &body],
        )?;
        self.clients.borrow_mut().insert(client.client_id.clone(), Some(client));
        Ok(())
    }

    fn task(&self, id: &str) -> Stored<Option<Task>> {
        self.get("SELECT body FROM tasks WHERE id = ?1", &[&id])
    }

    fn put_task(&mut self, task: Task) -> Stored<()> {
        let body = self.json(&task)?;
        self.run(
            "INSERT INTO tasks (id, client_id, persona, due_ms, body) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET client_id = excluded.client_id,
                 persona = excluded.persona, due_ms = excluded.due_ms, body = excluded.body",
            &[&task.id, &task.client_id, &task.persona, &to_i64(task.due_ms()), &body],
        )
    }

    fn due_tasks(&mut self, now_ms: u64, limit: usize) -> Stored<Vec<Task>> {
        self.get_all(
            "SELECT body FROM tasks WHERE due_ms <= ?1 ORDER BY due_ms LIMIT ?2",
            &[&to_i64(now_ms), &to_i64(limit as u64)],
        )
    }

    fn next_due(&self) -> Stored<Option<u64>> {
        let res = self
            .conn()
            .prepare_cached("SELECT min(due_ms) FROM tasks")
            .and_then(|mut stmt| stmt.query_row([], |row| row.get::<_, Option<i64>>(0)));
        match res {
            Ok(at) => Ok(at.map(|ms| u64::try_from(ms).unwrap_or(0))),
            Err(err) => self.fail(err.to_string()),
        }
    }

    fn persona_tasks(&self, persona: &str) -> Stored<Vec<Task>> {
        self.get_all("SELECT body FROM tasks WHERE persona = ?1", &[&persona])
    }

    fn remove_task(&mut self, id: &str) -> Stored<()> {
        self.run("DELETE FROM tasks WHERE id = ?1", &[&id])
    }

    fn take_auth_code(&mut self, code: &str) -> Stored<Option<AuthCode>> {
        let res = self.codes.with(self, |codes| codes.remove(code))?;
        if res.is_some() {
            self.run("DELETE FROM auth_codes WHERE code = ?1", &[&code])?;
        }
        Ok(res)
    }

    fn put_auth_code(&mut self, code: AuthCode) -> Stored<()> {
        let body = self.json(&code)?;
        self.run(
            "INSERT INTO auth_codes (code, client_id, body, expires_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (code) DO UPDATE SET body = excluded.body, expires_ms = excluded.expires_ms",
            &[&code.code, &code.client_id, &body, &to_i64(code.expires_ms)],
        )?;
        self.codes.with(self, |codes| codes.insert(code.code.clone(), code))?;
        Ok(())
    }

    fn access_token(&self, token: &str) -> Stored<Option<AccessToken>> {
        self.tokens.with(self, |tokens| tokens.get(token).cloned())
    }

    fn put_access_token(&mut self, token: AccessToken) -> Stored<()> {
        let body = self.json(&token)?;
        self.run(
            "INSERT INTO access_tokens (token, client_id, body, expires_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (token) DO UPDATE SET body = excluded.body, expires_ms = excluded.expires_ms",
            &[&token.token, &token.client_id, &body, &to_i64(token.expires_ms)],
        )?;
        self.tokens.with(self, |tokens| tokens.insert(token.token.clone(), token))?;
        Ok(())
    }

    fn cek(&self, client_id: &str) -> Stored<CekState> {
        Ok(self.ceks.with(self, |ceks| ceks.get(client_id).cloned())?.unwrap_or_default())
    }

    fn put_cek(&mut self, client_id: &str, cek: CekState) -> Stored<()> {
        let body = self.json(&cek)?;
        self.run(
            "INSERT INTO ceks (client_id, body) VALUES (?1, ?2)
             ON CONFLICT (client_id) DO UPDATE SET body = excluded.body",
            &[&client_id, &body],
        )?;
        self.ceks.with(self, |ceks| ceks.insert(client_id.to_owned(), cek))?;
        Ok(())
    }

    fn admit(
        &mut self,
        request: &VerifiedRequest<'_>,
        config: &ReplayConfig,
        now_ms: u64,
    ) -> Stored<()> {
        self.replay.get_mut().guard_mut(request.client_id()).admit(request, config, now_ms)
    }

    fn business(&self, client_id: &str, business_id: &str) -> Stored<Option<BusinessRecord>> {
        self.get(
            "SELECT body FROM businesses WHERE client_id = ?1 AND business_id = ?2",
            &[&client_id, &business_id],
        )
    }

    fn put_business(&mut self, record: BusinessRecord) -> Stored<()> {
        let body = self.json(&record)?;
        self.run(
            "INSERT INTO businesses (client_id, business_id, body) VALUES (?1, ?2, ?3)
             ON CONFLICT (client_id, business_id) DO UPDATE SET body = excluded.body",
            &[&record.client_id, &record.business_id, &body],
        )
    }
}

/// Where a call's transaction stands (see [`Sqlite::conn`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tx {
    /// No call is running: statements run on their own.
    None,
    /// A call is running and has not used the database yet.
    Wanted,
    /// The call's transaction is open.
    Open,
}

/// A table of records kept whole in memory, by key: read once from SQLite when first needed,
/// then changed alongside the statements that write the table. Forgotten when a call rolls
/// back, so that it is read again as the table stands.
#[derive(Debug)]
struct Mirror<T> {
    /// Selects every row's key and JSON body.
    select: &'static str,
    rows: RefCell<Option<HashMap<String, T>>>,
}

impl<T: DeserializeOwned> Mirror<T> {
    fn new(select: &'static str) -> Mirror<T> {
        Mirror { select, rows: RefCell::new(None) }
    }

    /// Runs `f` on the rows, reading them first if needed; `None` if they cannot be read
    /// (the failure is remembered by `store`).
    fn with<R>(&self, store: &Sqlite, f: impl FnOnce(&mut HashMap<String, T>) -> R) -> Stored<R> {
        let mut rows = self.rows.borrow_mut();
        match &mut *rows {
            Some(rows) => Ok(f(rows)),
            None => match self.read(store.conn()) {
                Ok(read) => Ok(f(rows.insert(read))),
                Err(err) => store.fail(format!("cannot read the table: {err:#}")),
            },
        }
    }

    fn read(&self, conn: &Connection) -> anyhow::Result<HashMap<String, T>> {
        let mut stmt = conn.prepare_cached(self.select)?;
        let mut rows = stmt.query([])?;
        let mut res = HashMap::new();
        while let Some(row) = rows.next()? {
            let body: String = row.get(1)?;
            res.insert(row.get(0)?, serde_json::from_str(&body)?);
        }
        Ok(res)
    }

    fn retain(&self, keep: impl Fn(&T) -> bool) {
        if let Some(rows) = self.rows.borrow_mut().as_mut() {
            rows.retain(|_, row| keep(row));
        }
    }

    fn forget(&self) {
        self.rows.replace(None);
    }
}

/// A second connection, beside the main one: it writes what is written behind (the replay
/// memory and the journal), so that the platform's lock is not held meanwhile, and copies
/// the WAL into the database file. SQLite lets one connection write at a time: the main
/// connection's calls begin immediate transactions, which wait for a slice to commit.
#[derive(Debug)]
pub struct Background(Connection);

impl Background {
    /// Writes one save of the replay memory and one of the journal, in one transaction.
    pub fn save(&mut self, guards: &Saved, rows: &journal::Taken) -> anyhow::Result<()> {
        if guards.is_empty() && rows.is_empty() {
            return Ok(());
        }
        let tx = self.0.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        guards.write(&tx)?;
        rows.write(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// Checkpoints as much as it can without waiting for the main connection.
    pub fn checkpoint(&self) -> anyhow::Result<()> {
        self.0.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }
}

/// Applies the migrations the database has not seen yet.
pub(crate) fn migrate(conn: &Connection) -> anyhow::Result<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let version = usize::try_from(version).unwrap_or(0);
    if version > MIGRATIONS.len() {
        anyhow::bail!(
            "the database is at version {version}, newer than this server ({}): use a newer server or another --data folder",
            MIGRATIONS.len()
        );
    }
    for (idx, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        conn.execute_batch(&format!("BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;", idx + 1))
            .with_context(|| format!("migration {} failed", idx + 1))?;
        tracing::info!(version = idx + 1, "database migrated");
    }
    Ok(())
}

/// A column's JSON text as `T`; unreadable JSON is a conversion error.
pub fn from_json<T: DeserializeOwned>(text: &str) -> rusqlite::Result<T> {
    serde_json::from_str(text).map_err(|err| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, err.into())
    })
}

/// `value` as JSON text for a column.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> rusqlite::Result<String> {
    serde_json::to_string(value).map_err(|err| rusqlite::Error::ToSqlConversionFailure(err.into()))
}

#[cfg(test)]
mod tests {
    use protocol::headers::{
        ReplayConfig, ReplayGuard, RequestHeaders, signed_headers, verify_request,
    };

    use super::*;

    /// A request of client `c` with `nonce` at `at`, through the real header checks.
    fn admit(guard: &mut ReplayGuard, nonce: &str, at: u64) -> Result<(), protocol::Error> {
        let pairs = signed_headers("c", "s", at, nonce, b"");
        let headers = RequestHeaders::from_fn(|name| {
            pairs.iter().find(|(it, _)| *it == name).map(|(_, v)| v.as_str())
        });
        let verified = verify_request(&headers, b"", |_| Some("s"))?;
        guard.admit(&verified, &ReplayConfig::default(), at)
    }

    #[test]
    fn replay_memory_of_the_first_schema_is_migrated() {
        let data = std::env::temp_dir().join(format!("iams-store-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        std::fs::create_dir_all(&data).unwrap();
        let mut old = ReplayGuard::default();
        admit(&mut old, "n1", 1_000).unwrap();
        admit(&mut old, "n2", 2_000).unwrap();
        {
            let conn = Connection::open(data.join(FILE_NAME)).unwrap();
            conn.execute_batch(&format!("{}; PRAGMA user_version = 1;", MIGRATIONS[0])).unwrap();
            let body = serde_json::to_string(&old).unwrap();
            conn.execute("INSERT INTO replay_guards (client_id, body) VALUES ('c', ?1)", [body])
                .unwrap();
            conn.execute_batch(
                "INSERT INTO journal (id, client_id, at_ms, method, path, status, code, tx_id, scenario, elapsed_us)
                 VALUES (7, 'c', 5, 'POST', '/api/v1/auth/getToken', 200, 'D40004', 'tx', NULL, 12),
                        (8, NULL, 6, 'GET', '/x', 404, NULL, NULL, NULL, 1),
                        (9, 'c', 7, 'GET', '/api/v1/auth/getQR', 200, NULL, NULL, 'timeout', 3);",
            )
            .unwrap();
        }
        let mut store = Sqlite::open(&data).unwrap();
        let journal = journal::Journal::load(store.conn()).unwrap();
        let rows = journal.latest("c", 10);
        let ids: Vec<i64> = rows.iter().map(|it| it.id).collect();
        assert_eq!(ids, [9, 7], "rows of registered clients, newest first");
        assert_eq!(rows[1].code.as_deref(), Some("D40004"));
        assert_eq!(rows[0].scenario.as_deref(), Some("timeout"));
        let guard = store.replay.get_mut().guard_mut("c");
        assert_eq!(*guard, old);
        assert_eq!(admit(guard, "n1", 3_000), Err(protocol::Error::NonceReused));
        assert_eq!(admit(guard, "n3", 1_500), Err(protocol::Error::TimestampWentBackwards));
        drop(store);
        std::fs::remove_dir_all(&data).unwrap();
    }

    fn code(code: &str) -> AuthCode {
        AuthCode {
            code: code.to_owned(),
            client_id: "c".to_owned(),
            persona: "p".to_owned(),
            scopes: protocol::vocab::Scopes::parse("eidapi_auth").unwrap(),
            same_device: false,
            business_id: None,
            expires_ms: 10_000,
        }
    }

    #[test]
    fn mirrored_records_follow_commits_and_rollbacks_and_reads_need_no_transaction() {
        let data = std::env::temp_dir().join(format!("iams-store-mirror-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        std::fs::create_dir_all(&data).unwrap();
        let mut store = Sqlite::open(&data).unwrap();

        // A committed code is found once, from memory and from the table.
        store.begin();
        store.put_auth_code(code("kept")).unwrap();
        store.finish().unwrap();
        // A code put by a call that rolls back is gone from memory too.
        store.begin();
        store.put_auth_code(code("undone")).unwrap();
        assert!(!store.conn.is_autocommit(), "a write opens the transaction");
        store.rollback();
        // The next call reads the tables again; after that, a call that only reads (or looks
        // for a code that does not exist) opens no transaction.
        store.begin();
        let found = store.codes.with(&store, |c| c.contains_key("kept"));
        assert_eq!(found, Ok(true), "{:?}", store.failure.borrow());
        assert!(store.access_token("none").unwrap().is_none());
        assert_eq!(store.cek("c").unwrap(), CekState::default());
        store.finish().unwrap();
        store.begin();
        assert!(store.access_token("none").unwrap().is_none());
        assert!(store.take_auth_code("missing").unwrap().is_none());
        assert_eq!(store.cek("c").unwrap(), CekState::default());
        assert!(store.conn.is_autocommit(), "reads from memory need no transaction");
        store.finish().unwrap();

        store.begin();
        assert!(store.take_auth_code("undone").unwrap().is_none());
        assert_eq!(store.take_auth_code("kept").unwrap().map(|c| c.code), Some("kept".to_owned()));
        assert!(store.take_auth_code("kept").unwrap().is_none(), "a code is taken once");
        store.finish().unwrap();
        drop(store);

        // What the table holds agrees with memory after a restart.
        let mut store = Sqlite::open(&data).unwrap();
        store.begin();
        store.put_auth_code(code("later")).unwrap();
        store.finish().unwrap();
        store.purge(20_000).unwrap();
        store.begin();
        assert!(store.take_auth_code("kept").unwrap().is_none());
        assert!(
            store.take_auth_code("later").unwrap().is_none(),
            "purged codes are gone from memory"
        );
        store.finish().unwrap();
        drop(store);
        std::fs::remove_dir_all(&data).unwrap();
    }
}
