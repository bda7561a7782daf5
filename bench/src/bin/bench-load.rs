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
//! Over HTTP/2 (h2c with prior knowledge, see `nest_bench::h2`): `h2-m1` (1 and 4 streams of
//! one connection), `h2-m2` (100 connections × 100 `/fanout` streams), `h2-m3` (100 × 100
//! `/idle` streams), `h2-all` (those three) and `h2-million` (10,000 × 100 `/fanout` streams,
//! one message to all). `--connections C --streams S` change the connection and stream counts
//! of `h2-m2`, `h2-m3` and `h2-million`. `bench-hyper` is started with `BENCH_HYPER_AUTO=1`
//! (hyper-util's HTTP/1 + HTTP/2 server) for these.
//!
//! ```text
//! target/release/bench-load bench-nest h2-m1 h2-m2 h2-m3
//! target/release/bench-load bench-nest h2-million --connections 10000 --streams 100
//! ```
//!
//! `bench-load scale-shard ADDR COUNT INDEX` is one shard of the scale test, started by the
//! scale test itself (see `nest_bench::scale`).

use std::{io, path::PathBuf};

use nest_bench::{
    h2::{self, H2Config},
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
    let wants_http2 = ["h2-m1", "h2-m2", "h2-m3", "h2-all", "h2-million"]
        .iter()
        .any(|what| args.iter().any(|arg| arg == what));
    if wants_http2 {
        http2(&args, server, &path, descriptors).await?;
    }
    if !["m1", "m2", "m3", "m4", "scale"]
        .iter()
        .any(|what| wants(what))
    {
        return Ok(());
    }
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

/// The value after `--name` in `args`.
fn option(args: &[String], name: &str) -> io::Result<Option<usize>> {
    let Some(at) = args.iter().position(|arg| arg == name) else {
        return Ok(None);
    };
    args.get(at + 1)
        .and_then(|value| value.parse().ok())
        .map(Some)
        .ok_or_else(|| io::Error::other(format!("{name} wants a number")))
}

/// The HTTP/2 measurements asked for in `args`, against a server of their own (`bench-hyper`
/// with hyper-util's HTTP/1 + HTTP/2 server).
async fn http2(
    args: &[String],
    server: &str,
    path: &std::path::Path,
    descriptors: u64,
) -> io::Result<()> {
    let wants = |what: &str| {
        args.iter()
            .any(|arg| arg == what || (arg == "h2-all" && what != "h2-million"))
    };
    let mut config = if args.iter().any(|arg| arg == "--quick") {
        H2Config::quick()
    } else {
        H2Config::full()
    };
    if let Some(connections) = option(args, "--connections")? {
        config.fanout_connections = connections;
        config.idle_connections = connections;
        config.million_connections = connections;
    }
    if let Some(streams) = option(args, "--streams")? {
        config.fanout_streams = streams;
        config.idle_streams = streams;
        config.million_streams = streams;
    }
    let hyper = path.file_name().is_some_and(|name| name == "bench-hyper");
    let envs: &[(&str, &str)] = if hyper {
        &[("BENCH_HYPER_AUTO", "1")]
    } else {
        &[]
    };
    let process = if peers::is_peer(server) {
        peers::spawn(server, peers::Protocol::H2c)?
    } else {
        ServerProcess::spawn_with_env(server, path, envs)?
    };
    if wants("h2-m1") {
        for streams in config.firehose_streams {
            println!(
                "H2-M1 {:?}",
                h2::h2_firehose(&process, config.firehose_n, streams).await?
            );
        }
    }
    if wants("h2-m2") {
        println!(
            "H2-M2 {:?}",
            h2::h2_fanout(
                &process,
                config.fanout_connections,
                config.fanout_streams,
                config.fanout_rate,
                config.fanout_seconds
            )
            .await?
        );
    }
    if wants("h2-m3") {
        println!(
            "H2-M3 {:?}",
            h2::h2_idle(&process, config.idle_connections, config.idle_streams).await?
        );
    }
    if wants("h2-million") {
        let room = scale::per_process(descriptors);
        if config.million_connections > room {
            return Err(io::Error::other(format!(
                "{} connections do not fit in {descriptors} descriptors (at most {room})",
                config.million_connections
            )));
        }
        println!(
            "H2-million {:?}",
            h2::h2_million(&process, config.million_connections, config.million_streams).await?
        );
    }
    Ok(())
}
