//! The HTTP/2 measurements at small sizes, for real: the contenders' server binaries over TCP
//! (h2c with prior knowledge), every event parsed and checked.

use std::path::Path;

use nest_bench::{h2, process::ServerProcess};

fn nest() -> ServerProcess {
    ServerProcess::spawn("nest-rs", Path::new(env!("CARGO_BIN_EXE_bench-nest")))
        .expect("bench-nest starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn firehose_streams_of_one_connection_receive_every_event_in_order() {
    let server = nest();
    let result = h2::h2_firehose(&server, 10_000, 2)
        .await
        .expect("the firehose runs");
    assert_eq!(result.streams, 2);
    assert_eq!(result.events, 20_000, "{result:?}");
    assert_eq!(result.ids, 20_000, "every event carries its id: {result:?}");
    assert!(result.bytes > 20_000 * 20, "{result:?}");
    assert!(
        result.events_per_sec > 0.0 && result.server_cores > 0.0,
        "{result:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_reaches_every_stream_of_every_connection() {
    let server = nest();
    let result = h2::h2_fanout(&server, 2, 50, 20, 1)
        .await
        .expect("the fan-out runs");
    assert_eq!(result.streams, 100);
    assert_eq!(result.publishes, 20);
    assert_eq!(result.expected, 2_000);
    assert_eq!(result.delivered, 2_000, "{result:?}");
    assert_eq!((result.lost, result.disordered), (0, 0), "{result:?}");
    let latency = result.latency;
    assert!(
        0.0 < latency.p50_us
            && latency.p50_us <= latency.p99_us
            && latency.p99_us <= latency.max_us,
        "{result:?}"
    );
    assert!(result.deliveries_per_sec > 0.0, "{result:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_streams_are_held_and_the_server_memory_read() {
    let server = nest();
    let result = h2::h2_idle(&server, 2, 50)
        .await
        .expect("the idle streams open");
    assert_eq!((result.connections, result.streams), (2, 100));
    assert!(result.rss_before_kib > 0, "{result:?}");
    assert!(result.rss_after_kib > 0, "{result:?}");
    let growth = result.rss_after_kib as f64 - result.rss_before_kib as f64;
    assert!(
        (result.kib_per_stream - growth / 100.0).abs() < 1e-9
            && (result.kib_per_connection - growth / 2.0).abs() < 1e-9,
        "{result:?}"
    );
}

/// Many streams, one message: every stream receives it, once, and the server counts them all.
async fn one_message_to_every_stream(server: &ServerProcess) {
    let result = h2::h2_million(server, 2, 50)
        .await
        .expect("the streams open and receive");
    assert_eq!(result.memory.streams, 100);
    assert_eq!(result.subscribers, 100, "{result:?}");
    assert_eq!(result.delivered, 100, "{result:?}");
    assert_eq!(
        (result.not_reached, result.disordered),
        (0, 0),
        "{result:?}"
    );
    assert!(result.latency.max_us > 0.0, "{result:?}");
    // The server was warmed up with more streams than these: its memory need not grow.
    assert!(
        result.memory.rss_before_kib > 0 && result.memory.rss_after_kib > 0,
        "{result:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nest_rs_delivers_one_message_to_every_stream() {
    one_message_to_every_stream(&nest()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_and_hyper_answer_h2c_too() {
    let axum = ServerProcess::spawn("axum", Path::new(env!("CARGO_BIN_EXE_bench-axum")))
        .expect("bench-axum starts");
    let hyper = ServerProcess::spawn_with_env(
        "hyper",
        Path::new(env!("CARGO_BIN_EXE_bench-hyper")),
        &[("BENCH_HYPER_AUTO", "1")],
    )
    .expect("bench-hyper starts");
    for server in [&axum, &hyper] {
        // axum sends each event in a DATA frame of its own: many small frames at once.
        let firehose = h2::h2_firehose(server, 10_000, 4)
            .await
            .unwrap_or_else(|error| panic!("{}: {error}", server.name));
        assert_eq!(firehose.events, 40_000, "{}: {firehose:?}", server.name);
        one_message_to_every_stream(server).await;
    }
}
