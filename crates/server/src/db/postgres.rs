//! The storage boundary on PostgreSQL: the state shared by several server instances.
//!
//! Each [`Postgres`] is one connection (the synchronous `postgres` client: engine calls are
//! synchronous and run on blocking threads). Statements are prepared once per connection.
//! A call's transaction opens with its first statement, at PostgreSQL's default isolation
//! (read committed); what two instances could do to the same rows at once is ordered by row
//! locks, always taken in the order client clock → task → content key, so calls never
//! deadlock:
//!
//! * a signed request locks its client's replay clock (`admit_request`) until it commits, so
//!   one client's requests run one after another across instances;
//! * a task and a content key are read `FOR UPDATE`, so two instances never answer the same
//!   task or rotate the same key at once;
//! * the timer takes due tasks `FOR UPDATE SKIP LOCKED`, and delivery workers claim rows
//!   with a lease the same way, so each is handled once.
//!
//! Migrations are numbered in `schema_version` and applied under an advisory lock, so
//! instances starting together migrate once.

use std::{
    cell::{Cell, RefCell},
    collections::{HashMap, HashSet},
};

use anyhow::Context as _;
use futures_util::future;
use protocol::{
    engine::{AccessToken, AuthCode, BusinessRecord, Client, Stored, Task},
    headers::{MAX_NONCE_LEN, ReplayConfig, ReplayGuard, RequestHeaders, VerifiedRequest},
    keys::CekState,
};
use serde::{Serialize, de::DeserializeOwned};
use tokio_postgres::{NoTls, Row, Statement, types::ToSql};

use super::{
    Attempt, AttemptRecord, Delivery, DueDelivery, INTERRUPTED, InboxEntry, KEEP_ROWS,
    REGISTRATION_TABLES, to_i64, to_u64,
};
use crate::journal;

/// Migrations, in order; `schema_version` counts those applied.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE clients (client_id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE kek_private_keys (client_id TEXT PRIMARY KEY, pem TEXT NOT NULL);
CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    persona TEXT,
    due_ms BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX tasks_due ON tasks (due_ms);
