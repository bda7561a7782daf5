//! One run of the whole comparison: which figures, at what size, for which contenders.

use std::{
    io,
    path::{Path, PathBuf},
    time::Duration,
};

use crate::{
    h2::{self, H2Config, H2Fanout, H2Firehose, H2Memory, H2Million},
    measure::{self, Churn, Fanout, Firehose, Memory},
    peers::{self, Protocol},
    process::ServerProcess,
    scale::{self, Scale},
};

/// How big a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Small sizes, for a smoke run (a few minutes with the five contenders).
    Quick,
    /// The sizes of the contract over HTTP/1.1 and HTTP/2, the million HTTP/2 streams, then the
    /// 100,000-connection scale test.
    Full,
    /// The 100,000-connection scale test only.
    Scale,
}

impl Mode {
    /// The mode's name, as given on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Quick => "quick",
            Self::Full => "full",
            Self::Scale => "scale",
        }
    }
}

/// The sizes of every measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Which mode these sizes are for.
    pub mode: Mode,
    /// Whether M1–M4 over HTTP/1.1 run (not in [`Mode::Scale`]).
    pub contract: bool,
    /// M1: events per connection.
    pub firehose_n: u64,
    /// M1: runs of each variant (the median is kept).
    pub firehose_runs: usize,
    /// M2: runs (the one with the median p99 is kept).
    pub fanout_runs: usize,
    /// M2: subscribers.
    pub fanout_subscribers: usize,
    /// M2: publishes per second.
    pub fanout_rate: u32,
    /// M2: seconds of publishing.
    pub fanout_seconds: u32,
    /// M3: idle connections held.
    pub idle_connections: usize,
    /// M4: connections made.
    pub churn_connections: u64,
    /// M4: connections in flight at once.
    pub churn_concurrency: usize,
    /// Whether H2-M1–H2-M3 run: the contract's firehose, fan-out and idle measurements over
    /// HTTP/2 (h2c), on server processes of their own.
    pub h2: bool,
    /// The sizes of the HTTP/2 measurements and of the million streams.
    pub h2_sizes: H2Config,
    /// Whether the million HTTP/2 streams are held (`h2_sizes.million_connections` ×
    /// `h2_sizes.million_streams`), one contender at a time.
    pub million: bool,
    /// Whether the scale test runs (after M1–M4, except in [`Mode::Scale`], which runs only it).
    pub scale: bool,
    /// Scale test: `/fanout` connections held.
    pub scale_connections: usize,
    /// Scale test: runs per contender (the one with the median p99 is kept).
    pub scale_runs: usize,
    /// Connections one process may hold (see [`Config::fit_descriptors`]): more are spread
    /// over several server processes in the scale test; the million streams fail beyond it.
    pub scale_per_process: usize,
}

impl Config {
    /// The sizes for `mode`.
    pub fn for_mode(mode: Mode) -> Self {
        let full = Self {
            mode,
            contract: mode != Mode::Scale,
            firehose_n: 1_000_000,
            firehose_runs: 5,
            fanout_runs: 3,
            fanout_subscribers: 1_000,
            fanout_rate: 200,
            fanout_seconds: 10,
            idle_connections: 10_000,
            churn_connections: 20_000,
            churn_concurrency: 50,
            h2: mode != Mode::Scale,
            h2_sizes: H2Config::full(),
            million: mode != Mode::Scale,
            scale: true,
            scale_connections: 100_000,
            scale_runs: 3,
            scale_per_process: usize::MAX,
        };
        match mode {
            Mode::Full | Mode::Scale => full,
            Mode::Quick => Self {
                firehose_n: 100_000,
                firehose_runs: 1,
                fanout_runs: 1,
                fanout_subscribers: 200,
                fanout_seconds: 2,
                idle_connections: 2_000,
                churn_connections: 2_000,
                scale_connections: 5_000,
                scale_runs: 1,
                // A small "million" (1,000 streams), so that its code runs too.
                h2_sizes: H2Config {
                    million_connections: 50,
                    million_streams: 20,
                    ..H2Config::quick()
                },
                ..full
            },
        }
    }
}

