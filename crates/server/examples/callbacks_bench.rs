//! Benchmark: how callbacks reach e-services while the API is busy, hung, soaked and killed.
//!
//! Run with `cargo xtask bench callbacks [--server PATH]... [--soak-minutes 10]
//! [--only saturate,fairness,soak,kill]` (or `cargo run --release -p server --example
//! callbacks_bench -- …`). Without `--server` it builds and runs this checkout's release server;
//! `--server` may be given several times to put binaries side by side (say, a build of main
//! before a change and one after), each run with the same load generator and the same steps.
//! Each run starts the server on a fresh data folder with `--rate-limit 0`, registers plain-mode
//! clients through the admin API, logs each one in headlessly (getQR with `X-Sandbox-Auto:
//! approve`, then getToken) and sends signed profile `initiateRequest`s with `X-Sandbox-Auto:
//! approve`, so that each accepted request produces one callback at once.
//!
//! The callbacks land in this program: a tiny hyper server on 127.0.0.1 answering 200 at once
//! (on a port of its own for each e-service, as each has a host of its own), and a listener
//! that accepts connections and never answers (the hung e-service). A callback is matched to
//! its request by `businessID`, unique per request; a duplicate is a second arrival of the same
//! `businessID`, also counted by body and by the `webhook-id` header when the
//! server sends one.
//!
//! 1. **saturate**: 32 clients, each sending its next request as soon as the answer arrives, for
//!    15 s: accepted/s, callbacks/s while the load ran, the share of accepted requests whose
//!    callback arrived while it ran, request-to-callback p50/p99, lost (not arrived 30 s after the
//!    load stopped) and duplicated.
//! 2. **fairness**: 48 callbacks queued for a hung e-service, then another client's 16 requests:
//!    how long each of its callbacks took (target: 2 s).
//! 3. **soak**: 500 requests/s (open loop: latency counts from the intended send time, as wrk2
//!    does) for `--soak-minutes`, per minute: API p99, callback p99, the server's RSS; then its
//!    CPU use over 10 idle seconds.
//! 4. **kill**: the saturating load, SIGKILL after 3 s, restart on the same data folder, six
//!    times: lost, duplicated (and whether each duplicate kept its first `webhook-id`), restart
//!    time (process start to the first `/healthz` answered 200).
//!
//! The load generator shares the machine with the server, as in `bench.rs`.

// The report is the program's output.
#![allow(clippy::print_stdout)]

mod common;

use std::{
    collections::{HashMap, HashSet},
    path::{Path, PathBuf},
    process::{Child, Command},
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context as _, bail};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper_util::{
    client::legacy::Client,
    rt::{TokioExecutor, TokioIo},
};

use common::{Conn, bin_dir, contains, flag, free_port, now_ms, workspace_root};

const ADMIN_TOKEN: &str = "bench-admin-token-0123456789";
const PROFILE: &str = "/api/v1/account/auth/profile/initiateRequest";
const SCOPES: &str = "eidapi_auth eidapi_profiles";
const PERSONA: &str = "chan-tai-man";
/// How long callbacks may still come after the load stops before the missing ones are lost.
const GRACE: Duration = Duration::from_secs(30);
/// How long the kill run waits for the callbacks of its accepted requests (or until none came
/// for 15 s).
const KILL_WAIT: Duration = Duration::from_secs(300);
/// How long the fairness run waits for the other client's callbacks.
const FAIRNESS_WAIT: Duration = Duration::from_secs(200);

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

/// When the bench started: every time below is microseconds since then.
static EPOCH: OnceLock<Instant> = OnceLock::new();

fn now_us() -> u64 {
    u64::try_from(EPOCH.get_or_init(Instant::now).elapsed().as_micros()).unwrap_or(u64::MAX)
}

/// What the command line asked for.
#[derive(Debug)]
struct Plan {
    /// (label, binary) of each server to measure.
    servers: Vec<(String, PathBuf)>,
    clients: usize,
    seconds: u64,
    soak_minutes: u64,
    rate: f64,
    only: Option<String>,
}

impl Plan {
    fn wants(&self, step: &str) -> bool {
        self.only.as_deref().is_none_or(|it| it.split(',').any(|s| s.trim() == step))
    }
}

fn main() -> anyhow::Result<()> {
    EPOCH.get_or_init(Instant::now);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |name: &str, default: u64| flag(&args, name).map_or(Ok(default), str::parse);
    let mut servers: Vec<(String, PathBuf)> = args
        .iter()
        .enumerate()
        .filter(|(_, a)| *a == "--server")
        .filter_map(|(i, _)| args.get(i + 1))
        .map(|path| (label_of(Path::new(path)), PathBuf::from(path)))
        .collect();
    if servers.is_empty() {
        let bin_dir = bin_dir()?;
        build(&workspace_root(), &bin_dir)?;
        servers.push(("this checkout".into(), bin_dir.join("server")));
    }
    for (_, path) in &servers {
        if !path.is_file() {
            bail!("no server binary at {}", path.display());
        }
    }
    let plan = Plan {
        servers,
        clients: usize::try_from(number("--clients", 32)?)?,
        seconds: number("--seconds", 15)?,
        soak_minutes: number("--soak-minutes", 10)?,
        rate: number("--rate", 500)? as f64,
        only: flag(&args, "--only").map(str::to_owned),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(&plan))
}