CREATE INDEX tasks_persona ON tasks (persona) WHERE persona IS NOT NULL;
CREATE TABLE auth_codes (
    code TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    expires_ms BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE access_tokens (
    token TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    expires_ms BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE ceks (client_id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE businesses (
    client_id TEXT NOT NULL,
    business_id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (client_id, business_id)
);
CREATE TABLE replay_clocks (client_id TEXT PRIMARY KEY, last_ms BIGINT);
CREATE TABLE replay_nonces (
    client_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (client_id, nonce)
);
CREATE TABLE deliveries (
    id BIGSERIAL PRIMARY KEY,
    client_id TEXT,
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_ms BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    response_status BIGINT,
    response_body TEXT,
    error TEXT
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_ms) WHERE state = 'pending';
CREATE INDEX deliveries_client ON deliveries (client_id, id);
CREATE TABLE inbox (
    id BIGSERIAL PRIMARY KEY,
    client_id TEXT NOT NULL,
    received_ms BIGINT NOT NULL,
    method TEXT NOT NULL,
    query TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX inbox_client ON inbox (client_id, id);
CREATE TABLE journal (id BIGSERIAL PRIMARY KEY, client_id TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX journal_client ON journal (client_id, id);

-- The replay checks of protocol::headers::ReplayGuard::admit, atomically (replaced by
-- migration 2, same answers): 0 admitted,
-- 1 nonce reused within the window, 2 timestamp older than the client's last. The clock row
-- stays locked until the caller's transaction ends.
CREATE FUNCTION admit_request(p_client TEXT, p_nonce TEXT, p_at BIGINT, p_window BIGINT)
RETURNS INT LANGUAGE plpgsql AS $$
DECLARE
    last BIGINT;
    seen BIGINT;
BEGIN
    INSERT INTO replay_clocks (client_id, last_ms) VALUES (p_client, NULL)
        ON CONFLICT (client_id) DO NOTHING;
    SELECT last_ms INTO last FROM replay_clocks WHERE client_id = p_client FOR UPDATE;
    SELECT at_ms INTO seen FROM replay_nonces WHERE client_id = p_client AND nonce = p_nonce;
    IF seen IS NOT NULL AND seen + p_window >= p_at THEN
        RETURN 1;
    END IF;
    IF last IS NOT NULL AND p_at < last THEN
        RETURN 2;
    END IF;
    INSERT INTO replay_nonces (client_id, nonce, at_ms) VALUES (p_client, p_nonce, p_at)
        ON CONFLICT (client_id, nonce) DO UPDATE SET at_ms = EXCLUDED.at_ms;
    UPDATE replay_clocks SET last_ms = p_at WHERE client_id = p_client;
    RETURN 0;
END $$;
"#,
    r#"
-- admit_request in fewer statements: one update locks the clock and moves it forward,
-- keeping what it was in prev_ms; one upsert records the nonce unless it is still fresh.
-- Only a refusal looks further.
ALTER TABLE replay_clocks ADD COLUMN prev_ms BIGINT;
CREATE OR REPLACE FUNCTION admit_request(p_client TEXT, p_nonce TEXT, p_at BIGINT, p_window BIGINT)
RETURNS INT LANGUAGE plpgsql AS $$
DECLARE
    last BIGINT;
BEGIN
    UPDATE replay_clocks SET prev_ms = last_ms, last_ms = greatest(last_ms, p_at)
        WHERE client_id = p_client RETURNING prev_ms INTO last;
    IF NOT FOUND THEN
        INSERT INTO replay_clocks (client_id, last_ms) VALUES (p_client, NULL)
            ON CONFLICT (client_id) DO NOTHING;
        UPDATE replay_clocks SET prev_ms = last_ms, last_ms = greatest(last_ms, p_at)
            WHERE client_id = p_client RETURNING prev_ms INTO last;
    END IF;
    IF p_at < last THEN
        -- The clock stayed; a reused nonce is the refusal that comes first.
        IF EXISTS (SELECT 1 FROM replay_nonces WHERE client_id = p_client AND nonce = p_nonce
                   AND at_ms + p_window >= p_at) THEN
            RETURN 1;
        END IF;
        RETURN 2;
    END IF;
    INSERT INTO replay_nonces AS n (client_id, nonce, at_ms) VALUES (p_client, p_nonce, p_at)
        ON CONFLICT (client_id, nonce) DO UPDATE SET at_ms = EXCLUDED.at_ms
        WHERE n.at_ms + p_window < EXCLUDED.at_ms;
    IF NOT FOUND THEN
        UPDATE replay_clocks SET last_ms = prev_ms WHERE client_id = p_client;
        RETURN 1;
    END IF;
    RETURN 0;
END $$;
"#,
    r#"
-- Every attempt of a delivery, for its history.
CREATE TABLE delivery_attempts (
    delivery_id BIGINT NOT NULL,
    client_id TEXT,
    n BIGINT NOT NULL,
    started_ms BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    status BIGINT,
    error TEXT,
    response_body TEXT,
    PRIMARY KEY (delivery_id, n)
);
CREATE INDEX delivery_attempts_client ON delivery_attempts (client_id, delivery_id);
"#,
];

/// The advisory lock key that serialises migrations.
const MIGRATION_LOCK: i64 = 0x1a5_5a4d_b0c5;

/// The advisory lock key of first-run work (see [`Postgres::lock_first_run`]).
const FIRST_RUN_LOCK: i64 = 0x1a5_5a4d_f125;

/// A signed call's checks in one statement: the signer's registration and, only when the
/// client exists, the replay verdict of [`admit_request`](MIGRATIONS).
const SIGNER_AND_VERDICT: &str =
    "SELECT body, admit_request($1, $2, $3, $4) FROM clients WHERE client_id = $1";

/// One connection to the shared state.
pub struct Postgres {
    url: String,
    /// How many connections the server opens (see [`Postgres::connections`]).
    connections: usize,
    /// Always `Some` but while dropping (see the `Drop` impl).
    link: RefCell<Option<Link>>,
    statements: RefCell<HashMap<&'static str, Statement>>,
    /// Whether the call's transaction is open.
    open: Cell<bool>,
    /// The first error since [`Postgres::begin`], if any.
    failure: RefCell<Option<String>>,
    /// Clients known to exist: registrations are never deleted, so a yes stays true.
    known: RefCell<HashSet<String>>,
    /// What [`Postgres::expect_signed`] fetched for the call.
    ahead: RefCell<Option<Ahead>>,
}

/// A connection and the runtime that drives it. The engine is synchronous, so a call blocks
/// on each statement in turn; statements handed over together are sent together
/// (pipelined), so that a transaction's `BEGIN` costs no round trip of its own.
struct Link {
    runtime: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
}

/// A signed call's registration and replay verdict, fetched before its checks ran.
#[derive(Debug)]
struct Ahead {
    client_id: String,
    nonce: String,
    timestamp_ms: u64,
    /// The registration, `None` for an unknown client (then no verdict either).
    body: Option<String>,
    /// `admit_request`'s answer; 0 means the request was recorded as admitted.
    verdict: Option<i32>,
    /// Whether the engine's own replay check ([`Postgres::admit`]) took the verdict. A call
    /// that admitted ahead but whose checks refused the request before that point (a bad
    /// signature, say) must keep nothing: it is rolled back.
    claimed: bool,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres").finish_non_exhaustive()
    }
}

impl Drop for Postgres {
    /// A runtime cannot be dropped inside an async task, and the last handle of a platform
    /// may be dropped in one: the connection is closed on a thread of its own.
    fn drop(&mut self) {
        if let Some(link) = self.link.get_mut().take() {
            let _ =
                std::thread::Builder::new().name("postgres-close".into()).spawn(move || drop(link));
        }
    }
}

impl Link {
    fn connect(url: &str) -> anyhow::Result<Link> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let (client, connection) = runtime
            .block_on(tokio_postgres::connect(url, NoTls))
            .with_context(|| format!("cannot connect to PostgreSQL at {}", redacted(url)))?;
        // Driven whenever the runtime is, that is while a statement is waited for.
        runtime.spawn(async move {
            if let Err(err) = connection.await {
                tracing::warn!("PostgreSQL connection ended: {err}");
            }
        });
        // The sandbox's state is test data: a commit need not wait for its WAL to reach
        // the disk. A crash of the database may lose the last moments, never consistency:
        // the bargain SQLite's `synchronous = NORMAL` makes on the embedded store.
        runtime.block_on(client.batch_execute("SET synchronous_commit = off"))?;
        Ok(Link { runtime, client })
    }

    /// Waits for `work` on this connection.
    fn wait<T>(
        &self,
        work: impl Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> anyhow::Result<T> {
        Ok(self.runtime.block_on(work)?)
    }
}

impl Postgres {
    /// The connection.
    fn link(&self) -> std::cell::RefMut<'_, Link> {
        std::cell::RefMut::map(self.link.borrow_mut(), |link| {
            link.as_mut().expect("a connection is only taken away when dropped")
        })
    }

    /// Connects to `url` and applies the migrations it has not seen; the server will open
    /// `connections` in all.
    pub fn open(url: &str, connections: usize) -> anyhow::Result<Postgres> {
        let db = Postgres::connect(url, connections)?;
        db.migrate()?;
        Ok(db)
    }

    /// Another connection to the same database.
    pub fn another(&self) -> anyhow::Result<Postgres> {
        Postgres::connect(&self.url, self.connections)
    }

    /// How many connections the server opens.
    pub fn connections(&self) -> usize {
        self.connections
    }

    fn connect(url: &str, connections: usize) -> anyhow::Result<Postgres> {
        Ok(Postgres {
            url: url.to_owned(),
            connections: connections.max(1),
            link: RefCell::new(Some(Link::connect(url)?)),
            statements: RefCell::new(HashMap::new()),
            open: Cell::new(false),
            failure: RefCell::new(None),
            known: RefCell::new(HashSet::new()),
            ahead: RefCell::new(None),
        })
    }

    fn migrate(&self) -> anyhow::Result<()> {
        let mut link = self.link();
        let Link { runtime, client } = &mut *link;
        runtime.block_on(async {
            let tx = client.transaction().await?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
            tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
                .await?;
            let version: Option<i64> = tx
                .query_opt("SELECT version FROM schema_version", &[])
                .await?
                .map(|row| row.get(0));
            let version = usize::try_from(version.unwrap_or(0)).unwrap_or(0);
            if version > MIGRATIONS.len() {
                anyhow::bail!(
                    "the database is at version {version}, newer than this server ({})",
                    MIGRATIONS.len()
                );
            }
            for (idx, sql) in MIGRATIONS.iter().enumerate().skip(version) {
                tx.batch_execute(sql)
                    .await
                    .with_context(|| format!("migration {} failed", idx + 1))?;
                tracing::info!(version = idx + 1, "database migrated");
            }
            let now = to_i64(MIGRATIONS.len() as u64);
            tx.execute("DELETE FROM schema_version", &[]).await?;
            tx.execute("INSERT INTO schema_version (version) VALUES ($1)", &[&now]).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Starts a call; its transaction opens with its first statement.
    pub fn begin(&self) {
        self.failure.replace(None);
        self.ahead.replace(None);
        if self.link().client.is_closed() {
            // The server restarted or the network dropped: connect again (a failure shows
            // up as the call's first statement failing).
            match Link::connect(&self.url) {
                Ok(link) => {
                    tracing::warn!("reconnected to PostgreSQL");
                    *self.link.borrow_mut() = Some(link);
                    self.statements.borrow_mut().clear();
                    self.open.set(false);
                }
                Err(err) => tracing::error!("cannot reconnect to PostgreSQL: {err:#}"),
            }
        }
        if self.open.get() {
            // A call that panicked left its transaction open; it never committed.
            self.rollback();
        }
    }

    /// Commits the call, or rolls it back (and fails) if a statement failed. A call that
    /// admitted its request ahead but never reached its replay check is rolled back.
    pub fn finish(&self) -> anyhow::Result<()> {
        if let Some(err) = self.failure.take() {
            self.rollback();
            anyhow::bail!("database error: {err}");
        }
        let ahead = self.ahead.take();
        if ahead.is_some_and(|it| it.verdict == Some(0) && !it.claimed) {
            self.rollback();
            return Ok(());
        }
        if self.open.replace(false) {
            let link = self.link();
            if let Err(err) = link.wait(link.client.batch_execute("COMMIT")) {
                drop(link);
                self.rollback();
                return Err(err);
            }
        }
        Ok(())
    }

    /// Rolls the call back.
    pub fn rollback(&self) {
        self.failure.replace(None);
        self.ahead.replace(None);
        if self.open.replace(false) {
            let link = self.link();
            let _ = link.wait(link.client.batch_execute("ROLLBACK"));
        }
    }

    /// The prepared statement of `sql` on this connection.
    fn statement(&self, link: &Link, sql: &'static str) -> anyhow::Result<Statement> {
        if let Some(stmt) = self.statements.borrow().get(sql) {
            return Ok(stmt.clone());
        }
        let stmt = link.wait(link.client.prepare(sql))?;
        self.statements.borrow_mut().insert(sql, stmt.clone());
        Ok(stmt)
    }

    /// Runs `sql` inside the call's transaction; the `BEGIN` that opens it, if needed,
    /// travels with it.
    fn rows(&self, sql: &'static str, args: &[&(dyn ToSql + Sync)]) -> anyhow::Result<Vec<Row>> {
        let link = self.link();
        let stmt = self.statement(&link, sql)?;
        let client = &link.client;
        if self.open.replace(true) {
            return link.wait(client.query(&stmt, args));
        }
        let (began, rows) = link.wait(async {
            Ok(future::join(client.batch_execute("BEGIN"), client.query(&stmt, args)).await)
        })?;
        began?;
        Ok(rows?)
    }

    fn row(&self, sql: &'static str, args: &[&(dyn ToSql + Sync)]) -> anyhow::Result<Option<Row>> {
        let mut rows = self.rows(sql, args)?;
        anyhow::ensure!(rows.len() <= 1, "a query for one row answered {}", rows.len());
        Ok(rows.pop())
    }

    fn execute(&self, sql: &'static str, args: &[&(dyn ToSql + Sync)]) -> anyhow::Result<()> {
        self.rows(sql, args).map(drop)
    }

    /// A signed call is about to be checked: fetches the signer's registration and the
    /// replay verdict in the call's first round trip, for [`Postgres::client`] and
    /// [`Postgres::admit`] to answer from. Headers that cannot pass the checks fetch nothing.
    pub fn expect_signed(&self, headers: &RequestHeaders<'_>, replay: &ReplayConfig) {
        let (Some(client_id), Some(nonce), Some(timestamp)) =
            (headers.client_id, headers.nonce, headers.timestamp)
        else {
            return;
        };
        let Ok(timestamp_ms) = timestamp.parse::<u64>() else { return };
        if client_id.is_empty() || nonce.is_empty() || nonce.len() > MAX_NONCE_LEN {
            return;
        }
        let args: [&(dyn ToSql + Sync); 4] =
            [&client_id, &nonce, &to_i64(timestamp_ms), &to_i64(replay.nonce_window_ms)];
        let Ok(row) = self.store(self.row(SIGNER_AND_VERDICT, &args)) else { return };
        let (body, verdict) = match row {
            Some(row) => (Some(row.get(0)), Some(row.get(1))),
            None => (None, None),
        };
        self.ahead.replace(Some(Ahead {
            client_id: client_id.to_owned(),
            nonce: nonce.to_owned(),
            timestamp_ms,
            body,
            verdict,
            claimed: false,
        }));
    }

    /// Runs a statement for the engine: a failure is remembered, so the call rolls back.
    fn store<T>(&self, res: anyhow::Result<T>) -> Stored<T> {
        res.map_err(|err| {
            let err = format!("{err:#}");
            tracing::error!(%err, "database statement failed");
            self.failure.borrow_mut().get_or_insert_with(|| err.clone());
            protocol::Error::Store(err)
        })
    }

    /// The JSON `body` (column 0) of the row `sql` selects.
    fn get<T: DeserializeOwned>(
        &self,
        sql: &'static str,
        args: &[&(dyn ToSql + Sync)],
    ) -> Stored<Option<T>> {
        let res = self.row(sql, args).and_then(|row| {
            row.map(|row| Ok(serde_json::from_str(row.get::<_, &str>(0))?)).transpose()
        });
        self.store(res)
    }

    /// The JSON `body` (column 0) of every row `sql` selects.
    fn get_all<T: DeserializeOwned>(
        &self,
        sql: &'static str,
        args: &[&(dyn ToSql + Sync)],
    ) -> Stored<Vec<T>> {
        let res = self.rows(sql, args).and_then(|rows| {
            rows.iter().map(|row| Ok(serde_json::from_str(row.get::<_, &str>(0))?)).collect()
        });
        self.store(res)
    }

    /// Runs a write statement for the engine.
    fn put(&self, sql: &'static str, args: &[&(dyn ToSql + Sync)]) -> Stored<()> {
        let res = self.execute(sql, args).map(drop);
        self.store(res)
    }

    fn json(&self, value: &impl Serialize) -> Stored<String> {
        self.store(serde_json::to_string(value).map_err(Into::into))
    }

    /// Takes the first-run lock for the rest of the call's transaction.
    pub fn lock_first_run(&self) -> anyhow::Result<()> {
        self.execute("SELECT pg_advisory_xact_lock($1)", &[&FIRST_RUN_LOCK])?;
        Ok(())
    }

    /// A setting of the `meta` table.
    pub fn meta(&self, key: &str) -> anyhow::Result<Option<String>> {
        let row = self.row("SELECT value FROM meta WHERE key = $1", &[&key])?;
        Ok(row.map(|row| row.get(0)))
    }

    /// Saves a setting of the `meta` table.
    pub fn put_meta(&self, key: &str, value: &str) -> anyhow::Result<()> {
        self.execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    /// Every registered client, by `clientID`.
    pub fn clients(&self) -> anyhow::Result<Vec<Client>> {
        let rows = self.rows("SELECT body FROM clients ORDER BY client_id", &[])?;
        rows.iter().map(|row| Ok(serde_json::from_str(row.get::<_, &str>(0))?)).collect()
    }

    /// Whether `client_id` is registered.
    pub fn knows_client(&self, client_id: &str) -> bool {
        if self.known.borrow().contains(client_id) {
            return true;
        }
        let found = self.row("SELECT 1 FROM clients WHERE client_id = $1", &[&client_id]);
        let found = matches!(found, Ok(Some(_)));
        if found {
            self.known.borrow_mut().insert(client_id.to_owned());
        }
        found
    }

    /// Forgets expired codes and tokens, rows beyond [`KEEP_ROWS`] per client (of
    /// deliveries, finished ones only), and nonces that aged out of the replay window.
    pub fn purge(&self, before_ms: u64, replay: &ReplayConfig) -> anyhow::Result<()> {
        let before = to_i64(before_ms);
        self.execute("DELETE FROM auth_codes WHERE expires_ms < $1", &[&before])?;
        self.execute("DELETE FROM access_tokens WHERE expires_ms < $1", &[&before])?;
        let keep = to_i64(KEEP_ROWS as u64);
        self.execute(
            "DELETE FROM inbox WHERE id IN (SELECT id FROM (SELECT id, row_number()
             OVER (PARTITION BY client_id ORDER BY id DESC) AS n FROM inbox) t WHERE n > $1)",
            &[&keep],
        )?;
        self.execute(
            "DELETE FROM deliveries WHERE id IN (SELECT id FROM (SELECT id, row_number()
             OVER (PARTITION BY client_id ORDER BY id DESC) AS n FROM deliveries
             WHERE state <> 'pending') t WHERE n > $1)",
            &[&keep],
        )?;
        self.execute(
            "DELETE FROM journal WHERE id IN (SELECT id FROM (SELECT id, row_number()
             OVER (PARTITION BY client_id ORDER BY id DESC) AS n FROM journal) t WHERE n > $1)",
            &[&keep],
        )?;
        self.execute(
            "DELETE FROM delivery_attempts a
             WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = a.delivery_id)",
            &[],
        )?;
        let window = to_i64(replay.nonce_window_ms);
        self.execute(
            "DELETE FROM replay_nonces n USING replay_clocks c
             WHERE n.client_id = c.client_id AND n.at_ms + $1 < c.last_ms",
            &[&window],
        )?;
        Ok(())
    }

    /// Deletes the client's rows from every table with a `client_id` column but the
    /// registration's.
    pub fn reset_client(&self, client_id: &str) -> anyhow::Result<()> {
        let tables = self.rows(
            "SELECT table_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND column_name = 'client_id'
             ORDER BY table_name",
            &[],
        )?;
        let link = self.link();
        for row in tables {
            let table: &str = row.get(0);
            if REGISTRATION_TABLES.contains(&table) {
                continue;
            }
            let sql = format!("DELETE FROM {} WHERE client_id = $1", quoted(table));
            link.wait(link.client.execute(sql.as_str(), &[&client_id]))?;
        }
        Ok(())
    }

    /// The private half of a KEK the sandbox generated for `client_id`.
    pub fn kek_private_key(&self, client_id: &str) -> anyhow::Result<Option<String>> {
        let row =
            self.row("SELECT pem FROM kek_private_keys WHERE client_id = $1", &[&client_id])?;
        Ok(row.map(|row| row.get(0)))
    }

    /// Keeps the private half of a KEK the sandbox generated.
    pub fn put_kek_private_key(&self, client_id: &str, pem: &str) -> anyhow::Result<()> {
        self.execute(
            "INSERT INTO kek_private_keys (client_id, pem) VALUES ($1, $2)
             ON CONFLICT (client_id) DO UPDATE SET pem = EXCLUDED.pem",
            &[&client_id, &pem],
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
        let now = to_i64(now_ms);
        let row = self.row(
            "INSERT INTO deliveries (client_id, url, body, state, next_attempt_ms, created_ms, updated_ms)
             VALUES ($1, $2, $3, 'pending', $4, $4, $4) RETURNING id",
            &[&client_id, &url, &body, &now],
        )?;
        row.map(|row| row.get(0)).context("the insert returned no id")
    }

    /// Queues a copy of delivery `id`.
    pub fn requeue_delivery(&self, id: i64, now_ms: u64) -> anyhow::Result<Option<i64>> {
        let now = to_i64(now_ms);
        let row = self.row(
            "INSERT INTO deliveries (client_id, url, body, state, next_attempt_ms, created_ms, updated_ms)
             SELECT client_id, url, body, 'pending', $2, $2, $2 FROM deliveries WHERE id = $1
             RETURNING id",
            &[&id, &now],
        )?;
        Ok(row.map(|row| row.get(0)))
    }

    /// Claims due deliveries with a lease; rows another worker holds are skipped.
    pub fn claim_deliveries(
        &self,
        now_ms: u64,
        limit: usize,
        lease_ms: u64,
    ) -> anyhow::Result<Vec<DueDelivery>> {
        let (now, limit) = (to_i64(now_ms), to_i64(limit as u64));
        let until = to_i64(now_ms.saturating_add(lease_ms));
        let rows = self.rows(
            "WITH claimed AS (
                 UPDATE deliveries SET next_attempt_ms = $3, attempts = attempts + 1 WHERE id IN (
                     SELECT id FROM deliveries WHERE state = 'pending' AND next_attempt_ms <= $1
                     ORDER BY next_attempt_ms, id LIMIT $2 FOR UPDATE SKIP LOCKED)
                 RETURNING id, client_id, url, body, attempts
             ), noted AS (
                 INSERT INTO delivery_attempts
                     (delivery_id, client_id, n, started_ms, duration_ms, error)
                 SELECT id, client_id, attempts, $1, 0, $4 FROM claimed
                 ON CONFLICT (delivery_id, n) DO NOTHING
             )
             SELECT id, url, body, attempts FROM claimed",
            &[&now, &limit, &until, &INTERRUPTED],
        )?;
        let mut due: Vec<DueDelivery> = rows
            .iter()
            .map(|row| DueDelivery {
                id: row.get(0),
                url: row.get(1),
                body: row.get(2),
                attempts: row.get(3),
            })
            .collect();
        due.sort_by_key(|it| it.id);
        Ok(due)
    }

    /// Records an attempt of a delivery and adds it to the delivery's history.
    pub fn record_attempt(&self, attempt: &Attempt) -> anyhow::Result<()> {
        self.execute(
            "UPDATE deliveries SET state = $2, attempts = $3, next_attempt_ms = $4, updated_ms = $5,
                 response_status = $6, response_body = $7, error = $8 WHERE id = $1",
            &[
                &attempt.id,
                &attempt.state,
                &attempt.attempts,
                &to_i64(attempt.next_attempt_ms),
                &to_i64(attempt.now_ms),
                &attempt.status,
                &attempt.body,
                &attempt.error,
            ],
        )?;
        self.execute(
            "INSERT INTO delivery_attempts
                 (delivery_id, client_id, n, started_ms, duration_ms, status, error, response_body)
             SELECT id, client_id, $2, $3, $4, $5, $6, $7 FROM deliveries WHERE id = $1
             ON CONFLICT (delivery_id, n) DO UPDATE SET started_ms = EXCLUDED.started_ms,
                 duration_ms = EXCLUDED.duration_ms, status = EXCLUDED.status,
                 error = EXCLUDED.error, response_body = EXCLUDED.response_body",
            &[
                &attempt.id,
                &attempt.attempts,
                &to_i64(attempt.started_ms),
                &to_i64(attempt.now_ms.saturating_sub(attempt.started_ms)),
                &attempt.status,
                &attempt.error,
                &attempt.body,
            ],
        )
    }

    /// When the soonest pending delivery is due.
    pub fn next_delivery_due(&self) -> anyhow::Result<Option<u64>> {
        let row =
            self.row("SELECT min(next_attempt_ms) FROM deliveries WHERE state = 'pending'", &[])?;
        Ok(row.and_then(|row| row.get::<_, Option<i64>>(0)).map(to_u64))
    }

    /// Makes a claimed delivery due at `at_ms`, without an attempt.
    pub fn postpone_delivery(&self, id: i64, at_ms: u64) -> anyhow::Result<()> {
        self.execute(
            "WITH undone AS (
                 UPDATE deliveries SET next_attempt_ms = $2, attempts = attempts - 1 WHERE id = $1
                 RETURNING id, attempts + 1 AS n
             )
             DELETE FROM delivery_attempts a USING undone u
             WHERE a.delivery_id = u.id AND a.n = u.n",
            &[&id, &to_i64(at_ms)],
        )
    }

    /// The attempts of a client's deliveries `from..=to`, by delivery and in order.
    pub fn attempts(
        &self,
        client_id: &str,
        from: i64,
        to: i64,
    ) -> anyhow::Result<Vec<(i64, AttemptRecord)>> {
        let rows = self.rows(
            "SELECT delivery_id, n, started_ms, duration_ms, status, error, response_body
             FROM delivery_attempts WHERE client_id = $1 AND delivery_id BETWEEN $2 AND $3
             ORDER BY delivery_id, n",
            &[&client_id, &from, &to],
        )?;
        Ok(rows
            .iter()
            .map(|row| {
                let record = AttemptRecord {
                    n: row.get(1),
                    started_ms: row.get(2),
                    duration_ms: row.get(3),
                    status: row.get(4),
                    error: row.get(5),
                    response_body: row.get(6),
                };
                (row.get(0), record)
            })
            .collect())
    }

    /// The latest `limit` deliveries of a client older than delivery `before`, newest first.
    pub fn deliveries(
        &self,
        client_id: &str,
        limit: usize,
        before: i64,
    ) -> anyhow::Result<Vec<Delivery>> {
        let rows = self.rows(
            "SELECT id, client_id, url, body, state, attempts, next_attempt_ms, created_ms,
                    updated_ms, response_status, response_body, error
             FROM deliveries WHERE client_id = $1 AND id < $3 ORDER BY id DESC LIMIT $2",
            &[&client_id, &to_i64(limit as u64), &before],
        )?;
        Ok(rows
            .iter()
            .map(|row| Delivery {
                id: row.get(0),
                client_id: row.get(1),
                url: row.get(2),
                body: row.get(3),
                state: row.get(4),
                attempts: row.get(5),
                next_attempt_ms: row.get(6),
                created_ms: row.get(7),
                updated_ms: row.get(8),
                response_status: row.get(9),
                response_body: row.get(10),
                error: row.get(11),
                history: Vec::new(),
            })
            .collect())
    }

    /// Keeps a request that landed in a client's inbox.
    pub fn keep_inbox(&self, entry: &InboxEntry) -> anyhow::Result<()> {
        self.execute(
            "INSERT INTO inbox (client_id, received_ms, method, query, body) VALUES ($1, $2, $3, $4, $5)",
            &[&entry.client_id, &entry.received_ms, &entry.method, &entry.query, &entry.body],
        )?;
        Ok(())
    }

    /// The latest `limit` inbox entries of a client, newest first.
    pub fn inbox(&self, client_id: &str, limit: usize) -> anyhow::Result<Vec<InboxEntry>> {
        let rows = self.rows(
            "SELECT id, client_id, received_ms, method, query, body FROM inbox
             WHERE client_id = $1 ORDER BY id DESC LIMIT $2",
            &[&client_id, &to_i64(limit as u64)],
        )?;
        Ok(rows
            .iter()
            .map(|row| InboxEntry {
                id: row.get(0),
                client_id: row.get(1),
                received_ms: row.get(2),
                method: row.get(3),
                query: row.get(4),
                body: row.get(5),
            })
            .collect())
    }

    /// The latest `limit` journal rows of a client, newest first, numbered by the table.
    pub fn journal(&self, client_id: &str, limit: usize) -> anyhow::Result<Vec<journal::Entry>> {
        let rows = self.rows(
            "SELECT id, body FROM journal WHERE client_id = $1 ORDER BY id DESC LIMIT $2",
            &[&client_id, &to_i64(limit as u64)],
        )?;
        rows.iter()
            .map(|row| {
                let mut entry: journal::Entry = serde_json::from_str(row.get::<_, &str>(1))?;
                entry.id = row.get(0);
                Ok(entry)
            })
            .collect()
    }

    /// Appends a save of the journal to the shared table, in one statement and transaction.
    pub fn save_journal(&mut self, taken: &journal::Taken) -> anyhow::Result<()> {
        if taken.is_empty() {
            return Ok(());
        }
        let rows = serde_json::to_string(&taken.rows())?;
        self.begin();
        let inserted = self.execute(
            "INSERT INTO journal (client_id, body)
             SELECT e->>'clientId', e::text FROM json_array_elements($1::text::json) AS e",
            &[&rows],
        );
        if let Err(err) = inserted {
            // A failed statement leaves the transaction aborted: end it, so the next save
            // starts afresh (the rows are taken again).
            self.rollback();
            return Err(err);
        }
        self.finish()
    }
}

