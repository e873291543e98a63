//! `cargo xtask search-vs-pagefind`: our tantivy search against Pagefind, in headless Chromium,
//! on the same rendered pages (issue 5's benchmark).
//!
//! 1. Builds the knowledge base, the search index and the search WASM from the current sources
//!    into `target/search-bench/dist/` (as `cargo xtask dist` does, without touching `dist/`).
//! 2. Writes every page of that `kb/pages.<lang>.json` as a static HTML file (`<html lang>`,
//!    title, body, FAQ/slide parts as `<h2 id>` sections) into `target/search-bench/site/` and
//!    runs Pagefind from npm on it (installed into `target/search-bench/` when missing).
//! 3. Serves that `search/` as `/search/` and the Pagefind bundle as `/pagefind/` from a tiny
//!    loopback server (std only) that also logs every file it sends, and opens a harness page in
//!    headless Chromium. The harness loads our engine through the portal's own loader
//!    (`crates/portal/src/search.js`, served as `/loader/search.js`), so it opens the index and
//!    warms the engine up exactly as the portal does. It times, with `performance.now()` (no
//!    virtual time), module load + index open and the first answered query. Then it waits for
//!    the portal's idle warm-up to end (search-wasm's `warm_up` queries, run twice at idle time;
//!    Pagefind gets the same queries through the same idle loop), then SETTLE_MS more, as a
//!    reader pauses before typing on: the browser goes on optimising the engine's hot functions
//!    in the background after the warm-up, and this lets the biggest of those compilations end
//!    (a trickle of smaller ones continues into the timed rounds; SEARCH_BENCH_TRACE=1 counts
//!    them). Then recall@3 per language over the `search` rows of
//!    `crates/search/relevance.tsv`, one untimed round, and p50/p99 of each call (search +
//!    `JSON.parse` for ours) over twenty rounds of those rows (960 samples). It POSTs its JSON
//!    back.
//! 4. Prints both side by side, with the machine's load average (timings on a busy 2-core
//!    machine are mostly scheduling noise) and each engine's slowest queries, round by round.
//!    Bytes to the first answer come from the server log (Pagefind fetches from a worker, which
//!    the page's resource timing does not see): raw bytes as served and gzip -9 of the same
//!    files (Pagefind's chunks are already gzipped).
//!
//! Needs node/npm and `/usr/bin/chromium`.

use std::{
    collections::HashMap,
    fs,
    io::{BufRead as _, BufReader, Read as _, Write as _},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::{Arc, Mutex, mpsc},
    thread,
    time::Duration,
};

use anyhow::{Context as _, bail};

use crate::tools;

const LANGS: [&str; 2] = ["en", "zh-HK"];

/// Served files in order (`None` marks a harness checkpoint such as `/mark/tantivy`).
type Log = Arc<Mutex<Vec<(String, Option<PathBuf>)>>>;

