//! A real server on a free loopback port, stopped when dropped.

use std::net::SocketAddr;

use anyhow::Context as _;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

use crate::workspace_root;

/// A running sandbox server.
#[derive(Debug)]
pub struct Sandbox {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl Sandbox {
    /// Starts the server on `127.0.0.1:0`, serving the built `dist/`.
    pub async fn start() -> anyhow::Result<Sandbox> {
        let dist = workspace_root().join("dist");
        let config = server::Args { addr: "127.0.0.1:0".parse()?, dist, log: "warn".into() }
            .validate()
            .context("the portal is not built: run `cargo xtask dist` (or `cargo xtask test`)")?;
        let listener = TcpListener::bind(config.addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server::serve(listener, config, async {
            let _ = stopped.await;
        }));
        Ok(Sandbox { addr, stop: Some(stop), task: Some(task) })
    }

    /// The absolute URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops the server and waits for it to drain.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
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
