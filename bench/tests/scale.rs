//! The scale test's sharding, for real: several `bench-nest` server processes, one
//! `bench-load scale-shard` process per server, and one message that must reach every
//! connection of every shard.

use std::path::Path;

use nest_bench::{process::ServerProcess, scale};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_spread_over_shards_all_receive_the_one_message() {
    nest_bench::contract::raise_fd_limit();
    let counts = scale::split(600, 250);
    assert_eq!(counts, vec![200, 200, 200]);
    let servers: Vec<_> = counts
        .iter()
        .map(|_| ServerProcess::spawn("nest-rs", Path::new(env!("CARGO_BIN_EXE_bench-nest"))))
        .collect::<Result<_, _>>()
        .expect("bench-nest starts");
    let result = scale::scale(
        &servers,
        &counts,
        Path::new(env!("CARGO_BIN_EXE_bench-load")),
    )
    .await
    .expect("the scale test runs");
    assert_eq!(result.shards, 3);
    assert_eq!(result.memory.connections, 600);
    assert_eq!(result.subscribers, 600, "every server counts its shard");
    assert_eq!(
        result.delivered, 600,
        "every connection receives the message"
    );
    assert!(result.latency.max_us > 0.0);
    assert!(
        result.memory.rss_after_kib > result.memory.rss_before_kib,
        "{:?}",
        result.memory
    );
}
