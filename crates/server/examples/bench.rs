//! Benchmark: signed getToken requests per second against the sandbox, Prism and bare axum.
//!
//! Run with `cargo run --release -p server --example bench -- [--seconds 10] [--connections 256]
//! [--rate 5000] [--only sandbox,postgres,hello,prism] [--pg-socket]` (PostgreSQL needs the server's
//! `testing` feature, which `cargo xtask bench` turns on, and Debian's `postgresql`).
//! It builds and starts the server binary next to this example's own (`target/release/server`,
//! or under `CARGO_TARGET_DIR`) on a fresh data folder (timing the cold start to the first
//! answered request), registers one plain-mode client per connection, and sends signed,
//! verified getToken requests (a well-formed but unknown code, so every request runs the whole
//! pipeline: headers, HMAC, replay guard, fields, code lookup, journal, and answers `D40004`)
//! from `--connections` keep-alive connections for `--seconds`. It then does the same against
//! a bare axum handler answering a fixed JSON (this binary with `--serve-hello`) and, when npm
//! can provide it, Stoplight Prism mocking the whole API from `protocol::openapi::document`,
//! sent the same signed requests (headers and body), which it validates against the document.
//! The sandbox on PostgreSQL gets the same requests, from one instance and from two instances
//! sharing the database (the load's connections and the database connections split between
//! them), over TCP or, with `--pg-socket`, the database's Unix socket.
//! The load generator is built in, because each request needs its own nonce and HMAC.
//! It prints throughput, p50/p99 latency and peak memory (VmHWM, children included) of each.
//!
//! Those runs saturate their target (every connection sends its next request as soon as the
//! answer comes: a closed loop, as wrk and oha do by default), so their latency is set by
//! throughput (Little's law: connections / req/s). To show latency under a given load, the
//! sandbox and the bare handler then also get a fixed rate (`--rate`, default 5 000 req/s in
//! all) spread evenly over the same connections, as wrk2 does: each request has an intended
//! send time, and when a connection falls behind, latency counts from that time, so a slow
//! answer is not hidden by the requests it held back (coordinated omission).

// The report is the program's output.
#![allow(clippy::print_stdout)]

mod common;

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context as _, bail};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper_util::{client::legacy::Client, rt::TokioExecutor};

use common::{Conn, bin_dir, contains, flag, free_port, now_ms, workspace_root};

const ADMIN_TOKEN: &str = "bench-admin-token-0123456789";
const CODE_BODY: &str =
    r#"{"code":"0123456789abcdef0123456789abcdef","grantType":"authorization_code"}"#;
const PATH: &str = "/api/v1/auth/getToken";

/// Makes every nonce of the run unique, across targets and runs.
static NONCES: AtomicU64 = AtomicU64::new(0);

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

/// One target's result.
#[derive(Debug)]
struct Outcome {
    name: &'static str,
    pace: Pace,
    requests: usize,
    errors: usize,
    seconds: f64,
    p50_us: u64,
    p99_us: u64,
    peak_kib: Option<u64>,
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if let Some(port) = flag(&args, "--serve-hello") {
        return serve_hello(port.parse()?);
    }
    let seconds: u64 = flag(&args, "--seconds").map_or(Ok(10), |s| s.parse())?;
    let connections: usize = flag(&args, "--connections").map_or(Ok(256), |s| s.parse())?;
    let only = flag(&args, "--only").map(str::to_owned);
    let rate: f64 = flag(&args, "--rate").map_or(Ok(5000.0), |s| s.parse())?;
    let pg_socket = args.iter().any(|it| it == "--pg-socket");
    let root = workspace_root();
    let bin_dir = bin_dir()?;
    build(&root, &bin_dir)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let plan = Plan { duration: Duration::from_secs(seconds), connections, rate, only, pg_socket };
    runtime.block_on(run(&root, &bin_dir, &plan))
}

/// What the command line asked for.
#[derive(Debug)]
struct Plan {
    duration: Duration,
    connections: usize,
    /// Requests per second in all, for the fixed-rate runs.
    rate: f64,
    only: Option<String>,
    /// Whether the servers reach PostgreSQL through its Unix socket instead of TCP.
    pg_socket: bool,
}

/// The connections to PostgreSQL in all, split between the instances of a run: about the
/// database's cores (this machine's two), as `--database-connections` advises.
const PG_CONNECTIONS: usize = 4;

/// How a run sends its requests.
#[derive(Debug, Clone, Copy)]
enum Pace {
    /// Each connection's next request as soon as its answer arrives.
    Saturate,
    /// This many requests per second in all, spread over the connections.
    Rate(f64),
}

