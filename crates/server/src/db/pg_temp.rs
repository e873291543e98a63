//! A real, throwaway PostgreSQL server for tests: `initdb` into a temporary folder, `postgres` on a
//! free loopback port with trust authentication, stopped and removed on drop, or within a moment
//! of the test process ending.
//!
//! It needs the PostgreSQL server binaries (`initdb`, `postgres`, `pg_isready`, `createdb`): the
//! highest version in `/usr/lib/postgresql/<version>/bin/` (Debian's `postgresql` package, which
//! `cargo xtask test` installs), else `pg_config --bindir`, else `PATH`.
//!
//! PostgreSQL refuses to run as root: when the process runs as root, `initdb` and `postgres` run as
//! the `postgres` system user (through `runuser`), and the temporary folder belongs to that user.
//!
//! Cleanup does not depend on destructors running (a static never drops): next to the server runs a
//! small watcher (`sh`) that holds the read end of a pipe whose write end only this process holds.
//! When the pipe closes — [`TempPostgres`] dropped, or the process gone, however it ended — the
//! watcher stops the server (SIGQUIT to the postmaster: immediate shutdown) and removes the folder.

use std::{
    fs,
    io::Write as _,
    net::{Ipv4Addr, TcpListener},
    os::unix::process::CommandExt as _,
    path::{Path, PathBuf},
    process::{Child, ChildStdin, Command, Output, Stdio},
    sync::{
        OnceLock,
        atomic::{AtomicU32, Ordering},
    },
    thread,
    time::{Duration, Instant},
};

use anyhow::{Context as _, anyhow, bail};

/// The database superuser that `initdb` creates (trust authentication, no password).
const SUPERUSER: &str = "postgres";
/// The system user that runs the server when this process runs as root.
const SYSTEM_USER: &str = "postgres";
/// How long the server may take to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Ports tried when another process takes the free port first.
const PORT_ATTEMPTS: usize = 5;

/// Waits for end of file on its standard input (this process closed its end: dropped, or exited),
/// then stops the server and removes the folder (`$1`). Each line on its input is the pid of the
/// latest server process started (`postgres`, or `runuser` above it); the postmaster itself is
/// found through `postmaster.pid`, which PostgreSQL writes at startup and removes on exit.
const WATCHER: &str = r#"
trap '' INT HUP
dir=$1
pidfile=$dir/data/postmaster.pid
started=
while read -r line; do started=$line; done
if [ -n "$started" ]; then
    i=0
    while [ ! -f "$pidfile" ] && kill -0 "$started" 2>/dev/null && [ "$i" -lt 100 ]; do
        sleep 0.05; i=$((i + 1))
    done
fi
if [ -f "$pidfile" ]; then
    pm=$(head -n 1 "$pidfile")
    if [ -n "$pm" ]; then
        kill -QUIT "$pm" 2>/dev/null
        i=0
        while [ -f "$pidfile" ] && kill -0 "$pm" 2>/dev/null && [ "$i" -lt 200 ]; do
            sleep 0.05; i=$((i + 1))
        done
        if [ -f "$pidfile" ] && kill -0 "$pm" 2>/dev/null; then kill -KILL "$pm" 2>/dev/null; fi
    fi
fi
# Remove the folder, retrying while an orphaned initdb (we died during it) still writes in it.
i=0
while [ -e "$dir" ] && [ "$i" -lt 100 ]; do
    rm -rf "$dir" 2>/dev/null || sleep 0.1
    i=$((i + 1))
done
"#;

/// A PostgreSQL server in a temporary data folder, on a free loopback port; stopped and removed on drop.
#[derive(Debug)]
pub struct TempPostgres {
    /// The temporary folder: `data/` (the cluster), `sock/` (its Unix socket), `postgres.log`.
    dir: PathBuf,
    /// Where `initdb`, `postgres`, `pg_isready` and `createdb` are.
    bin: PathBuf,
    /// Whether `initdb` and `postgres` run as [`SYSTEM_USER`] (this process runs as root).
    as_system_user: bool,
    port: u16,
    /// The server process: `postgres`, or `runuser` running it.
    server: Option<Child>,
    watcher: Option<Child>,
    /// The watcher's standard input; closing it stops the server and removes [`Self::dir`].
    watcher_input: Option<ChildStdin>,
}

