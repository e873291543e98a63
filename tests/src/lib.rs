//! End-to-end tests and repository checks, in one test binary.
//!
//! The harness starts the real server on a free loopback port (in process, real TCP), drives
//! Debian's Chromium through ChromeDriver, and runs the repository's own checks (fmt, clippy,
//! wasm builds, `//!` headers, the protocol crate's dependency fence) as ordinary tests.
//!
//! Browser tests need `dist/` (built by `cargo xtask dist`) and `/usr/bin/chromium` with
//! `/usr/bin/chromedriver`; `cargo xtask test` provides both.

pub mod browser;
#[cfg(test)]
mod docs;
pub mod eservice;
pub mod http;
pub mod sandbox;

#[cfg(test)]
mod tests;

use std::{
    path::{Path, PathBuf},
    sync::OnceLock,
};

/// The workspace root, canonical (ChromeDriver cannot use profile paths with `..`).
pub fn workspace_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        root.canonicalize().unwrap_or(root)
    })
}

/// Where tests leave artefacts such as screenshots of failures.
pub fn artefacts_dir() -> PathBuf {
    let dir = workspace_root().join("target/test-artefacts");
    let _ = std::fs::create_dir_all(&dir);
    dir
}
