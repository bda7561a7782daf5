//! One run of the whole comparison: which figures, at what size, for which contenders.

use std::{
    io,
    path::{Path, PathBuf},
    time::Duration,
};

use crate::{
    measure::{self, Churn, Fanout, Firehose, Memory},
    peers::{self, Protocol},
    process::ServerProcess,
    scale::{self, Scale},
};

/// How big a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Small sizes, for a smoke run (well under a minute).
    Quick,
    /// The sizes of the contract, then the 100,000-connection scale test.
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
    /// Whether the scale test runs (after M1–M4, except in [`Mode::Scale`], which runs only it).
    pub scale: bool,
    /// Scale test: `/fanout` connections held.
    pub scale_connections: usize,
    /// Scale test: runs per contender (the one with the median p99 is kept).
    pub scale_runs: usize,
    /// Scale test: connections one process may hold (see [`Config::fit_descriptors`]); more
    /// are spread over several server processes.
    pub scale_per_process: usize,
}

impl Config {
    /// The sizes for `mode`.
    pub fn for_mode(mode: Mode) -> Self {
        let full = Self {
            mode,
            firehose_n: 1_000_000,
            firehose_runs: 5,
            fanout_runs: 3,
            fanout_subscribers: 1_000,
            fanout_rate: 200,
            fanout_seconds: 10,
            idle_connections: 10_000,
            churn_connections: 20_000,
            churn_concurrency: 50,
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
                ..full
            },
        }
    }
}

impl Config {
    /// Fits the scale test within `descriptors` (`RLIMIT_NOFILE`, which every server and
    /// load-generator process gets): when one process cannot hold every connection, they are
    /// spread over several server processes (see [`crate::scale`]); says so on stderr.
    pub fn fit_descriptors(&mut self, descriptors: u64) {
        self.scale_per_process = scale::per_process(descriptors);
        let shards = scale::split(self.scale_connections, self.scale_per_process).len();
        if shards > 1 {
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

/// Runs every measurement of `config.mode` against every contender, and returns their results
/// in the same order; progress goes to stderr. An unavailable contender, or a measurement that
/// does not apply to one (M1 for a server without `/firehose`), is left empty.
///
/// The machine is shared, so throughput and latency runs are interleaved: each round measures
/// every contender once, in a rotating order, so a burst of outside load hits all of them
/// alike; M1 keeps the median of its rounds, and M2 and the scale test the round with the
/// median p99. Memory figures (M3, M4, scale) come from fresh server
/// processes.
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
    if config.mode != Mode::Scale {
        run_contract(contenders, config, &mut results).await?;
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

/// M1–M4 of the contract for every contender.
async fn run_contract(
    contenders: &[Contender],
    config: &Config,
    results: &mut [ServerResults],
) -> io::Result<()> {
    let servers: Vec<Option<ServerProcess>> = contenders
        .iter()
        .zip(results.iter_mut())
        .map(|(contender, results)| {
            if contender.is_available() {
                keep(results, "start", contender.spawn())
            } else {
                None
            }
        })
        .collect();
    let serves_firehose = |server: &Option<ServerProcess>| {
        server
            .as_ref()
            .is_some_and(|server| server.dialect.firehose)
    };
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

    // Fresh processes for the memory figures, so that earlier buffers do not hide growth.
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
