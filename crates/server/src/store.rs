//! The engine's state in SQLite: a [`Store`] over one connection, plus the server's own tables.
//!
//! The database is one file, `sandbox.sqlite3` in the data folder, in WAL mode. Migrations
//! run at start and are numbered by `PRAGMA user_version`. Engine records are kept as JSON
//! text (they are serde types of the protocol crate), keyed the way the engine looks them up.
//! The server's own tables hold settings (the admin token), the demo clients' private keys,
//! callback deliveries, the built-in callback inboxes and the request journal.
//!
//! [`Store`] is infallible, so a failed statement is remembered instead: the caller runs each
//! engine call in a transaction ([`SqliteStore::begin`], [`SqliteStore::finish`]) and rolls
//! back when anything failed, so an engine call either fully happens or leaves no trace. The
//! transaction is opened by the call's first statement: a call that needs no SQL (most signed
//! requests, see [`SqliteStore`]) costs the database nothing.

use std::{
    cell::{Cell, RefCell},
    collections::HashMap,
    fs::File,
    path::{Path, PathBuf},
};

use anyhow::Context as _;
use protocol::{
    engine::{AccessToken, AuthCode, BusinessRecord, Client, Store, Task},
    headers::ReplayGuard,
    keys::CekState,
};
use rusqlite::{Connection, OptionalExtension as _, params};
use serde::{Serialize, de::DeserializeOwned};

use crate::{
    journal,
    replay::{ReplayMemory, Saved},
};

/// The database file's name inside the data folder.
pub const FILE_NAME: &str = "sandbox.sqlite3";

/// The file a running server holds locked inside the data folder.
pub const LOCK_NAME: &str = "sandbox.lock";

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
];

/// The engine's [`Store`] in SQLite, and the connection for the server's own tables.
///
/// Clients, authorisation codes, access tokens and content keys are read by most signed
/// requests, so they are also kept in memory ([`Mirror`]), written through to SQLite: a
/// request that only reads them (a getToken with an unknown code, a profile request) needs no
/// SQL at all. Replay guards change on every signed request, so they live in memory
/// ([`ReplayMemory`]) and are written behind: the platform takes what changed
/// ([`SqliteStore::take_guards`]) and writes it on a connection of its own ([`Background`]),
/// outside the platform's lock, in slices; the timer does it every second (sooner when a few
/// thousand requests are waiting), and the server when it stops. A crash loses at most that
/// much replay memory. A nonce admitted by a call that then fails stays spent: the guard is
/// changed in place and not rolled back, which errs on the safe side. Apart from the request
/// journal (see `journal`), nothing else is written behind.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    /// Held while the store is open: one server per data folder.
    _lock: File,
    /// Where the call's transaction stands.
    tx: Cell<Tx>,
    /// The first error since [`SqliteStore::begin`], if any.
    failure: RefCell<Option<String>>,
    clients: RefCell<HashMap<String, Option<Client>>>,
    codes: Mirror<AuthCode>,
    tokens: Mirror<AccessToken>,
    ceks: Mirror<CekState>,
    replay: RefCell<ReplayMemory>,
}

impl SqliteStore {
    /// Opens (creating when missing) the database in `data`, in WAL mode, and migrates it.
    pub fn open(data: &Path) -> anyhow::Result<SqliteStore> {
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
        Ok(SqliteStore {
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
                self.fail::<()>(format!("cannot begin a transaction: {err}"));
            }
        }
        &self.conn
    }

