//! The whole comparison in one command: builds the three Rust servers and the Go reference
//! peer, starts each (and nginx + Nchan) on a free port, runs M1–M4 of
//! `shared/bench/CONTRACT.md` over HTTP/1.1, the same firehose, fan-out and idle measurements
//! over HTTP/2 (h2c, `nest_bench::h2`), a million HTTP/2 streams and the 100,000-connection
//! scale test against each with one load generator, prints one table with every figure and its
//! ratio to raw hyper, and writes `bench/results/<run>.json`, `bench/results/<run>.md` and SVG
//! plots in `docs/benchmarks/`.
//!
//! ```text
//! cargo run --release -p nest-bench --bin bench-all               # everything
//! cargo run --release -p nest-bench --bin bench-all -- --no-scale # all but the scale test
//! cargo run --release -p nest-bench --bin bench-all -- --scale    # the scale test only (~2 min)
//! cargo run --release -p nest-bench --bin bench-all -- --quick    # everything small, a smoke run
//! cargo run --release -p nest-bench --bin bench-all -- --million-only --only nest-rs,hyper
//! ```
//!
//! The order of a run: M1 and M2 over HTTP/1.1, H2-M1 and H2-M2 (server processes of their
//! own: `bench-hyper` with `BENCH_HYPER_AUTO=1`, the peers started for h2c), M3 and M4, H2-M3,
//! the million streams (10,000 connections × 100 streams, one contender at a time on a fresh
//! process; a contender that cannot hold them gets an error line `million: …`), the scale
//! test.
//!
//! `BENCH_MODE=quick|full|scale` does the same as the flags; `--no-build` skips the build;
//! `--only nest-rs,hyper,go,nchan` measures some contenders only (the peers are found in
//! `shared/bench/peers`, or `BENCH_PEERS_DIR`; a peer whose tools are missing is left out with
//! `n/a` in the table); `--connections N` sets the scale
//! test's connection count (spread over several server processes where `RLIMIT_NOFILE` is too
//! low for one). `--no-h2` leaves out H2-M1–H2-M3, `--no-million` the million streams, and
//! `--million-only` runs the million streams alone (for the contenders of `--only`; its files
//! are `<mode>-million.*`).

use std::{
    io,
    path::{Path, PathBuf},
    process::Command,
};

use nest_bench::{
    measure, report,
    runner::{self, Config, Mode},
};

fn machine() -> serde_json::Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| info.lines().next().map(str::to_owned))
        .unwrap_or_default();
    let rustc = Command::new("rustc")
        .arg("-V")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_default();
    serde_json::json!({
        "cpus": std::thread::available_parallelism().map_or(0, std::num::NonZero::get),
        "cpu": cpu,
        "kernel": kernel,
        "memory": memory,
        "rustc": rustc,
    })
}

fn build() -> io::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("building the servers: cargo build --release -p nest-bench --bins");
    let status = Command::new(cargo)
        .args(["build", "--release", "-p", "nest-bench", "--bins"])
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(io::Error::other("cargo build failed"))
    }
}

/// Where the server binaries are: beside this one.
fn binary_dir() -> io::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    Ok(exe.parent().unwrap_or_else(|| Path::new(".")).to_path_buf())
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut mode = match std::env::var("BENCH_MODE").as_deref() {
        Ok("quick") => Mode::Quick,
        Ok("scale") => Mode::Scale,
        _ => Mode::Full,
    };
    if args.iter().any(|arg| arg == "--quick") {
        mode = Mode::Quick;
    }
    if args.iter().any(|arg| arg == "--scale") {
        mode = Mode::Scale;
    }
    let only: Option<Vec<String>> = args
        .iter()
        .position(|arg| arg == "--only")
        .and_then(|at| args.get(at + 1))
        .map(|list| list.split(',').map(str::to_owned).collect());
    if !args.iter().any(|arg| arg == "--no-build") {
        build()?;
    }
    let descriptors = nest_bench::contract::raise_fd_limit();
    let mut config = Config::for_mode(mode);
    if let Some(count) = args
        .iter()
        .position(|arg| arg == "--connections")
        .and_then(|at| args.get(at + 1))
        .and_then(|count| count.parse().ok())
    {
        config.scale_connections = count;
    }
    if args.iter().any(|arg| arg == "--no-scale") {
        config.scale = false;
    }
    if args.iter().any(|arg| arg == "--no-h2") {
        config.h2 = false;
    }
    if args.iter().any(|arg| arg == "--no-million") {
        config.million = false;
    }
    if args.iter().any(|arg| arg == "--million-only") {
        config.million_only();
    }
    // Each held connection is a descriptor in a server and one in a load generator: where the
    // hard limit is too low for one process, the scale test spreads them over several, and the
    // million streams fail.
    config.fit_descriptors(descriptors);
    let machine = machine();
    eprintln!("mode {}, {config:?}", mode.name());
    eprintln!("machine {machine}, descriptors {descriptors}");

    let parse_rate = if !config.contract {
        None
    } else {
        let rate = measure::parse_rate(config.firehose_n.max(1_000_000))?;
        eprintln!(
            "load generator parse rate (in memory, one thread): {:.2} M events/s",
            rate.events_per_sec / 1e6
        );
        Some(rate)
    };

    let contenders = runner::contenders(&binary_dir()?, only.as_deref());
    let load_before = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let results = runner::run_all(&contenders, &config).await?;
    let load_after = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut machine = machine;
    machine["loadavg_before"] = load_before.trim().into();
    machine["loadavg_after"] = load_after.trim().into();

    let table = report::table(&results);
    println!();
    println!("mode: {}; machine: {machine}", config.run_name());
    if let Some(rate) = &parse_rate {
        let fastest = results
            .iter()
            .filter_map(|r| r.firehose_1.map(|f| f.events_per_sec))
            .fold(0.0, f64::max);
        println!(
            "load generator parse rate: {:.2} M events/s in memory on one thread, {:.1}× the fastest server's M1 (1 connection)",
            rate.events_per_sec / 1e6,
            rate.events_per_sec / fastest.max(1.0)
        );
    }
    println!();
    print!("{table}");
    for r in &results {
        for error in &r.errors {
            println!("error: {}: {error}", r.name);
        }
    }

    // The package's own directory; or the one under the current directory, so that binaries
    // built elsewhere (another checkout, another target directory) write into this one.
    let cwd_bench = std::env::current_dir()?.join("bench");
    let root = if cwd_bench.join("Cargo.toml").exists() {
        cwd_bench
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    };
    let results_dir = root.join("results");
    std::fs::create_dir_all(&results_dir)?;
    let json = report::json(&config, &machine, parse_rate.as_ref(), &results);
    let json_path = results_dir.join(format!("{}.json", config.run_name()));
    std::fs::write(&json_path, serde_json::to_string_pretty(&json)? + "\n")?;
    let md_path = results_dir.join(format!("{}.md", config.run_name()));
    std::fs::write(&md_path, &table)?;
    let plots_dir = root.join("../docs/benchmarks");
    let plots_dir = plots_dir.canonicalize().unwrap_or(plots_dir);
    let plots = report::plots(&plots_dir, &config, &results)?;
    println!();
    println!("wrote {} and {}", json_path.display(), md_path.display());
    for plot in plots {
        println!("wrote {}", plots_dir.join(plot).display());
    }
    Ok(())
}