impl TempPostgres {
    /// Starts one (initdb + postgres). Fails with a clear message when PostgreSQL is not installed
    /// (run `cargo xtask test`, which installs it).
    pub fn start() -> anyhow::Result<TempPostgres> {
        let bin = find_bindir()?;
        let as_system_user = running_as_root();
        if as_system_user {
            let known = Command::new("id").args(["-u", SYSTEM_USER]).output();
            if !known.is_ok_and(|out| out.status.success()) {
                bail!(
                    "this process runs as root, which PostgreSQL refuses, and there is no \
                     `{SYSTEM_USER}` system user to run it as (Debian's postgresql package creates \
                     it: run `cargo xtask test`, which installs it)"
                );
            }
        }
        let dir = create_temp_dir()?;
        // The watcher first, so that the folder goes away whatever happens next.
        let mut watcher = Command::new("sh");
        watcher
            .arg("-c")
            .arg(WATCHER)
            .arg("pg-temp-watcher")
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        let mut watcher = match watcher.spawn() {
            Ok(watcher) => watcher,
            Err(err) => {
                let _ = fs::remove_dir_all(&dir);
                return Err(err).context("cannot start `sh` (the watcher of the test PostgreSQL)");
            }
        };
        let watcher_input = watcher.stdin.take();
        let mut pg = TempPostgres {
            dir,
            bin,
            as_system_user,
            port: 0,
            server: None,
            watcher: Some(watcher),
            watcher_input,
        };
        pg.init_cluster()?;
        pg.start_server()?;
        Ok(pg)
    }