/// Runs the benchmark and prints the table.
pub(crate) fn bench(root: &Path) -> anyhow::Result<()> {
    let dir = tools::target_dir(root).join("search-bench");
    // The knowledge base and the search as `cargo xtask dist` builds them, from the current
    // sources, but in a folder of its own (dist/'s precompressed siblings stay as they are).
    let dist = dir.join("dist");
    crate::search::build(root, &dist)?;
    let site = dir.join("site");
    if site.exists() {
        fs::remove_dir_all(&site)?;
    }
    let pages = write_site(&dist, &site)?;
    eprintln!("xtask: wrote {pages} pages into {}", site.display());
    run_pagefind(&dir, &site)?;

    let rows = relevance_rows(root)?;
    let harness = dir.join("harness.html");
    fs::write(&harness, HARNESS)?;
    // The portal's search loader, as the portal ships it: the harness opens and warms up our
    // engine through it.
    let loader = dir.join("loader");
    fs::create_dir_all(&loader)?;
    fs::copy(root.join("crates/portal/src/search.js"), loader.join("search.js"))?;
    let mut routes = HashMap::new();
    routes.insert("/loader/".to_owned(), loader);
    routes.insert("/search/".to_owned(), dist.join("search"));
    routes.insert("/pagefind/".to_owned(), site.join("pagefind"));
    let (port, log, results) = serve(routes, harness, serde_json::to_vec(&rows)?)?;
    let profile = dir.join("chromium-profile");
    if profile.exists() {
        fs::remove_dir_all(&profile)?;
    }
    let load_before = loadavg();
    // SEARCH_BENCH_TRACE=1: Chromium records V8's WASM compilations and the harness's marks for
    // the first TRACE_SECONDS, and the report says how many compilations the timed rounds met.
    let trace = std::env::var_os("SEARCH_BENCH_TRACE").map(|_| dir.join("trace.json"));
    let mut chromium = Command::new("/usr/bin/chromium");
    if let Some(file) = &trace {
        fs::remove_file(file).ok();
        chromium.args([
            "--trace-startup=v8.wasm,blink.user_timing",
            "--trace-startup-format=json",
            &format!("--trace-startup-duration={TRACE_SECONDS}"),
            &format!("--trace-startup-file={}", file.display()),
        ]);
    }
    let mut chromium = chromium
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--remote-debugging-port=0")
        .arg(format!("http://127.0.0.1:{port}/"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start /usr/bin/chromium")?;
    let got = results.recv_timeout(Duration::from_secs(120));
    let trace = trace.map(|file| wait_for_trace(&file));
    chromium.kill().ok();
    chromium.wait().ok();
    let report: serde_json::Value =
        serde_json::from_slice(&got.context("the harness did not answer within 120 s")?)?;
    if let Some(err) = report.get("error") {
        bail!("the harness failed: {err}");
    }
    let log = log.lock().map_err(|_| anyhow::anyhow!("server log poisoned"))?.clone();
    eprintln!("\n  load average (1, 5, 15 min) before: {load_before}, after: {}", loadavg());
    print_table(&report, &log)?;
    match trace {
        Some(Ok(trace)) => print_trace(&trace),
        Some(Err(e)) => eprintln!("  no trace: {e:#}"),
        None => {}
    }
    Ok(())
}

/// How long Chromium traces with SEARCH_BENCH_TRACE (our engine's timed rounds end well before).
const TRACE_SECONDS: u64 = 15;

/// Waits until Chromium has written the whole trace (it does when TRACE_SECONDS are over).
fn wait_for_trace(file: &Path) -> anyhow::Result<serde_json::Value> {
    for _ in 0..(TRACE_SECONDS + 30) * 4 {
        if let Ok(bytes) = fs::read(file)
            && let Ok(trace) = serde_json::from_slice(&bytes)
        {
            return Ok(trace);
        }
        thread::sleep(Duration::from_millis(250));
    }
    bail!("Chromium wrote no trace into {}", file.display())
}

/// What V8 compiled while our engine's rounds were timed (between the harness's `TIMED tantivy`
/// and `END tantivy` marks), and how many slow queries (the harness's `SLOW` measures, over
/// 2 ms) overlapped an optimising compilation on another thread.
fn print_trace(trace: &serde_json::Value) {
    let events = trace["traceEvents"].as_array().map(Vec::as_slice).unwrap_or_default();
    let ts = |e: &serde_json::Value| e["ts"].as_f64().unwrap_or(0.0);
    let dur = |e: &serde_json::Value| e["dur"].as_f64().unwrap_or(0.0);
    let mark = |name: &str| {
        events.iter().find(|e| e["name"] == name && e["ph"] != "b" && e["ph"] != "e").map(ts)
    };
    let (Some(from), Some(to)) = (mark("TIMED tantivy"), mark("END tantivy")) else {
        eprintln!("  the trace ended before our engine's timed rounds did");
        return;
    };
    let named =
        |name: &'static str| events.iter().filter(move |e| e["name"] == name && e["ph"] == "X");
    let (mut before, mut during) = ((0, 0.0), (0, 0.0));
    for e in named("wasm.TopTierCompilation") {
        let it = if ts(e) < from {
            &mut before
        } else if ts(e) < to {
            &mut during
        } else {
            continue;
        };
        it.0 += 1;
        it.1 += dur(e) / 1000.0;
    }
    let lazy = named("wasm.CompileLazy").filter(|e| (from..to).contains(&ts(e))).count();
    let mut slow: HashMap<String, (f64, f64)> = HashMap::new();
    for e in
        events.iter().filter(|e| e["name"].as_str().is_some_and(|n| n.starts_with("SLOW tantivy")))
    {
        let key = format!("{}{}{}", e["name"], e["id"], e["id2"]);
        let it = slow.entry(key).or_insert((f64::NAN, f64::NAN));
        match e["ph"].as_str() {
            Some("b") => it.0 = ts(e),
            Some("e") => it.1 = ts(e),
            _ => {}
        }
    }
    let compiling = slow
        .values()
        .filter(|(b, f)| {
            named("wasm.TopTierCompilation").any(|e| ts(e) < *f && ts(e) + dur(e) > *b)
        })
        .count();
    eprintln!(
        "\n  trace of our engine: {} optimising (TurboFan) compilations ({:.0} ms of a background \
         thread) before the timed rounds, {} ({:.0} ms) during them, and {lazy} lazy compilations \
         during them; {compiling} of the {} timed queries over 2 ms overlapped an optimising compilation",
        before.0,
        before.1,
        during.0,
        during.1,
        slow.len()
    );
}

/// The machine's load average, as `/proc/loadavg` gives it: timings mean little on a busy one.
fn loadavg() -> String {
    let avg = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    avg.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

/// Writes one HTML file per page and language; returns how many.
fn write_site(dist: &Path, site: &Path) -> anyhow::Result<usize> {
    let mut n = 0;
    for lang in LANGS {
        let path = dist.join(format!("kb/pages.{lang}.json"));
        let bundle: serde_json::Value = serde_json::from_slice(&fs::read(&path)?)
            .with_context(|| format!("{} is not JSON", path.display()))?;
        for page in bundle["pages"].as_array().context("no pages")? {
            let url = page["url"].as_str().context("a page without url")?;
            let title = escape(page["meta"]["title"].as_str().unwrap_or_default());
            let mut body = format!("<h1>{title}</h1>\n{}", page["html"].as_str().unwrap_or(""));
            for part in page["parts"].as_array().into_iter().flatten() {
                body.push_str(&format!(
                    "\n<h2 id=\"{}\">{}</h2>\n{}",
                    escape(part["id"].as_str().unwrap_or_default()),
                    escape(part["title"].as_str().unwrap_or_default()),
                    part["html"].as_str().unwrap_or_default()
                ));
            }
            let html = format!(
                "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
                 <title>{title}</title></head>\n<body><main data-pagefind-body>\n{body}\n\
                 </main></body></html>\n"
            );
            let file = site.join(lang).join(format!("{}.html", url.trim_start_matches('/')));
            if let Some(parent) = file.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(file, html)?;
            n += 1;
        }
    }
    Ok(n)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Installs Pagefind from npm when missing and indexes `site`.
fn run_pagefind(dir: &Path, site: &Path) -> anyhow::Result<()> {
    let bin = dir.join("node_modules/.bin/pagefind");
    if !bin.exists() {
        eprintln!("xtask: installing pagefind from npm into {}", dir.display());
        tools::run(Command::new("npm").arg("install").arg("--prefix").arg(dir).arg("pagefind"))?;
    }
    let out = Command::new(&bin)
        .arg("--site")
        .arg(site)
        .output()
        .with_context(|| format!("cannot run {}", bin.display()))?;
    if !out.status.success() {
        bail!("pagefind failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let version = Command::new(&bin).arg("--version").output()?;
    eprintln!("xtask: indexed with {}", String::from_utf8_lossy(&version.stdout).trim());
    Ok(())
}

/// The `search` rows of the relevance table as `{lang, text, want}`.
fn relevance_rows(root: &Path) -> anyhow::Result<Vec<serde_json::Value>> {
    let table = fs::read_to_string(root.join("crates/search/relevance.tsv"))?;
    let mut rows = Vec::new();
    for line in table.lines().filter(|l| l.starts_with("search\t")) {
        let cells: Vec<&str> = line.split('\t').collect();
        let [_, lang, text, want] = cells[..] else { bail!("a bad relevance row: {line:?}") };
        rows.push(serde_json::json!({ "lang": lang, "text": text, "want": want }));
    }
    Ok(rows)
}

/// Starts the loopback server; returns its port, its log and where the harness's POST lands.
fn serve(
    routes: HashMap<String, PathBuf>,
    harness: PathBuf,
    rows: Vec<u8>,
) -> anyhow::Result<(u16, Log, mpsc::Receiver<Vec<u8>>)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let log: Log = Arc::default();
    let (tx, rx) = mpsc::channel();
    let ctx = Arc::new((routes, harness, rows, log.clone(), tx));
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let ctx = ctx.clone();
            thread::spawn(move || {
                let (routes, harness, rows, log, tx) = &*ctx;
                if let Err(e) = handle(stream, routes, harness, rows, log, tx) {
                    eprintln!("xtask: server: {e:#}");
                }
            });
        }
    });
    Ok((port, log, rx))
}

fn handle(
    stream: TcpStream,
    routes: &HashMap<String, PathBuf>,
    harness: &Path,
    rows: &[u8],
    log: &Log,
    tx: &mpsc::Sender<Vec<u8>>,
) -> anyhow::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(());
    }
    let mut words = line.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or("/"));
    let path = target.split('?').next().unwrap_or("/").to_owned();
    let mut length = 0;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    if method == "POST" {
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        tx.send(body).ok();
        return respond(stream, "200 OK", "text/plain", b"ok");
    }
    let file = if path == "/" {
        Some(harness.to_path_buf())
    } else {
        routes.iter().find_map(|(prefix, dir)| {
            let rest = path.strip_prefix(prefix.as_str())?;
            (!rest.contains("..")).then(|| dir.join(rest))
        })
    };
    match path.as_str() {
        "/rows.json" => respond(stream, "200 OK", "application/json", rows),
        p if p.starts_with("/mark/") => {
            push(log, (p.to_owned(), None))?;
            respond(stream, "200 OK", "text/plain", b"ok")
        }
        _ => match file.filter(|f| f.is_file()) {
            Some(f) => {
                let body = fs::read(&f)?;
                push(log, (path.clone(), Some(f.clone())))?;
                respond(stream, "200 OK", mime(&f), &body)
            }
            None => respond(stream, "404 Not Found", "text/plain", b"not found"),
        },
    }
}

