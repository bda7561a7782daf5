//! The load generator on its own: starts one contender's server and runs the chosen
//! measurements against it, printing each result. `bench-all` runs the same code for every
//! contender and makes the table.
//!
//! ```text
//! cargo build --release -p nest-bench --bins
//! target/release/bench-load bench-nest m1 m2        # binary name (beside this one) or path
//! target/release/bench-load bench-hyper all --quick
//! target/release/bench-load nchan m2 --quick       # a reference peer: go or nchan
//! target/release/bench-load parse                   # the parser's own rate, no server
//! ```
//!
//! Measurements: `m1` (1 and 4 connections), `m2`, `m3`, `m4`, `scale`, `parse`, `all`
//! (`m1`–`m4`). `--quick` uses the smoke-run sizes.
//!
//! `bench-load scale-shard ADDR COUNT INDEX` is one shard of the scale test, started by the
//! scale test itself (see `nest_bench::scale`).

use std::{io, path::PathBuf};

use nest_bench::{
    measure, peers,
    process::ServerProcess,
    runner::{Config, Mode},
    scale,
};

#[tokio::main]
async fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut config = Config::for_mode(if args.iter().any(|arg| arg == "--quick") {
        Mode::Quick
    } else {
        Mode::Full
    });
    let wants = |what: &str| {
        args.iter()
            .any(|arg| arg == what || (arg == "all" && what.starts_with('m')))
    };
    let descriptors = nest_bench::contract::raise_fd_limit();
    if args.first().is_some_and(|arg| arg == "scale-shard") {
        // One shard of the scale test, driven by the process that spawned this one.
        let (Some(addr), Some(count), Some(index)) = (
            args.get(1).and_then(|addr| addr.parse().ok()),
            args.get(2).and_then(|count| count.parse().ok()),
            args.get(3).and_then(|index| index.parse().ok()),
        ) else {
            return Err(io::Error::other(
                "usage: bench-load scale-shard ADDR COUNT INDEX",
            ));
        };
        return scale::shard(addr, count, index).await;
    }
    if wants("scale") {
        config.fit_descriptors(descriptors);
    }
    if wants("parse") {
        println!(
            "{:?}",
            measure::parse_rate(config.firehose_n.max(1_000_000))?
        );
    }
    let Some(server) = args
        .first()
        .filter(|arg| arg.starts_with("bench-") || arg.contains('/') || peers::is_peer(arg))
    else {
        return Ok(());
    };
    let path = if server.contains('/') {
        PathBuf::from(server)
    } else {
        std::env::current_exe()?.with_file_name(server)
    };
    let spawn = || {
        if peers::is_peer(server) {
            peers::spawn(server, peers::Protocol::Http1)
        } else {
            ServerProcess::spawn(server, &path)
        }
    };
    let process = spawn()?;
    if wants("m1") {
        for connections in [1, 4] {
            println!(
                "M1 {:?}",
                measure::firehose(&process, config.firehose_n, connections).await?
            );
        }
    }
    if wants("m2") {
        println!(
            "M2 {:?}",
            measure::fanout(
                &process,
                config.fanout_subscribers,
                config.fanout_rate,
                config.fanout_seconds
            )
            .await?
        );
    }
    if wants("m3") {
        println!(
            "M3 {:?}",
            measure::idle(&process, config.idle_connections).await?
        );
    }
    if wants("m4") {
        println!(
            "M4 {:?}",
            measure::churn(&process, config.churn_connections, config.churn_concurrency).await?
        );
    }
    if wants("scale") {
        let per_process = peers::connections_per_process(server)
            .map_or(config.scale_per_process, |limit| {
                limit.min(config.scale_per_process)
            });
        let counts = scale::split(config.scale_connections, per_process);
        let mut servers = vec![process];
        while servers.len() < counts.len() {
            servers.push(spawn()?);
        }
        println!(
            "scale {:?}",
            scale::scale(&servers, &counts, &scale::load_generator()?).await?
        );
    }
    Ok(())
}
