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
//! back when anything failed, so an engine call either fully happens or leaves no trace.

use std::{
    cell::RefCell,
    collections::{HashMap, HashSet},
    path::Path,
};

use anyhow::Context as _;
use protocol::{
    engine::{AccessToken, AuthCode, BusinessRecord, Client, Store, Task},
    headers::ReplayGuard,
    keys::CekState,
};
use rusqlite::{Connection, OptionalExtension as _, params};
use serde::{Serialize, de::DeserializeOwned};

/// The database file's name inside the data folder.
pub const FILE_NAME: &str = "sandbox.sqlite3";

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
CREATE TABLE replay_nonces (
    client_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    timestamp_ms INTEGER NOT NULL,
    PRIMARY KEY (client_id, nonce)
) WITHOUT ROWID;
CREATE INDEX replay_nonces_age ON replay_nonces (client_id, timestamp_ms);
CREATE TABLE replay_clocks (client_id TEXT PRIMARY KEY, last_timestamp_ms INTEGER);
INSERT OR IGNORE INTO replay_nonces (client_id, nonce, timestamp_ms)
    SELECT g.client_id, json_extract(n.value, '$.nonce'), json_extract(n.value, '$.timestamp_ms')
    FROM replay_guards g, json_each(g.body, '$.nonces') n;
INSERT INTO replay_clocks (client_id, last_timestamp_ms)
    SELECT client_id, json_extract(body, '$.last_timestamp_ms') FROM replay_guards;
DROP TABLE replay_guards;
"#,
];

/// The engine's [`Store`] in SQLite, and the connection for the server's own tables.
///
/// Clients are read on every signed request, so they are also kept in memory, written
/// through to SQLite. Replay guards (the last timestamp and recent nonces of each client)
/// change on every signed request and grow with its nonces, so they live in memory and are
/// written behind: [`SqliteStore::flush_guards`] saves the changed ones, which the timer does
/// at every tick and the server does when it stops. A crash loses at most those seconds of
/// replay memory. A nonce admitted by a call that then fails stays spent: the guard is
/// changed in place and not rolled back, which errs on the safe side. Apart from the
/// request journal (see `journal`), nothing else is written behind.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    /// The first error since [`SqliteStore::begin`], if any.
    failure: RefCell<Option<String>>,
    clients: RefCell<HashMap<String, Option<Client>>>,
    /// Replay guards, by client; the ones in `dirty` are not saved yet.
    guards: RefCell<HashMap<String, ReplayGuard>>,
    dirty: RefCell<HashSet<String>>,
    /// The newest nonce saved of each client: the ones after it are new.
    saved_tails: RefCell<HashMap<String, (String, u64)>>,
    /// What `saved_tails` becomes once the open flush commits.
    flushing_tails: RefCell<HashMap<String, (String, u64)>>,
    /// Handed out when a guard cannot be read, for a call that is failing anyway.
    scratch_guard: RefCell<ReplayGuard>,
}