async fn run(plan: &Plan) -> anyhow::Result<()> {
    let receiver = Receiver::start(plan.clients.max(2)).await?;
    let hung = Hung::start().await?;
    let labels: Vec<&str> = plan.servers.iter().map(|(label, _)| label.as_str()).collect();
    println!(
        "servers: {}",
        plan.servers
            .iter()
            .map(|(l, p)| format!("{l} = {}", p.display()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("machine: {} cores, load average {}", cores(), load_average());
    if plan.wants("saturate") {
        let mut results = Vec::new();
        for (n, (_, bin)) in plan.servers.iter().enumerate() {
            results.push(saturate(plan, bin, &receiver, n).await?);
        }
        println!(
            "\n## Saturating load: {} clients, each sending its next profile request as soon as the answer comes, for {} s (fast receiver)\n",
            plan.clients, plan.seconds
        );
        print_saturate(&labels, &results);
    }
    if plan.wants("fairness") {
        let mut results = Vec::new();
        for (n, (_, bin)) in plan.servers.iter().enumerate() {
            results.push(fairness(bin, &receiver, &hung, n).await?);
        }
        println!(
            "\n## Fairness: 48 callbacks queued for a hung e-service, then another client's 16 requests (target: each callback within 2 s)\n"
        );
        print_fairness(&labels, &results);
    }
    if plan.wants("soak") {
        let mut results = Vec::new();
        for (n, (_, bin)) in plan.servers.iter().enumerate() {
            results.push(soak(plan, bin, &receiver, n).await?);
        }
        println!(
            "\n## Soak: {:.0} requests/s over {} connections (open loop) for {} min\n",
            plan.rate, plan.clients, plan.soak_minutes
        );
        print_soak(&labels, &results);
    }
    if plan.wants("kill") {
        let mut results = Vec::new();
        for (n, (_, bin)) in plan.servers.iter().enumerate() {
            results.push(kill(plan, bin, &receiver, n).await?);
        }
        println!(
            "\n## kill -9 under load, six times: {} clients flat out, SIGKILL after 3 s, restart on the same data folder\n",
            plan.clients
        );
        print_kill(&labels, &results);
    }
    println!("\nmachine after the runs: load average {}", load_average());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The four runs.

/// What a saturating run measured.
#[derive(Debug)]
struct Saturated {
    tally: Tally,
    rss_kib: Option<u64>,
}

async fn saturate(
    plan: &Plan,
    bin: &Path,
    receiver: &Receiver,
    n: usize,
) -> anyhow::Result<Saturated> {
    let tag = format!("s{n}-");
    let mut server = Server::start(bin, &format!("saturate-{n}")).await?;
    let http = http_client();
    let clients = enroll_many(&http, &server.base, plan.clients, |i| receiver.uri(i)).await?;
    receiver.clear();
    let started = now_us();
    let duration = Duration::from_secs(plan.seconds);
    let sent =
        drive(Load { host: server.host.clone(), clients, pace: Pace::Closed, duration, tag }).await;
    let ended = now_us();
    drain(receiver, &sent, GRACE, None).await;
    let rss_kib = vm_kib(server.pid(), "VmRSS:");
    server.stop();
    Ok(Saturated { tally: tally(&sent, &receiver.take(), started, ended), rss_kib })
}

/// What a fairness run measured: for each wave of the other client's requests, each
/// callback's latency (None: never arrived within [`FAIRNESS_WAIT`]).
#[derive(Debug)]
struct Fairness {
    waves: Vec<Vec<Option<u64>>>,
    hung_connections: u64,
    queued: usize,
}

/// When the other client's two waves of 16 requests start, after the hung e-service's 48 were
/// queued: at once, and once the worker is retrying them.
const WAVES: [Duration; 2] = [Duration::from_millis(500), Duration::from_secs(45)];

async fn fairness(
    bin: &Path,
    receiver: &Receiver,
    hung: &Hung,
    n: usize,
) -> anyhow::Result<Fairness> {
    let mut server = Server::start(bin, &format!("fairness-{n}")).await?;
    let http = http_client();
    let stuck = enroll(&http, &server.base, 0, hung.uri()).await?;
    let other = enroll(&http, &server.base, 1, receiver.uri(1)).await?;
    receiver.clear();
    let connections_before = hung.connections();
    // The hung e-service's 48 callbacks, one request after the other.
    let mut conn = Conn::open(&server.host).await?;
    let mut queued = 0;
    for seq in 0..48 {
        let id = format!("fh{n}-{seq}");
        if send(&mut conn, &server.host, &stuck, &id).await? {
            queued += 1;
        }
    }
    let queued_at = Instant::now();
    let mut waves = Vec::new();
    for (wave, after) in WAVES.into_iter().enumerate() {
        tokio::time::sleep_until((queued_at + after).into()).await;
        // The other client's 16 requests, 100 ms apart.
        let mut conn = Conn::open(&server.host).await?;
        let mut sent = Vec::new();
        for seq in 0..16 {
            let id = format!("fo{n}w{wave}-{seq}");
            let at = now_us();
            let accepted = send(&mut conn, &server.host, &other, &id).await?;
            sent.push(Sent { business_id: id, sent_us: at, latency_us: now_us() - at, accepted });
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        drain(receiver, &sent, FAIRNESS_WAIT, None).await;
        let arrivals = lock(&receiver.log);
        let first = first_arrivals(&arrivals);
        waves.push(
            sent.iter()
                .map(|s| first.get(s.business_id.as_str()).map(|at| at.saturating_sub(s.sent_us)))
                .collect(),
        );
    }
    let hung_connections = hung.connections() - connections_before;
    server.stop();
    receiver.clear();
    Ok(Fairness { waves, hung_connections, queued })
}

/// What a soak measured.
#[derive(Debug)]
struct Soaked {
    minutes: Vec<Minute>,
    tally: Tally,
    idle_cpu: Option<f64>,
}

/// One minute of a soak, by the requests sent in it.
#[derive(Debug, Clone, Copy)]
struct Minute {
    requests: usize,
    errors: usize,
    api_p99_us: u64,
    callback_p99_us: Option<u64>,
    /// The server's RSS at the minute's end.
    rss_kib: Option<u64>,
}

async fn soak(plan: &Plan, bin: &Path, receiver: &Receiver, n: usize) -> anyhow::Result<Soaked> {
    let tag = format!("k{n}-");
    let mut server = Server::start(bin, &format!("soak-{n}")).await?;
    let http = http_client();
    let clients = enroll_many(&http, &server.base, plan.clients, |i| receiver.uri(i)).await?;
    receiver.clear();
    let minute = Duration::from_secs(60);
    let duration = minute * u32::try_from(plan.soak_minutes)?;
    let pid = server.pid();
    // The server's RSS at the end of each minute, while the load runs.
    let rss = tokio::spawn(async move {
        let start = Instant::now();
        let mut rss = Vec::new();
        for m in 1..=duration.as_secs() / 60 {
            tokio::time::sleep_until((start + minute * u32::try_from(m).unwrap_or(0)).into()).await;
            rss.push(vm_kib(pid, "VmRSS:"));
        }
        rss
    });
    let started = now_us();
    let pace = Pace::Rate(plan.rate);
    let sent = drive(Load { host: server.host.clone(), clients, pace, duration, tag }).await;
    let ended = now_us();
    let rss = rss.await.unwrap_or_default();
    drain(receiver, &sent, GRACE, None).await;
    let arrivals = receiver.take();
    let first = first_arrivals(&arrivals);
    let mut minutes = Vec::new();
    for (m, rss) in rss.into_iter().enumerate() {
        let (from, to) = (started + m as u64 * 60_000_000, started + (m as u64 + 1) * 60_000_000);
        let these: Vec<&Sent> = sent.iter().filter(|s| (from..to).contains(&s.sent_us)).collect();
        let errors = these.iter().filter(|s| !s.accepted).count();
        let api: Vec<u64> = these.iter().map(|s| s.latency_us).collect();
        let callbacks: Vec<u64> = these
            .iter()
            .filter(|s| s.accepted)
            .filter_map(|s| {
                first.get(s.business_id.as_str()).map(|at| at.saturating_sub(s.sent_us))
            })
            .collect();
        let cb_p99 = (!callbacks.is_empty()).then(|| quantiles(callbacks, &[0.99])[0]);
        minutes.push(Minute {
            requests: these.len(),
            errors,
            api_p99_us: quantiles(api, &[0.99])[0],
            callback_p99_us: cb_p99,
            rss_kib: rss,
        });
    }
    let tally = tally(&sent, &arrivals, started, ended);
    let idle_cpu = idle_cpu(pid, Duration::from_secs(10)).await;
    server.stop();
    Ok(Soaked { minutes, tally, idle_cpu })
}

/// What the kill run measured.
#[derive(Debug)]
struct Killed {
    tally: Tally,
    /// Process start to the first `/healthz` answered 200, for each restart after a kill.
    restarts: Vec<Duration>,
}

async fn kill(plan: &Plan, bin: &Path, receiver: &Receiver, n: usize) -> anyhow::Result<Killed> {
    let name = format!("kill-{n}");
    let mut server = Server::start(bin, &name).await?;
    let http = http_client();
    let clients = enroll_many(&http, &server.base, plan.clients, |i| receiver.uri(i)).await?;
    receiver.clear();
    let started = now_us();
    let mut sent = Vec::new();
    let mut restarts = Vec::new();
    for round in 0..6 {
        let load = Load {
            host: server.host.clone(),
            clients: clients.clone(),
            pace: Pace::Closed,
            duration: Duration::from_secs(4),
            tag: format!("x{n}r{round}-"),
        };
        let driving = tokio::spawn(drive(load));
        tokio::time::sleep(Duration::from_secs(3)).await;
        server.kill();
        sent.extend(driving.await.unwrap_or_default());
        let begun = Instant::now();
        server = server.restart().await?;
        restarts.push(begun.elapsed());
    }
    let ended = now_us();
    // Callbacks may come long after a backlog of six restarts: lost is what never comes.
    drain(receiver, &sent, KILL_WAIT, Some(Duration::from_secs(15))).await;
    server.stop();
    server.forget();
    Ok(Killed { tally: tally(&sent, &receiver.take(), started, ended), restarts })
}

// ---------------------------------------------------------------------------------------------
// Counting.

/// What arrived for a set of requests.
#[derive(Debug, Default)]
struct Tally {
    requests: usize,
    accepted: usize,
    seconds: f64,
    /// Callbacks (any) that arrived while the load ran.
    arrived_during: usize,
    /// Accepted requests whose callback arrived while the load ran.
    accepted_during: usize,
    /// Request to first arrival, for the accepted requests whose callback came.
    p50_us: u64,
    p99_us: u64,
    /// From the end of the load to the last first arrival of an accepted request.
    drained_after_us: u64,
    lost: usize,
    /// A few of the lost `businessID`s, to look for.
    lost_sample: Vec<String>,
    /// Arrivals beyond the first, by `businessID`, by body and by `webhook-id`.
    dup_by_id: usize,
    dup_by_body: usize,
    dup_by_header: Option<usize>,
    /// Requests that arrived more than once, and how many of them carried one `webhook-id` on
    /// every arrival.
    duplicated_requests: usize,
    same_header: usize,
    /// Callbacks of requests whose answer never came (the server was killed before it answered).
    unanswered_delivered: usize,
}

fn tally(sent: &[Sent], arrivals: &[Arrival], started: u64, ended: u64) -> Tally {
    let first = first_arrivals(arrivals);
    let accepted: Vec<&Sent> = sent.iter().filter(|s| s.accepted).collect();
    let accepted_ids: HashSet<&str> = accepted.iter().map(|s| s.business_id.as_str()).collect();
    let mut latencies = Vec::new();
    let (mut lost, mut during, mut last, mut lost_sample) = (0, 0, 0, Vec::new());
    for s in &accepted {
        match first.get(s.business_id.as_str()) {
            None => {
                lost += 1;
                if lost_sample.len() < 5 {
                    lost_sample.push(s.business_id.clone());
                }
            }
            Some(&at) => {
                latencies.push(at.saturating_sub(s.sent_us));
                during += usize::from(at <= ended);
                last = last.max(at);
            }
        }
    }
    let q = quantiles(latencies, &[0.5, 0.99]);
    let bodies: HashSet<u64> = arrivals.iter().map(|a| a.body).collect();
    let with_header: Vec<&str> = arrivals.iter().filter_map(|a| a.webhook_id.as_deref()).collect();
    let headers: HashSet<&str> = with_header.iter().copied().collect();
    let mut by_id: HashMap<&str, Vec<&Arrival>> = HashMap::new();
    for a in arrivals {
        by_id.entry(a.business_id.as_str()).or_default().push(a);
    }
    let repeated: Vec<&Vec<&Arrival>> = by_id.values().filter(|v| v.len() > 1).collect();
    let same_header = repeated
        .iter()
        .filter(|v| v[0].webhook_id.is_some() && v.iter().all(|a| a.webhook_id == v[0].webhook_id))
        .count();
    Tally {
        requests: sent.len(),
        accepted: accepted.len(),
        seconds: ended.saturating_sub(started) as f64 / 1e6,
        arrived_during: arrivals.iter().filter(|a| (started..=ended).contains(&a.at_us)).count(),
        accepted_during: during,
        p50_us: q[0],
        p99_us: q[1],
        drained_after_us: last.saturating_sub(ended),
        lost,
        lost_sample,
        dup_by_id: arrivals.len() - by_id.len(),
        dup_by_body: arrivals.len() - bodies.len(),
        dup_by_header: (!with_header.is_empty()).then(|| with_header.len() - headers.len()),
        duplicated_requests: repeated.len(),
        same_header,
        unanswered_delivered: by_id.keys().filter(|id| !accepted_ids.contains(*id)).count(),
    }
}

/// Each `businessID`'s first arrival time.
fn first_arrivals(arrivals: &[Arrival]) -> HashMap<&str, u64> {
    let mut first: HashMap<&str, u64> = HashMap::new();
    for a in arrivals {
        let at = first.entry(a.business_id.as_str()).or_insert(a.at_us);
        *at = (*at).min(a.at_us);
    }
    first
}

/// Waits until every accepted request of `sent` has had its callback, or `within` passed, or
/// (given `quiet`) no callback at all came for that long.
async fn drain(receiver: &Receiver, sent: &[Sent], within: Duration, quiet: Option<Duration>) {
    let deadline = Instant::now() + within;
    let mut waiting: HashSet<&str> =
        sent.iter().filter(|s| s.accepted).map(|s| s.business_id.as_str()).collect();
    let (mut seen, mut last_news) = (0, Instant::now());
    while !waiting.is_empty() && Instant::now() < deadline {
        if quiet.is_some_and(|q| last_news.elapsed() > q) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        let log = lock(&receiver.log);
        if log.len() > seen {
            last_news = Instant::now();
        }
        for a in &log[seen.min(log.len())..] {
            waiting.remove(a.business_id.as_str());
        }
        seen = log.len();
    }
}

/// The values at each quantile of `q` (0 when there are none).
fn quantiles(mut values: Vec<u64>, q: &[f64]) -> Vec<u64> {
    values.sort_unstable();
    q.iter()
        .map(|q| {
            let at = ((values.len() as f64 * q) as usize).min(values.len().saturating_sub(1));
            values.get(at).copied().unwrap_or(0)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Reports.

fn print_saturate(labels: &[&str], results: &[Saturated]) {
    let rows: Vec<Measure<&str, Saturated>> = vec![
        ("accepted requests", Box::new(|r| r.tally.accepted.to_string())),
        (
            "refused or failed requests",
            Box::new(|r| (r.tally.requests - r.tally.accepted).to_string()),
        ),
        ("accepted/s", Box::new(|r| format!("{:.0}", r.tally.accepted as f64 / r.tally.seconds))),
        (
            "callbacks/s while the load ran",
            Box::new(|r| format!("{:.0}", r.tally.arrived_during as f64 / r.tally.seconds)),
        ),
        (
            "accepted whose callback came while the load ran",
            Box::new(|r| percent(r.tally.accepted_during, r.tally.accepted)),
        ),
        ("request to callback p50", Box::new(|r| ms(r.tally.p50_us))),
        ("request to callback p99", Box::new(|r| ms(r.tally.p99_us))),
        ("backlog drained after the load", Box::new(|r| ms(r.tally.drained_after_us))),
        ("lost (not arrived 30 s after)", Box::new(|r| r.tally.lost.to_string())),
        ("lost businessIDs, for instance", Box::new(|r| sample(&r.tally))),
        ("duplicated (by businessID / body / webhook-id)", Box::new(|r| duplicates(&r.tally))),
        ("server RSS after", Box::new(|r| mib(r.rss_kib))),
    ];
    print_rows(labels, &rows, results);
}

fn print_fairness(labels: &[&str], results: &[Fairness]) {
    // Milliseconds: a fair worker answers within a few.
    let millis = |l: &Option<u64>| l.map_or("never".into(), |us| format!("{:.0}", us as f64 / 1e3));
    let mut rows: Vec<Measure<String, Fairness>> = vec![(
        "hung e-service's callbacks queued".into(),
        Box::new(|r: &Fairness| r.queued.to_string()),
    )];
    for (w, after) in WAVES.iter().enumerate() {
        let when = format!("sent {:.1} s after", after.as_secs_f64());
        let wave = move |r: &Fairness| r.waves.get(w).cloned().unwrap_or_default();
        rows.push((
            format!("{when}: callbacks within 2 s"),
            Box::new(move |r| {
                let all = wave(r);
                let ok = all.iter().filter(|l| l.is_some_and(|us| us <= 2_000_000)).count();
                format!("{ok} of {}", all.len())
            }),
        ));
        rows.push((
            format!("{when}: p50 / slowest (ms)"),
            Box::new(move |r| {
                let all = wave(r);
                let slowest = if all.iter().any(Option::is_none) {
                    None
                } else {
                    all.iter().flatten().max().copied()
                };
                format!("{} / {}", millis(&median(&all)), millis(&slowest))
            }),
        ));
        rows.push((
            format!("{when}: each, in order (ms)"),
            Box::new(move |r| wave(r).iter().map(millis).collect::<Vec<_>>().join(" ")),
        ));
    }
    rows.push((
        "connections the hung e-service got".into(),
        Box::new(|r: &Fairness| r.hung_connections.to_string()),
    ));
    print_rows(labels, &rows, results);
    println!("\n(\"never\": not arrived within {} s of the request)", FAIRNESS_WAIT.as_secs());
}

fn median(latencies: &[Option<u64>]) -> Option<u64> {
    let mut all: Vec<Option<u64>> = latencies.to_vec();
    // A callback that never came sorts last.
    all.sort_by_key(|l| l.unwrap_or(u64::MAX));
    all.get(all.len() / 2).copied().flatten()
}

fn print_soak(labels: &[&str], results: &[Soaked]) {
    let mut head = vec!["minute".to_owned()];
    for label in labels {
        head.extend([
            format!("{label}: requests (errors)"),
            format!("{label}: API p99"),
            format!("{label}: callback p99"),
            format!("{label}: RSS"),
        ]);
    }
    let minutes = results.iter().map(|r| r.minutes.len()).max().unwrap_or(0);
    let mut rows = Vec::new();
    for m in 0..minutes {
        let mut row = vec![(m + 1).to_string()];
        for r in results {
            match r.minutes.get(m) {
                Some(it) => row.extend([
                    format!("{} ({})", it.requests, it.errors),
                    ms(it.api_p99_us),
                    it.callback_p99_us.map_or("-".into(), ms),
                    mib(it.rss_kib),
                ]),
                None => row.extend(["".into(), "".into(), "".into(), "".into()]),
            }
        }
        rows.push(row);
    }
    print_table(&head, &rows);
    println!();
    let rows: Vec<Measure<&str, Soaked>> = vec![
        ("accepted requests (finished tasks stored)", Box::new(|r| r.tally.accepted.to_string())),
        (
            "last minute's API p99 / first minute's",
            Box::new(|r| {
                ratio(
                    r.minutes.first().map(|m| m.api_p99_us),
                    r.minutes.last().map(|m| m.api_p99_us),
                )
            }),
        ),
        (
            "last minute's RSS / first minute's",
            Box::new(|r| {
                ratio(
                    r.minutes.first().and_then(|m| m.rss_kib),
                    r.minutes.last().and_then(|m| m.rss_kib),
                )
            }),
        ),
        (
            "request to callback p50 / p99 (all)",
            Box::new(|r| format!("{} / {}", ms(r.tally.p50_us), ms(r.tally.p99_us))),
        ),
        ("lost (not arrived 30 s after)", Box::new(|r| r.tally.lost.to_string())),
        ("lost businessIDs, for instance", Box::new(|r| sample(&r.tally))),
        ("duplicated (by businessID / body / webhook-id)", Box::new(|r| duplicates(&r.tally))),
        (
            "idle server's CPU over 10 s, after the soak",
            Box::new(|r| r.idle_cpu.map_or("?".into(), |c| format!("{c:.1}% of a core"))),
        ),
    ];
    print_rows(labels, &rows, results);
}

fn print_kill(labels: &[&str], results: &[Killed]) {
    let rows: Vec<Measure<&str, Killed>> = vec![
        ("accepted requests", Box::new(|r| r.tally.accepted.to_string())),
        ("lost (never arrived: none came for 15 s)", Box::new(|r| r.tally.lost.to_string())),
        ("lost businessIDs, for instance", Box::new(|r| sample(&r.tally))),
        ("last callback after the last restart", Box::new(|r| ms(r.tally.drained_after_us))),
        (
            "callbacks of requests killed before their answer",
            Box::new(|r| r.tally.unanswered_delivered.to_string()),
        ),
        ("duplicated (by businessID / body / webhook-id)", Box::new(|r| duplicates(&r.tally))),
        (
            "requests called back more than once",
            Box::new(|r| r.tally.duplicated_requests.to_string()),
        ),
        (
            "of which every copy had the first one's webhook-id",
            Box::new(|r| match r.tally.dup_by_header {
                None => "no webhook-id header".into(),
                Some(_) => format!("{} of {}", r.tally.same_header, r.tally.duplicated_requests),
            }),
        ),
        (
            "restart to /healthz 200, p50 / slowest",
            Box::new(|r| {
                let mut all = r.restarts.clone();
                all.sort();
                let pick =
                    |i: usize| all.get(i).map_or("?".into(), |d| format!("{} ms", d.as_millis()));
                format!("{} / {}", pick(all.len() / 2), pick(all.len().saturating_sub(1)))
            }),
        ),
        (
            "each restart (ms)",
            Box::new(|r| {
                r.restarts.iter().map(|d| d.as_millis().to_string()).collect::<Vec<_>>().join(" ")
            }),
        ),
    ];
    print_rows(labels, &rows, results);
}

/// A row of a report: its name, and how to print it from one server's result.
type Measure<N, T> = (N, Box<dyn Fn(&T) -> String>);

/// A table with one row per measure and one column per server.
fn print_rows<T, N: AsRef<str>>(labels: &[&str], rows: &[Measure<N, T>], results: &[T]) {
    let mut head = vec![String::new()];
    head.extend(labels.iter().map(|l| (*l).to_owned()));
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|(name, value)| {
            let mut row = vec![name.as_ref().to_owned()];
            row.extend(results.iter().map(value));
            row
        })
        .collect();
    print_table(&head, &body);
}

fn print_table(head: &[String], rows: &[Vec<String>]) {
    println!("| {} |", head.join(" | "));
    let rule: Vec<&str> =
        head.iter().enumerate().map(|(i, _)| if i == 0 { "---" } else { "---:" }).collect();
    println!("| {} |", rule.join(" | "));
    for row in rows {
        println!("| {} |", row.join(" | "));
    }
}

fn sample(t: &Tally) -> String {
    if t.lost_sample.is_empty() { "-".into() } else { t.lost_sample.join(" ") }
}

fn duplicates(t: &Tally) -> String {
    let header = t.dup_by_header.map_or("no header".into(), |d| d.to_string());
    format!("{} / {} / {header}", t.dup_by_id, t.dup_by_body)
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 { "-".into() } else { format!("{:.1}%", part as f64 * 100.0 / whole as f64) }
}

fn ms(us: u64) -> String {
    if us >= 10_000_000 {
        format!("{:.1} s", us as f64 / 1e6)
    } else {
        format!("{:.1} ms", us as f64 / 1000.0)
    }
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("?".into(), |k| format!("{:.0} MiB", k as f64 / 1024.0))
}

fn ratio(first: Option<u64>, last: Option<u64>) -> String {
    match (first, last) {
        (Some(first), Some(last)) if first > 0 => format!("{:.2}x", last as f64 / first as f64),
        _ => "?".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// The load generator.

/// A logged-in plain-mode client.
#[derive(Debug)]
struct EService {
    id: String,
    secret: String,
    redirect_uri: String,
    token: String,
    open_id: String,
}

/// How a load sends its requests.
#[derive(Debug, Clone, Copy)]
enum Pace {
    /// Each connection's next request as soon as its answer arrives.
    Closed,
    /// This many requests per second in all, spread evenly over the connections.
    Rate(f64),
}

/// One load: one keep-alive connection per client.
#[derive(Debug)]
struct Load {
    host: String,
    clients: Vec<Arc<EService>>,
    pace: Pace,
    duration: Duration,
    /// Starts each `businessID`, unique per load.
    tag: String,
}

/// One request a load sent.
#[derive(Debug)]
struct Sent {
    business_id: String,
    /// When it was sent, or meant to be sent when its connection fell behind.
    sent_us: u64,
    latency_us: u64,
    /// Answered `D00000`.
    accepted: bool,
}

async fn drive(load: Load) -> Vec<Sent> {
    let Load { host, clients, pace, duration, tag } = load;
    let started = Instant::now();
    let deadline = started + duration;
    let gap = match pace {
        Pace::Closed => None,
        Pace::Rate(rate) => Some(Duration::from_secs_f64(clients.len() as f64 / rate)),
    };
    let count = u32::try_from(clients.len()).unwrap_or(1);
    let mut tasks = tokio::task::JoinSet::new();
    for (idx, client) in clients.into_iter().enumerate() {
        let (host, tag) = (host.clone(), tag.clone());
        tasks.spawn(async move {
            let mut sent = Vec::new();
            let spread =
                gap.map_or(Duration::ZERO, |g| g * u32::try_from(idx).unwrap_or(0) / count);
            let mut intended = started + spread;
            let mut conn = None;
            let mut seq = 0u64;
            while Instant::now() < deadline {
                let business_id = format!("{tag}{idx:x}-{seq:x}");
                seq += 1;
                let mut at = Instant::now();
                if let Some(gap) = gap {
                    if intended > at {
                        tokio::time::sleep_until(intended.into()).await;
                        at = Instant::now();
                    } else {
                        // Behind: the wait for earlier answers counts.
                        at = intended;
                    }
                    intended += gap;
                }
                let sent_us =
                    now_us().saturating_sub(u64::try_from(at.elapsed().as_micros()).unwrap_or(0));
                if conn.is_none() {
                    conn = Conn::open(&host).await.ok();
                }
                let accepted = match &mut conn {
                    Some(c) => send(c, &host, &client, &business_id).await.unwrap_or(false),
                    None => false,
                };
                sent.push(Sent {
                    business_id,
                    sent_us,
                    latency_us: now_us().saturating_sub(sent_us),
                    accepted,
                });
                if !accepted {
                    // The server may be gone (the kill run): do not spin.
                    conn = None;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
            sent
        });
    }
    let mut all = Vec::new();
    while let Some(done) = tasks.join_next().await {
        all.extend(done.unwrap_or_default());
    }
    all
}

/// Sends one signed profile request for `business_id`, approved at once; true when accepted.
async fn send(
    conn: &mut Conn,
    host: &str,
    client: &EService,
    business_id: &str,
) -> anyhow::Result<bool> {
    use std::fmt::Write as _;
    static NONCES: AtomicU64 = AtomicU64::new(0);
    let body = serde_json::json!({
        "businessID": business_id,
        "accessToken": client.token,
        "openID": client.open_id,
        "source": "PC_Browser",
        "redirectURI": client.redirect_uri,
        "profileFields": ["gender"],
    })
    .to_string();
    let nonce = format!(
        "{:032x}",
        NONCES.fetch_add(1, Ordering::Relaxed) ^ (u64::from(std::process::id()) << 40)
    );
    let mut req = format!(
        "POST {PROFILE} HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\nx-sandbox-auto: approve\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in protocol::headers::signed_headers(
        &client.id,
        &client.secret,
        now_ms(),
        &nonce,
        body.as_bytes(),
    ) {
        let _ = write!(req, "{k}: {v}\r\n");
    }
    req.push_str("\r\n");
    req.push_str(&body);
    let (status, answer) = conn.exchange(req.as_bytes()).await?;
    Ok(status == 200 && contains(answer, b"\"D00000\""))
}

/// Registers, sets to approve and logs in `n` clients whose callbacks go to `uri(i)`.
async fn enroll_many(
    http: &HttpClient,
    base: &str,
    n: usize,
    uri: impl Fn(usize) -> String,
) -> anyhow::Result<Vec<Arc<EService>>> {
    let mut all = Vec::with_capacity(n);
    for i in 0..n {
        all.push(Arc::new(enroll(http, base, i, uri(i)).await?));
    }
    Ok(all)
}

/// Registers a plain-mode client through the admin API, has it approve every request, and logs
/// it in headlessly (getQR with `X-Sandbox-Auto: approve`, then getToken).
async fn enroll(
    http: &HttpClient,
    base: &str,
    idx: usize,
    uri: String,
) -> anyhow::Result<EService> {
    let id = format!("cbbench{idx:025}");
    let secret = format!("callbacks-bench-secret-{idx:08}");
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let body = serde_json::json!({
        "clientID": id,
        "secret": secret,
        "name": format!("Callbacks bench {idx}"),
        "redirectURIs": [uri],
        "scopes": SCOPES,
        "contentMode": "plain",
    });
    let (status, text) = request(
        http,
        "POST",
        &format!("{base}/sandbox/admin/clients"),
        &[("authorization", &auth)],
        body.to_string(),
    )
    .await?;
    if status != 201 {
        bail!("cannot register a bench client: {status} {text}");
    }
    let settings = format!("{base}/sandbox/admin/clients/{id}/settings");
    let (status, text) = request(
        http,
        "POST",
        &settings,
        &[("authorization", &auth)],
        r#"{"autoAnswer":"approve"}"#.into(),
    )
    .await?;
    if status != 200 {
        bail!("cannot set the bench client to approve: {status} {text}");
    }
    let pairs = [
        ("clientID", id.as_str()),
        ("responseType", "code"),
        ("source", "PC_Browser"),
        ("redirectURI", uri.as_str()),
        ("scope", SCOPES),
        ("state", "bench"),
    ];
    let qr = protocol::wire::append_query(
        &format!("{base}/api/v1/auth/getQR"),
        &pairs.map(|(k, v)| (k, v.to_owned())),
    );
    let req = hyper::Request::get(qr)
        .header("x-sandbox-auto", "approve")
        .header("x-sandbox-persona", PERSONA)
        .body(Full::new(Bytes::new()))?;
    let res = http.request(req).await?;
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let query = location.split_once('?').map_or("", |(_, q)| q);
    let query = protocol::wire::parse_query(query).unwrap_or_default();
    let Some((_, code)) = query.iter().find(|(k, _)| k == "code") else {
        bail!("the headless login did not redirect with a code: {} {location}", res.status());
    };
    let body = serde_json::json!({ "code": code, "grantType": "authorization_code" }).to_string();
    let nonce = format!("login{idx:027}");
    let headers =
        protocol::headers::signed_headers(&id, &secret, now_ms(), &nonce, body.as_bytes());
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, text) =
        request(http, "POST", &format!("{base}/api/v1/auth/getToken"), &headers, body).await?;
    let answer: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("getToken answered {status} {text}"))?;
    let content = &answer["content"];
    let (Some(token), Some(open_id)) =
        (content["accessToken"].as_str(), content["openID"].as_str())
    else {
        bail!("getToken gave no token: {status} {text}");
    };
    Ok(EService { id, secret, redirect_uri: uri, token: token.into(), open_id: open_id.into() })
}

/// One request through hyper's client: its status and body.
async fn request(
    http: &HttpClient,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: String,
) -> anyhow::Result<(u16, String)> {
    let mut req = hyper::Request::builder()
        .method(method)
        .uri(url)
        .header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = http.request(req.body(Full::new(Bytes::from(body)))?).await?;
    let status = res.status().as_u16();
    let bytes = res.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

fn http_client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

// ---------------------------------------------------------------------------------------------
// The e-services' side: where callbacks land.

/// One callback as it arrived.
#[derive(Debug)]
struct Arrival {
    at_us: u64,
    business_id: String,
    webhook_id: Option<String>,
    /// A hash of the body, to count identical bodies.
    body: u64,
}

/// The fast receiver: answers every POST 200 at once and notes what came. Each e-service has
/// a port of its own, as each has a host of its own in life (a server may limit the attempts
/// in flight per target).
#[derive(Debug)]
struct Receiver {
    ports: Vec<u16>,
    log: Arc<Mutex<Vec<Arrival>>>,
}

impl Receiver {
    /// Listens on `n` ports of 127.0.0.1.
    async fn start(n: usize) -> anyhow::Result<Receiver> {
        let log: Arc<Mutex<Vec<Arrival>>> = Arc::default();
        let mut ports = Vec::with_capacity(n);
        for _ in 0..n.max(1) {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            ports.push(listener.local_addr()?.port());
            tokio::spawn(Receiver::serve(listener, log.clone()));
        }
        Ok(Receiver { ports, log })
    }

    async fn serve(listener: tokio::net::TcpListener, shared: Arc<Mutex<Vec<Arrival>>>) {
        use hyper::{server::conn::http1, service::service_fn};
        while let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            let log = shared.clone();
            let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let log = log.clone();
                async move {
                    let webhook_id = req
                        .headers()
                        .get("webhook-id")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    let body =
                        req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                    note(&log, &body, webhook_id);
                    hyper::Response::builder()
                        .status(200)
                        .body(Full::new(Bytes::from_static(b"ok")))
                }
            });
            tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
        }
    }

    /// The callback URL of client `idx`.
    fn uri(&self, idx: usize) -> String {
        format!("http://127.0.0.1:{}/cb/{idx}", self.ports[idx % self.ports.len()])
    }

    fn clear(&self) {
        lock(&self.log).clear();
    }

    fn take(&self) -> Vec<Arrival> {
        std::mem::take(&mut *lock(&self.log))
    }
}

/// Notes a callback's arrival (a body without `content.businessID` is noted under "?").
fn note(log: &Mutex<Vec<Arrival>>, body: &[u8], webhook_id: Option<String>) {
    use std::hash::{Hash as _, Hasher as _};
    let at_us = now_us();
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let business_id = json["content"]["businessID"].as_str().unwrap_or("?").to_owned();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut hasher);
    lock(log).push(Arrival { at_us, business_id, webhook_id, body: hasher.finish() });
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The hung e-service: accepts connections, reads what comes, never answers.
#[derive(Debug)]
struct Hung {
    port: u16,
    connections: Arc<AtomicU64>,
}

impl Hung {
    async fn start() -> anyhow::Result<Hung> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let connections = Arc::new(AtomicU64::new(0));
        let count = connections.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut stream, &mut tokio::io::sink()).await;
                });
            }
        });
        Ok(Hung { port, connections })
    }

    fn uri(&self) -> String {
        format!("http://127.0.0.1:{}/cb/hung", self.port)
    }

    fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }
}

