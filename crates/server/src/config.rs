//! Configuration: flags and environment, parsed once into a validated [`Config`].

use std::{net::SocketAddr, path::PathBuf};

use anyhow::{Context as _, bail};

/// Raw command-line flags; every flag can also come from its `IAMS_*` environment variable.
#[derive(Debug, clap::Parser)]
#[command(name = "server", version, about = "iAM Smart Sandbox server")]
pub struct Args {
    /// Address to listen on. Use port 0 to pick a free port.
    #[arg(long, env = "IAMS_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Folder of the built portal (holds `index.html`), as produced by `cargo xtask dist`.
    #[arg(long, env = "IAMS_DIST", default_value = "dist")]
    pub dist: PathBuf,
    /// Log filter, in `tracing` env-filter syntax (e.g. `info`, `server=debug`).
    #[arg(long, env = "IAMS_LOG", default_value = "info")]
    pub log: String,
}

/// Validated configuration; constructing one checks every setting.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub dist: PathBuf,
    pub log: String,
}

impl Args {
    /// Checks the flags and turns them into a [`Config`].
    pub fn validate(self) -> anyhow::Result<Config> {
        let index = self.dist.join("index.html");
        if !index.is_file() {
            bail!(
                "no portal at {}: build it with `cargo xtask dist` or point --dist/IAMS_DIST at a built portal",
                index.display()
            );
        }
        let dist = self
            .dist
            .canonicalize()
            .with_context(|| format!("cannot resolve {}", self.dist.display()))?;
        Ok(Config { addr: self.addr, dist, log: self.log })
    }
}