fn push(log: &Log, entry: (String, Option<PathBuf>)) -> anyhow::Result<()> {
    log.lock().map_err(|_| anyhow::anyhow!("server log poisoned"))?.push(entry);
    Ok(())
}

fn respond(mut stream: TcpStream, status: &str, mime: &str, body: &[u8]) -> anyhow::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {mime}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    Ok(stream.flush()?)
}

fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "css" => "text/css",
        _ => "application/octet-stream",
    }
}

/// Bytes (raw, gzip -9) of the files under `prefix` served before `/mark/<engine>`.
fn bytes_to_first_answer(
    log: &[(String, Option<PathBuf>)],
    engine: &str,
    prefix: &str,
) -> anyhow::Result<(usize, usize, usize)> {
    let (mut raw, mut gz, mut files) = (0, 0, 0);
    let mut seen = std::collections::HashSet::new();
    let mark = format!("/mark/{engine}");
    for (path, file) in log {
        if *path == mark {
            return Ok((raw, gz, files));
        }
        // Counted once: the browser would cache a file the second instance asks for again.
        if let Some(file) = file.as_ref().filter(|_| path.starts_with(prefix) && seen.insert(path))
        {
            let data = fs::read(file)?;
            raw += data.len();
            gz += gzip_len(&data)?;
            files += 1;
        }
    }
    bail!("the harness never reached {mark}")
}