    /// A fresh, empty database on that server; returns its URL
    /// `postgres://USER@127.0.0.1:PORT/NAME` (trust auth, no password). `name` is 1 to 63 ASCII
    /// letters, digits, `_` or `-`, and must not exist yet.
    pub fn create_database(&self, name: &str) -> anyhow::Result<String> {
        let valid = !name.is_empty()
            && name.len() <= 63
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid {
            bail!("invalid test database name {name:?}: use 1 to 63 ASCII letters, digits, _ or -");
        }
        let port = self.port.to_string();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let out = client(&self.bin, "createdb")
                .args(["-h", "127.0.0.1", "-p", &port, "-U", SUPERUSER])
                .args(["--maintenance-db", "postgres", "--", name])
                .output()
                .with_context(|| format!("cannot run {}", self.bin.join("createdb").display()))?;
            if out.status.success() {
                return Ok(format!("postgres://{SUPERUSER}@127.0.0.1:{port}/{name}"));
            }
            let stderr = String::from_utf8_lossy(&out.stderr);
            // Another session using the template at the same moment: try again.
            if stderr.contains("is being accessed by other users") && attempt < 50 {
                thread::sleep(Duration::from_millis(20));
                continue;
            }
            bail!("cannot create the test database {name:?}: {}", stderr.trim());
        }
    }

    /// [`TempPostgres::create_database`]'s URL for the database `name`, reached through the
    /// server's Unix socket instead of TCP (what a server on the same machine would use).
    pub fn socket_url(&self, name: &str) -> String {
        let dir = self.dir.join("sock");
        format!("postgres://{SUPERUSER}@localhost:{}/{name}?host={}", self.port, dir.display())
    }

    /// The server's TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A command running `program` (from the PostgreSQL binaries) as the user that owns the
    /// cluster, in the temporary folder (which that user can enter).
    fn server_command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        let mut cmd = if self.as_system_user {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", SYSTEM_USER, "--"]).arg(path);
            cmd
        } else {
            Command::new(path)
        };
        cmd.current_dir(&self.dir).env("LC_ALL", "C").env("LANG", "C").env_remove("PGDATA");
        cmd
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn log_file(&self) -> PathBuf {
        self.dir.join("postgres.log")
    }

    fn init_cluster(&mut self) -> anyhow::Result<()> {
        let socket_dir = self.dir.join("sock");
        fs::create_dir(&socket_dir)
            .with_context(|| format!("cannot create {}", socket_dir.display()))?;
        if self.as_system_user {
            let owner = format!("{SYSTEM_USER}:");
            checked(Command::new("chown").args(["-R", &owner]).arg(&self.dir), "chown")?;
        }
        let mut initdb = self.server_command("initdb");
        let flags = ["-A", "trust", "-U", SUPERUSER, "--no-sync", "-E", "UTF8", "--locale=C"];
        initdb.arg("-D").arg(self.data_dir()).args(flags);
        checked(&mut initdb, "initdb").with_context(|| {
            if self.as_system_user {
                format!(
                    "initdb ran as the `{SYSTEM_USER}` user (this process runs as root), which \
                     must be able to write {}",
                    self.dir.display()
                )
            } else {
                format!("initdb into {}", self.data_dir().display())
            }
        })?;
        Ok(())
    }

    /// Starts `postgres` on a free port, trying another port when one is taken meanwhile.
    fn start_server(&mut self) -> anyhow::Result<()> {
        for attempt in 1..=PORT_ATTEMPTS {
            self.port = free_port()?;
            let log = fs::File::create(self.log_file())
                .with_context(|| format!("cannot create {}", self.log_file().display()))?;
            let log_err = log.try_clone().context("cannot duplicate the log file handle")?;
            let mut cmd = self.server_command("postgres");
            cmd.arg("-D").arg(self.data_dir());
            cmd.arg("-p").arg(self.port.to_string());
            cmd.arg("-k").arg(self.dir.join("sock"));
            for setting in [
                "listen_addresses=127.0.0.1",
                "fsync=off",
                "synchronous_commit=off",
                "full_page_writes=off",
                "max_connections=200",
            ] {
                cmd.args(["-c", setting]);
            }
            cmd.stdin(Stdio::null()).stdout(log).stderr(log_err).process_group(0);
            let server = cmd
                .spawn()
                .with_context(|| format!("cannot start {}", self.bin.join("postgres").display()))?;
            // Tell the watcher which process to wait for should we die during startup.
            if let Some(input) = &mut self.watcher_input {
                let _ = writeln!(input, "{}", server.id());
            }
            self.server = Some(server);
            match self.wait_ready() {
                Ok(()) => return Ok(()),
                Err(Startup::PortTaken) if attempt < PORT_ATTEMPTS => {
                    if let Some(mut server) = self.server.take() {
                        let _ = server.wait();
                    }
                }
                Err(Startup::PortTaken) => bail!(
                    "PostgreSQL could not bind a free port in {PORT_ATTEMPTS} attempts:\n{}",
                    self.log_tail()
                ),
                Err(Startup::Failed(err)) => return Err(err),
            }
        }
        bail!("PostgreSQL did not start")
    }

    /// Waits until the postmaster says it is ready (as `pg_ctl -w` does, through line 8 of
    /// `postmaster.pid`) and `pg_isready` agrees.
    fn wait_ready(&mut self) -> Result<(), Startup> {
        let deadline = Instant::now() + READY_TIMEOUT;
        let pid_file = self.data_dir().join("postmaster.pid");
        let port = self.port.to_string();
        loop {
            let exited = match &mut self.server {
                Some(server) => server.try_wait().ok().flatten(),
                None => None,
            };
            if let Some(status) = exited {
                let log = fs::read_to_string(self.log_file()).unwrap_or_default();
                if log.contains("could not bind") || log.contains("could not create any TCP/IP") {
                    return Err(Startup::PortTaken);
                }
                return Err(Startup::Failed(anyhow!(
                    "PostgreSQL exited during startup ({status}); its log:\n{}",
                    self.log_tail()
                )));
            }
            let ready = fs::read_to_string(&pid_file).is_ok_and(|text| {
                let lines: Vec<&str> = text.lines().map(str::trim).collect();
                lines.get(3) == Some(&port.as_str()) && lines.get(7) == Some(&"ready")
            });
            if ready {
                let probe = client(&self.bin, "pg_isready")
                    .args(["-q", "-h", "127.0.0.1", "-p", &port, "-U", SUPERUSER])
                    .args(["-d", "postgres", "-t", "5"])
                    .status();
                if probe.is_ok_and(|status| status.success()) {
                    return Ok(());
                }
            }
            if Instant::now() >= deadline {
                return Err(Startup::Failed(anyhow!(
                    "PostgreSQL did not accept connections on 127.0.0.1:{port} within {}s; the \
                     end of its log:\n{}",
                    READY_TIMEOUT.as_secs(),
                    self.log_tail()
                )));
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// The last lines of the server's log, for error messages.
    fn log_tail(&self) -> String {
        let log = fs::read_to_string(self.log_file()).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(30)..].join("\n");
        if tail.is_empty() { "(empty log)".to_owned() } else { tail }
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        // End of file for the watcher: it stops the server and removes the folder.
        drop(self.watcher_input.take());
        let deadline = Instant::now() + Duration::from_secs(20);
        if let Some(mut watcher) = self.watcher.take() {
            loop {
                // Reap the server as soon as it exits, so that the watcher does not see a zombie.
                if let Some(server) = &mut self.server
                    && server.try_wait().ok().flatten().is_some()
                {
                    self.server = None;
                }
                match watcher.try_wait() {
                    Ok(None) if Instant::now() < deadline => {
                        thread::sleep(Duration::from_millis(5));
                    }
                    Ok(None) => {
                        let _ = watcher.kill();
                        let _ = watcher.wait();
                        break;
                    }
                    Ok(Some(_)) | Err(_) => break,
                }
            }
        }
        if let Some(mut server) = self.server.take() {
            let deadline = Instant::now() + Duration::from_secs(5);
            while matches!(server.try_wait(), Ok(None)) && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(5));
            }
            let _ = server.kill();
            let _ = server.wait();
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// One server shared by every test in the process, started on first use; each test asks it for its
/// own database with a unique name ([`TempPostgres::create_database`]). If it fails to start, every
/// caller gets that error.
pub fn shared() -> anyhow::Result<&'static TempPostgres> {
    static SHARED: OnceLock<Result<TempPostgres, String>> = OnceLock::new();
    match SHARED.get_or_init(|| TempPostgres::start().map_err(|err| format!("{err:#}"))) {
        Ok(pg) => Ok(pg),
        Err(err) => Err(anyhow!("the shared test PostgreSQL server did not start: {err}")),
    }
}

enum Startup {
    /// Another process took the port between our choosing it and the server binding it.
    PortTaken,
    Failed(anyhow::Error),
}

/// A PostgreSQL client program, with no connection settings from the environment.
fn client(bin: &Path, program: &str) -> Command {
    let mut cmd = Command::new(bin.join(program));
    for var in ["PGSERVICE", "PGSERVICEFILE", "PGOPTIONS", "PGPASSWORD", "PGSSLMODE"] {
        cmd.env_remove(var);
    }
    cmd.env("PGCONNECT_TIMEOUT", "10").stdin(Stdio::null());
    cmd
}

/// Runs `cmd`, failing with its output when it exits with an error.
fn checked(cmd: &mut Command, name: &str) -> anyhow::Result<Output> {
    let out = cmd.stdin(Stdio::null()).output().with_context(|| format!("cannot run {name}"))?;
    if !out.status.success() {
        bail!(
            "{name} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(out)
}

/// The folder of `initdb` and `postgres`.
fn find_bindir() -> anyhow::Result<PathBuf> {
    let complete = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    // Debian: /usr/lib/postgresql/<version>/bin, the highest version first.
    if let Ok(entries) = fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<(Vec<u32>, PathBuf)> = entries
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().into_string().ok()?;
                let version: Option<Vec<u32>> = name.split('.').map(|n| n.parse().ok()).collect();
                Some((version?, entry.path().join("bin")))
            })
            .filter(|(_, bin)| complete(bin))
            .collect();
        versions.sort();
        if let Some((_, bin)) = versions.pop() {
            return Ok(bin);
        }
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let bin = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if complete(&bin) {
            return Ok(bin);
        }
    }
    if let Some(path) = std::env::var_os("PATH")
        && let Some(bin) = std::env::split_paths(&path).find(|dir| complete(dir))
    {
        return Ok(bin);
    }
    bail!(
        "PostgreSQL is not installed: no `initdb` and `postgres` in /usr/lib/postgresql/*/bin, \
         `pg_config --bindir` or PATH. Run `cargo xtask test`, which installs it (Debian's \
         `postgresql` package), or `apt-get install postgresql`"
    )
}