async fn run(root: &Path, bin_dir: &Path, plan: &Plan) -> anyhow::Result<()> {
    let (duration, connections) = (plan.duration, plan.connections);
    let wanted =
        |target: &str| plan.only.as_deref().is_none_or(|it| it.split(',').any(|t| t == target));
    let client: HttpClient =
        Client::builder(TokioExecutor::new()).pool_max_idle_per_host(connections).build_http();
    let mut results = Vec::new();

    // The sandbox, cold.
    let data = std::env::temp_dir().join(format!("iams-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let port = free_port()?;
    let started = Instant::now();
    let server = bin_dir.join("server");
    let mut sandbox = start_server(&server, root, port, &data, None)?;
    let base = format!("http://127.0.0.1:{port}");
    let health = format!("{base}/healthz");
    let first = wait_answer(&client, &health, Duration::from_secs(60), false).await?;
    wait_answer(&client, &health, Duration::from_secs(60), true).await?;
    let ready = started.elapsed();
    println!(
        "sandbox: first answered request after {} ms (listening; 503 while starting), ready after {} ms (first run: migrations and a 2048-bit demo key)",
        first.as_millis(),
        ready.as_millis()
    );
    let clients = register(&client, &base, connections).await?;
    if wanted("sandbox") {
        let pid = sandbox.id();
        let expect = Some(&b"D40004"[..]);
        let name = "sandbox (signed getToken)";
        for pace in [Pace::Rate(plan.rate), Pace::Saturate] {
            let clients = clients.clone();
            let run = Run {
                name,
                bases: vec![base.clone()],
                clients,
                expect,
                duration,
                pace,
                pids: vec![pid],
            };
            results.push(load(run).await?);
        }
    }
    stop(&mut sandbox);
    let _ = std::fs::remove_dir_all(&data);

    if wanted("postgres") {
        results.extend(postgres(root, &server, &client, plan).await?);
    }

    if wanted("hello") {
        results.extend(hello(&client, plan).await?);
    }
    if wanted("prism") {
        prism(bin_dir, &clients, duration, &mut results).await;
    }
    report(&results, connections);
    Ok(())
}

/// A bare axum handler answering a fixed JSON.
async fn hello(client: &HttpClient, plan: &Plan) -> anyhow::Result<Vec<Outcome>> {
    let port = free_port()?;
    let mut hello = Command::new(std::env::current_exe()?)
        .args(["--serve-hello", &port.to_string()])
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}");
    wait_answer(client, &format!("{base}/healthz"), Duration::from_secs(10), true).await?;
    let unsigned: Vec<Option<Arc<(String, String)>>> = vec![None; plan.connections];
    let mut outcomes = Vec::new();
    for pace in [Pace::Rate(plan.rate), Pace::Saturate] {
        let name = "bare axum handler";
        let (clients, duration, pid) = (unsigned.clone(), plan.duration, hello.id());
        let run = Run {
            name,
            bases: vec![base.clone()],
            clients,
            expect: None,
            duration,
            pace,
            pids: vec![pid],
        };
        outcomes.push(load(run).await?);
    }
    stop(&mut hello);
    Ok(outcomes)
}

/// Prism, when npm provides it, with the sandbox's clients signing the same requests.
async fn prism(
    bin_dir: &Path,
    clients: &[Option<Arc<(String, String)>>],
    duration: Duration,
    results: &mut Vec<Outcome>,
) {
    let tools = bin_dir.parent().unwrap_or(bin_dir).join("bench-tools");
    match start_prism(&tools, clients).await {
        Ok((mut prism, base)) => {
            // Prism answers the document's example envelope.
            let expect = Some(&b"\"txID\""[..]);
            let pid = prism.id();
            let name = "Stoplight Prism mock";
            let (clients, pace) = (clients.to_vec(), Pace::Saturate);
            let run =
                Run { name, bases: vec![base], clients, expect, duration, pace, pids: vec![pid] };
            match load(run).await {
                Ok(outcome) => results.push(outcome),
                Err(err) => println!("Prism run failed: {err:#}"),
            }
            stop(&mut prism);
        }
        Err(err) => println!("Prism skipped: {err:#}"),
    }
}

/// The sandbox on PostgreSQL (a throwaway server started here): one instance, then two
/// sharing the database, the load spread over both (connection `i` to instance `i % 2`), as
/// a round-robin reverse proxy would.
async fn postgres(
    root: &Path,
    server: &Path,
    client: &HttpClient,
    plan: &Plan,
) -> anyhow::Result<Vec<Outcome>> {
    let pg = server::db::pg_temp::TempPostgres::start()?;
    let tcp = pg.create_database("bench")?;
    let url = if plan.pg_socket { pg.socket_url("bench") } else { tcp };
    let mut outcomes = Vec::new();
    let mut clients = Vec::new();
    for (n, name) in [(1, "sandbox on PostgreSQL x1"), (2, "sandbox on PostgreSQL x2")] {
        // The same connections to the database in all, split between the instances.
        let connections = PG_CONNECTIONS / n;
        let mut instances = Vec::new();
        let mut bases = Vec::new();
        for i in 0..n {
            let port = free_port()?;
            let data =
                std::env::temp_dir().join(format!("iams-bench-pg{n}-{i}-{}", std::process::id()));
            let database = Some((url.as_str(), connections));
            let child = start_server(server, root, port, &data, database)?;
            let base = format!("http://127.0.0.1:{port}");
            wait_answer(client, &format!("{base}/healthz"), Duration::from_secs(60), true).await?;
            if clients.is_empty() {
                clients = register(client, &base, plan.connections).await?;
            }
            instances.push((child, data));
            bases.push(base);
        }
        let pids = instances.iter().map(|(child, _)| child.id()).collect();
        let run = Run {
            name,
            bases,
            clients: clients.clone(),
            expect: Some(&b"D40004"[..]),
            duration: plan.duration,
            pace: Pace::Saturate,
            pids,
        };
        outcomes.push(load(run).await?);
        for (mut child, data) in instances {
            stop(&mut child);
            let _ = std::fs::remove_dir_all(data);
        }
    }
    Ok(outcomes)
}

/// Starts the release server on `port` with the state in `data` or, given a URL and a
/// number of connections, PostgreSQL.
fn start_server(
    server: &Path,
    root: &Path,
    port: u16,
    data: &Path,
    database: Option<(&str, usize)>,
) -> anyhow::Result<Child> {
    let mut cmd = Command::new(server);
    cmd.args(["--addr", &format!("127.0.0.1:{port}"), "--dist"])
        .arg(root.join("dist"))
        .arg("--data")
        .arg(data)
        .args(["--admin-token", ADMIN_TOKEN, "--rate-limit", "0", "--log", "warn"])
        .args(["--demo-kek-bits", "2048"])
        .stdout(Stdio::null());
    if let Some((url, connections)) = database {
        cmd.args(["--database-url", url, "--database-connections", &connections.to_string()]);
    }
    cmd.spawn().with_context(|| format!("cannot start {}", server.display()))
}

/// One load run against one target.
#[derive(Debug, Clone)]
struct Run {
    name: &'static str,
    /// The target's instances: connection `i` goes to `bases[i % bases.len()]`.
    bases: Vec<String>,
    /// One per connection: the (clientID, secret) that signs its requests, if any.
    clients: Vec<Option<Arc<(String, String)>>>,
    /// What an answer's body must contain to count as a success.
    expect: Option<&'static [u8]>,
    duration: Duration,
    pace: Pace,
    /// The target's processes, for their peak memory.
    pids: Vec<u32>,
}

/// Sends requests from `run.clients.len()` connections for `run.duration` at `run.pace`; an
/// answer counts when it is a success whose body contains `run.expect`, if given.
///
/// A paced run needs little of the generator, so it runs on one thread of its own, leaving
/// the other core to the target; a saturating one uses the whole runtime, as wrk uses one
/// thread per core.
async fn load(run: Run) -> anyhow::Result<Outcome> {
    if let Pace::Saturate = run.pace {
        return Ok(drive(run).await);
    }
    let paced = tokio::task::spawn_blocking(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        anyhow::Ok(runtime.block_on(drive(run)))
    });
    paced.await?
}

