//! The replay memory of every client, in memory, saved to SQLite as an append-only log.
//!
//! Every signed request changes its client's [`ReplayGuard`], so guards live in memory and
//! only the nonces added since the last save are appended to the log. A client's last
//! timestamp is that of its newest logged nonce (only admitted requests move it, and each
//! leaves its nonce); `replay_clocks` keeps it too when the log is rewritten, as the guard
//! may have forgotten every nonce by then. The log is the table `replay_batches`: each row holds
//! one save's entries as a JSON array of `[clientID, nonce, timestamp]`, so a save of
//! thousands of nonces is one insert at the end of one table, whatever the number of
//! clients. Nonces the guards have forgotten stay in the log until it grows to several
//! times what the guards remember, when it is rewritten from them. At start the whole log
//! is read back; a nonce logged twice (reused after it aged out) keeps its later entry.

use std::collections::{HashMap, HashSet};

use protocol::headers::ReplayGuard;
use rusqlite::{Connection, params};

use super::{
    sqlite::{from_json, to_json},
    to_i64,
};

/// The log is rewritten when it holds more than this many entries beyond twice what the
/// guards remember.
const LOG_SLACK: usize = 65_536;

/// The most entries one row of the log holds.
const ROW_ENTRIES: usize = 4096;

/// One entry of the log: client, nonce, timestamp.
type LogEntry = (String, String, u64);

/// Every client's replay guard, and what of it is not saved yet.
#[derive(Debug, Default)]
pub struct ReplayMemory {
    guards: HashMap<String, ReplayGuard>,
    /// Clients whose guard changed since it was last saved.
    dirty: HashSet<String>,
    /// The newest saved nonce of each client: those after it are new.
    saved_tails: HashMap<String, (String, u64)>,
    /// Entries in the log.
    log_rows: usize,
    /// Requests that reached a guard since the last complete save.
    unsaved: usize,
    /// Set when a client was forgotten: the next save rewrites the log without it.
    rewrite: bool,
}

/// A save: what to write ([`Saved::write`], on any connection, without the memory at
/// hand), then to apply once that committed ([`ReplayMemory::committed`]).
#[derive(Debug, Default)]
pub struct Saved {
    /// The entries to append (all of them, for a rewrite).
    entries: Vec<LogEntry>,
    /// Whether it covers every change (a save has a budget of entries).
    pub complete: bool,
    /// The clients whose changes it covers entirely, with their newest nonce.
    clean: Vec<(String, Option<(String, u64)>)>,
    tails: HashMap<String, (String, u64)>,
    /// For a rewrite, which replaces the whole log: every client's clock.
    rewrite: Option<Vec<(String, Option<u64>)>>,
}

impl Saved {
    /// A save of nothing, covering everything: what a store that keeps no replay memory of
    /// its own writes.
    pub fn nothing() -> Saved {
        Saved { complete: true, ..Saved::default() }
    }
}