/// Whether the effective user is root (from `/proc/self/status`, else `id -u`).
fn running_as_root() -> bool {
    let from_proc = fs::read_to_string("/proc/self/status").ok().and_then(|status| {
        let line = status.lines().find(|line| line.starts_with("Uid:"))?;
        // Uid: real effective saved filesystem
        line.split_whitespace().nth(2).map(|euid| euid == "0")
    });
    from_proc.unwrap_or_else(|| {
        Command::new("id")
            .arg("-u")
            .output()
            .map(|out| out.stdout.trim_ascii() == b"0")
            .unwrap_or(false)
    })
}

/// A new folder under the system's temporary folder, named after this process.
fn create_temp_dir() -> anyhow::Result<PathBuf> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let base = std::env::temp_dir();
    for _ in 0..100 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = base.join(format!("pg-temp-{}-{n}", std::process::id()));
        match fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(err) => {
                return Err(err).with_context(|| format!("cannot create {}", dir.display()));
            }
        }
    }
    bail!("cannot create a temporary folder for PostgreSQL under {}", base.display())
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .context("cannot bind 127.0.0.1:0 to find a free port")?;
    Ok(listener.local_addr().context("cannot read the bound address")?.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `select 1` through psql, over TCP, at `url`.
    fn select_one(url: &str) -> String {
        let pg = shared().expect("shared server");
        let out = client(&pg.bin, "psql")
            .args(["-X", "-q", "-t", "-A", "-c", "select 1", url])
            .output()
            .expect("run psql");
        assert!(out.status.success(), "psql {url}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    #[test]
    fn shared_server_serves_separate_databases() {
        let pg = shared().expect("shared server");
        assert_ne!(pg.port(), 0);
        let first = pg.create_database("pg_temp_first").expect("first database");
        let second = pg.create_database("pg_temp_second").expect("second database");
        assert_eq!(first, format!("postgres://postgres@127.0.0.1:{}/pg_temp_first", pg.port()));
        assert_eq!(select_one(&first), "1");
        assert_eq!(select_one(&second), "1");
        assert!(pg.create_database("pg_temp_first").is_err(), "a name is created only once");
    }

    #[test]
    fn shared_server_creates_databases_from_many_threads() {
        let pg = shared().expect("shared server");
        let urls: Vec<String> = thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|i| scope.spawn(move || pg.create_database(&format!("pg_temp_par_{i}"))))
                .collect();
            handles.into_iter().map(|h| h.join().expect("thread").expect("database")).collect()
        });
        for url in &urls {
            assert_eq!(select_one(url), "1");
        }
    }

    #[test]
    fn rejects_names_that_need_quoting() {
        let pg = shared().expect("shared server");
        assert!(pg.create_database("").is_err());
        assert!(pg.create_database("a b").is_err());
        assert!(pg.create_database("x'; drop").is_err());
    }

    #[test]
    fn own_server_is_removed_on_drop() {
        let pg = TempPostgres::start().expect("start");
        let dir = pg.dir.clone();
        let url = pg.create_database("pg_temp_own").expect("database");
        let out = client(&pg.bin, "psql")
            .args(["-X", "-q", "-t", "-A", "-c", "select 1", &url])
            .output()
            .expect("run psql");
        assert!(out.status.success());
        drop(pg);
        assert!(!dir.exists(), "{} is removed", dir.display());
    }
}
