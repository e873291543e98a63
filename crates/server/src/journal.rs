//! The request journal: the latest requests of each client, with their outcome.
//!
//! Every signed POST and getQR of a registered client leaves a row: when, method, path, HTTP
//! status, D-code, `txID`, the scenario selected by header, and how long the engine took.
//! Nothing secret is kept (no headers, no bodies). `GET /sandbox/clients/{id}/journal?limit=N`
//! lists the latest rows, newest first, up to [`KEEP`] per client.
//!
//! The latest rows of each client are kept in memory, which answers the listing; the table
//! `journal_batches` is an append-only copy for restarts, one table row per save holding its
//! rows as a JSON array. Rows are appended by the platform's flush (every second, sooner when
//! many are waiting, and when the server stops), so a crash loses at most a second of rows.
//! When the table holds well over what memory keeps, or a client was reset, it is rewritten
//! from memory, which also drops rows beyond [`KEEP`].

use std::{
    collections::{HashMap, HashSet, VecDeque},
    ops::Deref,
    sync::Arc,
};

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
    routing::get,
};
use rusqlite::Connection;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{
    AppState,
    db::{
        sqlite::{from_json, to_json},
        to_i64,
    },
    error::AppError,
    platform::Core,
    state::Limit,
};

/// The journal's route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/sandbox/clients/{client}/journal", get(list))
}

/// How many rows are kept per client.
pub const KEEP: usize = Limit::MAX;

/// The table is rewritten when it holds more than this many rows beyond twice memory's.
const TABLE_SLACK: usize = 65_536;

/// The most journal rows one table row holds.
const ROW_ENTRIES: usize = 4096;

/// One journal row.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub id: i64,
    pub client_id: Word,
    pub at_ms: i64,
    pub method: Word,
    pub path: Word,
    pub status: u16,
    pub code: Option<Word>,
    #[serde(rename = "txID")]
    pub tx_id: Option<String>,
    pub scenario: Option<Word>,
    pub elapsed_us: i64,
}

/// A text that many rows repeat (a client, a path, a code), stored once: rows share it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Word(Arc<str>);

impl Deref for Word {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Word {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Word {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|text| Word(Arc::from(text)))
    }
}

impl Serialize for Word {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
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

/// The latest rows of every client, and those not written to the table yet.
#[derive(Debug, Default)]
pub struct Journal {
    /// Each client's latest rows, oldest first.
    latest: HashMap<Word, VecDeque<Arc<Entry>>>,
    /// Every [`Word`] the rows use.
    words: HashSet<Arc<str>>,
    /// Rows not in the table yet, oldest first (shared with `latest`).
    pending: VecDeque<Arc<Entry>>,
    next_id: i64,
    table_rows: usize,
    /// Set when a client was forgotten: the next save rewrites the table.
    rewrite: bool,
    /// Whether the rows only pass through memory on their way to a table shared with other
    /// servers (PostgreSQL), which answers the listing: memory then keeps no latest rows and
    /// never rewrites the table.
    append_only: bool,
}

impl Journal {
    /// A journal that appends to a shared table and keeps only what waits to be written.
    pub fn append_only() -> Journal {
        Journal { next_id: 1, append_only: true, ..Journal::default() }
    }

    /// Reads the table back.
    pub fn load(conn: &Connection) -> rusqlite::Result<Journal> {
        let mut journal = Journal { next_id: 1, ..Journal::default() };
        let mut stmt = conn.prepare("SELECT body FROM journal_batches ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let entries: Vec<Entry> = from_json(row.get_ref(0)?.as_str()?)?;
            for mut entry in entries {
                // Rows share their words again.
                entry.client_id = journal.word(&entry.client_id);
                entry.method = journal.word(&entry.method);
                entry.path = journal.word(&entry.path);
                entry.code = entry.code.map(|it| journal.word(&it));
                entry.scenario = entry.scenario.map(|it| journal.word(&it));
                journal.next_id = journal.next_id.max(entry.id + 1);
                journal.table_rows += 1;
                journal.keep(Arc::new(entry));
            }
        }
        Ok(journal)
    }

    /// The latest `n` rows of a client, newest first.
    pub fn latest(&self, client_id: &str, n: usize) -> Vec<Entry> {
        self.latest.get(client_id).map_or_else(Vec::new, |rows| {
            rows.iter().rev().take(n).map(|row| Entry::clone(row)).collect()
        })
    }

    /// How many rows wait to be written.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Forgets a client's rows; the next save rewrites the table without them.
    pub fn forget(&mut self, client_id: &str) {
        self.latest.remove(client_id);
        self.pending.retain(|row| &*row.client_id != client_id);
        self.rewrite = true;
    }

