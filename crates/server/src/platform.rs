//! The mock platform as the server runs it: engines over the storage boundary.
//!
//! Every engine call goes through [`Platform::call`]: it takes a free [`Core`] (an engine over
//! one database connection, with its own random number generator), starts a transaction
//! (opened by the call's first statement, see `db`), hands the closure the engine, the clock
//! and the random number generator, records the callbacks the call produced as pending
//! deliveries, and commits. A failure anywhere rolls the whole call back.
//!
//! Calls run on the platform's own threads, one per core, which take them from one queue: a
//! database round trip blocks, and under load a thread goes from one call to the next without
//! sleeping in between. On SQLite there is one core: the engine is fast (microseconds per
//! call), SQLite has one writer, and signed API calls run on the request's own worker thread
//! instead ([`Platform::call_inline`]). On PostgreSQL there are a few, each on its own
//! connection; the database orders what calls on this or another instance do to the same
//! rows (see `db::postgres`).

use std::{
    collections::VecDeque,
    panic::AssertUnwindSafe,
    sync::{Arc, Condvar, Mutex, MutexGuard},
    time::{SystemTime, UNIX_EPOCH},
};

use protocol::engine::{Engine, EngineConfig, Outbound};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng as _;
use tokio::sync::{Notify, oneshot};

use crate::{
    db::{Background, Db},
    journal,
};

/// The engines, their stores and their randomness, shared by every handler.
#[derive(Debug)]
pub struct Platform {
    cores: Vec<Mutex<Core>>,
    /// The calls waiting for a core, and the threads that run them.
    queue: Arc<Queue>,
    /// Whether the state is shared with other servers (PostgreSQL).
    shared: bool,
    /// The request journal of this server.
    journal: Arc<Mutex<journal::Journal>>,
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

/// What a call holds while it runs: an engine over one connection.
#[derive(Debug)]
pub struct Core {
    pub engine: Engine<Db>,
    pub rng: ChaCha20Rng,
    /// The request journal (shared by the cores).
    pub journal: Arc<Mutex<journal::Journal>>,
    /// Set by a call that queued a delivery, so the delivery worker is woken after it.
    pub queued: bool,
}

/// A call on its way to a platform thread.
type Job = Box<dyn FnOnce() + Send>;

/// The calls waiting for a platform thread, oldest first.
#[derive(Default)]
struct Queue {
    jobs: Mutex<VecDeque<Job>>,
    ready: Condvar,
    /// Set when the platform is dropped: the threads end once the queue is empty.
    closed: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue").finish_non_exhaustive()
    }
}

impl Queue {
    fn jobs(&self) -> MutexGuard<'_, VecDeque<Job>> {
        self.jobs.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn push(&self, job: Job) {
        self.jobs().push_back(job);
        self.ready.notify_one();
    }

    /// A platform thread: runs calls until the platform is gone.
    fn serve(&self) {
        loop {
            let mut jobs = self.jobs();
            let job = loop {
                if let Some(job) = jobs.pop_front() {
                    break job;
                }
                if self.closed.load(std::sync::atomic::Ordering::Acquire) {
                    return;
                }
                jobs = self.ready.wait(jobs).unwrap_or_else(|poisoned| poisoned.into_inner());
            };
            drop(jobs);
            job();
        }
    }
}

impl Drop for Platform {
    fn drop(&mut self) {
        self.queue.closed.store(true, std::sync::atomic::Ordering::Release);
        self.queue.ready.notify_all();
    }
}

/// Why a platform call failed: the database, or a panic in the call.
#[derive(Debug)]
pub struct CallError(pub anyhow::Error);

