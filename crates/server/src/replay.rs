//! The replay memory of every client, in memory, saved to SQLite as an append-only log.
//!
//! Every signed request changes its client's [`ReplayGuard`], so guards live in memory and
//! only the nonces added since the last save are appended to `replay_log` (plus each
//! client's last timestamp in `replay_clocks`). Appending touches the last pages of one
//! table, whatever the number of clients; random inserts into an index would touch a page
//! per client. Nonces the guards have forgotten stay in the log until it grows to several
//! times what the guards remember, when it is rewritten from them. At start the whole log
//! is read back; a nonce logged twice (reused after it aged out) keeps its later entry.

use std::collections::{HashMap, HashSet};

use protocol::headers::ReplayGuard;
use rusqlite::{Connection, params};

use crate::store::to_i64;

/// The log is rewritten when it holds more than this many rows beyond twice what the
/// guards remember.
const LOG_SLACK: usize = 65_536;

/// Every client's replay guard, and what of it is not saved yet.
#[derive(Debug, Default)]
pub struct ReplayMemory {
    guards: HashMap<String, ReplayGuard>,
    /// Clients whose guard changed since it was last saved.
    dirty: HashSet<String>,
    /// The newest saved nonce of each client: those after it are new.
    saved_tails: HashMap<String, (String, u64)>,
    /// Rows in `replay_log`.
    log_rows: usize,
    /// Requests that reached a guard since the last complete save.
    unsaved: usize,
}

/// What a save wrote, to apply once its transaction commits.
#[derive(Debug, Default)]
pub struct Saved {
    /// Rows it appended to the log.
    pub rows: usize,
    /// Whether it wrote every change (a save has a budget of rows).
    pub complete: bool,
    /// The clients whose changes it wrote entirely.
    clean: Vec<String>,
    tails: HashMap<String, (String, u64)>,
    log_rows: usize,
}

impl ReplayMemory {
    /// Reads every client's guard back from the log.
    pub fn load(conn: &Connection) -> rusqlite::Result<ReplayMemory> {
        let mut nonces: HashMap<String, Vec<(String, u64)>> = HashMap::new();
        let mut log_rows = 0;
        let mut stmt =
            conn.prepare("SELECT client_id, nonce, timestamp_ms FROM replay_log ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let at = u64::try_from(row.get::<_, i64>(2)?).unwrap_or(0);
            nonces.entry(row.get(0)?).or_default().push((row.get(1)?, at));
            log_rows += 1;
        }
        let mut clocks: HashMap<String, Option<u64>> = HashMap::new();
        let mut stmt = conn.prepare("SELECT client_id, last_timestamp_ms FROM replay_clocks")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let last = row.get::<_, Option<i64>>(1)?.and_then(|ms| u64::try_from(ms).ok());
            clocks.insert(row.get(0)?, last);
        }
        let mut memory = ReplayMemory { log_rows, ..ReplayMemory::default() };
        for (client_id, last) in clocks {
            let logged = nonces.remove(&client_id).unwrap_or_default();
            let guard = ReplayGuard::restore(last, latest_entries(logged));
            if let Some((nonce, at)) = guard.remembered().next_back() {
                memory.saved_tails.insert(client_id.clone(), (nonce.to_owned(), at));
            }
            memory.guards.insert(client_id, guard);
        }
        Ok(memory)
    }

    /// The client's guard, to change in place; it counts as changed.
    pub fn guard_mut(&mut self, client_id: &str) -> &mut ReplayGuard {
        self.unsaved += 1;
        if !self.dirty.contains(client_id) {
            self.dirty.insert(client_id.to_owned());
        }
        self.guards.entry(client_id.to_owned()).or_default()
    }

    /// How many requests reached a guard since the last complete save.
    pub fn unsaved(&self) -> usize {
        self.unsaved
    }

    /// Forgets a client's guard (its rows are deleted by the caller).
    pub fn forget(&mut self, client_id: &str) {
        self.guards.remove(client_id);
        self.dirty.remove(client_id);
        self.saved_tails.remove(client_id);
    }

    /// Writes what changed since the last save, oldest first, up to about `budget` rows of
    /// the log; call it inside a transaction and pass the result to
    /// [`ReplayMemory::committed`] once that commits. (When the log is due for a rewrite, the
    /// rewrite ignores the budget.)
    pub fn save(&self, conn: &Connection, budget: usize) -> rusqlite::Result<Saved> {
        let remembered: usize = self.guards.values().map(ReplayGuard::remembered_nonces).sum();
        if self.log_rows > 2 * remembered + LOG_SLACK {
            return self.rewrite(conn);
        }
        let mut saved = Saved { log_rows: self.log_rows, complete: true, ..Saved::default() };
        let mut append = conn.prepare_cached(
            "INSERT INTO replay_log (client_id, nonce, timestamp_ms) VALUES (?1, ?2, ?3)",
        )?;
        for client_id in &self.dirty {
            if saved.rows >= budget {
                saved.complete = false;
                break;
            }
            let Some(guard) = self.guards.get(client_id) else { continue };
            let tail = self.saved_tails.get(client_id);
            let mut added: Vec<(&str, u64)> = guard
                .remembered()
                .rev()
                .take_while(|&(nonce, at)| tail.is_none_or(|(n, t)| n != nonce || *t != at))
                .collect();
            added.reverse();
            let room = budget - saved.rows;
            let all = added.len() <= room;
            added.truncate(room);
            for (nonce, at) in &added {
                append.execute(params![client_id, nonce, to_i64(*at)])?;
            }
            saved.rows += added.len();
            save_clock(conn, client_id, guard)?;
            if all {
                saved.clean.push(client_id.clone());
            } else {
                saved.complete = false;
            }
            if let Some(&(nonce, at)) = added.last() {
                saved.tails.insert(client_id.clone(), (nonce.to_owned(), at));
            }
        }
        saved.log_rows += saved.rows;
        Ok(saved)
    }

    /// Applies a save whose transaction committed.
    pub fn committed(&mut self, saved: Saved) {
        for client_id in &saved.clean {
            self.dirty.remove(client_id);
        }
        self.saved_tails.extend(saved.tails);
        self.log_rows = saved.log_rows;
        if saved.complete {
            self.unsaved = 0;
        }
    }

    /// Replaces the log with what the guards remember now.
    fn rewrite(&self, conn: &Connection) -> rusqlite::Result<Saved> {
        conn.execute("DELETE FROM replay_log", [])?;
        let mut append = conn.prepare_cached(
            "INSERT INTO replay_log (client_id, nonce, timestamp_ms) VALUES (?1, ?2, ?3)",
        )?;
        let mut saved = Saved { complete: true, ..Saved::default() };
        for (client_id, guard) in &self.guards {
            for (nonce, at) in guard.remembered() {
                append.execute(params![client_id, nonce, to_i64(at)])?;
                saved.rows += 1;
                saved.log_rows += 1;
            }
            save_clock(conn, client_id, guard)?;
            saved.clean.push(client_id.clone());
            if let Some((nonce, at)) = guard.remembered().next_back() {
                saved.tails.insert(client_id.clone(), (nonce.to_owned(), at));
            }
        }
        Ok(saved)
    }
}