    /// Starts a call: its transaction opens with its first statement. Forgets earlier
    /// failures.
    pub fn begin(&self) -> anyhow::Result<()> {
        self.failure.replace(None);
        if !self.conn.is_autocommit() {
            // A call that panicked left its transaction open; it never committed.
            self.rollback();
        }
        self.tx.set(Tx::Wanted);
        Ok(())
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
        self.client(client_id).is_some()
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

    /// Forgets codes and tokens that expired before `before_ms`.
    pub fn purge_expired(&self, before_ms: u64) -> anyhow::Result<()> {
        let before = to_i64(before_ms);
        self.conn().execute("DELETE FROM auth_codes WHERE expires_ms < ?1", [before])?;
        self.conn().execute("DELETE FROM access_tokens WHERE expires_ms < ?1", [before])?;
        self.codes.retain(|code| code.expires_ms >= before_ms);
        self.tokens.retain(|token| token.expires_ms >= before_ms);
        Ok(())
    }

    /// Reads the JSON `body` of the row `sql` selects with `key`.
    fn get<T: DeserializeOwned>(&self, sql: &str, key: &[&dyn rusqlite::ToSql]) -> Option<T> {
        let res = self
            .conn()
            .prepare_cached(sql)
            .and_then(|mut stmt| stmt.query_row(key, |row| row.get::<_, String>(0)).optional());
        let body = match res {
            Ok(body) => body?,
            Err(err) => return self.fail(err.to_string()),
        };
        match serde_json::from_str(&body) {
            Ok(value) => Some(value),
            Err(err) => self.fail(format!("unreadable record: {err}")),
        }
    }

    /// Runs a write statement with `args`.
    fn run(&self, sql: &str, args: &[&dyn rusqlite::ToSql]) {
        let res = self.conn().prepare_cached(sql).and_then(|mut stmt| stmt.execute(args));
        if let Err(err) = res {
            self.fail::<()>(err.to_string());
        }
    }

    /// Remembers a failure; returns nothing found.
    fn fail<T>(&self, err: String) -> Option<T> {
        tracing::error!(%err, "database statement failed");
        self.failure.borrow_mut().get_or_insert(err);
        None
    }

    /// A record as JSON text; a record that cannot be serialised is a failure.
    fn json(&self, value: &impl Serialize) -> String {
        serde_json::to_string(value).unwrap_or_else(|err| {
            self.fail::<()>(format!("unwritable record: {err}"));
            String::new()
        })
    }
}

impl Store for SqliteStore {
    fn client(&self, client_id: &str) -> Option<Client> {
        if let Some(cached) = self.clients.borrow().get(client_id) {
            return cached.clone();
        }
        let found: Option<Client> =
            self.get("SELECT body FROM clients WHERE client_id = ?1", &[&client_id]);
        let mut cache = self.clients.borrow_mut();
        if cache.len() > 10_000 {
            cache.clear();
        }
        cache.insert(client_id.to_owned(), found.clone());
        found
    }

    fn put_client(&mut self, client: Client) {
        self.clients.borrow_mut().insert(client.client_id.clone(), Some(client.clone()));
        let body = self.json(&client);
        self.run(
            "INSERT INTO clients (client_id, body) VALUES (?1, ?2)
             ON CONFLICT (client_id) DO UPDATE SET body = excluded.body",
            &[&client.client_id, &body],
        );
    }

    fn task(&self, id: &str) -> Option<Task> {
        self.get("SELECT body FROM tasks WHERE id = ?1", &[&id])
    }

    fn put_task(&mut self, task: Task) {
        let body = self.json(&task);
        self.run(
            "INSERT INTO tasks (id, body) VALUES (?1, ?2)
             ON CONFLICT (id) DO UPDATE SET body = excluded.body",
            &[&task.id, &body],
        );
    }