    /// The shared copy of `text`.
    fn word(&mut self, text: &str) -> Word {
        if let Some(word) = self.words.get(text) {
            return Word(Arc::clone(word));
        }
        let word: Arc<str> = Arc::from(text);
        self.words.insert(Arc::clone(&word));
        Word(word)
    }

    fn keep(&mut self, entry: Arc<Entry>) {
        if self.append_only {
            return;
        }
        let rows = self.latest.entry(entry.client_id.clone()).or_default();
        if rows.len() == KEEP {
            rows.pop_front();
        }
        rows.push_back(entry);
    }
}

/// Records a row for a registered client; requests of unknown clients are only logged.
pub fn record(core: &mut Core, entry: &NewEntry<'_>, now_ms: u64) -> anyhow::Result<()> {
    let Some(client_id) = entry.client_id.filter(|id| core.store().knows_client(id)) else {
        return Ok(());
    };
    let mut journal = core.journal.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let journal = &mut *journal;
    let row = Arc::new(Entry {
        id: journal.next_id,
        client_id: journal.word(client_id),
        at_ms: to_i64(now_ms),
        method: journal.word(entry.method),
        path: journal.word(entry.path),
        status: entry.status,
        code: entry.code.map(|it| journal.word(it)),
        tx_id: entry.tx_id.map(str::to_owned),
        scenario: entry.scenario.map(|it| journal.word(it)),
        elapsed_us: to_i64(entry.elapsed_us),
    });
    journal.next_id += 1;
    journal.pending.push_back(Arc::clone(&row));
    journal.keep(row);
    Ok(())
}

/// A save of the journal: what to write ([`Taken::write`]), then to apply once that
/// committed ([`Journal::committed`]).
#[derive(Debug, Default)]
pub struct Taken {
    rows: Vec<Arc<Entry>>,
    /// Whether the rows replace the whole table.
    rewrite: bool,
    /// Whether no row is left waiting after these.
    pub complete: bool,
}

impl Journal {
    /// The next save: up to `budget` waiting rows, oldest first (or every row memory keeps,
    /// when the table has grown well beyond it or a client was forgotten).
    pub fn take(&self, budget: usize) -> Taken {
        let kept: usize = self.latest.values().map(VecDeque::len).sum();
        let grown = self.rewrite || self.table_rows > 2 * kept + TABLE_SLACK;
        if grown && !self.append_only {
            let mut rows: Vec<Arc<Entry>> = self.latest.values().flatten().cloned().collect();
            rows.sort_by_key(|row| row.id);
            return Taken { rows, rewrite: true, complete: true };
        }
        let rows: Vec<Arc<Entry>> = self.pending.iter().take(budget).cloned().collect();
        Taken { complete: rows.len() == self.pending.len(), rows, rewrite: false }
    }

    /// Applies a save that committed: its rows wait no more.
    pub fn committed(&mut self, taken: Taken) {
        // Rows only join at the back (and leave when their client is forgotten, which
        // rewrites the table anyway), so the saved ones are those at the front.
        let last = taken.rows.last().map_or(0, |row| row.id);
        while self.pending.front().is_some_and(|row| row.id <= last) {
            self.pending.pop_front();
        }
        if taken.rewrite {
            self.table_rows = taken.rows.len();
            self.rewrite = false;
        } else {
            self.table_rows += taken.rows.len();
        }
    }
}

impl Taken {
    /// The rows to write, oldest first.
    pub fn rows(&self) -> Vec<&Entry> {
        self.rows.iter().map(|row| &**row).collect()
    }

    /// Whether writing it would change nothing.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty() && !self.rewrite
    }

    /// Writes the save; call it inside a transaction.
    pub fn write(&self, conn: &Connection) -> rusqlite::Result<()> {
        if self.rewrite {
            conn.execute("DELETE FROM journal_batches", [])?;
        }
        for batch in self.rows.chunks(ROW_ENTRIES) {
            let rows: Vec<&Entry> = batch.iter().map(|row| &**row).collect();
            let body = to_json(&rows)?;
            conn.prepare_cached("INSERT INTO journal_batches (body) VALUES (?1)")?
                .execute([body])?;
        }
        Ok(())
    }
}

/// `GET /sandbox/clients/{id}/journal?limit=N`: the latest N rows (default 50), newest first.
pub async fn list(
    State(state): State<AppState>,
    Path(client): Path<String>,
    Query(limit): Query<Limit>,
) -> Result<Response, AppError> {
    let n = limit.rows();
    let rows = state.ready()?.platform.journal_latest(client, n).await?;
    Ok(Json(rows).into_response())
}