fn gzip_len(data: &[u8]) -> anyhow::Result<usize> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(data)?;
    Ok(gz.finish()?.len())
}

fn print_table(
    report: &serde_json::Value,
    log: &[(String, Option<PathBuf>)],
) -> anyhow::Result<()> {
    let engines =
        [("tantivy", "/search/", "tantivy (ours)"), ("pagefind", "/pagefind/", "Pagefind")];
    eprintln!(
        "\n  {} via loopback HTTP (no compression, no cache), {} queries x {} rounds (top {} hits each, with snippets)\n",
        report["browser"].as_str().unwrap_or("?"),
        report["queries"],
        report["rounds"],
        report["limit"]
    );
    eprintln!(
        "  {:<16} {:>16} {:>16} {:>10} {:>11} {:>8} {:>8} {:>10} {:>10}",
        "engine",
        "to 1st answer",
        "gz (files)",
        "open ms",
        "1st ans ms",
        "p50 ms",
        "p99 ms",
        "recall EN",
        "recall zh"
    );
    for (key, prefix, name) in engines {
        let r = &report[key];
        let (raw, gz, files) = bytes_to_first_answer(log, key, prefix)?;
        let f = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
        let recall = |lang: &str| {
            format!("{}/{}", r["page_recall"][lang]["hit"], r["page_recall"][lang]["of"])
        };
        eprintln!(
            "  {name:<16} {raw:>16} {:>16} {:>10.1} {:>11.1} {:>8.3} {:>8.3} {:>10} {:>10}",
            format!("{gz} ({files})"),
            f("open_ms"),
            f("first_ms"),
            f("p50_ms"),
            f("p99_ms"),
            recall("en"),
            recall("zh-HK")
        );
    }
    eprintln!(
        "\n  before timing, each engine ran the portal's idle warm-up (search-wasm's {} warm-up \
         queries, in passes, at idle time), then sat idle {} ms; the recall pass and one untimed \
         round followed",
        report["warm_up_queries"], report["settle_ms"]
    );
    for (key, _, name) in engines {
        let passes: Vec<String> = report[key]["warm_up_ms"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| format!("{:.1}", t.as_f64().unwrap_or(f64::NAN)))
            .collect();
        eprintln!(
            "    {name:<16} warm-up passes (ms of query time each): {}; {:.0} ms of wall time",
            passes.join(" "),
            report[key]["warm_up_wall_ms"].as_f64().unwrap_or(f64::NAN)
        );
    }
    eprintln!(
        "\n  recall@3 above is by page (anchor ignored); by exact URL (anchor too): tantivy EN {}/{} zh {}/{}; Pagefind EN {}/{} zh {}/{}",
        report["tantivy"]["recall"]["en"]["hit"],
        report["tantivy"]["recall"]["en"]["of"],
        report["tantivy"]["recall"]["zh-HK"]["hit"],
        report["tantivy"]["recall"]["zh-HK"]["of"],
        report["pagefind"]["recall"]["en"]["hit"],
        report["pagefind"]["recall"]["en"]["of"],
        report["pagefind"]["recall"]["zh-HK"]["hit"],
        report["pagefind"]["recall"]["zh-HK"]["of"],
    );
    eprintln!("  files to the first answer (raw / gzip -9):");
    for (key, prefix, _) in engines {
        for (path, file) in log.iter().take_while(|(p, _)| *p != format!("/mark/{key}")) {
            if let Some(file) = file.as_ref().filter(|_| path.starts_with(prefix)) {
                let data = fs::read(file)?;
                eprintln!("    {path:<48} {:>9} {:>9}", data.len(), gzip_len(&data)?);
            }
        }
    }
    if let Some(misses) = report["pagefind"]["misses"].as_array() {
        eprintln!("  Pagefind page misses ({}):", misses.len());
        for m in misses {
            eprintln!("    {}", m.as_str().unwrap_or_default());
        }
    }
    if let Some(misses) = report["tantivy"]["misses"].as_array() {
        eprintln!("  tantivy page misses ({}):", misses.len());
        for m in misses {
            eprintln!("    {}", m.as_str().unwrap_or_default());
        }
    }
    for (key, _, name) in engines {
        eprintln!("  {name}: slowest queries (ms in each round):");
        for q in report[key]["slowest"].as_array().into_iter().flatten() {
            let ms: Vec<String> = q["ms"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| format!("{:6.2}", t.as_f64().unwrap_or(f64::NAN)))
                .collect();
            let text = format!("{} {}", q["lang"].as_str().unwrap_or("?"), q["text"]);
            eprintln!("    {text:<32} {}", ms.join(" "));
        }
    }
    Ok(())
}

