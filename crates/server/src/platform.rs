//! The mock platform as the server runs it: one engine over SQLite, behind a mutex.
//!
//! Every engine call goes through [`Platform::call`]: it runs on a blocking thread, takes the
//! lock, starts a transaction (opened by the call's first statement, see `store`), hands the
//! closure the engine, the clock and the random number generator, records the callbacks the
//! call produced as pending deliveries, and commits. A failure anywhere rolls the whole call
//! back. The engine is fast (microseconds per call), so
//! one lock is simpler than finer locking and never the bottleneck of a sandbox.

use std::{
    sync::{Arc, Mutex, MutexGuard},
    time::{SystemTime, UNIX_EPOCH},
};

use protocol::{
    engine::{AutoAnswer, Engine, EngineConfig, Outbound, Store},
    scenario::Scenario,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng as _;
use tokio::sync::{Notify, Semaphore};

use crate::{
    journal,
    store::{Background, SqliteStore, to_i64},
};

/// The engine, its store and its randomness, shared by every handler.
#[derive(Debug)]
pub struct Platform {
    core: Mutex<Core>,
    /// Lets one call at a time onto a blocking thread: waiting in line on the async side
    /// is far cheaper than hundreds of blocking threads contending for the mutex.
    gate: Semaphore,
    /// Writes what is written behind and copies the WAL into the database file, without
    /// holding up the calls; held for a whole flush, so flushes never overlap.
    background: Mutex<Background>,
    /// Woken when a call queued a delivery (see [`Core::queued`]).
    pub changed: Notify,
    /// Woken when enough is waiting to be saved that the timer should not wait for its tick.
    pub save_due: Notify,
}

/// How many entries one slice of [`Platform::flush`] writes: a few hundred microseconds of
/// SQLite's time, during which a call that writes waits for the database.
const SLICE: usize = 256;

/// How many rows waiting to be saved wake the timer before its tick.
const SAVE_SOON: usize = 4096;

/// What a call holds while it has the lock.
#[derive(Debug)]
pub struct Core {
    pub engine: Engine<SqliteStore>,
    pub rng: ChaCha20Rng,
    /// The request journal.
    pub journal: journal::Journal,
    /// Set by a call that queued a delivery, so the delivery worker is woken after it.
    pub queued: bool,
}

/// Per-request overrides of a client's settings, from the `X-Sandbox-*` headers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub persona: Option<String>,
    pub auto_answer: Option<AutoAnswer>,
    pub scenario: Option<Scenario>,
}

/// Why a platform call failed: the database, or a panic in the call.
#[derive(Debug)]
pub struct CallError(pub anyhow::Error);