/// [`load`] on the current runtime.
async fn drive(run: Run) -> Outcome {
    let Run { name, bases, clients, expect, duration, pace, pids } = run;
    let hosts: Vec<String> =
        bases.iter().map(|base| base.trim_start_matches("http://").to_owned()).collect();
    let started = Instant::now();
    let deadline = started + duration;
    // Each connection's gap between intended sends, when paced.
    let gap = match pace {
        Pace::Saturate => None,
        Pace::Rate(rate) => Some(Duration::from_secs_f64(clients.len() as f64 / rate)),
    };
    let count = clients.len() as u32;
    let mut tasks = tokio::task::JoinSet::new();
    for (idx, signer) in clients.iter().cloned().enumerate() {
        let host = hosts[idx % hosts.len()].clone();
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(4096);
            let mut errors = 0usize;
            // Paced connections start evenly spread over one gap.
            let mut intended = started + gap.map_or(Duration::ZERO, |g| g * idx as u32 / count);
            // One keep-alive connection per task, as wrk does; a new one after an error.
            let mut conn = None;
            while Instant::now() < deadline {
                let nonce = format!("{idx:08x}{:024x}", NONCES.fetch_add(1, Ordering::Relaxed));
                let req = get_token_request(&host, signer.as_deref(), &nonce);
                let mut sent = Instant::now();
                if let Some(gap) = gap {
                    if intended > sent {
                        tokio::time::sleep_until(intended.into()).await;
                        sent = Instant::now();
                    } else {
                        // Behind: the wait for earlier answers counts.
                        sent = intended;
                    }
                    intended += gap;
                }
                if conn.is_none() {
                    conn = Conn::open(&host).await.ok();
                }
                let ok = match &mut conn {
                    Some(conn) => conn.exchange(&req).await.is_ok_and(|(status, body)| {
                        (200..300).contains(&status) && expect.is_none_or(|e| contains(body, e))
                    }),
                    None => false,
                };
                latencies.push(u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX));
                if !ok {
                    errors += 1;
                    conn = None;
                }
            }
            (latencies, errors)
        });
    }
    let mut all = Vec::new();
    let mut errors = 0;
    while let Some(Ok((latencies, e))) = tasks.join_next().await {
        all.extend(latencies);
        errors += e;
    }
    let seconds = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let pick = |q: f64| {
        all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    Outcome {
        name,
        pace,
        requests: all.len(),
        errors,
        seconds,
        p50_us: pick(0.50),
        p99_us: pick(0.99),
        peak_kib: pids.iter().map(|pid| peak_kib(*pid)).sum(),
    }
}

