//! Starting a contender's server as a child process on a free port, stopping it, and reading
//! its memory and CPU time (summed over the process and its descendants: nginx's workers).

use std::{
    collections::HashMap,
    io,
    net::{SocketAddr, TcpListener},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// How a contender serves the contract where servers differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    /// Whether it serves `GET /firehose` (M1).
    pub firehose: bool,
    /// Whether each `/firehose` event carries `id: i + 1`; without, the events must carry no id.
    pub firehose_ids: bool,
    /// How messages are published and subscribers counted.
    pub publish: Publish,
}

impl Dialect {
    /// Every route of the contract as written, `/firehose` events with ids.
    pub const CONTRACT: Self = Self {
        firehose: true,
        firehose_ids: true,
        publish: Publish::Contract,
    };
}

/// How messages reach a contender's `/fanout` subscribers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publish {
    /// `POST /publish?n=N`: the server publishes N messages, stamping `seq` and `ts` itself,
    /// and answers `{"subscribers":K}`.
    Contract,
    /// A pub/sub hub (Nchan): each `POST /publish` carries one message as its body, which the
    /// load generator writes (`{"seq":S,"ts":T}`, `T` read just before the request is sent),
    /// answered 201 or 202; the subscriber count is the line `subscribers: K` of `GET status`
    /// (Nchan's stub status: every subscriber of the server, on any channel).
    MessageBody {
        /// The path of the status.
        status: &'static str,
    },
}

/// How a server process is told to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// `SIGKILL`, at once.
    Kill,
    /// `SIGTERM`, then waiting for it (and every process it started) to exit; `SIGKILL` to
    /// what is left after 5 s.
    Terminate,
}

/// A server process started by the load generator; stopped when dropped.
#[derive(Debug)]
pub struct ServerProcess {
    /// The contender's name (`nest-rs`, `axum`, `hyper`, `go`, `nchan`).
    pub name: String,
    /// Where it listens (for the protocol it was started for).
    pub addr: SocketAddr,
    /// Where it speaks HTTP/1.1, for publishing and counting subscribers: `addr`, except for a
    /// server that speaks HTTP/2 on a port of its own.
    pub http1_addr: SocketAddr,
    /// How it serves the contract.
    pub dialect: Dialect,
    child: Child,
    stop: Stop,
    /// A directory of its own, removed once it stopped.
    scratch: Option<PathBuf>,
}

/// A port below the ephemeral range (32768–60999 on Linux) that is free on every address.
///
/// Not one the OS would pick for `127.0.0.1:0`: the load generator's client sockets hold tens
/// of thousands of ephemeral ports on `127.1.x.y` (open, or in `TIME_WAIT`), and a server
/// binding the wildcard address (nest-rs's `listen` does) would collide with them.
pub fn free_port() -> io::Result<u16> {
    static NEXT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);
    let offset = u16::try_from(std::process::id() % 2_000).unwrap_or(0) * 8;
    for _ in 0..4_000 {
        let port =
            12_000 + (offset + NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) % 16_000;
        let free =
            TcpListener::bind(("::", port)).is_ok() || TcpListener::bind(("0.0.0.0", port)).is_ok();
        if free && TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    Err(io::Error::other("no free port between 12000 and 28000"))
}

impl ServerProcess {
    /// Starts `binary` with `PORT` set to a free port and waits until it accepts connections.
    pub fn spawn(name: &str, binary: &Path) -> io::Result<Self> {
        Self::spawn_with_env(name, binary, &[])
    }