impl ReplayMemory {
    /// Reads every client's guard back from the log.
    pub fn load(conn: &Connection) -> rusqlite::Result<ReplayMemory> {
        let mut nonces: HashMap<String, Vec<(String, u64)>> = HashMap::new();
        let mut log_rows = 0;
        let mut stmt = conn.prepare("SELECT body FROM replay_batches ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let entries: Vec<(String, String, u64)> = from_json(row.get_ref(0)?.as_str()?)?;
            for (client_id, nonce, at) in entries {
                nonces.entry(client_id).or_default().push((nonce, at));
                log_rows += 1;
            }
        }
        let mut clocks: HashMap<String, Option<u64>> = HashMap::new();
        let mut stmt = conn.prepare("SELECT client_id, last_timestamp_ms FROM replay_clocks")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let last = row.get::<_, Option<i64>>(1)?.and_then(|ms| u64::try_from(ms).ok());
            clocks.insert(row.get(0)?, last);
        }
        for client_id in nonces.keys() {
            clocks.entry(client_id.clone()).or_default();
        }
        let mut memory = ReplayMemory { log_rows, ..ReplayMemory::default() };
        for (client_id, clock) in clocks {
            let logged = nonces.remove(&client_id).unwrap_or_default();
            let newest = logged.iter().map(|&(_, at)| at).max();
            let guard = ReplayGuard::restore(clock.max(newest), latest_entries(logged));
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

    /// Forgets a client's guard (its clock row is deleted by the caller); the next save
    /// rewrites the log without it.
    pub fn forget(&mut self, client_id: &str) {
        self.guards.remove(client_id);
        self.dirty.remove(client_id);
        self.saved_tails.remove(client_id);
        self.rewrite = true;
    }

    /// The next save: what changed since the last one, oldest first, up to `budget` entries
    /// (or the whole log, when it is due for a rewrite).
    pub fn take(&self, budget: usize) -> Saved {
        let remembered: usize = self.guards.values().map(ReplayGuard::remembered_nonces).sum();
        if self.rewrite || self.log_rows > 2 * remembered + LOG_SLACK {
            return self.take_all();
        }
        let mut saved = Saved { complete: true, ..Saved::default() };
        for client_id in &self.dirty {
            if saved.entries.len() >= budget {
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
            let room = budget - saved.entries.len();
            let all = added.len() <= room;
            added.truncate(room);
            let entry = |&(nonce, at): &(&str, u64)| (client_id.clone(), nonce.to_owned(), at);
            saved.entries.extend(added.iter().map(entry));
            if all {
                saved.clean.push((client_id.clone(), newest(guard)));
            } else {
                saved.complete = false;
            }
            if let Some(&(nonce, at)) = added.last() {
                saved.tails.insert(client_id.clone(), (nonce.to_owned(), at));
            }
        }
        saved
    }

    /// Applies a save that committed. A client that changed again since the save was taken
    /// stays to be saved.
    pub fn committed(&mut self, saved: Saved) {
        for (client_id, newest_then) in &saved.clean {
            if self.guards.get(client_id).map(newest).as_ref() == Some(newest_then) {
                self.dirty.remove(client_id);
            }
        }
        self.saved_tails.extend(saved.tails);
        if saved.rewrite.is_some() {
            self.log_rows = saved.entries.len();
            self.rewrite = false;
        } else {
            self.log_rows += saved.entries.len();
        }
        if saved.complete {
            self.unsaved = 0;
        }
    }

    /// A save that replaces the log with what the guards remember now.
    fn take_all(&self) -> Saved {
        let mut saved = Saved { complete: true, ..Saved::default() };
        let mut clocks = Vec::new();
        for (client_id, guard) in &self.guards {
            let entry = |(nonce, at): (&str, u64)| (client_id.clone(), nonce.to_owned(), at);
            saved.entries.extend(guard.remembered().map(entry));
            clocks.push((client_id.clone(), guard.last_timestamp_ms()));
            saved.clean.push((client_id.clone(), newest(guard)));
            if let Some((nonce, at)) = guard.remembered().next_back() {
                saved.tails.insert(client_id.clone(), (nonce.to_owned(), at));
            }
        }
        saved.rewrite = Some(clocks);
        saved
    }
}

impl Saved {
    /// How many entries it appends.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether writing it would change nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.rewrite.is_none()
    }

    /// Writes the save; call it inside a transaction.
    pub fn write(&self, conn: &Connection) -> rusqlite::Result<()> {
        if let Some(clocks) = &self.rewrite {
            conn.execute("DELETE FROM replay_batches", [])?;
            for (client_id, last) in clocks {
                save_clock(conn, client_id, *last)?;
            }
        }
        for batch in self.entries.chunks(ROW_ENTRIES) {
            append(conn, batch)?;
        }
        Ok(())
    }
}

/// The newest nonce a guard remembers.
fn newest(guard: &ReplayGuard) -> Option<(String, u64)> {
    guard.remembered().next_back().map(|(nonce, at)| (nonce.to_owned(), at))
}

/// Appends `entries` to the log as one row (none when empty).
fn append(conn: &Connection, entries: &[LogEntry]) -> rusqlite::Result<()> {
    if !entries.is_empty() {
        let body = to_json(entries)?;
        conn.prepare_cached("INSERT INTO replay_batches (body) VALUES (?1)")?.execute([body])?;
    }
    Ok(())
}

fn save_clock(conn: &Connection, client_id: &str, last: Option<u64>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO replay_clocks (client_id, last_timestamp_ms) VALUES (?1, ?2)
         ON CONFLICT (client_id) DO UPDATE SET last_timestamp_ms = excluded.last_timestamp_ms",
    )?
    .execute(params![client_id, last.map(to_i64)])?;
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

    /// A database with the server's real schema.
    fn database() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        crate::db::sqlite::migrate(&conn).unwrap();
        conn
    }

    /// Takes a save of up to `budget` entries, writes it and applies it.
    fn save(memory: &mut ReplayMemory, conn: &Connection, budget: usize) {
        let saved = memory.take(budget);
        saved.write(conn).unwrap();
        memory.committed(saved);
    }

    #[test]
    fn saves_in_slices_add_up_to_the_whole_memory() {
        let conn = database();
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
                let saved = memory.take(4);
                assert!(saved.len() <= 4);
                saved.write(&conn).unwrap();
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

    #[test]
    fn a_forgotten_client_leaves_the_log_at_the_next_save() {
        let conn = database();
        let mut memory = ReplayMemory::default();
        admit(&mut memory, "a", "n1", 1_000);
        admit(&mut memory, "b", "n2", 1_000);
        save(&mut memory, &conn, 100);
        memory.forget("a");
        conn.execute("DELETE FROM replay_clocks WHERE client_id = 'a'", []).unwrap();
        save(&mut memory, &conn, 100);
        let back = ReplayMemory::load(&conn).unwrap();
        assert_eq!(back.guards.keys().collect::<Vec<_>>(), ["b"]);
        assert_eq!(back.log_rows, 1);
        assert!(!memory.rewrite, "one rewrite is enough");
    }

    #[test]
    fn a_client_that_changes_while_its_save_is_written_is_saved_again() {
        let conn = database();
        let mut memory = ReplayMemory::default();
        admit(&mut memory, "a", "n1", 1_000);
        let saved = memory.take(100);
        // A request comes in while the save is written, outside the lock.
        admit(&mut memory, "a", "n2", 2_000);
        saved.write(&conn).unwrap();
        memory.committed(saved);
        let saved = memory.take(100);
        assert_eq!(saved.len(), 1, "n2 is still to be saved");
        saved.write(&conn).unwrap();
        memory.committed(saved);
        assert_eq!(memory.take(100).len(), 0);
        assert_eq!(ReplayMemory::load(&conn).unwrap().guards, memory.guards);
    }
}