/// The getToken request every target gets, as bytes on the wire: signed by `signer`
/// (clientID, secret) with `nonce` when given.
fn get_token_request(host: &str, signer: Option<&(String, String)>, nonce: &str) -> Vec<u8> {
    use std::fmt::Write as _;
    let body = CODE_BODY;
    let mut req = format!(
        "POST {PATH} HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        body.len()
    );
    if let Some((client_id, secret)) = signer {
        let headers =
            protocol::headers::signed_headers(client_id, secret, now_ms(), nonce, body.as_bytes());
        for (k, v) in headers {
            let _ = write!(req, "{k}: {v}\r\n");
        }
    }
    req.push_str("\r\n");
    req.push_str(body);
    req.into_bytes()
}

fn report(results: &[Outcome], connections: usize) {
    let saturated = |it: &&Outcome| matches!(it.pace, Pace::Saturate);
    println!(
        "\n{connections} connections, each sending as soon as its answer arrives (closed loop), one load generator on the same machine\n"
    );
    table(results.iter().filter(saturated), true);
    let paced: Vec<&Outcome> = results.iter().filter(|it| !saturated(it)).collect();
    if let Some(Pace::Rate(rate)) = paced.first().map(|it| it.pace) {
        println!(
            "\n{connections} connections sending {rate:.0} req/s in all (open loop, latency from the intended send time when behind)\n"
        );
        // Peak memory is the process's high-water mark, set by the saturating run.
        table(paced.into_iter(), false);
    }
    let rate = |name: &str| {
        results
            .iter()
            .filter(saturated)
            .find(|r| r.name.starts_with(name))
            .map(|r| r.requests as f64 / r.seconds)
    };
    if let (Some(sandbox), Some(prism)) = (rate("sandbox"), rate("Stoplight")) {
        println!("\nsandbox / Prism throughput: {:.1}x", sandbox / prism);
    }
}

/// Prints `outcomes` as a markdown table, with their peak memory if `peak`.
fn table<'a>(outcomes: impl Iterator<Item = &'a Outcome>, peak: bool) {
    let (head, rule) = if peak { (" peak memory MiB |", " ---: |") } else { ("", "") };
    println!("| target | requests | errors | req/s | p50 ms | p99 ms |{head}");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |{rule}");
    for it in outcomes {
        let peak_mib = match (peak, it.peak_kib) {
            (false, _) => String::new(),
            (true, Some(kib)) => format!(" {:.1} |", kib as f64 / 1024.0),
            (true, None) => " ? |".to_owned(),
        };
        println!(
            "| {} | {} | {} | {:.0} | {:.2} | {:.2} |{peak_mib}",
            it.name,
            it.requests,
            it.errors,
            it.requests as f64 / it.seconds,
            it.p50_us as f64 / 1000.0,
            it.p99_us as f64 / 1000.0,
        );
    }
}