impl Platform {
    /// The platform over an opened store.
    pub fn new(store: SqliteStore) -> anyhow::Result<Platform> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|err| anyhow::anyhow!("no randomness: {err}"))?;
        let journal = journal::Journal::load(store.conn())?;
        let background = Mutex::new(store.background()?);
        let core = Core {
            engine: Engine::new(store, EngineConfig::default()),
            rng: ChaCha20Rng::from_seed(seed),
            journal,
            queued: false,
        };
        Ok(Platform {
            core: Mutex::new(core),
            background,
            gate: Semaphore::new(1),
            changed: Notify::new(),
            save_due: Notify::new(),
        })
    }

    /// Runs `f` with the engine in one transaction, on a blocking thread.
    pub async fn call<T, F>(self: &Arc<Self>, f: F) -> Result<T, CallError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Core, u64) -> anyhow::Result<T> + Send + 'static,
    {
        let this = Arc::clone(self);
        let permit = self.gate.acquire().await;
        let res = tokio::task::spawn_blocking(move || this.call_blocking(f)).await;
        drop(permit);
        let res = res.map_err(|err| CallError(anyhow::anyhow!("platform call panicked: {err}")))?;
        res.map_err(CallError)
    }

    /// Like [`Platform::call`], on the current worker thread: for the signed API, whose
    /// calls take microseconds, so that a thread hand-off would cost more than the call.
    pub async fn call_inline<T>(
        &self,
        f: impl FnOnce(&mut Core, u64) -> anyhow::Result<T>,
    ) -> Result<T, CallError> {
        self.call_blocking(f).map_err(CallError)
    }

    /// [`Platform::call`] on the current thread.
    pub fn call_blocking<T>(
        &self,
        f: impl FnOnce(&mut Core, u64) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let mut core = self.lock();
        core.store().begin()?;
        core.queued = false;
        match f(&mut core, now_ms()) {
            Ok(value) => {
                core.store().finish()?;
                if std::mem::take(&mut core.queued) {
                    self.changed.notify_one();
                }
                if core.store().unsaved_nonces().max(core.journal.pending()) >= SAVE_SOON {
                    self.save_due.notify_one();
                }
                Ok(value)
            }
            Err(err) => {
                core.store().rollback();
                Err(err)
            }
        }
    }

    /// Saves what is written behind (the replay memory, see [`SqliteStore`], and the journal,
    /// see [`journal::Journal`]) in slices of [`SLICE`] entries: each is taken under the lock,
    /// which takes microseconds, and written and committed on the background connection
    /// without it, so calls go on meanwhile. Then checkpoints the WAL there too.
    pub async fn flush(self: &Arc<Self>) {
        let this = Arc::clone(self);
        match tokio::task::spawn_blocking(move || this.flush_blocking()).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::error!("cannot save replay state or journal: {err:#}"),
            Err(err) => tracing::error!("cannot save replay state or journal: {err}"),
        }
    }

    fn flush_blocking(&self) -> anyhow::Result<()> {
        let mut background = self.background.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let (guards, rows) = {
                let core = self.lock();
                let guards = core.store().take_guards(SLICE);
                let rows = core.journal.take(SLICE.saturating_sub(guards.len()));
                (guards, rows)
            };
            let done = guards.complete && rows.complete;
            // Nothing is marked saved unless it committed: a failed slice is taken again.
            background.save(&guards, &rows)?;
            let mut core = self.lock();
            core.store().guards_saved(guards);
            core.journal.committed(rows);
            if done {
                break;
            }
        }
        if let Err(err) = background.checkpoint() {
            tracing::warn!("checkpoint failed: {err:#}");
        }
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, Core> {
        // A panic inside a call left an open transaction at worst; `begin` clears it.
        self.core.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Core {
    /// The store.
    pub fn store(&self) -> &SqliteStore {
        self.engine.store()
    }

    /// Queues the callbacks among `outbound` for delivery; `client_id` names the client they
    /// belong to when the caller knows it.
    pub fn enqueue(
        &mut self,
        outbound: &[Outbound],
        client_id: Option<&str>,
        now_ms: u64,
    ) -> anyhow::Result<()> {
        for it in outbound {
            let Outbound::Callback { url, body } = it else {
                continue;
            };
            let client_id = match client_id {
                Some(id) => Some(id.to_owned()),
                None => self.client_of_url(url)?,
            };
            self.store().conn().execute(
                "INSERT INTO deliveries (client_id, url, body, state, next_attempt_ms, created_ms, updated_ms)
                 VALUES (?1, ?2, ?3, 'pending', ?4, ?4, ?4)",
                rusqlite::params![client_id, url, body, to_i64(now_ms)],
            )?;
            self.queued = true;
            tracing::info!(client_id = client_id.as_deref().unwrap_or("?"), %url, "callback queued");
        }
        Ok(())
    }

    /// The first client that registered `url`.
    fn client_of_url(&self, url: &str) -> anyhow::Result<Option<String>> {
        let clients = self.store().clients()?;
        Ok(clients
            .into_iter()
            .find(|c| c.redirect_uris.iter().any(|u| u == url))
            .map(|c| c.client_id))
    }

    /// Runs `f` with the client's persona and automatic answer replaced by `overrides` for
    /// the duration of the call (in the same transaction), then puts the client back.
    pub fn with_overrides<T>(
        &mut self,
        client_id: Option<&str>,
        overrides: &Overrides,
        f: impl FnOnce(&mut Core) -> T,
    ) -> T {
        let changes = overrides.persona.is_some() || overrides.auto_answer.is_some();
        let original = match client_id {
            Some(id) if changes => self.engine.store().client(id),
            _ => None,
        };
        if let Some(client) = &original {
            let mut client = client.clone();
            if let Some(persona) = &overrides.persona {
                client.settings.persona = Some(persona.clone());
            }
            if let Some(auto) = overrides.auto_answer {
                client.settings.auto_answer = auto;
            }
            self.engine.register_client(client);
        }
        let res = f(self);
        if let Some(client) = original {
            self.engine.register_client(client);
        }
        res
    }
}

/// The wall clock in milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}
