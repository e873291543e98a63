//! Headless Chromium driven through ChromeDriver with fantoccini.

use std::{
    future::Future,
    net::TcpListener as StdListener,
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use anyhow::{Context as _, bail};
use fantoccini::{Client, ClientBuilder};
use serde_json::{Map, json};
use tokio::{
    process::{Child, Command},
    sync::{Mutex, MutexGuard},
};

use crate::artefacts_dir;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A ChromeDriver process and one headless Chromium session.
#[derive(Debug)]
pub struct Browser {
    pub client: Client,
    profile: PathBuf,
    _permit: MutexGuard<'static, ()>,
    _driver: Child,
}

static BROWSERS: Mutex<()> = Mutex::const_new(());

impl Browser {
    /// Starts ChromeDriver on a free loopback port and opens a headless session.
    pub async fn start() -> anyhow::Result<Browser> {
        // One browser at a time: several Chromiums on two cores slow each other into timeouts.
        let permit = BROWSERS.lock().await;
        for bin in [CHROMIUM, CHROMEDRIVER] {
            if !Path::new(bin).exists() {
                bail!("{bin} is missing: `cargo xtask test` installs chromium and chromium-driver");
            }
        }
        let port = StdListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("cannot start chromedriver")?;
        let url = format!("http://127.0.0.1:{port}");
        wait_for_port(port).await?;

        let profile = artefacts_dir().join(format!("chromium-profile-{port}"));
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1280,900",
        ];
        let mut caps = Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": args.iter().map(|s| s.to_string())
                    .chain([format!("--user-data-dir={}", profile.display())])
                    .collect::<Vec<_>>(),
            }),
        );
        // A loaded 2-core machine can make Chromium's start-up miss ChromeDriver's deadline; a
        // second attempt almost always succeeds.
        let mut attempt = 0;
        let client = loop {
            attempt += 1;
            let res = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await;
            match res {
                Ok(client) => break client,
                Err(err) if attempt < 3 => {
                    eprintln!("opening a Chromium session failed ({err}); retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(err) => return Err(err).context("cannot open a Chromium session"),
            }
        };
        Ok(Browser { client, profile, _permit: permit, _driver: driver })
    }

    /// Runs a scenario; on failure saves a screenshot as `target/test-artefacts/<name>.png`.
    pub async fn scenario<F, Fut>(self, name: &str, f: F) -> anyhow::Result<()>
    where
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = anyhow::Result<()>>,
    {
        let res = f(self.client.clone()).await;
        if let Err(err) = &res {
            let path = artefacts_dir().join(format!("{name}.png"));
            match self.client.screenshot().await {
                Ok(png) if std::fs::write(&path, &png).is_ok() => {
                    eprintln!("{name} failed: {err:#}\nscreenshot: {}", path.display());
                }
                _ => eprintln!("{name} failed: {err:#} (no screenshot)"),
            }
        }
        let _ = self.client.close().await;
        let _ = std::fs::remove_dir_all(&self.profile);
        res
    }
}

async fn wait_for_port(port: u16) -> anyhow::Result<()> {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("chromedriver did not listen on port {port} within 10 s")
}