impl Postgres {
    pub fn client(&self, client_id: &str) -> Stored<Option<Client>> {
        if let Some(ahead) = self.ahead.borrow().as_ref().filter(|it| it.client_id == client_id) {
            let body = ahead.body.as_deref().map(serde_json::from_str).transpose();
            return self.store(body.map_err(Into::into));
        }
        self.get("SELECT body FROM clients WHERE client_id = $1", &[&client_id])
    }

    pub fn put_client(&mut self, client: Client) -> Stored<()> {
        let body = self.json(&client)?;
        self.put(
            "INSERT INTO clients (client_id, body) VALUES ($1, $2)
             ON CONFLICT (client_id) DO UPDATE SET body = EXCLUDED.body",
            &[&client.client_id, &body],
        )
    }

    pub fn task(&self, id: &str) -> Stored<Option<Task>> {
        self.get("SELECT body FROM tasks WHERE id = $1 FOR UPDATE", &[&id])
    }

    pub fn put_task(&mut self, task: Task) -> Stored<()> {
        let body = self.json(&task)?;
        self.put(
            "INSERT INTO tasks (id, client_id, persona, due_ms, body) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET client_id = EXCLUDED.client_id,
                 persona = EXCLUDED.persona, due_ms = EXCLUDED.due_ms, body = EXCLUDED.body",
            &[&task.id, &task.client_id, &task.persona, &to_i64(task.due_ms()), &body],
        )
    }