impl SqliteStore {
    /// Opens (creating when missing) the database in `data`, in WAL mode, and migrates it.
    pub fn open(data: &Path) -> anyhow::Result<SqliteStore> {
        let path = data.join(FILE_NAME);
        let conn = Connection::open(&path)
            .with_context(|| format!("cannot open the database {}", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // One server per data folder: the exclusive lock makes a second one fail here, and
        // spares every transaction the shared-memory lock calls (the WAL index lives in the
        // heap). The price: no other process can read the file while the server runs.
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
        conn.pragma_update(None, "journal_mode", "WAL").with_context(|| {
            format!("cannot lock {}: is another server using this data folder?", path.display())
        })?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Checkpoints run with the timer's flush (see `checkpoint`), off the requests' path;
        // this bound only matters if the timer falls far behind.
        conn.pragma_update(None, "wal_autocheckpoint", 16_384)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&conn)?;
        Ok(SqliteStore {
            conn,
            failure: RefCell::new(None),
            clients: RefCell::new(HashMap::new()),
            guards: RefCell::new(HashMap::new()),
            dirty: RefCell::new(HashSet::new()),
            saved_tails: RefCell::new(HashMap::new()),
            flushing_tails: RefCell::new(HashMap::new()),
            scratch_guard: RefCell::new(ReplayGuard::default()),
        })
    }

    /// The connection, for the server's own tables.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Starts a transaction and forgets earlier failures.
    pub fn begin(&self) -> anyhow::Result<()> {
        self.failure.replace(None);
        if !self.conn.is_autocommit() {
            // A call that panicked left its transaction open; it never committed.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        // Deferred: a call that only reads (most signed requests) takes no write lock. The
        // platform's mutex already makes this connection the only writer.
        self.conn.prepare_cached("BEGIN")?.execute([])?;
        Ok(())
    }

    /// Commits the transaction, or rolls it back (and fails) if a statement failed in it.
    pub fn finish(&self) -> anyhow::Result<()> {
        if let Some(err) = self.failure.take() {
            self.rollback();
            anyhow::bail!("database error: {err}");
        }
        if let Err(err) = self.conn.prepare_cached("COMMIT").and_then(|mut it| it.execute([])) {
            self.rollback();
            return Err(err.into());
        }
        Ok(())
    }

    /// Rolls the transaction back.
    pub fn rollback(&self) {
        self.failure.replace(None);
        self.clients.borrow_mut().clear();
        let _ = self.conn.execute_batch("ROLLBACK");
    }

    /// Forgets a client's replay guard, after its row was deleted.
    pub fn forget_guard(&self, client_id: &str) {
        self.guards.borrow_mut().remove(client_id);
        self.saved_tails.borrow_mut().remove(client_id);
        self.dirty.borrow_mut().remove(client_id);
    }

    /// Saves what changed in the replay guards since the last flush: the nonces added, the
    /// ones forgotten, the last timestamp. Call it inside a transaction. The work is in
    /// proportion to the requests since the last flush, not to the nonces remembered.
    pub fn flush_guards(&self) -> anyhow::Result<usize> {
        let dirty = self.dirty.borrow();
        let guards = self.guards.borrow();
        let saved = self.saved_tails.borrow();
        let mut flushing = self.flushing_tails.borrow_mut();
        flushing.clear();
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO replay_nonces (client_id, nonce, timestamp_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT (client_id, nonce) DO UPDATE SET timestamp_ms = excluded.timestamp_ms",
        )?;
        let mut prune = self.conn.prepare_cached(
            "DELETE FROM replay_nonces WHERE client_id = ?1 AND timestamp_ms < ?2",
        )?;
        let mut clock = self.conn.prepare_cached(
            "INSERT INTO replay_clocks (client_id, last_timestamp_ms) VALUES (?1, ?2)
             ON CONFLICT (client_id) DO UPDATE SET last_timestamp_ms = excluded.last_timestamp_ms",
        )?;
        for client_id in dirty.iter() {
            let Some(guard) = guards.get(client_id) else { continue };
            let tail = saved.get(client_id);
            let added: Vec<(&str, u64)> = guard
                .remembered()
                .rev()
                .take_while(|&(nonce, at)| tail.is_none_or(|(n, t)| n != nonce || *t != at))
                .collect();
            for (nonce, at) in added.into_iter().rev() {
                insert.execute(params![client_id, nonce, to_i64(at)])?;
            }
            if let Some((_, oldest)) = guard.remembered().next() {
                prune.execute(params![client_id, to_i64(oldest)])?;
            }
            clock.execute(params![client_id, guard.last_timestamp_ms().map(to_i64)])?;
            if let Some((nonce, at)) = guard.remembered().next_back() {
                flushing.insert(client_id.clone(), (nonce.to_owned(), at));
            }
        }
        // Marked clean only once the caller commits, so a failed flush is tried again.
        Ok(dirty.len())
    }

    /// A client's saved replay guard (an empty one when nothing was saved).
    fn load_guard(&self, client_id: &str) -> rusqlite::Result<ReplayGuard> {
        let last: Option<Option<i64>> = self
            .conn
            .prepare_cached("SELECT last_timestamp_ms FROM replay_clocks WHERE client_id = ?1")?
            .query_row([client_id], |row| row.get(0))
            .optional()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT nonce, timestamp_ms FROM replay_nonces WHERE client_id = ?1
             ORDER BY timestamp_ms",
        )?;
        let nonces = stmt
            .query_map([client_id], |row| {
                Ok((row.get::<_, String>(0)?, u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0)))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let last = last.flatten().and_then(|ms| u64::try_from(ms).ok());
        Ok(ReplayGuard::restore(last, nonces))
    }

    /// Copies what the WAL holds into the database file, as far as no reader is in the way.
    pub fn checkpoint(&self) -> anyhow::Result<()> {
        self.conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Marks the guards saved by [`SqliteStore::flush_guards`] as clean, once committed.
    pub fn guards_flushed(&self) {
        self.dirty.borrow_mut().clear();
        self.saved_tails.borrow_mut().extend(self.flushing_tails.borrow_mut().drain());
    }

    /// A setting of the `meta` table.
    pub fn meta(&self, key: &str) -> anyhow::Result<Option<String>> {
        let value = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| row.get(0))
            .optional()?;
        Ok(value)
    }

    /// Saves a setting of the `meta` table.
    pub fn put_meta(&self, key: &str, value: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Every registered client, by `clientID`.
    pub fn clients(&self) -> anyhow::Result<Vec<Client>> {
        let mut stmt = self.conn.prepare_cached("SELECT body FROM clients ORDER BY client_id")?;
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
        self.conn.execute("DELETE FROM auth_codes WHERE expires_ms < ?1", [before])?;
        self.conn.execute("DELETE FROM access_tokens WHERE expires_ms < ?1", [before])?;
        Ok(())
    }

    /// Reads the JSON `body` of the row `sql` selects with `key`.
    fn get<T: DeserializeOwned>(&self, sql: &str, key: &[&dyn rusqlite::ToSql]) -> Option<T> {
        let res = self
            .conn
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
        let res = self.conn.prepare_cached(sql).and_then(|mut stmt| stmt.execute(args));
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
        let res =
            self.conn.prepare_cached("SELECT body FROM tasks ORDER BY id").and_then(|mut stmt| {
                stmt.query_map([], |row| row.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()
            });
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
        let res = self.get("SELECT body FROM auth_codes WHERE code = ?1", &[&code]);
        if res.is_some() {
            self.run("DELETE FROM auth_codes WHERE code = ?1", &[&code]);
        }
        res
    }

    fn put_auth_code(&mut self, code: AuthCode) {
        let body = self.json(&code);
        self.run(
            "INSERT INTO auth_codes (code, body, expires_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT (code) DO UPDATE SET body = excluded.body, expires_ms = excluded.expires_ms",
            &[&code.code, &body, &to_i64(code.expires_ms)],
        );
    }

    fn access_token(&self, token: &str) -> Option<AccessToken> {
        self.get("SELECT body FROM access_tokens WHERE token = ?1", &[&token])
    }

    fn put_access_token(&mut self, token: AccessToken) {
        let body = self.json(&token);
        self.run(
            "INSERT INTO access_tokens (token, body, expires_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT (token) DO UPDATE SET body = excluded.body, expires_ms = excluded.expires_ms",
            &[&token.token, &body, &to_i64(token.expires_ms)],
        );
    }

    fn cek(&self, client_id: &str) -> CekState {
        self.get("SELECT body FROM ceks WHERE client_id = ?1", &[&client_id]).unwrap_or_default()
    }

    fn put_cek(&mut self, client_id: &str, cek: CekState) {
        let body = self.json(&cek);
        self.run(
            "INSERT INTO ceks (client_id, body) VALUES (?1, ?2)
             ON CONFLICT (client_id) DO UPDATE SET body = excluded.body",
            &[&client_id, &body],
        );
    }

    fn replay_guard(&mut self, client_id: &str) -> &mut ReplayGuard {
        if !self.guards.get_mut().contains_key(client_id) {
            let saved = match self.load_guard(client_id) {
                Ok(saved) => saved,
                Err(err) => {
                    // The call fails and rolls back; nothing unread is cached.
                    self.fail::<()>(err.to_string());
                    *self.scratch_guard.get_mut() = ReplayGuard::default();
                    return self.scratch_guard.get_mut();
                }
            };
            if let Some((nonce, at)) = saved.remembered().next_back() {
                self.saved_tails.get_mut().insert(client_id.to_owned(), (nonce.to_owned(), at));
            }
            self.guards.get_mut().insert(client_id.to_owned(), saved);
        }
        let dirty = self.dirty.get_mut();
        if !dirty.contains(client_id) {
            dirty.insert(client_id.to_owned());
        }
        self.guards.get_mut().entry(client_id.to_owned()).or_default()
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

/// Applies the migrations the database has not seen yet.
fn migrate(conn: &Connection) -> anyhow::Result<()> {
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
        }
        let mut store = SqliteStore::open(&data).unwrap();
        let guard = store.replay_guard("c");
        assert_eq!(*guard, old);
        assert_eq!(admit(guard, "n1", 3_000), Err(protocol::Error::NonceReused));
        assert_eq!(admit(guard, "n3", 1_500), Err(protocol::Error::TimestampWentBackwards));
        drop(store);
        std::fs::remove_dir_all(&data).unwrap();
    }
}