/// The page Chromium opens: benchmarks both engines and POSTs a JSON report to `/result`.
const HARNESS: &str = r##"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>search vs pagefind</title></head>
<body><pre id="out">running</pre>
<script type="module">
const ROUNDS = 20, LIMIT = 10, SLOWEST = 8, SETTLE_MS = 250;
// The portal's own loader (crates/portal/src/search.js): it opens and warms up our engine.
const loader = await import("/loader/search.js");
const rows = await (await fetch("/rows.json")).json();
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
// A URL as the relevance table writes it: `/faq/x#anchor`, no language prefix, no `.html`.
const norm = (u) => decodeURIComponent(u).replace(/^https?:\/\/[^/]+/, "").replace(/^\/(en|zh-HK|zh-hk)(?=\/)/, "").replace(/\.html/, "").replace(/\/(?=#|$)/, "");
const page = (u) => u.split("#")[0];

async function run(name, open, query, warm) {
  let t = performance.now();
  await open();
  const open_ms = performance.now() - t;
  t = performance.now();
  await query(rows[0], LIMIT);
  const first_ms = performance.now() - t;
  await fetch(`/mark/${name}`);
  // The portal's idle warm-up, to its end, then SETTLE_MS of idle time, as a reader pauses
  // before the next keystroke (see the module comment of crates/xtask/src/pagefind.rs).
  t = performance.now();
  const warm_up_ms = await warm();
  const warm_up_wall_ms = performance.now() - t;
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const recall = {}, page_recall = {}, misses = [];
  for (const r of rows) {
    for (const rec of [recall, page_recall]) rec[r.lang] ??= { hit: 0, of: 0 };
    const urls = (await query(r, 3)).slice(0, 3);
    recall[r.lang].of++; page_recall[r.lang].of++;
    if (urls.includes(r.want)) recall[r.lang].hit++;
    if (urls.map(page).includes(page(r.want))) page_recall[r.lang].hit++;
    else misses.push(`${r.lang} ${JSON.stringify(r.text)}: want ${r.want}, got ${JSON.stringify(urls)}`);
  }
  // One untimed round as timed (the recall pass above asks for fewer hits).
  for (const r of rows) await query(r, LIMIT);
  const times = [], per_row = rows.map(() => []);
  performance.mark(`TIMED ${name}`);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, r] of rows.entries()) {
      t = performance.now();
      await query(r, LIMIT);
      const ms = performance.now() - t;
      // For SEARCH_BENCH_TRACE: the slow calls, and the timed span below.
      if (ms > 2) performance.measure(`SLOW ${name} ${r.text}`, { start: t, duration: ms });
      times.push(ms);
      per_row[i].push(ms);
    }
  }
  performance.mark(`END ${name}`);
  // The queries with the slowest single run, with every round's time.
  const slowest = rows.map((r, i) => ({ lang: r.lang, text: r.text, ms: per_row[i], max: Math.max(...per_row[i]) }))
    .sort((a, b) => b.max - a.max).slice(0, SLOWEST);
  return { open_ms, first_ms, warm_up_ms, warm_up_wall_ms, p50_ms: pct(times, 0.5), p99_ms: pct(times, 0.99), max_ms: pct(times, 1), recall, page_recall, misses, slowest };
}

