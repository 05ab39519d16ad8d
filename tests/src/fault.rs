//! Helpers for the fault tests: a private PostgreSQL cluster that a test may stop, freeze and
//! start again without disturbing the shared server, and `cleared serve` run as a child
//! process that a test may kill.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A free port on 127.0.0.1 (free when asked; good enough for a private test server).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A PostgreSQL 15 cluster of its own, in a temporary folder and on its own port.
pub struct PrivatePostgres {
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl PrivatePostgres {
    /// Creates and starts a cluster. `None` (after saying why) when the server programs are
    /// missing, unless `CLEARED_TEST_REQUIRE_POSTGRES` is set, which turns that into a failure.
    pub fn start() -> Option<PrivatePostgres> {
        if !Path::new(PG_BIN).join("pg_ctl").exists() {
            assert!(
                !crate::postgres_required(),
                "CLEARED_TEST_REQUIRE_POSTGRES is set but {PG_BIN}/pg_ctl is missing"
            );
            eprintln!("SKIPPED: the PostgreSQL server programs ({PG_BIN}) are not installed");
            return None;
        }
        let dir =
            std::env::temp_dir().join(format!("cleared-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("cluster folder");
        // initdb refuses to run as root: the cluster belongs to the `postgres` account then.
        let as_postgres = is_root();
        if as_postgres {
            let status = Command::new("chown")
                .args(["postgres:postgres", &dir.display().to_string()])
                .status()
                .expect("chown");
            assert!(status.success(), "chown of the cluster folder");
        }
        let cluster = PrivatePostgres {
            dir,
            port: free_port(),
            as_postgres,
        };
        let data = cluster.data().display().to_string();
        cluster.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        cluster.resume();
        Some(cluster)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn run(&self, program: &str, args: &[&str]) {
        let path = Path::new(PG_BIN).join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let output = command
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap_or_else(|e| panic!("run {program}: {e}"));
        assert!(
            output.status.success(),
            "{program} {args:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// The URL of database `name` on this cluster.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Stops the server (fast shutdown: connections are cut, committed data is kept).
    pub fn stop(&self) {
        let data = self.data().display().to_string();
        self.run("pg_ctl", &["stop", "-D", &data, "-m", "fast", "-w"]);
    }

    /// Starts the (stopped) server again and waits until it accepts connections.
    pub fn resume(&self) {
        let data = self.data().display().to_string();
        let log = self.dir.join("server.log").display().to_string();
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        self.run(
            "pg_ctl",
            &["start", "-D", &data, "-l", &log, "-w", "-o", &options],
        );
    }

    /// The server's processes: the postmaster and its children.
    fn processes(&self) -> Vec<String> {
        let Ok(pid_file) = std::fs::read_to_string(self.data().join("postmaster.pid")) else {
            return Vec::new();
        };
        let postmaster = pid_file
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        let mut pids = vec![postmaster.clone()];
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // pid (comm) state ppid ...: the command may contain spaces, so split after ')'.
            let parent = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1));
            if parent == Some(postmaster.as_str()) {
                pids.push(entry.file_name().to_string_lossy().to_string());
            }
        }
        pids
    }

    fn signal(&self, signal: &str) {
        let pids = self.processes();
        assert!(!pids.is_empty(), "the private server is running");
        // A child may have ended since the list was read; only the postmaster must be there.
        for (i, pid) in pids.iter().enumerate() {
            let status = Command::new("kill")
                .arg(format!("-{signal}"))
                .arg(pid)
                .stderr(Stdio::null())
                .status()
                .expect("kill");
            assert!(i > 0 || status.success(), "kill -{signal} {pid}");
        }
    }

    /// Freezes every process of the server (SIGSTOP): connections stay open, nothing answers.
    pub fn freeze(&self) {
        self.signal("STOP");
    }

    /// Lets a frozen server go on (SIGCONT).
    pub fn thaw(&self) {
        self.signal("CONT");
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let pids = self.processes();
        if !pids.is_empty() {
            let _ = Command::new("kill")
                .arg("-CONT")
                .args(&pids)
                .stderr(Stdio::null())
                .status();
        }
        let data = self.data().display().to_string();
        let path = Path::new(PG_BIN).join("pg_ctl");
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let _ = command
            .args(["stop", "-D", &data, "-m", "immediate", "-w"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The environment variable that makes [`fault_child!`]'s entry point serve.
pub const CHILD_VARIABLE: &str = "CLEARED_TEST_CHILD_SERVE";

/// Declares the entry point of the child processes that [`ServerProcess`] starts: an ignored
/// test that, when started with [`CHILD_VARIABLE`] set, runs exactly what `cleared serve` runs
/// (`server::process::serve_process`) and exits with its code. The test binary re-runs itself
/// this way, so the child is always this build (a test of this package does not get
/// `CARGO_BIN_EXE_cleared`, and building the binary from a test would change its features).
#[macro_export]
macro_rules! fault_child {
    () => {
        #[test]
        #[ignore = "the entry point of the child processes of the fault tests"]
        fn fault_child_serve() {
            if std::env::var_os($crate::fault::CHILD_VARIABLE).is_some() {
                std::process::exit(i32::from(server::process::serve_process()));
            }
        }
    };
}

/// One line of the child's output.
#[derive(Debug, Clone)]
pub enum Line {
    Out(String),
    Err(String),
}

/// `cleared serve` as a child process (see [`fault_child!`]), its output collected line by
/// line.
pub struct ServerProcess {
    child: Child,
    lines: mpsc::Receiver<Line>,
    pub seen: Vec<Line>,
    pub addr: Option<SocketAddr>,
}

impl ServerProcess {
    /// Starts `cleared serve` on 127.0.0.1:0 with `env` (and quiet logs unless set there).
    /// `shell_prefix`, if given, runs first in `sh` (e.g. `ulimit -Sn 256`). The calling test
    /// binary must declare [`fault_child!`].
    pub fn spawn(env: &[(&str, &str)], shell_prefix: Option<&str>) -> ServerProcess {
        let exe = std::env::current_exe().expect("test binary path");
        let child_args = [
            "--exact",
            "fault_child_serve",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ];
        let mut command = match shell_prefix {
            Some(prefix) => {
                let mut c = Command::new("sh");
                c.arg("-c")
                    .arg(format!("{prefix}; exec \"$0\" \"$@\""))
                    .arg(&exe)
                    .args(child_args);
                c
            }
            None => {
                let mut c = Command::new(&exe);
                c.args(child_args);
                c
            }
        };
        command
            .env(CHILD_VARIABLE, "1")
            .env("CLEARED_ADDR", "127.0.0.1:0")
            .env("CLEARED_LOG", "warn")
            .env(
                "CLEARED_SITE_ROOT",
                crate::workspace_root().join("target/site"),
            )
            .envs(env.iter().map(|(k, v)| (*k, *v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("start cleared");
        let (tx, lines) = mpsc::channel();
        let out = child.stdout.take().expect("stdout");
        let err = child.stderr.take().expect("stderr");
        let tx_err = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(Line::Out(line));
            }
        });
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx_err.send(Line::Err(line));
            }
        });
        ServerProcess {
            child,
            lines,
            seen: Vec::new(),
            addr: None,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits up to `timeout` for a line that satisfies `wanted`; returns it.
    pub fn wait_for_line(
        &mut self,
        timeout: Duration,
        wanted: impl Fn(&Line) -> bool,
    ) -> Option<Line> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if wanted(&line) {
                        return Some(line);
                    }
                }
                Err(_) => return None,
            }
        }
    }

    /// Waits for "Cleared is serving at http://ADDR" and remembers the address.
    pub fn wait_until_serving(&mut self, timeout: Duration) -> SocketAddr {
        let line = self.wait_for_line(
            timeout,
            |l| matches!(l, Line::Out(text) if text.contains("serving at")),
        );
        let Some(Line::Out(text)) = line else {
            panic!("the server did not say it serves; output: {:?}", self.seen);
        };
        let addr: SocketAddr = text
            .rsplit("http://")
            .next()
            .and_then(|a| a.trim().parse().ok())
            .unwrap_or_else(|| panic!("no address in {text:?}"));
        self.addr = Some(addr);
        addr
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr.expect("serving"))
    }

    /// `kill -9`: the process gets no chance to clean up.
    pub fn kill_hard(&mut self) {
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
    }

    /// SIGTERM, as a service manager stops a service.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(status.success());
    }

    /// The exit status, if the process ends within `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                // Collect what is left of the output.
                while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(100)) {
                    self.seen.push(line);
                }
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Every line seen so far, joined.
    pub fn output(&self) -> String {
        self.seen
            .iter()
            .map(|l| match l {
                Line::Out(t) => format!("out: {t}"),
                Line::Err(t) => format!("err: {t}"),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