// ---------------------------------------------------------------------------------------------
// The server under test.

/// A server process on its own data folder.
#[derive(Debug)]
struct Server {
    bin: PathBuf,
    child: Option<Child>,
    data: PathBuf,
    log: PathBuf,
    base: String,
    host: String,
}

impl Server {
    /// Starts `bin` on a fresh data folder and waits until `/healthz` answers 200.
    async fn start(bin: &Path, name: &str) -> anyhow::Result<Server> {
        let dir = std::env::temp_dir().join(format!("iams-callbacks-bench-{}", std::process::id()));
        let data = dir.join(name);
        let _ = std::fs::remove_dir_all(&data);
        std::fs::create_dir_all(&data)?;
        let port = free_port()?;
        let host = format!("127.0.0.1:{port}");
        let mut server = Server {
            bin: bin.to_owned(),
            child: None,
            log: dir.join(format!("{name}.log")),
            data,
            base: format!("http://{host}"),
            host,
        };
        server.spawn().await?;
        Ok(server)
    }

    /// Starts the process and waits for `/healthz` to answer 200.
    async fn spawn(&mut self) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log)?;
        let mut cmd = Command::new(&self.bin);
        cmd.args(["--addr", &self.host])
            .arg("--data")
            .arg(&self.data)
            .args(["--admin-token", ADMIN_TOKEN, "--rate-limit", "0", "--log", "warn"])
            .args(["--demo-clients", "off"])
            .stdout(log.try_clone()?)
            .stderr(log);
        let dist = workspace_root().join("dist");
        if dist.join("index.html").exists() {
            cmd.arg("--dist").arg(dist);
        }
        self.child =
            Some(cmd.spawn().with_context(|| format!("cannot start {}", self.bin.display()))?);
        let http = http_client();
        let health = format!("{}/healthz", self.base);
        let started = Instant::now();
        loop {
            let req = hyper::Request::get(&health).body(Full::new(Bytes::new()))?;
            if let Ok(res) = http.request(req).await
                && res.status() == 200
            {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(120) {
                bail!(
                    "{} was not ready within 120 s (log: {})",
                    self.bin.display(),
                    self.log.display()
                );
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                bail!("{} exited with {status} (log: {})", self.bin.display(), self.log.display());
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// SIGKILL.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The same server again, on the same data folder and port.
    async fn restart(mut self) -> anyhow::Result<Server> {
        self.kill();
        self.spawn().await?;
        Ok(self)
    }

    /// SIGTERM, then waits for the exit.
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            let _ = child.wait();
        }
    }

    /// Removes the data folder (the log stays for a look).
    fn forget(&self) {
        if std::env::var_os("BENCH_KEEP_DATA").is_some() {
            println!("(kept {})", self.data.display());
            return;
        }
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        self.forget();
    }
}

/// The `Vm…:` line of `/proc/<pid>/status`, in KiB.
fn vm_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The process's CPU time (user + system), in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses: state is field 3, utime 14.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// The share of one core `pid` used over `window`.
async fn idle_cpu(pid: u32, window: Duration) -> Option<f64> {
    let ticks_per_s: f64 = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0);
    let before = cpu_ticks(pid)?;
    tokio::time::sleep(window).await;
    let used = cpu_ticks(pid)?.saturating_sub(before);
    Some(used as f64 / ticks_per_s / window.as_secs_f64() * 100.0)
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

// ---------------------------------------------------------------------------------------------
// Odds and ends.

/// Builds this checkout's server binary with this example's profile, so that it lands in `bin_dir`.
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
    Ok(())
}

/// A column name for a server binary: its file name, or its folder's for `…/release/server`.
fn label_of(path: &Path) -> String {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("server");
    match (name, path.parent().and_then(Path::file_name).and_then(|n| n.to_str())) {
        ("server", Some(dir)) => format!("{dir}/server"),
        _ => name.to_owned(),
    }
}
