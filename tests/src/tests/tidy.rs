//! Repository checks as tests: formatting, lints, wasm builds, file headers, dependency fences.

use std::{fs, path::Path, process::Command};

use crate::workspace_root;

fn cargo(args: &[&str]) -> (bool, String) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(args)
        .current_dir(workspace_root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo {args:?}: {e}"));
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[track_caller]
fn cargo_ok(args: &[&str]) -> String {
    let (ok, text) = cargo(args);
    assert!(ok, "cargo {} failed:\n{text}", args.join(" "));
    text
}

#[test]
fn code_is_formatted() {
    cargo_ok(&["fmt", "--all", "--check"]);
}

#[test]
fn clippy_is_clean_natively() {
    cargo_ok(&["clippy", "--workspace", "--all-targets", "--quiet", "--", "-D", "warnings"]);
}

#[test]
fn protocol_and_portal_build_and_lint_for_wasm32() {
    let wasm =
        ["--target", "wasm32-unknown-unknown", "--package", "protocol", "--package", "portal"];
    cargo_ok(&[&["clippy", "--quiet"][..], &wasm, &["--", "-D", "warnings"]].concat());
    cargo_ok(&[&["build", "--quiet", "--profile", "wasm"][..], &wasm].concat());
}

/// Crates that would let the protocol core do I/O, wait on a clock, or run async code.
const IO_CRATES: &[&str] = &[
    "tokio",
    "async-std",
    "smol",
    "futures",
    "futures-util",
    "mio",
    "axum",
    "hyper",
    "reqwest",
    "ureq",
    "tower",
    "web-sys",
    "js-sys",
    "wasm-bindgen-futures",
    "rusqlite",
    "sqlx",
    "getrandom",
    "rand",
    "std-fs",
    "tracing",
    "log",
    "chrono",
    "time",
];

#[test]
fn protocol_pulls_in_no_io_or_async_crate() {
    let tree = cargo_ok(&[
        "tree",
        "--package",
        "protocol",
        "--edges",
        "normal",
        "--target",
        "all",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ]);
    let mut found: Vec<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| IO_CRATES.contains(name))
        .collect();
    found.dedup();
    assert!(found.is_empty(), "crates/protocol depends on I/O or async crates: {found:?}\n{tree}");
}

/// Which crates may name a dependency directly: the architecture's boundaries.
const FENCES: &[(&str, &[&str])] = &[
    ("tantivy", &["search"]),
    ("web-sys", &["portal"]),
    ("axum", &["server"]),
    ("rusqlite", &["server"]),
    ("leptos", &["portal"]),
];

#[test]
fn only_the_owning_crates_depend_on_fenced_crates() {
    let root = workspace_root();
    let mut manifests: Vec<_> = fs::read_dir(root.join("crates"))
        .expect("crates/")
        .flatten()
        .map(|e| e.path().join("Cargo.toml"))
        .filter(|p| p.exists())
        .collect();
    manifests.push(root.join("tests/Cargo.toml"));
    let mut breaches = Vec::new();
    for manifest in manifests {
        let krate =
            manifest.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str()).unwrap_or("");
        let text = fs::read_to_string(&manifest).unwrap_or_default();
        for &(dep, owners) in FENCES {
            let named = text.lines().any(|l| {
                l.trim_start().starts_with(&format!("{dep} "))
                    || l.trim_start().starts_with(&format!("{dep}."))
            });
            if named && !owners.contains(&krate) {
                breaches.push(format!("{krate} depends on {dep} (only {owners:?} may)"));
            }
        }
    }
    assert!(breaches.is_empty(), "architecture fences breached: {breaches:#?}");
}

#[test]
fn every_rust_file_starts_with_a_module_doc() {
    let root = workspace_root();
    let mut missing = Vec::new();
    for dir in ["crates", "tests"] {
        visit(&root.join(dir), &mut |path| {
            let text = fs::read_to_string(path).unwrap_or_default();
            if !text.starts_with("//!") {
                missing.push(path.strip_prefix(root).unwrap_or(path).display().to_string());
            }
        });
    }
    assert!(missing.is_empty(), "these files do not start with a `//!` line: {missing:#?}");
}

fn visit(dir: &Path, f: &mut dyn FnMut(&Path)) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target" && n != "node_modules") {
                visit(&path, f);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            f(&path);
        }
    }
}
