//! The knowledge base in `dist/`: rendered pages, the search index and the search WASM.
//!
//! `build` (called by `dist::build`, before precompression):
//! 1. renders `content/`, failing on any broken link, anchor or image, and writes one bundle per
//!    language to `dist/kb/pages.<lang>.json`; copies `content/assets/` to `dist/assets/`;
//! 2. indexes the pages into `dist/search/index.bin`;
//! 3. builds `search-wasm` (wasm profile) and runs wasm-bindgen (`--target web`) into
//!    `dist/search/` (`search_wasm.js`, `search_wasm_bg.wasm`). The portal loads both lazily.
//!
//! `bench` measures the search as the browser runs it, in node (`--target nodejs` build): index
//! size, gzipped size of WASM + JS + index, module load and index open time, query latency.

use std::{
    fs,
    io::Write as _,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, bail};

use crate::tools;

/// Builds the knowledge base and the search into `dist`.
pub(crate) fn build(root: &Path, dist: &Path) -> anyhow::Result<()> {
    let pages = content::load(&root.join("content")).context("content/ does not render")?;
    let kb = dist.join("kb");
    fs::create_dir_all(&kb)?;
    for lang in content::LANGS {
        let bundle = content::Bundle::new(lang, &pages);
        fs::write(kb.join(format!("pages.{lang}.json")), serde_json::to_vec(&bundle)?)?;
    }
    copy_dir(&root.join("content/assets"), &dist.join("assets"))?;

    let out = dist.join("search");
    fs::create_dir_all(&out)?;
    let blob = search::Index::build(&search::docs(&pages))?;
    fs::write(out.join("index.bin"), &blob)?;
    bindgen(root, &out, false)?;
    eprintln!("xtask: knowledge base: {} pages, search index {} bytes", pages.len(), blob.len());
    Ok(())
}

/// Prints sizes and timings of the search in node.
pub(crate) fn bench(root: &Path) -> anyhow::Result<()> {
    let dir = tools::target_dir(root).join("search-bench");
    fs::create_dir_all(&dir)?;
    let pages = content::load(&root.join("content")).context("content/ does not render")?;
    let blob = search::Index::build(&search::docs(&pages))?;
    fs::write(dir.join("index.bin"), &blob)?;
    bindgen(root, &dir, true)?;

    // What the browser downloads to search, as the web build has it.
    let web = dir.join("web");
    fs::create_dir_all(&web)?;
    bindgen(root, &web, false)?;
    let files =
        [web.join("search_wasm_bg.wasm"), web.join("search_wasm.js"), dir.join("index.bin")];
    eprintln!("  {:<24} {:>10} {:>10}", "file", "raw", "gzip -9");
    let (mut raw, mut gz) = (0, 0);
    for path in &files {
        let data = fs::read(path)?;
        let n = gzip_len(&data)?;
        let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        eprintln!("  {name:<24} {:>10} {n:>10}", data.len());
        raw += data.len();
        gz += n;
    }
    eprintln!("  {:<24} {raw:>10} {gz:>10}", "search total");

    let table = fs::read_to_string(root.join("crates/search/relevance.tsv"))?;
    let mut queries = Vec::new();
    for line in table.lines().filter(|l| l.starts_with("search\t")) {
        let cells: Vec<&str> = line.split('\t').collect();
        let (lang, text) = (cells[1], cells[2]);
        // Every keystroke of the query, as the search box sends them.
        for (i, _) in text.char_indices().skip(1) {
            queries.push(serde_json::json!({ "lang": lang, "text": &text[..i] }));
        }
        queries.push(serde_json::json!({ "lang": lang, "text": text }));
    }
    fs::write(dir.join("queries.json"), serde_json::to_vec(&queries)?)?;
    fs::write(dir.join("bench.cjs"), BENCH_JS)?;
    let out = Command::new("node")
        .arg(dir.join("bench.cjs"))
        .arg(dir.join("search_wasm.js"))
        .arg(dir.join("index.bin"))
        .arg(dir.join("queries.json"))
        .output()
        .context("cannot run node")?;
    if !out.status.success() {
        bail!("node failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let r: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    eprintln!(
        "  node {}: module load {:.1} ms, index open {:.2} ms (first {:.2} ms)",
        r["node"],
        r["load_ms"].as_f64().unwrap_or(0.0),
        r["open_ms"].as_f64().unwrap_or(0.0),
        r["first_open_ms"].as_f64().unwrap_or(0.0)
    );
    eprintln!(
        "  {} queries (every keystroke of the relevance table, top 10 with snippets, JSON): p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        r["queries"],
        r["p50_ms"].as_f64().unwrap_or(0.0),
        r["p90_ms"].as_f64().unwrap_or(0.0),
        r["p99_ms"].as_f64().unwrap_or(0.0),
        r["max_ms"].as_f64().unwrap_or(0.0)
    );
    Ok(())
}

/// Builds `search-wasm` and writes its bindings into `out` (`--target nodejs` if `node`).
fn bindgen(root: &Path, out: &Path, node: bool) -> anyhow::Result<()> {
    tools::ensure_wasm_target()?;
    let target = tools::WASM_TARGET;
    tools::cargo(&["build", "--profile", "wasm", "--target", target, "--package", "search-wasm"])?;
    let wasm = tools::target_dir(root).join(target).join("wasm/search_wasm.wasm");
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen.input_path(&wasm);
    if node {
        bindgen.nodejs(true)?;
    } else {
        bindgen.web(true)?;
    }
    bindgen
        .typescript(false)
        .omit_default_module_path(false)
        .remove_name_section(!node)
        .remove_producers_section(true)
        .generate(out)
        .context("wasm-bindgen failed on search-wasm")
}

fn gzip_len(data: &[u8]) -> anyhow::Result<usize> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(data)?;
    Ok(gz.finish()?.len())
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))? {
        let entry = entry?;
        let target: PathBuf = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// The node side of `bench`: `node bench.cjs <bindings.js> <index.bin> <queries.json>`.
const BENCH_JS: &str = r#"
const fs = require("fs");
const { performance } = require("perf_hooks");
const [pkg, blobPath, queriesPath] = process.argv.slice(2);
let t = performance.now();
const search = require(pkg);
const load = performance.now() - t;
const blob = fs.readFileSync(blobPath);
const opens = [];
for (let i = 0; i < 10; i++) {
  t = performance.now();
  search.init(blob);
  opens.push(performance.now() - t);
}
const queries = JSON.parse(fs.readFileSync(queriesPath, "utf8"));
for (const q of queries) search.search(q.text, q.lang, "", 10);
const times = [];
for (let round = 0; round < 5; round++) {
  for (const q of queries) {
    t = performance.now();
    JSON.parse(search.search(q.text, q.lang, "", 10));
    times.push(performance.now() - t);
  }
}
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const pct = (xs, p) => sorted(xs)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
console.log(JSON.stringify({
  node: process.version,
  load_ms: load,
  first_open_ms: opens[0],
  open_ms: pct(opens, 0.5),
  queries: times.length,
  p50_ms: pct(times, 0.5),
  p90_ms: pct(times, 0.9),
  p99_ms: pct(times, 0.99),
  max_ms: pct(times, 1),
}));
"#;