    pub fn due_tasks(&mut self, now_ms: u64, limit: usize) -> Stored<Vec<Task>> {
        self.get_all(
            "SELECT body FROM tasks WHERE due_ms <= $1 ORDER BY due_ms LIMIT $2
             FOR UPDATE SKIP LOCKED",
            &[&to_i64(now_ms), &to_i64(limit as u64)],
        )
    }

    pub fn next_due(&self) -> Stored<Option<u64>> {
        let res = self.row("SELECT min(due_ms) FROM tasks", &[]);
        let at = self.store(res)?.and_then(|row| row.get::<_, Option<i64>>(0));
        Ok(at.map(to_u64))
    }

    pub fn persona_tasks(&self, persona: &str) -> Stored<Vec<Task>> {
        self.get_all("SELECT body FROM tasks WHERE persona = $1", &[&persona])
    }

    pub fn remove_task(&mut self, id: &str) -> Stored<()> {
        self.put("DELETE FROM tasks WHERE id = $1", &[&id])
    }

    pub fn take_auth_code(&mut self, code: &str) -> Stored<Option<AuthCode>> {
        self.get("DELETE FROM auth_codes WHERE code = $1 RETURNING body", &[&code])
    }

    pub fn put_auth_code(&mut self, code: AuthCode) -> Stored<()> {
        let body = self.json(&code)?;
        self.put(
            "INSERT INTO auth_codes (code, client_id, expires_ms, body) VALUES ($1, $2, $3, $4)
             ON CONFLICT (code) DO UPDATE SET body = EXCLUDED.body, expires_ms = EXCLUDED.expires_ms",
            &[&code.code, &code.client_id, &to_i64(code.expires_ms), &body],
        )
    }

