//! The search relevance table (`crates/search/relevance.tsv`) in WASM under Node: the same
//! module the portal loads (`search-wasm`, wasm profile), on an index of the real `content/`;
//! and its warm-up, which must run to its end without repeating a row of the table.
//! The table also runs natively in `crates/search`; this catches what only breaks in WASM.

use std::{fs, path::PathBuf, process::Command};

use crate::{artefacts_dir, workspace_root};

/// `node search.cjs <bindings.js> <index.bin> <relevance.tsv>`: prints
/// `{"refused": searching before init fails, "docs": n, "rows": n, "failures": [...],
/// "warm": warm-up steps run, "listed": warm-up queries listed}`.
const SCRIPT: &str = r##"
const fs = require("fs");
const [pkg, index, table] = process.argv.slice(2);
const search = require(pkg);
let refused = false;
try { search.search("token", "en", "", 3); } catch (e) { refused = String(e).includes("init"); }
const docs = search.init(fs.readFileSync(index));
const failures = [];
let rows = 0;
for (const line of fs.readFileSync(table, "utf8").split("\n")) {
  if (line === "" || line.startsWith("#")) continue;
  const [mode, lang, query, want] = line.split("\t");
  rows += 1;
  const json = mode === "deflect" ? search.deflect(query, lang, 3) : search.search(query, lang, "", 3);
  const got = JSON.parse(json).map((hit) => hit.url);
  if (!got.includes(want)) failures.push(`${mode} ${lang} ${JSON.stringify(query)}: want ${want}, got ${JSON.stringify(got)}`);
}
// The warm-up: one query per step until `undefined`, each answering hits as JSON, and none of
// them a row of the table (the benchmark times those).
const texts = new Set(fs.readFileSync(table, "utf8").split("\n").map((l) => l.split("\t")[2]));
let warm = 0;
for (let json; (json = search.warm_up(warm)) !== undefined; warm++) {
  if (!Array.isArray(JSON.parse(json))) failures.push(`warm_up(${warm}) answered ${json}`);
}
const listed = JSON.parse(search.warm_up_queries());
for (const [lang, text] of listed) if (texts.has(text)) failures.push(`the warm-up runs a relevance row: ${lang} ${text}`);
console.log(JSON.stringify({ refused, docs, rows, failures, warm, listed: listed.length }));
"##;

fn cargo(args: &[&str]) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(args)
        .current_dir(workspace_root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo {args:?}: {e}"));
    assert!(
        out.status.success(),
        "cargo {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace_root().join(dir),
        None => workspace_root().join("target"),
    }
}

#[test]
fn relevance_table_passes_in_wasm_under_node() {
    let root = workspace_root();
    let dir = artefacts_dir().join("search-wasm");
    fs::create_dir_all(&dir).expect("creates the artefacts folder");

    let blob = search::build_site_index(&root.join("content"))
        .unwrap_or_else(|e| panic!("cannot index content/: {e}"));
    fs::write(dir.join("index.bin"), blob).expect("writes the index");

    let target = "wasm32-unknown-unknown";
    cargo(&[
        "build",
        "--quiet",
        "--profile",
        "wasm",
        "--target",
        target,
        "--package",
        "search-wasm",
    ]);
    let wasm = target_dir().join(target).join("wasm/search_wasm.wasm");
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .nodejs(true)
        .expect("nodejs target")
        .typescript(false)
        .generate(&dir)
        .expect("wasm-bindgen runs");

    fs::write(dir.join("search.cjs"), SCRIPT).expect("writes the script");
    let out = Command::new("node")
        .arg(dir.join("search.cjs"))
        .arg(dir.join("search_wasm.js"))
        .arg(dir.join("index.bin"))
        .arg(root.join("crates/search/relevance.tsv"))
        .output()
        .expect("node runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "node failed:\n{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("node printed no report ({e}):\n{stderr}"));
    assert_eq!(report["refused"], true, "search before init must fail: {report}");
    assert!(report["docs"].as_u64().unwrap_or(0) > 100, "too few documents: {report}");
    assert!(report["rows"].as_u64().unwrap_or(0) >= 30, "too few rows: {report}");
    let warm = report["warm"].as_u64().unwrap_or(0);
    assert!(warm >= 50 && report["listed"] == warm, "the warm-up ran {warm} steps: {report}");
    let failures = report["failures"].as_array().cloned().unwrap_or_default();
    assert!(failures.is_empty(), "{} queries failed in WASM:\n{failures:#?}", failures.len());
}
