//! External tools: cargo, rustup targets, and the browser and PostgreSQL used by the tests.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, bail};

pub(crate) const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Cargo's target directory: `CARGO_TARGET_DIR` when set, else `<root>/target`.
pub(crate) fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// Runs `cargo` with `args`, failing on a non-zero exit.
pub(crate) fn cargo(args: &[&str]) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(Command::new(cargo).args(args))
}

pub(crate) fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let shown = format!("{cmd:?}");
    let status = cmd.status().with_context(|| format!("cannot run {shown}"))?;
    if !status.success() {
        bail!("{shown} failed with {status}");
    }
    Ok(())
}

/// Installs the `wasm32-unknown-unknown` target through rustup when it is missing.
pub(crate) fn ensure_wasm_target() -> anyhow::Result<()> {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("rustup is needed to add the wasm32 target")?;
    if String::from_utf8_lossy(&out.stdout).lines().any(|l| l.trim() == WASM_TARGET) {
        return Ok(());
    }
    eprintln!("xtask: adding the {WASM_TARGET} target");
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// Installs Debian's Chromium and ChromeDriver when either is missing.
pub(crate) fn ensure_browser() -> anyhow::Result<()> {
    if Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists() {
        return Ok(());
    }
    apt_install(&["chromium", "chromium-driver"])
}

/// Installs Debian's PostgreSQL when no server is installed (no `/usr/lib/postgresql/*/bin/postgres`).
/// The tests start their own throwaway server from it (`server::db::pg_temp`).
pub(crate) fn ensure_postgres() -> anyhow::Result<()> {
    let installed = std::fs::read_dir("/usr/lib/postgresql")
        .map(|versions| {
            versions.flatten().any(|version| version.path().join("bin/postgres").exists())
        })
        .unwrap_or(false);
    if installed {
        return Ok(());
    }
    apt_install(&["postgresql"])
}

/// Installs Debian `packages` with apt-get (through sudo when not root).
fn apt_install(packages: &[&str]) -> anyhow::Result<()> {
    eprintln!("xtask: installing {} with apt-get", packages.join(" and "));
    let sudo: &[&str] = if is_root() { &[] } else { &["sudo"] };
    let apt = |args: &[&str]| {
        let mut all: Vec<&str> = sudo.to_vec();
        all.push("apt-get");
        all.extend(args);
        run(Command::new(all[0]).args(&all[1..]).env("DEBIAN_FRONTEND", "noninteractive"))
    };
    apt(&["update", "-qq"])?;
    let mut install = vec!["install", "-y", "-qq", "--no-install-recommends"];
    install.extend(packages);
    apt(&install)
}

/// Installs the Python packages of the tests (`requests`, `cryptography`,
/// `openapi-spec-validator`) with pip when `python3` cannot import them. A Debian system
/// Python refuses plain `pip install` (PEP 668), so the second attempt passes
/// `--break-system-packages`.
pub(crate) fn ensure_python_packages() -> anyhow::Result<()> {
    let probe = Command::new("python3")
        .args(["-c", "import requests, cryptography, openapi_spec_validator"])
        .status();
    match probe {
        Ok(status) if status.success() => return Ok(()),
        Err(err) => bail!("python3 is needed by the interop tests: {err}"),
        Ok(_) => {}
    }
    eprintln!("xtask: installing requests, cryptography and openapi-spec-validator with pip");
    let pip =
        ["-m", "pip", "install", "--quiet", "requests", "cryptography", "openapi-spec-validator"];
    if run(Command::new("python3").args(pip)).is_ok() {
        return Ok(());
    }
    run(Command::new("python3").args(pip).arg("--break-system-packages"))
}

/// Installs the npm packages that `dir`'s `package.json` and `package-lock.json` pin, with
/// `npm ci`, when its `node_modules` is missing or older than the lockfile.
pub(crate) fn ensure_npm_packages(dir: &Path) -> anyhow::Result<()> {
    let modified = |path: PathBuf| std::fs::metadata(path).and_then(|m| m.modified());
    let installed = modified(dir.join("node_modules/.package-lock.json"));
    let locked = modified(dir.join("package-lock.json"));
    if let (Ok(installed), Ok(locked)) = (installed, locked)
        && installed >= locked
    {
        return Ok(());
    }
    eprintln!("xtask: installing the npm packages of {} (npm ci)", dir.display());
    run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(dir))
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.trim_ascii() == b"0").unwrap_or(false)
}
