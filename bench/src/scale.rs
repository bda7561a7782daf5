//! The scale test: 100,000 `/fanout` connections held at once, the server's memory per
//! connection, then one message to all of them.
//!
//! A process may hold at most `RLIMIT_NOFILE` descriptors, and where that limit is lower than
//! the connections wanted (20,000 on the benchmark machine: a hard limit that not even root can
//! raise inside its user namespace) the connections are split into **shards**. Each shard is
//! one server process of the contender and one load-generator process (`bench-load
//! scale-shard`, see [`shard`]) that holds the shard's connections and times the message's
//! arrival at each of them. The parent ([`scale`]) sums the servers' memory, publishes one
//! message to every server at the same moment and merges the latencies of every shard. Where
//! the limit allows, there is a single shard: one server process holds every connection.

use std::{
    io,
    net::SocketAddr,
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use futures_util::future::try_join_all;
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines},
    process::{Child, ChildStdout, Command},
};

use crate::{
    client::start_sources_at,
    measure::{Latency, Memory, Publisher, Readers, open_many, wait_for},
    process::ServerProcess,
};

/// Descriptors a process keeps for itself beside the connections it holds (listener, control
/// connections, pipes, files).
const SPARE_DESCRIPTORS: u64 = 1_000;

/// How long the subscribers are given to receive the one message.
const DELIVERY_LIMIT: Duration = Duration::from_secs(60);

/// The result of the scale test for one contender.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// The servers' memory with the connections open: the sum over every shard's server.
    pub memory: Memory,
    /// Server processes the connections were spread over (1 when one process may hold them all).
    pub shards: usize,
    /// Seconds to open them all (the shards open theirs in parallel).
    pub open_seconds: f64,
    /// Subscribers the servers counted when publishing.
    pub subscribers: u64,
    /// Subscribers that received the message.
    pub delivered: u64,
    /// Publish to parsed, over every subscriber.
    pub latency: Latency,
}

/// How many connections one process may hold when `RLIMIT_NOFILE` is `descriptors`.
pub fn per_process(descriptors: u64) -> usize {
    usize::try_from(descriptors.saturating_sub(SPARE_DESCRIPTORS)).unwrap_or(usize::MAX)
}

/// Splits `connections` into as few shards as hold at most `per_process` each, as evenly as
/// possible.
///
/// ```
/// assert_eq!(nest_bench::scale::split(100_000, 19_000), vec![16_667, 16_667, 16_667, 16_667, 16_666, 16_666]);
/// assert_eq!(nest_bench::scale::split(5_000, 19_000), vec![5_000]);
/// ```
pub fn split(connections: usize, per_process: usize) -> Vec<usize> {
    let shards = connections.div_ceil(per_process.max(1)).max(1);
    (0..shards)
        .map(|index| connections / shards + usize::from(index < connections % shards))
        .collect()
}

/// The load generator that runs a shard: `bench-load` beside the running executable
/// (`bench-all` and `bench-load` are built into the same directory).
pub fn load_generator() -> io::Result<PathBuf> {
    Ok(std::env::current_exe()?.with_file_name("bench-load"))
}

/// One shard's load-generator process, as the parent drives it.
struct ShardClient {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl ShardClient {
    fn spawn(
        load_generator: &Path,
        addr: SocketAddr,
        count: usize,
        index: usize,
    ) -> io::Result<Self> {
        let mut child = Command::new(load_generator)
            .args([
                "scale-shard",
                &addr.to_string(),
                &count.to_string(),
                &index.to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|error| {
                io::Error::new(
                    error.kind(),
                    format!("{}: {error}", load_generator.display()),
                )
            })?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| io::Error::other("no stdout"))?;
        Ok(Self {
            child,
            lines: BufReader::new(stdout).lines(),
        })
    }

    /// The next line the shard prints, which must start with `word`; the rest of it.
    async fn expect(&mut self, word: &str) -> io::Result<String> {
        let line = self.lines.next_line().await?.unwrap_or_default();
        line.strip_prefix(word)
            .map(|rest| rest.trim().to_owned())
            .ok_or_else(|| io::Error::other(format!("scale shard said {line:?}, not {word}")))
    }

