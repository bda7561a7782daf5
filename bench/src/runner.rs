//! One run of the whole comparison: which figures, at what size, for which contenders.

use std::{io, path::Path, time::Duration};

use crate::{
    measure::{self, Churn, Fanout, Firehose, Memory, Scale},
    process::ServerProcess,
};

/// How big a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Small sizes, for a smoke run (well under a minute).
    Quick,
    /// The sizes of the contract.
    Full,
    /// The 100,000-connection test only.
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
    /// Scale test: `/fanout` connections held.
    pub scale_connections: usize,
}

impl Config {
    /// The sizes for `mode`.
    pub fn for_mode(mode: Mode) -> Self {
        let full = Self {
            mode,
            firehose_n: 1_000_000,
            firehose_runs: 3,
            fanout_subscribers: 1_000,
            fanout_rate: 200,
            fanout_seconds: 10,
            idle_connections: 10_000,
            churn_connections: 20_000,
            churn_concurrency: 50,
            scale_connections: 100_000,
        };
        match mode {
            Mode::Full | Mode::Scale => full,
            Mode::Quick => Self {
                firehose_n: 100_000,
                firehose_runs: 1,
                fanout_subscribers: 200,
                fanout_seconds: 2,
                idle_connections: 2_000,
                churn_connections: 2_000,
                scale_connections: 5_000,
                ..full
            },
        }
    }
}

/// Everything measured for one contender; a measurement that failed is `None` and its error is
/// in `errors`.
#[derive(Debug, Clone, Default)]
pub struct ServerResults {
    /// The contender (`nest-rs`, `axum`, `hyper`).
    pub name: String,
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

/// The contenders, in the order of the table: name and binary name.
pub const CONTENDERS: [(&str, &str); 3] = [
    ("nest-rs", "bench-nest"),
    ("axum", "bench-axum"),
    ("hyper", "bench-hyper"),
];

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

async fn median_firehose(
    server: &ServerProcess,
    n: u64,
    connections: usize,
    runs: usize,
) -> io::Result<Firehose> {
    let mut all = Vec::new();
    for _ in 0..runs.max(1) {
        all.push(measure::firehose(server, n, connections).await?);
    }
    all.sort_by(|a, b| a.events_per_sec.total_cmp(&b.events_per_sec));
    Ok(all[all.len() / 2])
}

/// Starts `binary` and runs every measurement of `config.mode` against it; progress goes to
/// stderr.
pub async fn run_server(name: &str, binary: &Path, config: &Config) -> io::Result<ServerResults> {
    let mut results = ServerResults {
        name: name.to_owned(),
        ..ServerResults::default()
    };
    if config.mode == Mode::Scale {
        let server = ServerProcess::spawn(name, binary)?;
        eprintln!("{name}: scale, {} connections", config.scale_connections);
        let outcome = measure::scale(&server, config.scale_connections).await;
        results.scale = keep(&mut results, "scale", outcome);
        return Ok(results);
    }
    let server = ServerProcess::spawn(name, binary)?;
    eprintln!(
        "{name}: M1 firehose, 1 connection, n = {}",
        config.firehose_n
    );
    let outcome = median_firehose(&server, config.firehose_n, 1, config.firehose_runs).await;
    results.firehose_1 = keep(&mut results, "M1 (1 connection)", outcome);
    eprintln!("{name}: M1 firehose, 4 connections");
    let outcome = median_firehose(&server, config.firehose_n, 4, config.firehose_runs).await;
    results.firehose_4 = keep(&mut results, "M1 (4 connections)", outcome);
    eprintln!(
        "{name}: M2 fanout, {} subscribers, {}/s for {} s",
        config.fanout_subscribers, config.fanout_rate, config.fanout_seconds
    );
    let outcome = measure::fanout(
        server.addr,
        config.fanout_subscribers,
        config.fanout_rate,
        config.fanout_seconds,
    )
    .await;
    results.fanout = keep(&mut results, "M2", outcome);
    // A fresh process for the memory figures, so M1 and M2's buffers do not hide growth.
    drop(server);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let server = ServerProcess::spawn(name, binary)?;
    eprintln!("{name}: M3 idle, {} connections", config.idle_connections);
    let outcome = measure::idle(&server, config.idle_connections).await;
    results.idle = keep(&mut results, "M3", outcome);
    eprintln!(
        "{name}: M4 churn, {} connections, {} at a time",
        config.churn_connections, config.churn_concurrency
    );
    let outcome = measure::churn(&server, config.churn_connections, config.churn_concurrency).await;
    results.churn = keep(&mut results, "M4", outcome);
    Ok(results)
}