/// Registers `n` plain-mode clients; answers their (clientID, secret).
async fn register(
    client: &HttpClient,
    base: &str,
    n: usize,
) -> anyhow::Result<Vec<Option<Arc<(String, String)>>>> {
    let mut res = Vec::with_capacity(n);
    for idx in 0..n {
        let id = format!("bench{idx:027}");
        let secret = format!("bench-secret-{idx:08}");
        let body = serde_json::json!({
            "clientID": id,
            "secret": secret,
            "redirectURIs": ["http://127.0.0.1:9/cb"],
            "contentMode": "plain",
        });
        let req = hyper::Request::post(format!("{base}/sandbox/admin/clients"))
            .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
            .body(Full::new(Bytes::from(body.to_string())))?;
        let answer = client.request(req).await?;
        if answer.status() != 201 {
            bail!("cannot register a bench client: {}", answer.status());
        }
        res.push(Some(Arc::new((id, secret))));
    }
    Ok(res)
}

/// Starts Prism on the whole API's OpenAPI document, waiting until it accepts a request
/// signed by the first of `clients`.
async fn start_prism(
    tools: &Path,
    clients: &[Option<Arc<(String, String)>>],
) -> anyhow::Result<(Child, String)> {
    let prism = tools.join("node_modules/.bin/prism");
    if !prism.exists() {
        std::fs::create_dir_all(tools)?;
        println!("installing @stoplight/prism-cli with npm into {} …", tools.display());
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent", "@stoplight/prism-cli"])
            .current_dir(tools)
            .status()
            .context("npm is needed for Prism")?;
        if !status.success() {
            bail!("npm install @stoplight/prism-cli failed");
        }
    }
    let Some(Some(signer)) = clients.first() else { bail!("no client to sign with") };
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let spec = tools.join("iamsmart-openapi.json");
    std::fs::write(&spec, serde_json::to_vec_pretty(&protocol::openapi::document(&base))?)?;
    let mut child = Command::new(prism)
        .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()])
        .arg(&spec)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(60);
    let host = base.trim_start_matches("http://");
    let mut last = String::new();
    for attempt in 0u64.. {
        let nonce = format!("prism-probe-{attempt}");
        let req = get_token_request(host, Some(signer), &nonce);
        if let Ok(mut conn) = Conn::open(host).await
            && let Ok((status, body)) = conn.exchange(&req).await
        {
            if (200..300).contains(&status) {
                return Ok((child, base));
            }
            last = format!(": {status} {}", String::from_utf8_lossy(body));
        }
        if Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    stop(&mut child);
    bail!("Prism did not accept a signed getToken within 60 s{last}")
}

/// `--serve-hello PORT`: a bare axum handler answering a fixed JSON envelope.
fn serve_hello(port: u16) -> anyhow::Result<()> {
    use axum::{
        Router,
        routing::{get, post},
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let app = Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route(
                PATH,
                post(|| async {
                    (
                        [("content-type", "application/json")],
                        r#"{"txID":"<T=00000000000000000000000000000000>","code":"D40004","message":"authCode not exist or expired"}"#,
                    )
                }),
            );
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        axum::serve(listener, app).await?;
        Ok(())
    })
}

/// Waits until `url` answers (with a success when `need_success`); answers how long it took.
async fn wait_answer(
    client: &HttpClient,
    url: &str,
    within: Duration,
    need_success: bool,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    loop {
        let req = hyper::Request::get(url).body(Full::new(Bytes::new()))?;
        if let Ok(res) = client.request(req).await
            && (!need_success || res.status().is_success())
        {
            return Ok(started.elapsed());
        }
        if started.elapsed() > within {
            bail!("{url} did not answer within {} s", within.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Builds the server binary with this example's profile, so that it lands in `bin_dir`.
fn build(root: &Path, bin_dir: &Path) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let profile = match bin_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev",
        Some(name) => name,
    };
    let status = Command::new(cargo)
        .args(["build", "--profile", profile, "-p", "server", "--bin", "server"])
        .current_dir(root)
        .status()?;
    if !status.success() {
        bail!("cargo build --profile {profile} -p server failed");
    }
    if !root.join("dist/index.html").exists() {
        bail!("dist/ is not built: run `cargo xtask dist`");
    }
    Ok(())
}

/// The peak resident memory of `pid` and its descendants, in KiB.
fn peak_kib(pid: u32) -> Option<u64> {
    let own = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let hwm = own
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())?;
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    let rest: u64 =
        children.split_whitespace().filter_map(|c| c.parse().ok()).filter_map(peak_kib).sum();
    Some(hwm + rest)
}

fn stop(child: &mut Child) {
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
}
