//! The request journal: the latest requests of each client, with their outcome.
//!
//! Every signed POST and getQR of a registered client leaves a row: when, method, path, HTTP
//! status, D-code, `txID`, the scenario selected by header, and how long the engine took.
//! Nothing secret is kept (no headers, no bodies). `GET /sandbox/clients/{id}/journal?limit=N`
//! lists the latest rows, newest first; the timer keeps the latest [`KEEP`] per client. Rows
//! are written behind, in batches (see [`Pending`]).

use axum::{
    extract::{Path, Query, State},
    response::Response,
};
use serde::Serialize;

use crate::{
    AppState,
    platform::Core,
    state::{ApiError, Limit, latest_rows},
    store::{SqliteStore, to_i64},
};

/// How many rows are kept per client.
pub const KEEP: usize = Limit::MAX;

/// One journal row.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub id: i64,
    pub client_id: Option<String>,
    pub at_ms: i64,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub code: Option<String>,
    #[serde(rename = "txID")]
    pub tx_id: Option<String>,
    pub scenario: Option<String>,
    pub elapsed_us: i64,
}

/// What a journal row records, before it has an id.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub client_id: Option<&'a str>,
    pub method: &'a str,
    pub path: &'a str,
    pub status: u16,
    pub code: Option<&'a str>,
    pub tx_id: Option<&'a str>,
    pub scenario: Option<&'a str>,
    pub elapsed_us: u64,
}

/// Journal rows recorded but not yet written, oldest first.
///
/// A signed request that only reads (most of them) would otherwise pay a write transaction
/// for its journal row alone; instead rows wait here and are written in batches: when
/// [`BATCH`] are waiting, at every tick of the timer, before the journal is listed, and when
/// the server stops. A crash loses at most the rows of one tick.
#[derive(Debug, Default)]
pub struct Pending(Vec<Row>);

/// How many waiting rows make the next call write them.
pub const BATCH: usize = 256;

/// A row as it waits in [`Pending`].
#[derive(Debug)]
struct Row {
    client_id: String,
    at_ms: u64,
    method: String,
    path: String,
    status: u16,
    code: Option<String>,
    tx_id: Option<String>,
    scenario: Option<String>,
    elapsed_us: u64,
}

impl Pending {
    /// Forgets the waiting rows of a client that is being reset.
    pub fn forget(&mut self, client_id: &str) {
        self.0.retain(|row| row.client_id != client_id);
    }
}

/// Records a row for a registered client; requests of unknown clients are only logged.
pub fn record(core: &mut Core, entry: &NewEntry<'_>, now_ms: u64) -> anyhow::Result<()> {
    use protocol::engine::Store as _;
    let Some(client_id) = entry.client_id.filter(|id| core.store().client(id).is_some()) else {
        return Ok(());
    };
    core.journal.0.push(Row {
        client_id: client_id.to_owned(),
        at_ms: now_ms,
        method: entry.method.to_owned(),
        path: entry.path.to_owned(),
        status: entry.status,
        code: entry.code.map(str::to_owned),
        tx_id: entry.tx_id.map(str::to_owned),
        scenario: entry.scenario.map(str::to_owned),
        elapsed_us: entry.elapsed_us,
    });
    if core.journal.0.len() >= BATCH {
        write_pending(core)?;
    }
    Ok(())
}

/// Writes the waiting rows; call it inside a transaction. They stay waiting if it fails.
pub fn write_pending(core: &mut Core) -> anyhow::Result<usize> {
    let rows = &mut core.journal.0;
    let mut stmt = core.engine.store().conn().prepare_cached(
        "INSERT INTO journal (client_id, at_ms, method, path, status, code, tx_id, scenario, elapsed_us)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for row in rows.iter() {
        stmt.execute(rusqlite::params![
            row.client_id,
            to_i64(row.at_ms),
            row.method,
            row.path,
            row.status,
            row.code,
            row.tx_id,
            row.scenario,
            to_i64(row.elapsed_us),
        ])?;
    }
    let n = rows.len();
    rows.clear();
    Ok(n)
}

/// Keeps only the latest [`KEEP`] rows of each client.
pub fn trim(store: &SqliteStore) -> anyhow::Result<()> {
    store.conn().execute(
        "DELETE FROM journal WHERE id IN (
            SELECT id FROM (
                SELECT id, ROW_NUMBER() OVER (PARTITION BY client_id ORDER BY id DESC) AS n
                FROM journal
            ) WHERE n > ?1
        )",
        [to_i64(KEEP as u64)],
    )?;
    Ok(())
}

/// `GET /sandbox/clients/{id}/journal?limit=N`: the latest N rows (default 50), newest first.
pub async fn list(
    State(state): State<AppState>,
    Path(client): Path<String>,
    Query(limit): Query<Limit>,
) -> Result<Response, ApiError> {
    // Rows still waiting are written first, so the list shows every request answered so far.
    state.ready()?.platform.call(|core, _| write_pending(core)).await?;
    const SQL: &str = "SELECT id, client_id, at_ms, method, path, status, code, tx_id, scenario,
                              elapsed_us
                       FROM journal WHERE client_id = ?1 ORDER BY id DESC LIMIT ?2";
    latest_rows(&state, SQL, client, &limit, |row| {
        Ok(Entry {
            id: row.get(0)?,
            client_id: row.get(1)?,
            at_ms: row.get(2)?,
            method: row.get(3)?,
            path: row.get(4)?,
            status: row.get(5)?,
            code: row.get(6)?,
            tx_id: row.get(7)?,
            scenario: row.get(8)?,
            elapsed_us: row.get(9)?,
        })
    })
    .await
}