    pub fn access_token(&self, token: &str) -> Stored<Option<AccessToken>> {
        self.get("SELECT body FROM access_tokens WHERE token = $1", &[&token])
    }

    pub fn put_access_token(&mut self, token: AccessToken) -> Stored<()> {
        let body = self.json(&token)?;
        self.put(
            "INSERT INTO access_tokens (token, client_id, expires_ms, body) VALUES ($1, $2, $3, $4)
             ON CONFLICT (token) DO UPDATE SET body = EXCLUDED.body, expires_ms = EXCLUDED.expires_ms",
            &[&token.token, &token.client_id, &to_i64(token.expires_ms), &body],
        )
    }

    pub fn cek(&self, client_id: &str) -> Stored<CekState> {
        let found: Option<CekState> =
            self.get("SELECT body FROM ceks WHERE client_id = $1 FOR UPDATE", &[&client_id])?;
        Ok(found.unwrap_or_default())
    }

    pub fn put_cek(&mut self, client_id: &str, cek: CekState) -> Stored<()> {
        let body = self.json(&cek)?;
        self.put(
            "INSERT INTO ceks (client_id, body) VALUES ($1, $2)
             ON CONFLICT (client_id) DO UPDATE SET body = EXCLUDED.body",
            &[&client_id, &body],
        )
    }