    fn tasks(&self) -> Vec<Task> {
        let res = self.conn().prepare_cached("SELECT body FROM tasks ORDER BY id").and_then(
            |mut stmt| {
                stmt.query_map([], |row| row.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()
            },
        );
        let bodies = match res {
            Ok(bodies) => bodies,
            Err(err) => return self.fail(err.to_string()).unwrap_or_default(),
        };
        let mut tasks = Vec::with_capacity(bodies.len());
        for body in bodies {
            match serde_json::from_str(&body) {
                Ok(task) => tasks.push(task),
                Err(err) => {
                    self.fail::<()>(format!("unreadable task: {err}"));
                }
            }
        }
        tasks
    }

    fn remove_task(&mut self, id: &str) {
        self.run("DELETE FROM tasks WHERE id = ?1", &[&id]);
    }

    fn take_auth_code(&mut self, code: &str) -> Option<AuthCode> {
        let res = self.codes.with(self, |codes| codes.remove(code)).flatten();
        if res.is_some() {
            self.run("DELETE FROM auth_codes WHERE code = ?1", &[&code]);
        }
        res
    }

    fn put_auth_code(&mut self, code: AuthCode) {
        self.codes.with(self, |codes| codes.insert(code.code.clone(), code.clone()));
        let body = self.json(&code);
        self.run(
            "INSERT INTO auth_codes (code, body, expires_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT (code) DO UPDATE SET body = excluded.body, expires_ms = excluded.expires_ms",
            &[&code.code, &body, &to_i64(code.expires_ms)],
        );
    }

    fn access_token(&self, token: &str) -> Option<AccessToken> {
        self.tokens.with(self, |tokens| tokens.get(token).cloned()).flatten()
    }

    fn put_access_token(&mut self, token: AccessToken) {
        self.tokens.with(self, |tokens| tokens.insert(token.token.clone(), token.clone()));
        let body = self.json(&token);
        self.run(
            "INSERT INTO access_tokens (token, body, expires_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT (token) DO UPDATE SET body = excluded.body, expires_ms = excluded.expires_ms",
            &[&token.token, &body, &to_i64(token.expires_ms)],
        );
    }

    fn cek(&self, client_id: &str) -> CekState {
        self.ceks.with(self, |ceks| ceks.get(client_id).cloned()).flatten().unwrap_or_default()
    }

    fn put_cek(&mut self, client_id: &str, cek: CekState) {
        self.ceks.with(self, |ceks| ceks.insert(client_id.to_owned(), cek.clone()));
        let body = self.json(&cek);
        self.run(
            "INSERT INTO ceks (client_id, body) VALUES (?1, ?2)
             ON CONFLICT (client_id) DO UPDATE SET body = excluded.body",
            &[&client_id, &body],
        );
    }

    fn replay_guard(&mut self, client_id: &str) -> &mut ReplayGuard {
        self.replay.get_mut().guard_mut(client_id)
    }

    fn business(&self, client_id: &str, business_id: &str) -> Option<BusinessRecord> {
        self.get(
            "SELECT body FROM businesses WHERE client_id = ?1 AND business_id = ?2",
            &[&client_id, &business_id],
        )
    }

    fn put_business(&mut self, record: BusinessRecord) {
        let body = self.json(&record);
        self.run(
            "INSERT INTO businesses (client_id, business_id, body) VALUES (?1, ?2, ?3)
             ON CONFLICT (client_id, business_id) DO UPDATE SET body = excluded.body",
            &[&record.client_id, &record.business_id, &body],
        );
    }
}

/// Where a call's transaction stands (see [`SqliteStore::conn`]).
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
    fn with<R>(
        &self,
        store: &SqliteStore,
        f: impl FnOnce(&mut HashMap<String, T>) -> R,
    ) -> Option<R> {
        let mut rows = self.rows.borrow_mut();
        if rows.is_none() {
            match self.read(store.conn()) {
                Ok(read) => *rows = Some(read),
                Err(err) => return store.fail(format!("cannot read the table: {err:#}")),
            }
        }
        rows.as_mut().map(f)
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

/// Milliseconds as SQLite's integer, saturating.
pub fn to_i64(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
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
        let mut store = SqliteStore::open(&data).unwrap();
        let journal = journal::Journal::load(store.conn()).unwrap();
        let rows = journal.latest("c", 10);
        let ids: Vec<i64> = rows.iter().map(|it| it.id).collect();
        assert_eq!(ids, [9, 7], "rows of registered clients, newest first");
        assert_eq!(rows[1].code.as_deref(), Some("D40004"));
        assert_eq!(rows[0].scenario.as_deref(), Some("timeout"));
        let guard = store.replay_guard("c");
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
        let mut store = SqliteStore::open(&data).unwrap();

        // A committed code is found once, from memory and from the table.
        store.begin().unwrap();
        store.put_auth_code(code("kept"));
        store.finish().unwrap();
        // A code put by a call that rolls back is gone from memory too.
        store.begin().unwrap();
        store.put_auth_code(code("undone"));
        assert!(!store.conn.is_autocommit(), "a write opens the transaction");
        store.rollback();
        // The next call reads the tables again; after that, a call that only reads (or looks
        // for a code that does not exist) opens no transaction.
        store.begin().unwrap();
        let found = store.codes.with(&store, |c| c.contains_key("kept"));
        assert_eq!(found, Some(true), "{:?}", store.failure.borrow());
        assert!(store.access_token("none").is_none());
        assert_eq!(store.cek("c"), CekState::default());
        store.finish().unwrap();
        store.begin().unwrap();
        assert!(store.access_token("none").is_none());
        assert!(store.take_auth_code("missing").is_none());
        assert_eq!(store.cek("c"), CekState::default());
        assert!(store.conn.is_autocommit(), "reads from memory need no transaction");
        store.finish().unwrap();

        store.begin().unwrap();
        assert!(store.take_auth_code("undone").is_none());
        assert_eq!(store.take_auth_code("kept").map(|c| c.code), Some("kept".to_owned()));
        assert!(store.take_auth_code("kept").is_none(), "a code is taken once");
        store.finish().unwrap();
        drop(store);

        // What the table holds agrees with memory after a restart.
        let mut store = SqliteStore::open(&data).unwrap();
        store.begin().unwrap();
        store.put_auth_code(code("later"));
        store.finish().unwrap();
        store.purge_expired(20_000).unwrap();
        store.begin().unwrap();
        assert!(store.take_auth_code("kept").is_none());
        assert!(store.take_auth_code("later").is_none(), "purged codes are gone from memory");
        store.finish().unwrap();
        drop(store);
        std::fs::remove_dir_all(&data).unwrap();
    }
}