    async fn tell(&mut self, line: &str) -> io::Result<()> {
        let stdin = self
            .child
            .stdin
            .as_mut()
            .ok_or_else(|| io::Error::other("no stdin"))?;
        stdin.write_all(line.as_bytes()).await?;
        stdin.write_all(b"\n").await?;
        stdin.flush().await
    }
}

/// The scale test over `servers` (one process each, the same contender), holding `counts[i]`
/// `/fanout` connections to `servers[i]` from one `load_generator` (`bench-load`) process per
/// server; then one message published to every server at once ([`Publisher::publish`]),
/// timed at every subscriber.
pub async fn scale(
    servers: &[ServerProcess],
    counts: &[usize],
    load_generator: &Path,
) -> io::Result<Scale> {
    if servers.len() != counts.len() || servers.is_empty() {
        return Err(io::Error::other("one connection count per server wanted"));
    }
    let mut controls = Vec::with_capacity(servers.len());
    for server in servers {
        // Warm up each server's allocator and runtime with a few connections first.
        drop(open_many(server.addr, "/fanout", 100).await?);
        let mut control = Publisher::connect(server).await?;
        control.await_subscribers(0).await?;
        controls.push(control);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before: u64 = servers.iter().map(ServerProcess::rss_kib).sum();

    let start = Instant::now();
    let mut clients = servers
        .iter()
        .zip(counts)
        .enumerate()
        .map(|(index, (server, &count))| {
            ShardClient::spawn(load_generator, server.addr, count, index)
        })
        .collect::<io::Result<Vec<_>>>()?;
    try_join_all(clients.iter_mut().map(|client| client.expect("opened"))).await?;
    let open_seconds = start.elapsed().as_secs_f64();
    for (control, &count) in controls.iter_mut().zip(counts) {
        control.await_subscribers(count as u64).await?;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after: u64 = servers.iter().map(ServerProcess::rss_kib).sum();

    for client in &mut clients {
        client.tell("go").await?;
    }
    let subscribers: u64 = try_join_all(controls.iter_mut().map(|control| control.publish(1)))
        .await?
        .into_iter()
        .sum();
    let mut latencies = Vec::with_capacity(counts.iter().sum());
    for client in &mut clients {
        let report = client.expect("received").await?;
        for number in report.split_ascii_whitespace() {
            latencies.push(
                number
                    .parse()
                    .map_err(|_| io::Error::other(format!("scale shard sent {number:?}")))?,
            );
        }
        client.child.wait().await?;
    }
    let connections = counts.iter().sum();
    Ok(Scale {
        memory: Memory::new(connections, before, after),
        shards: servers.len(),
        open_seconds,
        subscribers,
        delivered: latencies.len() as u64,
        latency: Latency::of(latencies),
    })
}

/// One shard's load generator (`bench-load scale-shard ADDR COUNT INDEX`): opens `count`
/// `/fanout` streams to `addr` from loopback source addresses of its own (shard `index`), reads
/// each, and talks to the parent [`scale`] over stdin and stdout:
///
/// 1. prints `opened` once every stream is open;
/// 2. waits for `go` on stdin (the parent publishes right after it);
/// 3. prints `received` and the latency of every message received, in nanoseconds, once each
///    stream has one or a minute has passed, and returns (the streams close).
pub async fn shard(addr: SocketAddr, count: usize, index: u64) -> io::Result<()> {
    start_sources_at(index);
    let opened = open_many(addr, "/fanout", count).await?;
    let Readers {
        stop,
        delivered,
        readers,
    } = Readers::spawn(opened, 1024, 1);
    let mut stdout = tokio::io::stdout();
    stdout.write_all(b"opened\n").await?;
    stdout.flush().await?;

    let mut commands = BufReader::new(tokio::io::stdin()).lines();
    loop {
        match commands.next_line().await? {
            Some(command) if command.trim() == "go" => break,
            Some(_) => {}
            // The parent is gone: nothing will be published.
            None => return Ok(()),
        }
    }
    wait_for(&delivered, count as u64, DELIVERY_LIMIT).await;
    let _ = stop.send(true);
    let mut report = String::from("received");
    let mut held = Vec::with_capacity(count);
    for reader in readers {
        let (received, stream) = reader.await.map_err(io::Error::other)?;
        for latency in received.latencies {
            report.push(' ');
            report.push_str(&latency.to_string());
        }
        held.push(stream);
    }
    report.push('\n');
    stdout.write_all(report.as_bytes()).await?;
    stdout.flush().await?;
    drop(held);
    Ok(())
}
