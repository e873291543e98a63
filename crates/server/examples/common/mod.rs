//! What the benchmark examples share: command-line flags, ports, clocks, byte search and
//! where the workspace and its binaries are.

use std::{
    net::{SocketAddr, TcpListener},
    path::{Path, PathBuf},
};

use anyhow::Context as _;

/// A free TCP port on loopback.
pub fn free_port() -> anyhow::Result<u16> {
    let addr: SocketAddr = "127.0.0.1:0".parse()?;
    Ok(TcpListener::bind(addr)?.local_addr()?.port())
}

/// The value after `name` on the command line.
pub fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(String::as_str)
}

/// Where `needle` first occurs in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

/// The wall clock in milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    let since =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

/// The folder of the binaries built with this example (`target/release/` when it runs from
/// `target/release/examples/`), wherever `CARGO_TARGET_DIR` puts it.
pub fn bin_dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .with_context(|| format!("no binary folder above {}", exe.display()))
}

/// The workspace's root folder.
pub fn workspace_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}