    /// Starts `command` (stdin and stdout closed, stderr shared with this process) and waits
    /// until `addr` accepts connections; fails early if the process exits first.
    pub fn start(
        name: &str,
        mut command: Command,
        addr: SocketAddr,
        dialect: Dialect,
        stop: Stop,
    ) -> io::Result<Self> {
        let program = command.get_program().to_string_lossy().into_owned();
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|error| io::Error::new(error.kind(), format!("{program}: {error}")))?;
        let mut server = Self {
            name: name.to_owned(),
            addr,
            http1_addr: addr,
            dialect,
            child,
            stop,
            scratch: None,
        };
        server.wait_for_listener(addr)?;
        Ok(server)
    }

    /// Waits until `addr` accepts connections (20 s at most), or fails if the process exited.
    pub fn wait_for_listener(&mut self, addr: SocketAddr) -> io::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(addr).is_err() {
            if let Some(status) = self.child.try_wait()? {
                return Err(io::Error::other(format!(
                    "{} exited before listening on {addr} ({status})",
                    self.name
                )));
            }
            if Instant::now() > deadline {
                return Err(io::Error::other(format!(
                    "{} did not listen on {addr} within 20 s",
                    self.name
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Makes `dir` this server's own: removed once the process stopped.
    pub fn remove_when_stopped(&mut self, dir: PathBuf) {
        self.scratch = Some(dir);
    }

    /// The process id (of the process started: nginx's master, not its workers).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The process and every process it started, directly or not.
    pub fn pids(&self) -> Vec<u32> {
        process_tree(self.pid())
    }

    /// The server's resident memory now, in KiB: `VmRSS` of `/proc/<pid>/status` summed over
    /// the process and its descendants (nginx's master and workers).
    pub fn rss_kib(&self) -> u64 {
        self.pids().into_iter().filter_map(rss_kib).sum()
    }

    /// CPU time the server used so far, in seconds, over the process and its descendants.
    pub fn cpu_seconds(&self) -> f64 {
        self.pids().into_iter().map(cpu_seconds).sum()
    }

    /// Starts `binary` as [`ServerProcess::spawn`] does, with `envs` set as well (such as
    /// `BENCH_HYPER_AUTO=1`).
    pub fn spawn_with_env(name: &str, binary: &Path, envs: &[(&str, &str)]) -> io::Result<Self> {
        let port = free_port()?;
        let mut command = Command::new(binary);
        command
            .env("PORT", port.to_string())
            .env("RUST_LOG", "warn")
            .envs(envs.iter().copied());
        Self::start(
            name,
            command,
            SocketAddr::from(([127, 0, 0, 1], port)),
            Dialect::CONTRACT,
            Stop::Kill,
        )
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        match self.stop {
            Stop::Kill => {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
            Stop::Terminate => {
                let pids = self.pids();
                signal("TERM", &[self.pid()]);
                let deadline = Instant::now() + Duration::from_secs(5);
                let exited = loop {
                    match self.child.try_wait() {
                        Ok(Some(_)) | Err(_) => break true,
                        Ok(None) if Instant::now() > deadline => break false,
                        Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                    }
                };
                if !exited {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                }
                // nginx's workers leave on their own once the master is gone; any still there
                // after 5 s are killed.
                let deadline = Instant::now() + Duration::from_secs(5);
                let alive = |pid: &u32| {
                    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                        // The state after `(comm)`: a zombie has exited.
                        stat.rsplit_once(')')
                            .and_then(|(_, rest)| rest.split_whitespace().next())
                            .is_some_and(|state| state != "Z")
                    })
                };
                while pids.iter().any(alive) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(10));
                }
                let left: Vec<u32> = pids.into_iter().filter(alive).collect();
                if !left.is_empty() {
                    signal("KILL", &left);
                }
            }
        }
        if let Some(dir) = self.scratch.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Sends signal `name` (`TERM`, `KILL`) to `pids` with `kill(1)`.
fn signal(name: &str, pids: &[u32]) {
    let _ = Command::new("kill")
        .arg(format!("-{name}"))
        .args(pids.iter().map(u32::to_string))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The parent process id of `pid`, from `/proc/<pid>/stat`.
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid …`: the command may hold spaces and parentheses.
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// `pid` and all its descendants, from `/proc`.
pub fn process_tree(pid: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.filter_map(Result::ok) {
            let Some(child) = entry
                .file_name()
                .to_str()
                .and_then(|name| name.parse().ok())
            else {
                continue;
            };
            if let Some(parent) = parent_of(child) {
                children.entry(parent).or_default().push(child);
            }
        }
    }
    let mut tree = vec![pid];
    let mut at = 0;
    while let Some(&next) = tree.get(at) {
        tree.extend(children.get(&next).into_iter().flatten());
        at += 1;
    }
    tree
}

/// `VmRSS` of process `pid`, in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    proc_kib(&format!("/proc/{pid}/status"), "VmRSS:")
}

/// The value of field `name` (such as `VmRSS:` or `MemAvailable:`) of a `/proc` file whose
/// lines read `Name:   1234 kB`, in KiB.
pub fn proc_kib(path: &str, name: &str) -> Option<u64> {
    std::fs::read_to_string(path)
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix(name))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// CPU time used so far by every thread of process `pid`, in seconds (the sum of the first
/// field of `/proc/<pid>/task/*/schedstat`, nanoseconds on the CPU).
pub fn cpu_seconds(pid: u32) -> f64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0.0;
    };
    let nanos: u64 = tasks
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    nanos as f64 / 1e9
}
