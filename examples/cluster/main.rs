//! The chat example on two instances sharing Redis: a message posted to either instance reaches
//! the browsers of both, and a browser whose instance dies resumes on the other with
//! `Last-Event-ID`, losing nothing and repeating nothing.
//!
//! ```text
//! cargo run -p nest-examples --bin cluster
//! # starts redis-server (port 6390, data in a temporary directory, append-only file),
//! # and two chat instances: http://localhost:3001/?room=lobby and http://localhost:3002/?room=lobby
//! curl -X POST localhost:3002/rooms/lobby/messages -H 'content-type: application/json' -d '{"text":"hi"}'
//! ```
//!
//! `REDIS_URL` uses a Redis you run instead of starting one; `REDIS_PORT` and `PORTS`
//! (`3001,3002`) pick other ports. Ctrl-C (or SIGTERM) stops everything. `cluster instance` runs one
//! instance (the chat app with `PORT` and `REDIS_URL`), as the launcher does; put instances
//! behind a load balancer to serve one address.

#[path = "../support.rs"]
mod support;

#[path = "../chat/app.rs"]
mod app;

use std::{
    io::{Read, Write},
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use nest_core::prelude::*;
use nest_core::sse::SseOptions;

fn main() -> std::io::Result<()> {
    if std::env::args().nth(1).as_deref() == Some("instance") {
        return instance();
    }
    support::init_logging();
    let mut children = Children(Vec::new());
    let data = TempDir::new()?;
    let redis_url = match std::env::var("REDIS_URL") {
        Ok(url) => url,
        Err(_) => {
            let port: u16 = env_or("REDIS_PORT", 6390);
            children.0.push(start_redis(port, &data.0)?);
            format!("redis://127.0.0.1:{port}")
        }
    };
    let ports = std::env::var("PORTS").unwrap_or_else(|_| "3001,3002".to_owned());
    for port in ports.split(',').map(str::trim) {
        let child = Command::new(std::env::current_exe()?)
            .arg("instance")
            .env("PORT", port)
            .env("REDIS_URL", &redis_url)
            .spawn()?;
        children.0.push(child);
        tracing::info!(target: "Cluster", "instance on http://localhost:{port}/?room=lobby");
    }
    // Runs until Ctrl-C, SIGTERM or until a process ends; dropping `children` stops the rest.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => return Ok(()),
                _ = terminate.recv() => return Ok(()),
                () = tokio::time::sleep(Duration::from_millis(200)) => {
                    for child in &mut children.0 {
                        if let Ok(Some(status)) = child.try_wait() {
                            tracing::error!(target: "Cluster", "process {} exited ({status}): stopping the cluster", child.id());
                            return Ok(());
                        }
                    }
                }
            }
        }
    })
}

/// One chat instance (the `chat` example's app, with the hub on `REDIS_URL`).
#[tokio::main]
async fn instance() -> std::io::Result<()> {
    support::init_logging();
    let mut app = NestFactory::create::<app::AppModule>().await?;
    app.set_sse_options(SseOptions::default().keep_alive(Some(Duration::from_secs(15))));
    app.listen(support::port()).await
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// Starts `redis-server` on `port` with its data in `dir`, every write appended and synced to
/// disk before Redis answers (`appendfsync always`), and waits until it answers.
fn start_redis(port: u16, dir: &Path) -> std::io::Result<Child> {
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .arg("--dir")
        .arg(dir)
        .args(["--appendonly", "yes", "--appendfsync", "always", "--save", ""])
        .stdout(Stdio::null())
        .spawn()
        .map_err(|error| {
            std::io::Error::other(format!(
                "could not start redis-server ({error}): install it (`apt-get install redis-server`) or set REDIS_URL"
            ))
        })?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if ping(port) {
            tracing::info!(target: "Cluster", "redis-server on 127.0.0.1:{port}, data in {}", dir.display());
            return Ok(child);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(std::io::Error::other(format!(
        "redis-server did not answer on port {port}"
    )))
}

/// Whether Redis answers `PING` on `port`.
fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let mut reply = [0; 7];
    stream.write_all(b"PING\r\n").is_ok()
        && stream.read_exact(&mut reply).is_ok()
        && &reply == b"+PONG\r\n"
}

/// The processes started; killed when dropped.
struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for child in self.0.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Redis's data directory, removed at the end.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<Self> {
        let dir = std::env::temp_dir().join(format!("nest-cluster-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Self(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