impl Config {
    /// Runs only the million HTTP/2 streams: no M1–M4, no HTTP/2 M1–M3, no scale test.
    pub fn million_only(&mut self) {
        self.contract = false;
        self.h2 = false;
        self.scale = false;
        self.million = true;
    }

    /// The name of the run, for the files it writes: the mode's, with `-million` when only the
    /// million streams run.
    pub fn run_name(&self) -> String {
        if self.million && !self.contract && !self.h2 && !self.scale {
            format!("{}-million", self.mode.name())
        } else {
            self.mode.name().to_owned()
        }
    }

    /// Fits the scale test within `descriptors` (`RLIMIT_NOFILE`, which every server and
    /// load-generator process gets): when one process cannot hold every connection, they are
    /// spread over several server processes (see [`crate::scale`]); says so on stderr. The
    /// million streams, whose connections one process holds, fail with an error when they do
    /// not fit.
    pub fn fit_descriptors(&mut self, descriptors: u64) {
        self.scale_per_process = scale::per_process(descriptors);
        let shards = scale::split(self.scale_connections, self.scale_per_process).len();
        if self.scale && shards > 1 {
            eprintln!(
                "RLIMIT_NOFILE is {descriptors} here: the scale test spreads its {} connections over {shards} server processes",
                self.scale_connections
            );
        }
    }
}

/// Everything measured for one contender; a measurement that failed is `None` and its error is
/// in `errors`.
#[derive(Debug, Clone, Default)]
pub struct ServerResults {
    /// The contender (`nest-rs`, `axum`, `hyper`, `go`, `nchan`).
    pub name: String,
    /// Why the contender was not measured at all (a peer whose tools are missing).
    pub unavailable: Option<String>,
    /// M1 with one connection (median run).
    pub firehose_1: Option<Firehose>,
    /// M1 with four connections (median run).
    pub firehose_4: Option<Firehose>,
    /// M2.
    pub fanout: Option<Fanout>,
    /// M3.
    pub idle: Option<Memory>,
    /// M4.
    pub churn: Option<Churn>,
    /// H2-M1 with one stream (median run).
    pub h2_firehose_1: Option<H2Firehose>,
    /// H2-M1 with four streams of one connection (median run).
    pub h2_firehose_4: Option<H2Firehose>,
    /// H2-M2 (the run with the median p99).
    pub h2_fanout: Option<H2Fanout>,
    /// H2-M3.
    pub h2_idle: Option<H2Memory>,
    /// The million HTTP/2 streams.
    pub h2_million: Option<H2Million>,
    /// The scale test.
    pub scale: Option<Scale>,
    /// What went wrong, one line per failed measurement.
    pub errors: Vec<String>,
}

/// The Rust contenders, in the order of the table: name and binary name. The reference peers
/// ([`peers::NAMES`]) follow them.
pub const CONTENDERS: [(&str, &str); 3] = [
    ("nest-rs", "bench-nest"),
    ("axum", "bench-axum"),
    ("hyper", "bench-hyper"),
];

/// Where a contender's server comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A server binary that serves the contract on `PORT` ([`ServerProcess::spawn`]).
    Binary(PathBuf),
    /// A reference peer, started over HTTP/1.1 by [`peers::spawn`].
    Peer,
    /// Not available here, and why: left out of every measurement.
    Unavailable(String),
}

/// One contender of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contender {
    /// Its name in the table.
    pub name: String,
    /// Where its server comes from.
    pub source: Source,
}

impl Contender {
    /// A contender whose server is `binary`.
    pub fn binary(name: &str, binary: PathBuf) -> Self {
        Self {
            name: name.to_owned(),
            source: Source::Binary(binary),
        }
    }

    /// Reference peer `name`, built or found now ([`peers::prepare`]); unavailable, with a
    /// line on stderr saying why, when its tools are missing.
    pub fn peer(name: &str) -> Self {
        let source = match peers::prepare(name, Protocol::Http1) {
            Ok(()) => Source::Peer,
            Err(reason) => {
                eprintln!("{name}: not measured: {reason}");
                Source::Unavailable(reason)
            }
        };
        Self {
            name: name.to_owned(),
            source,
        }
    }

