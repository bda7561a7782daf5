//! Starting a contender's server as a child process on a free port, and reading its memory.

use std::{
    io,
    net::{SocketAddr, TcpListener},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// A server process started by the load generator; killed when dropped.
#[derive(Debug)]
pub struct ServerProcess {
    /// The contender's name (`nest-rs`, `axum`, `hyper`).
    pub name: String,
    /// Where it listens.
    pub addr: SocketAddr,
    child: Child,
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
        let port = free_port()?;
        let child = Command::new(binary)
            .env("PORT", port.to_string())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|error| {
                io::Error::new(error.kind(), format!("{}: {error}", binary.display()))
            })?;
        let server = Self {
            name: name.to_owned(),
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(server.addr).is_err() {
            if Instant::now() > deadline {
                return Err(io::Error::other(format!("{name} did not start")));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(server)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's resident memory now (`VmRSS` of `/proc/<pid>/status`), in KiB.
    pub fn rss_kib(&self) -> u64 {
        rss_kib(self.pid()).unwrap_or(0)
    }

    /// Starts `binary` as [`ServerProcess::spawn`] does, with `envs` set as well (such as
    /// `BENCH_HYPER_AUTO=1`).
    pub fn spawn_with_env(name: &str, binary: &Path, envs: &[(&str, &str)]) -> io::Result<Self> {
        let port = free_port()?;
        let child = Command::new(binary)
            .env("PORT", port.to_string())
            .env("RUST_LOG", "warn")
            .envs(envs.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|error| {
                io::Error::new(error.kind(), format!("{}: {error}", binary.display()))
            })?;
        let server = Self {
            name: name.to_owned(),
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(server.addr).is_err() {
            if Instant::now() > deadline {
                return Err(io::Error::other(format!("{name} did not start")));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(server)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `VmRSS` of process `pid`, in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
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
