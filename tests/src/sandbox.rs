//! A real server on a free loopback port with its own data folder, stopped when dropped.
//!
//! Each sandbox gets a fresh data folder (removed when the last user of it is dropped), a known
//! admin token ([`ADMIN_TOKEN`]) and a 1024-bit demo key, so that first runs stay fast in debug
//! builds. [`Sandbox::restart`] stops the server and starts a new one on the same port and
//! folder, as a developer's restart would.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context as _, bail};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

use crate::{http, workspace_root};

/// The admin token of test servers.
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

/// A running sandbox server.
#[derive(Debug)]
pub struct Sandbox {
    pub addr: SocketAddr,
    data: Arc<DataDir>,
    edit: fn(&mut server::Args),
    /// The PostgreSQL database it shares with other servers, if any.
    database_url: Option<String>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

/// A data folder, removed when dropped.
#[derive(Debug)]
pub struct DataDir(PathBuf);

impl Sandbox {
    /// Starts the server on `127.0.0.1:0`, serving the built `dist/`, with a fresh data folder.
    pub async fn start() -> anyhow::Result<Sandbox> {
        Sandbox::start_with(|_| {}).await
    }

    /// Like [`Sandbox::start`], with the settings adjusted by `edit`.
    pub async fn start_with(edit: fn(&mut server::Args)) -> anyhow::Result<Sandbox> {
        let data = Arc::new(DataDir::fresh()?);
        Sandbox::launch("127.0.0.1:0".parse()?, data, edit, None).await
    }

    /// Starts a server whose state is the PostgreSQL database at `url`, which other
    /// servers may share.
    pub async fn start_shared(url: &str) -> anyhow::Result<Sandbox> {
        let data = Arc::new(DataDir::fresh()?);
        Sandbox::launch("127.0.0.1:0".parse()?, data, |_| {}, Some(url.to_owned())).await
    }

    /// Stops the server and starts it again on the same port and data folder.
    pub async fn restart(self) -> anyhow::Result<Sandbox> {
        let edit = self.edit;
        self.restart_with(edit).await
    }

    /// Like [`Sandbox::restart`], with the settings adjusted by `edit` instead.
    pub async fn restart_with(mut self, edit: fn(&mut server::Args)) -> anyhow::Result<Sandbox> {
        let (addr, data) = (self.addr, self.data.clone());
        let database_url = self.database_url.take();
        self.shutdown().await?;
        Sandbox::launch(addr, data, edit, database_url).await
    }

    async fn launch(
        addr: SocketAddr,
        data: Arc<DataDir>,
        edit: fn(&mut server::Args),
        database_url: Option<String>,
    ) -> anyhow::Result<Sandbox> {
        let dist = workspace_root().join("dist");
        let mut args = server::Args::with_folders(addr, dist, data.path().to_owned());
        args.log = "warn".into();
        args.admin_token = Some(ADMIN_TOKEN.into());
        args.demo_kek_bits = 1024;
        args.rate_limit = 0;
        args.database_url = database_url.clone();
        edit(&mut args);
        let config = args
            .validate()
            .context("the portal is not built: run `cargo xtask dist` (or `cargo xtask test`)")?;
        let listener = bind(config.addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server::serve(listener, config, async {
            let _ = stopped.await;
        }));
        let sandbox =
            Sandbox { addr, data, edit, database_url, stop: Some(stop), task: Some(task) };
        sandbox.wait_ready().await?;
        Ok(sandbox)
    }

    /// Waits until `/healthz` answers 200 (the platform has started).
    async fn wait_ready(&self) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(res) = http::get(&self.url("/healthz"), &[]).await
                && res.status == 200
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("the sandbox did not become ready within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The absolute URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }

    /// Stops the server and waits for it to drain.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.shutdown().await
    }

    /// Tells the server to stop, without waiting: it drains from now on.
    pub fn begin_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    async fn shutdown(&mut self) -> anyhow::Result<()> {
        self.begin_stop();
        match self.task.take() {
            Some(task) => task.await?,
            None => Ok(()),
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl DataDir {
    /// A new, empty folder under the system's temporary folder.
    pub fn fresh() -> anyhow::Result<DataDir> {
        static N: AtomicU64 = AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let path = std::env::temp_dir()
            .join(format!("iams-sandbox-test-{}-{n}-{stamp}", std::process::id()));
        std::fs::create_dir_all(&path)?;
        Ok(DataDir(path))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Binds `addr`, retrying for a moment while a stopped server's port is released.
async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    let mut tries = 0;
    loop {
        match TcpListener::bind(addr).await {
            Ok(listener) => return Ok(listener),
            Err(err) if tries < 50 && addr.port() != 0 => {
                tries += 1;
                let _ = err;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(err) => return Err(err.into()),
        }
    }
}