    pub fn admit(
        &mut self,
        request: &VerifiedRequest<'_>,
        config: &ReplayConfig,
        now_ms: u64,
    ) -> Stored<()> {
        ReplayGuard::check_clock_skew(request, config, now_ms)?;
        let ahead = self.ahead.get_mut().as_mut().filter(|it| {
            it.client_id == request.client_id()
                && it.nonce == request.nonce()
                && it.timestamp_ms == request.timestamp_ms()
        });
        let answer = match ahead {
            Some(ahead) => {
                ahead.claimed = true;
                ahead.verdict
            }
            None => {
                let res = self.row(
                    "SELECT admit_request($1, $2, $3, $4)",
                    &[
                        &request.client_id(),
                        &request.nonce(),
                        &to_i64(request.timestamp_ms()),
                        &to_i64(config.nonce_window_ms),
                    ],
                );
                self.store(res)?.map(|row| row.get(0))
            }
        };
        match answer {
            Some(0) => Ok(()),
            Some(1) => Err(protocol::Error::NonceReused),
            Some(2) => Err(protocol::Error::TimestampWentBackwards),
            other => self.store(Err(anyhow::anyhow!("admit_request answered {other:?}"))),
        }
    }

    pub fn business(&self, client_id: &str, business_id: &str) -> Stored<Option<BusinessRecord>> {
        self.get(
            "SELECT body FROM businesses WHERE client_id = $1 AND business_id = $2",
            &[&client_id, &business_id],
        )
    }

    pub fn put_business(&mut self, record: BusinessRecord) -> Stored<()> {
        let body = self.json(&record)?;
        self.put(
            "INSERT INTO businesses (client_id, business_id, body) VALUES ($1, $2, $3)
             ON CONFLICT (client_id, business_id) DO UPDATE SET body = EXCLUDED.body",
            &[&record.client_id, &record.business_id, &body],
        )
    }
}

/// A table name from the catalogue, quoted as an identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `url` without its password, for messages.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}