let report;
try {
  let ours;
  const tantivy = await run("tantivy", async () => {
    ours = await loader.loadSearch();
  }, async (r, limit) => JSON.parse(ours.search(r.text, r.lang, "", limit)).map((h) => h.url),
  () => loader.searchWarmedUp());
  const warm_up_queries = JSON.parse(ours.warm_up_queries()).map(([lang, text]) => ({ lang, text }));

  // One Pagefind instance per language: a module per URL, each told its language.
  const pf = {};
  const pfQuery = async (r, limit) => {
    const res = await pf[r.lang].search(r.text);
    const data = await Promise.all(res.results.slice(0, limit).map((x) => x.data()));
    // Each page by its best-scoring heading section (as Pagefind's UI ranks sub-results).
    const score = (s) => (s.weighted_locations || []).reduce((a, l) => a + (l.balanced_score || 0), 0) || (s.locations || []).length;
    for (const d of data) if (!d.url.startsWith(`/${r.lang}/`)) throw new Error(`${r.lang} query got ${d.url}`);
    return data.map((d) => {
      const subs = (d.sub_results || []).filter((s) => s.url.includes("#"));
      const best = subs.sort((a, b) => score(b) - score(a))[0];
      return norm(best ? best.url : d.url);
    });
  };
  const pagefind = await run("pagefind", async () => {
    for (const [lang, code] of [["en", "en"], ["zh-HK", "zh-hk"]]) {
      // Pagefind picks its index by `<html lang>` (options() inits before init(lang) can).
      document.documentElement.lang = code;
      pf[lang] = await import(`/pagefind/pagefind.js?${code}`);
      await pf[lang].options({});
      await pf[lang].init(code);
    }
    document.documentElement.lang = "en";
  }, pfQuery, () => loader.warmUpAtIdle(async (i) => {
    // Our warm-up queries through Pagefind, in the same idle loop (each step awaits Pagefind's
    // asynchronous search and its fragments, as a timed query does).
    if (i >= warm_up_queries.length) return false;
    await pfQuery(warm_up_queries[i], LIMIT);
    return true;
  }));
  report = { browser: navigator.userAgent.match(/(Headless)?Chrome\/[\d.]+/)?.[0], queries: rows.length, rounds: ROUNDS, limit: LIMIT, settle_ms: SETTLE_MS, warm_up_queries: warm_up_queries.length, tantivy, pagefind };
} catch (e) {
  report = { error: String(e && e.stack || e) };
}
document.getElementById("out").textContent = JSON.stringify(report);
await fetch("/result", { method: "POST", body: JSON.stringify(report) });
</script></body></html>
"##;
