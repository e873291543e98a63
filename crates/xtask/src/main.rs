//! `cargo xtask`: builds the portal, runs the sandbox and runs every test, with nothing but
//! cargo, rustup, apt and npm.
//!
//! - `cargo xtask run [server flags]`: build `dist/` and the server, then serve.
//! - `cargo xtask dist`: build the portal into `dist/` (any static host can serve it).
//! - `cargo xtask sdk`: build only the JavaScript SDK package (`dist/sdk/iamsmart-edge-<version>.tgz`).
//! - `cargo xtask test`: install what the tests need, build `dist/`, run `cargo test`.
//! - `cargo xtask bench [--seconds N] [--connections N] [--only T]`: signed API requests per second against
//!   the sandbox, side by side with Stoplight Prism and a bare axum handler.
//! - `cargo xtask bench callbacks [--server PATH]... [--soak-minutes N] [--only T]`: callbacks under
//!   load (saturating, a hung e-service, a soak at 500 requests/s, kill -9), server binaries side by side.
//! - `cargo xtask sign ...`: a signed curl command for the demo clients (the quick start's helper).
//! - `cargo xtask bench-sdk [SECONDS]`: the JavaScript SDK under Node against Node's own crypto
//!   (sign, encrypt, decrypt at 1 KB and 4 MiB, CEK unwrapping), in operations per second.
//! - `cargo xtask search-bench`: sizes and timings of the knowledge-base search, in node.
//! - `cargo xtask search-vs-pagefind`: the same search against Pagefind, in headless Chromium.

#![allow(clippy::print_stdout)]

mod dist;
mod pagefind;
mod sdk;
mod search;
mod sign;
mod tools;

use std::{env, path::PathBuf, process::Command};

use anyhow::{Context as _, bail};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  run [flags]   build the portal and the server, then serve (flags go to the server; try --help)
  dist          build the portal into dist/ (WASM, JS, assets, precompressed .br/.gz)
  sdk           build only the JavaScript SDK package into dist/sdk/ (npm tarball and its folder)
  test          install Chromium/ChromeDriver and the wasm target if missing, build dist/, run every test
  bench [flags] signed getToken load: sandbox vs Stoplight Prism vs bare axum (--seconds 10 --connections 256)
  bench callbacks [flags]  callbacks under load, a hung e-service, a soak, kill -9 (--server PATH
                --soak-minutes 10 --only saturate,fairness,soak,kill); --server again for side by side
  sign [args]   print a signed curl command for a demo client; --open decrypts an answer (see sign --help)
  bench-sdk [s] the JavaScript SDK under Node vs Node's own crypto: sign, encrypt, decrypt, unwrap per second
  search-bench  measure the knowledge-base search in node: transfer size, index open time, query latency
  search-vs-pagefind  our search vs Pagefind on the same pages in headless Chromium";

fn main() -> anyhow::Result<()> {
    let mut args = env::args().skip(1);
    let cmd = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    if cmd == "sign" {
        // Before moving to the workspace root, so that relative paths (--kek) stay the caller's.
        return sign::main(&rest);
    }
    let root = workspace_root();
    // The caller's folder, for relative paths given to the benchmark (--server).
    let cwd = env::current_dir()?;
    env::set_current_dir(&root)?;
    match cmd.as_str() {
        "dist" => dist::build(&root).map(drop),
        "sdk" => sdk_only(&root),
        "run" => run(&root, &rest),
        "test" => test(&root, &rest),
        "bench" if rest.first().is_some_and(|it| it == "callbacks") => {
            callbacks_bench(&cwd, &rest[1..])
        }
        "bench" => api_bench(&root, &rest),
        "bench-sdk" => sdk_bench(&root, &rest),
        "search-bench" => search::bench(&root),
        "search-vs-pagefind" => pagefind::bench(&root),
        "" | "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}

/// Builds just the SDK package (the edge crate for wasm32, then `sdk::build`).
fn sdk_only(root: &std::path::Path) -> anyhow::Result<()> {
    tools::ensure_wasm_target()?;
    let target = tools::WASM_TARGET;
    tools::cargo(&["build", "--profile", "wasm", "--target", target, "--package", "edge"])?;
    let wasm = tools::target_dir(root).join(target).join("wasm/edge.wasm");
    sdk::build(root, &root.join("dist"), &wasm).map(drop)
}

/// `crates/edge/bench/sdk.mjs` on a freshly built package; `SECONDS` per measurement (default 2).
fn sdk_bench(root: &std::path::Path, args: &[String]) -> anyhow::Result<()> {
    sdk_only(root)?;
    let seconds = args.first().map_or("2", String::as_str);
    tools::run(
        Command::new("node")
            .arg(root.join("crates/edge/bench/sdk.mjs"))
            .arg(root.join("dist/sdk").join(sdk::NAME))
            .arg(seconds),
    )
}

fn run(root: &std::path::Path, server_args: &[String]) -> anyhow::Result<()> {
    dist::build(root)?;
    tools::cargo(&["build", "--release", "--package", "server"])?;
    let server = tools::target_dir(root).join("release/server");
    let status = Command::new(&server)
        .arg("--dist")
        .arg(root.join("dist"))
        .args(server_args)
        .status()
        .with_context(|| format!("cannot start {}", server.display()))?;
    if !status.success() {
        bail!("server exited with {status}");
    }
    Ok(())
}

fn test(root: &std::path::Path, cargo_test_args: &[String]) -> anyhow::Result<()> {
    tools::ensure_browser()?;
    tools::ensure_postgres()?;
    tools::ensure_python_packages()?;
    tools::ensure_npm_packages(&root.join("tests/sdk"))?;
    dist::build(root)?;
    let mut args = vec!["test", "--workspace"];
    args.extend(cargo_test_args.iter().map(String::as_str));
    tools::cargo(&args)
}

/// The mock API's load benchmark (`crates/server/examples/bench.rs`), in release mode; the
/// server it starts serves `dist/`, so that is built first when missing.
fn api_bench(root: &std::path::Path, bench_args: &[String]) -> anyhow::Result<()> {
    if !root.join("dist/index.html").exists() {
        dist::build(root)?;
    }
    tools::ensure_postgres()?;
    let mut args = vec!["run", "--release", "--package", "server", "--features", "testing"];
    args.extend(["--example", "bench", "--"]);
    args.extend(bench_args.iter().map(String::as_str));
    tools::cargo(&args)
}

/// The callbacks benchmark (`crates/server/examples/callbacks_bench.rs`), in release mode. It
/// builds this checkout's server itself unless a server is given with `--server`.
fn callbacks_bench(cwd: &std::path::Path, bench_args: &[String]) -> anyhow::Result<()> {
    let mut bench_args = bench_args.to_vec();
    for at in 1..bench_args.len() {
        if bench_args[at - 1] == "--server" {
            bench_args[at] = cwd.join(&bench_args[at]).display().to_string();
        }
    }
    let mut args = vec!["run", "--release", "--package", "server"];
    args.extend(["--example", "callbacks_bench", "--"]);
    args.extend(bench_args.iter().map(String::as_str));
    tools::cargo(&args)
}

fn workspace_root() -> PathBuf {
    // crates/xtask -> workspace root.
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| PathBuf::from("."))
}
