//! Configuration: flags and environment, parsed once into a validated [`Config`].

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use anyhow::{Context as _, bail};

use crate::db::Location;

/// Raw command-line flags; every flag can also come from its `IAMS_*` environment variable.
#[derive(Debug, clap::Parser)]
#[command(name = "server", version, about = "iAM Smart Sandbox server")]
pub struct Args {
    /// Address to listen on. Use port 0 to pick a free port.
    #[arg(long, env = "IAMS_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Folder of the built portal (holds `index.html`), as produced by `cargo xtask dist`.
    /// When not given, `dist` if it holds a built portal; without one, only the API is served.
    #[arg(long, env = "IAMS_DIST")]
    pub dist: Option<PathBuf>,
    /// Log filter, in `tracing` env-filter syntax (e.g. `info`, `server=debug`).
    #[arg(long, env = "IAMS_LOG", default_value = "info")]
    pub log: String,
    /// Folder of the mock platform's state (`sandbox.sqlite3`); created when missing.
    #[arg(long, env = "IAMS_DATA", default_value = "data")]
    pub data: PathBuf,
    /// PostgreSQL database that holds the state instead of SQLite in `--data`, e.g.
    /// `postgres://sandbox@db.internal/sandbox`; several servers may share it.
    #[arg(long, env = "IAMS_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Connections to PostgreSQL (engine calls that run at once): about the database's cores
    /// shared among the servers that use it.
    #[arg(long, env = "IAMS_DATABASE_CONNECTIONS", default_value_t = crate::db::DEFAULT_CONNECTIONS,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub database_connections: u16,
    /// Token that guards the admin API; generated and printed at first run when absent.
    #[arg(long, env = "IAMS_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Base URL that phones and browsers use to reach this server (QR codes, demo redirect
    /// URIs), e.g. `http://192.168.1.20:8080`. Defaults to the request's `Host`.
    #[arg(long, env = "IAMS_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Largest accepted request body, in bytes; larger bodies get HTTP 413.
    #[arg(long, env = "IAMS_BODY_LIMIT", default_value_t = 10 * 1024 * 1024)]
    pub body_limit: usize,
    /// Requests per second allowed per client (or per IP address for unsigned requests)
    /// to the mock API; 0 turns rate limiting off.
    #[arg(long, env = "IAMS_RATE_LIMIT", default_value_t = 100)]
    pub rate_limit: u32,
    /// Requests a client may send in a burst above the rate limit.
    #[arg(long, env = "IAMS_RATE_BURST", default_value_t = 200)]
    pub rate_burst: u32,
    /// Size in bits of the RSA key generated for the demo encrypted client at first run.
    #[arg(long, env = "IAMS_DEMO_KEK_BITS", default_value_t = 2048)]
    pub demo_kek_bits: usize,
    /// Which demo clients a fresh data folder gets: `well-known` (the published ones the
    /// guides use), `random` (new secrets, printed once; for shared deployments) or `off`.
    #[arg(long, env = "IAMS_DEMO_CLIENTS", value_enum, default_value_t = DemoClients::WellKnown)]
    pub demo_clients: DemoClients,
}

/// Which demo clients a fresh data folder gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DemoClients {
    /// The published clients of `protocol::demo`, which every guide uses.
    WellKnown,
    /// Two clients with random ids, secrets and key, printed once at first start.
    Random,
    /// None.
    Off,
}

/// Where the portal is looked for when `--dist` is not given.
const DEFAULT_DIST: &str = "dist";

/// The canonical path of a portal folder.
fn portal(dist: &Path) -> anyhow::Result<PathBuf> {
    dist.canonicalize().with_context(|| format!("cannot resolve {}", dist.display()))
}

/// Validated configuration; constructing one checks every setting.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    /// The built portal, canonical; `None` when there is none to serve.
    pub dist: Option<PathBuf>,
    pub log: String,
    pub data: PathBuf,
    /// Where the state lives: SQLite in `data`, or the PostgreSQL database.
    pub database: Location,
    pub admin_token: Option<String>,
    pub public_url: Option<String>,
    pub body_limit: usize,
    pub rate_limit: u32,
    pub rate_burst: u32,
    pub demo_kek_bits: usize,
    pub demo_clients: DemoClients,
}

impl Args {
    /// Settings for an embedded server: `dist` and `data` as given, the other settings at
    /// their defaults (no admin token: one is generated at first run).
    pub fn with_folders(addr: SocketAddr, dist: PathBuf, data: PathBuf) -> Args {
        Args {
            addr,
            dist: Some(dist),
            log: "info".into(),
            data,
            database_url: None,
            database_connections: crate::db::DEFAULT_CONNECTIONS,
            admin_token: None,
            public_url: None,
            body_limit: 10 * 1024 * 1024,
            rate_limit: 100,
            rate_burst: 200,
            demo_kek_bits: 2048,
            demo_clients: DemoClients::WellKnown,
        }
    }

    /// Checks the flags and turns them into a [`Config`].
    pub fn validate(self) -> anyhow::Result<Config> {
        let dist = match self.dist {
            // A folder named on purpose must hold a portal: a typo should not go unnoticed.
            Some(dist) => {
                let index = dist.join("index.html");
                if !index.is_file() {
                    bail!(
                        "no portal at {}: build it with `cargo xtask dist` or point --dist/IAMS_DIST at a built portal",
                        index.display()
                    );
                }
                Some(portal(&dist)?)
            }
            None => {
                let dist = PathBuf::from(DEFAULT_DIST);
                if dist.join("index.html").is_file() { Some(portal(&dist)?) } else { None }
            }
        };
        std::fs::create_dir_all(&self.data)
            .with_context(|| format!("cannot create the data folder {}", self.data.display()))?;
        let database = match self.database_url {
            None => Location::Sqlite(self.data.clone()),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Location::Postgres { url, connections: usize::from(self.database_connections) }
            }
            Some(_) => bail!(
                "--database-url/IAMS_DATABASE_URL must be a postgres:// URL (leave it out for SQLite in --data)"
            ),
        };
        if let Some(token) = &self.admin_token
            && token.trim().len() < 8
        {
            bail!("--admin-token/IAMS_ADMIN_TOKEN must have at least 8 characters");
        }
        let public_url = match self.public_url {
            Some(url) => {
                let url = url.trim_end_matches('/').to_owned();
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    bail!("--public-url/IAMS_PUBLIC_URL must start with http:// or https://");
                }
                Some(url)
            }
            None => None,
        };
        if self.body_limit < 1024 {
            bail!("--body-limit/IAMS_BODY_LIMIT must be at least 1024 bytes");
        }
        if self.rate_limit > 0 && self.rate_burst == 0 {
            bail!("--rate-burst/IAMS_RATE_BURST must be at least 1 when rate limiting is on");
        }
        if !(protocol::keys::MIN_KEK_BITS..=protocol::keys::MAX_KEK_BITS)
            .contains(&self.demo_kek_bits)
        {
            bail!("--demo-kek-bits/IAMS_DEMO_KEK_BITS must be between 1024 and 4096");
        }
        Ok(Config {
            addr: self.addr,
            dist,
            log: self.log,
            data: self.data,
            database,
            admin_token: self.admin_token,
            public_url,
            body_limit: self.body_limit,
            rate_limit: self.rate_limit,
            rate_burst: self.rate_burst,
            demo_kek_bits: self.demo_kek_bits,
            demo_clients: self.demo_clients,
        })
    }
}