fn save_clock(conn: &Connection, client_id: &str, guard: &ReplayGuard) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO replay_clocks (client_id, last_timestamp_ms) VALUES (?1, ?2)
         ON CONFLICT (client_id) DO UPDATE SET last_timestamp_ms = excluded.last_timestamp_ms",
    )?
    .execute(params![client_id, guard.last_timestamp_ms().map(to_i64)])?;
    Ok(())
}

/// The entries of a log, oldest first, keeping only the latest entry of each nonce.
fn latest_entries(logged: Vec<(String, u64)>) -> Vec<(String, u64)> {
    let mut seen = HashSet::new();
    let mut res: Vec<(String, u64)> =
        logged.into_iter().rev().filter(|(nonce, _)| seen.insert(nonce.clone())).collect();
    res.reverse();
    res
}

#[cfg(test)]
mod tests {
    use protocol::headers::{ReplayConfig, RequestHeaders, signed_headers, verify_request};

    use super::*;

    fn admit(memory: &mut ReplayMemory, client: &str, nonce: &str, at: u64) {
        let pairs = signed_headers(client, "s", at, nonce, b"");
        let headers = RequestHeaders::from_fn(|name| {
            pairs.iter().find(|(it, _)| *it == name).map(|(_, v)| v.as_str())
        });
        let verified = verify_request(&headers, b"", |_| Some("s")).unwrap();
        memory.guard_mut(client).admit(&verified, &ReplayConfig::default(), at).unwrap();
    }

    #[test]
    fn saves_in_slices_add_up_to_the_whole_memory() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE replay_log (seq INTEGER PRIMARY KEY, client_id TEXT NOT NULL,
                 nonce TEXT NOT NULL, timestamp_ms INTEGER NOT NULL);
             CREATE TABLE replay_clocks (client_id TEXT PRIMARY KEY, last_timestamp_ms INTEGER);",
        )
        .unwrap();
        let mut memory = ReplayMemory::default();
        for round in 0..3u64 {
            for i in 0..7u64 {
                for client in ["a", "b", "c"] {
                    let at = 1_000 + round * 100 + i;
                    admit(&mut memory, client, &format!("n{round}-{i}"), at);
                }
            }
            // Slices of 4 rows until the save is complete, each committed on its own.
            let mut slices = 0;
            loop {
                let saved = memory.save(&conn, 4).unwrap();
                assert!(saved.rows <= 4);
                let complete = saved.complete;
                memory.committed(saved);
                slices += 1;
                if complete {
                    break;
                }
            }
            assert!(slices >= 21 / 4, "21 new nonces need several slices of 4, not {slices}");
            assert_eq!(memory.unsaved(), 0);
            let back = ReplayMemory::load(&conn).unwrap();
            assert_eq!(back.guards, memory.guards, "round {round}");
            assert_eq!(back.log_rows, memory.log_rows);
        }
    }
}