    /// Starts a fresh server process.
    pub fn spawn(&self) -> io::Result<ServerProcess> {
        match &self.source {
            Source::Binary(binary) => ServerProcess::spawn(&self.name, binary),
            Source::Peer => peers::spawn(&self.name, Protocol::Http1),
            Source::Unavailable(reason) => Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{}: {reason}", self.name),
            )),
        }
    }

    /// Starts a fresh server process for the HTTP/2 measurements: `bench-hyper` with
    /// `BENCH_HYPER_AUTO=1` (hyper-util's HTTP/1 + HTTP/2 server), a peer for
    /// [`Protocol::H2c`], the other binaries as they are (they speak both on one port).
    pub fn spawn_h2(&self) -> io::Result<ServerProcess> {
        match &self.source {
            Source::Binary(binary) => {
                let hyper = binary.file_name().is_some_and(|name| name == "bench-hyper");
                let envs: &[(&str, &str)] = if hyper {
                    &[("BENCH_HYPER_AUTO", "1")]
                } else {
                    &[]
                };
                ServerProcess::spawn_with_env(&self.name, binary, envs)
            }
            Source::Peer => peers::spawn(&self.name, Protocol::H2c),
            Source::Unavailable(_) => self.spawn(),
        }
    }

    /// Whether it can be started.
    pub fn is_available(&self) -> bool {
        !matches!(self.source, Source::Unavailable(_))
    }

    /// The most `/fanout` connections one of its processes is given in the scale test.
    fn per_process(&self, config: &Config) -> usize {
        peers::connections_per_process(&self.name).map_or(config.scale_per_process, |limit| {
            limit.min(config.scale_per_process)
        })
    }
}

/// Every contender, Rust servers (binaries in `binaries`) then peers, or those named in `only`
/// if given (unknown names are reported on stderr).
pub fn contenders(binaries: &Path, only: Option<&[String]>) -> Vec<Contender> {
    let wanted = |name: &str| only.is_none_or(|only| only.iter().any(|o| o == name));
    if let Some(only) = only {
        for name in only {
            if !CONTENDERS.iter().any(|(known, _)| known == name) && !peers::is_peer(name) {
                eprintln!("--only: no contender {name}");
            }
        }
    }
    let rust = CONTENDERS
        .iter()
        .filter(|(name, _)| wanted(name))
        .map(|(name, binary)| Contender::binary(name, binaries.join(binary)));
    let peers = peers::NAMES
        .iter()
        .filter(|name| wanted(name))
        .map(|name| Contender::peer(name));
    rust.chain(peers).collect()
}

/// The contender every ratio is taken against.
pub const BASELINE: &str = "hyper";

fn keep<T>(results: &mut ServerResults, what: &str, outcome: io::Result<T>) -> Option<T> {
    match outcome {
        Ok(value) => Some(value),
        Err(error) => {
            eprintln!("  {} {what}: {error}", results.name);
            results.errors.push(format!("{what}: {error}"));
            None
        }
    }
}

/// Runs every measurement `config` asks for against every contender, and returns their results
/// in the same order; progress goes to stderr. An unavailable contender, or a measurement that
/// does not apply to one (M1 for a server without `/firehose`), is left empty.
///
/// The order: M1 and M2 over HTTP/1.1, H2-M1 and H2-M2 (on server processes of their own),
/// M3 and M4, H2-M3, the million HTTP/2 streams, the scale test.
///
/// The machine is shared, so throughput and latency runs are interleaved: each round measures
/// every contender once, in a rotating order, so a burst of outside load hits all of them
/// alike; M1 and H2-M1 keep the median of their rounds, and M2, H2-M2 and the scale test the
/// round with the median p99. Memory figures (M3, M4, H2-M3, the million, scale) come from
/// fresh server processes; the million streams are held by one contender at a time, every
/// other server stopped.
pub async fn run_all(contenders: &[Contender], config: &Config) -> io::Result<Vec<ServerResults>> {
    let mut results: Vec<ServerResults> = contenders
        .iter()
        .map(|contender| ServerResults {
            name: contender.name.clone(),
            unavailable: match &contender.source {
                Source::Unavailable(reason) => Some(reason.clone()),
                _ => None,
            },
            ..ServerResults::default()
        })
        .collect();
    if config.contract {
        run_throughput(contenders, config, &mut results).await?;
    }
    if config.h2 {
        run_h2_throughput(contenders, config, &mut results).await?;
    }
    if config.contract {
        run_memory(contenders, config, &mut results).await?;
    }
    if config.h2 {
        run_h2_idle(contenders, config, &mut results).await?;
    }
    if config.million {
        run_million(contenders, config, &mut results).await?;
    }
    if config.scale {
        run_scale(contenders, config, &mut results).await?;
    }
    Ok(results)
}