impl Platform {
    /// The platform over an opened database: as many cores as it takes connections.
    pub fn new(db: Db) -> anyhow::Result<Platform> {
        let journal = Arc::new(Mutex::new(db.load_journal()?));
        let background = Mutex::new(db.background()?);
        let shared = db.is_shared();
        let mut dbs = Vec::with_capacity(db.connections());
        for _ in 1..db.connections() {
            dbs.push(db.another()?);
        }
        dbs.insert(0, db);
        let mut cores = Vec::with_capacity(dbs.len());
        for db in dbs {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|err| anyhow::anyhow!("no randomness: {err}"))?;
            cores.push(Mutex::new(Core {
                engine: Engine::new(db, EngineConfig::default()),
                rng: ChaCha20Rng::from_seed(seed),
                journal: Arc::clone(&journal),
                queued: false,
            }));
        }
        let queue = Arc::new(Queue::default());
        for n in 0..cores.len() {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("platform-{n}"))
                .spawn(move || queue.serve())
                .map_err(|err| anyhow::anyhow!("cannot start a platform thread: {err}"))?;
        }
        Ok(Platform {
            queue,
            cores,
            shared,
            journal,
            background,
            changed: Notify::new(),
            save_due: Notify::new(),
        })
    }

    /// Whether the state is shared with other servers.
    pub fn is_shared(&self) -> bool {
        self.shared
    }

    /// Runs `f` with an engine in one transaction, on a platform thread.
    pub async fn call<T, F>(self: &Arc<Self>, f: F) -> Result<T, CallError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Core, u64) -> anyhow::Result<T> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let this = Arc::clone(self);
        self.queue.push(Box::new(move || {
            let res = std::panic::catch_unwind(AssertUnwindSafe(|| this.call_blocking(f)));
            let _ = answer.send(res);
        }));
        match answered.await {
            Ok(Ok(res)) => res.map_err(CallError),
            Ok(Err(_)) => Err(CallError(anyhow::anyhow!("platform call panicked"))),
            Err(_) => Err(CallError(anyhow::anyhow!("platform stopped before the call ran"))),
        }
    }

    /// Like [`Platform::call`], on the current worker thread where the database needs no
    /// round trip (SQLite): for the signed API, whose calls take microseconds, so that a
    /// thread hand-off would cost more than the call.
    pub async fn call_inline<T, F>(self: &Arc<Self>, f: F) -> Result<T, CallError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Core, u64) -> anyhow::Result<T> + Send + 'static,
    {
        if self.shared {
            return self.call(f).await;
        }
        self.call_blocking(f).map_err(CallError)
    }

    /// [`Platform::call`] on the current thread.
    pub fn call_blocking<T>(
        &self,
        f: impl FnOnce(&mut Core, u64) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let mut core = self.free_core();
        core.store().begin();
        core.queued = false;
        match f(&mut core, now_ms()) {
            Ok(value) => {
                core.store().finish()?;
                if std::mem::take(&mut core.queued) {
                    self.changed.notify_one();
                }
                let waiting = core.store().unsaved_nonces().max(self.journal().pending());
                if waiting >= SAVE_SOON {
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

    /// A core no call holds, else (only when calls bypass the queue) the first one, waited
    /// for.
    fn free_core(&self) -> MutexGuard<'_, Core> {
        for core in &self.cores {
            match core.try_lock() {
                Ok(core) => return core,
                // A panic inside a call left an open transaction at worst; `begin` clears it.
                Err(std::sync::TryLockError::Poisoned(poisoned)) => return poisoned.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) => {}
            }
        }
        // A panic inside a call left an open transaction at worst; `begin` clears it.
        self.cores[0].lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The journal, locked.
    fn journal(&self) -> MutexGuard<'_, journal::Journal> {
        self.journal.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The latest `n` journal rows of a client, newest first: from memory, or from the table
    /// every server appends to after saving this one's rows.
    pub async fn journal_latest(
        self: &Arc<Self>,
        client_id: String,
        n: usize,
    ) -> Result<Vec<journal::Entry>, CallError> {
        if !self.shared {
            return Ok(self.journal().latest(&client_id, n));
        }
        self.flush().await;
        self.call(move |core, _| Ok(core.store().journal(&client_id, n)?.unwrap_or_default())).await
    }

    /// Saves what is written behind (SQLite's replay memory, see `db::sqlite`, and the
    /// journal, see [`journal::Journal`]) in slices of [`SLICE`] entries: each is taken under
    /// the lock, which takes microseconds, and written and committed on the background
    /// connection without it, so calls go on meanwhile. Then checkpoints the WAL there too.
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
            let guards = match self.shared {
                false => self.free_core().store().take_guards(SLICE),
                true => crate::db::Saved::nothing(),
            };
            let rows = self.journal().take(SLICE.saturating_sub(guards.len()));
            let done = guards.complete && rows.complete;
            // Nothing is marked saved unless it committed: a failed slice is taken again.
            background.save(&guards, &rows)?;
            if !self.shared {
                self.free_core().store().guards_saved(guards);
            }
            self.journal().committed(rows);
            if done {
                break;
            }
        }
        if let Err(err) = background.checkpoint() {
            tracing::warn!("checkpoint failed: {err:#}");
        }
        Ok(())
    }
}

impl Core {
    /// The store.
    pub fn store(&self) -> &Db {
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
            self.store().queue_delivery(client_id.as_deref(), url, body, now_ms)?;
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
}

/// The wall clock in milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}