/// The positions in `items` of those `keep` selects, rotated by `round`: the order of one
/// round of interleaved runs.
fn rotation<T>(items: &[T], round: usize, keep: impl Fn(&T) -> bool) -> Vec<usize> {
    let selected: Vec<usize> = (0..items.len()).filter(|&at| keep(&items[at])).collect();
    (0..selected.len())
        .map(|turn| selected[(round + turn) % selected.len()])
        .collect()
}

/// The scale test for every contender, `config.scale_runs` rounds in a rotating order; the
/// round with the median p99 is kept.
async fn run_scale(
    contenders: &[Contender],
    config: &Config,
    results: &mut [ServerResults],
) -> io::Result<()> {
    let mut runs: Vec<Vec<Scale>> = vec![Vec::new(); contenders.len()];
    for round in 0..config.scale_runs.max(1) {
        for index in rotation(contenders, round, Contender::is_available) {
            let contender = &contenders[index];
            let name = &contender.name;
            let counts = scale::split(config.scale_connections, contender.per_process(config));
            let servers = counts
                .iter()
                .map(|_| contender.spawn())
                .collect::<io::Result<Vec<_>>>();
            let Some(servers) = keep(&mut results[index], "scale (start)", servers) else {
                continue;
            };
            eprintln!(
                "{name}: scale, {} connections over {} server process(es), round {}",
                config.scale_connections,
                servers.len(),
                round + 1
            );
            let outcome = scale::scale(&servers, &counts, &scale::load_generator()?).await;
            if let Some(run) = keep(&mut results[index], "scale", outcome) {
                runs[index].push(run);
            }
            drop(servers);
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
    for (index, mut runs) in runs.into_iter().enumerate() {
        runs.sort_by(|a, b| a.latency.p99_us.total_cmp(&b.latency.p99_us));
        results[index].scale = runs.get(runs.len() / 2).copied();
    }
    Ok(())
}

/// A server process for every available contender, started by `spawn`; `None` for the others
/// (and for those that did not start: an error line `what: …`).
fn start_all(
    contenders: &[Contender],
    results: &mut [ServerResults],
    what: &str,
    spawn: impl Fn(&Contender) -> io::Result<ServerProcess>,
) -> Vec<Option<ServerProcess>> {
    contenders
        .iter()
        .zip(results.iter_mut())
        .map(|(contender, results)| {
            if contender.is_available() {
                keep(results, what, spawn(contender))
            } else {
                None
            }
        })
        .collect()
}

/// Whether `server` is running and serves `/firehose`.
fn serves_firehose(server: &Option<ServerProcess>) -> bool {
    server
        .as_ref()
        .is_some_and(|server| server.dialect.firehose)
}

/// M1 and M2 of the contract over HTTP/1.1 for every contender.
async fn run_throughput(
    contenders: &[Contender],
    config: &Config,
    results: &mut [ServerResults],
) -> io::Result<()> {
    let servers = start_all(contenders, results, "start", Contender::spawn);
    let count = servers.len();
    for connections in [1, 4] {
        let mut runs: Vec<Vec<Firehose>> = vec![Vec::new(); count];
        for round in 0..config.firehose_runs.max(1) {
            for index in rotation(&servers, round, serves_firehose) {
                let Some(server) = &servers[index] else {
                    continue;
                };
                eprintln!(
                    "{}: M1 firehose, {connections} connection(s), n = {}, round {}",
                    server.name,
                    config.firehose_n,
                    round + 1
                );
                let outcome = measure::firehose(server, config.firehose_n, connections).await;
                let what = format!("M1 ({connections} connections)");
                if let Some(run) = keep(&mut results[index], &what, outcome) {
                    runs[index].push(run);
                }
            }
        }
        for (index, mut runs) in runs.into_iter().enumerate() {
            runs.sort_by(|a, b| a.events_per_sec.total_cmp(&b.events_per_sec));
            let median = runs.get(runs.len() / 2).copied();
            if connections == 1 {
                results[index].firehose_1 = median;
            } else {
                results[index].firehose_4 = median;
            }
        }
    }
    let mut fanout_runs: Vec<Vec<Fanout>> = vec![Vec::new(); count];
    for round in 0..config.fanout_runs.max(1) {
        for index in rotation(&servers, round, Option::is_some) {
            let Some(server) = &servers[index] else {
                continue;
            };
            eprintln!(
                "{}: M2 fanout, {} subscribers, {}/s for {} s, round {}",
                server.name,
                config.fanout_subscribers,
                config.fanout_rate,
                config.fanout_seconds,
                round + 1
            );
            let outcome = measure::fanout(
                server,
                config.fanout_subscribers,
                config.fanout_rate,
                config.fanout_seconds,
            )
            .await;
            if let Some(run) = keep(&mut results[index], "M2", outcome) {
                fanout_runs[index].push(run);
            }
        }
    }
    for (index, mut runs) in fanout_runs.into_iter().enumerate() {
        runs.sort_by(|a, b| a.latency.p99_us.total_cmp(&b.latency.p99_us));
        results[index].fanout = runs.get(runs.len() / 2).copied();
    }
    drop(servers);
    tokio::time::sleep(Duration::from_millis(500)).await;
    Ok(())
}

/// M3 and M4 of the contract over HTTP/1.1 for every contender, each on a fresh server
/// process, so that earlier buffers do not hide growth.
async fn run_memory(
    contenders: &[Contender],
    config: &Config,
    results: &mut [ServerResults],
) -> io::Result<()> {
    for (contender, results) in contenders.iter().zip(results.iter_mut()) {
        if !contender.is_available() {
            continue;
        }
        let name = &contender.name;
        if let Some(server) = keep(results, "M3 (start)", contender.spawn()) {
            eprintln!("{name}: M3 idle, {} connections", config.idle_connections);
            let outcome = measure::idle(&server, config.idle_connections).await;
            results.idle = keep(results, "M3", outcome);
        }
        // Another fresh process: the allocator keeps most of what M3's connections took.
        if let Some(server) = keep(results, "M4 (start)", contender.spawn()) {
            eprintln!(
                "{name}: M4 churn, {} connections, {} at a time",
                config.churn_connections, config.churn_concurrency
            );
            let outcome =
                measure::churn(&server, config.churn_connections, config.churn_concurrency).await;
            results.churn = keep(results, "M4", outcome);
        }
    }
    Ok(())
}

/// H2-M1 and H2-M2 for every contender, on server processes started for HTTP/2
/// ([`Contender::spawn_h2`]), in rounds of a rotating order as M1 and M2 are.
async fn run_h2_throughput(
    contenders: &[Contender],
    config: &Config,
    results: &mut [ServerResults],
) -> io::Result<()> {
    let sizes = config.h2_sizes;
    let servers = start_all(contenders, results, "H2 (start)", Contender::spawn_h2);
    let count = servers.len();
    for (slot, streams) in sizes.firehose_streams.into_iter().enumerate() {
        let mut runs: Vec<Vec<H2Firehose>> = vec![Vec::new(); count];
        for round in 0..config.firehose_runs.max(1) {
            for index in rotation(&servers, round, serves_firehose) {
                let Some(server) = &servers[index] else {
                    continue;
                };
                eprintln!(
                    "{}: H2-M1 firehose, {streams} stream(s) of one connection, n = {}, round {}",
                    server.name,
                    sizes.firehose_n,
                    round + 1
                );
                let outcome = h2::h2_firehose(server, sizes.firehose_n, streams).await;
                let what = format!("H2-M1 ({streams} streams)");
                if let Some(run) = keep(&mut results[index], &what, outcome) {
                    runs[index].push(run);
                }
            }
        }
        for (index, mut runs) in runs.into_iter().enumerate() {
            runs.sort_by(|a, b| a.events_per_sec.total_cmp(&b.events_per_sec));
            let median = runs.get(runs.len() / 2).copied();
            if slot == 0 {
                results[index].h2_firehose_1 = median;
            } else {
                results[index].h2_firehose_4 = median;
            }
        }
    }
    let mut fanout_runs: Vec<Vec<H2Fanout>> = vec![Vec::new(); count];
    for round in 0..config.fanout_runs.max(1) {
        for index in rotation(&servers, round, Option::is_some) {
            let Some(server) = &servers[index] else {
                continue;
            };
            eprintln!(
                "{}: H2-M2 fanout, {} connections × {} streams, {}/s for {} s, round {}",
                server.name,
                sizes.fanout_connections,
                sizes.fanout_streams,
                sizes.fanout_rate,
                sizes.fanout_seconds,
                round + 1
            );
            let outcome = h2::h2_fanout(
                server,
                sizes.fanout_connections,
                sizes.fanout_streams,
                sizes.fanout_rate,
                sizes.fanout_seconds,
            )
            .await;
            if let Some(run) = keep(&mut results[index], "H2-M2", outcome) {
                fanout_runs[index].push(run);
            }
        }
    }
    for (index, mut runs) in fanout_runs.into_iter().enumerate() {
        runs.sort_by(|a, b| a.latency.p99_us.total_cmp(&b.latency.p99_us));
        results[index].h2_fanout = runs.get(runs.len() / 2).copied();
    }
    drop(servers);
    tokio::time::sleep(Duration::from_millis(500)).await;
    Ok(())
}

/// H2-M3 for every contender, each on a fresh server process started for HTTP/2.
async fn run_h2_idle(
    contenders: &[Contender],
    config: &Config,
    results: &mut [ServerResults],
) -> io::Result<()> {
    let sizes = config.h2_sizes;
    for (contender, results) in contenders.iter().zip(results.iter_mut()) {
        if !contender.is_available() {
            continue;
        }
        if let Some(server) = keep(results, "H2-M3 (start)", contender.spawn_h2()) {
            eprintln!(
                "{}: H2-M3 idle, {} connections × {} streams",
                contender.name, sizes.idle_connections, sizes.idle_streams
            );
            let outcome = h2::h2_idle(&server, sizes.idle_connections, sizes.idle_streams).await;
            results.h2_idle = keep(results, "H2-M3", outcome);
        }
    }
    Ok(())
}

/// The million HTTP/2 streams, one contender at a time on a fresh server process, every other
/// server stopped. A contender that cannot hold them gets an error line `million: …`.
async fn run_million(
    contenders: &[Contender],
    config: &Config,
    results: &mut [ServerResults],
) -> io::Result<()> {
    let sizes = config.h2_sizes;
    let (connections, streams) = (sizes.million_connections, sizes.million_streams);
    for (contender, results) in contenders.iter().zip(results.iter_mut()) {
        if !contender.is_available() {
            continue;
        }
        let room = contender.per_process(config);
        let outcome = if connections > room {
            Err(io::Error::other(format!(
                "{connections} connections do not fit in one process (at most {room})"
            )))
        } else {
            match contender.spawn_h2() {
                Ok(server) => {
                    eprintln!(
                        "{}: million, {connections} connections × {streams} streams",
                        contender.name
                    );
                    h2::h2_million(&server, connections, streams).await
                }
                Err(error) => Err(io::Error::new(error.kind(), format!("start: {error}"))),
            }
        };
        results.h2_million = keep(results, "million", outcome);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_rotate_over_the_selected_contenders_only() {
        let items = [1, 2, 3, 4, 5];
        let odd = |item: &i32| item % 2 == 1;
        assert_eq!(rotation(&items, 0, odd), vec![0, 2, 4]);
        assert_eq!(rotation(&items, 1, odd), vec![2, 4, 0]);
        assert_eq!(rotation(&items, 5, odd), vec![4, 0, 2]);
        assert!(rotation(&items, 3, |_| false).is_empty());
    }
}
