//! SIGTERM on a running example: the open event stream ends (with the route's shutdown event)
//! and the process exits cleanly, instead of hanging on the stream as hyper and axum do.

mod common;

use std::time::Duration;

use common::start_example;
use nest_core::testing::TestClient;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_open_streams_and_exits() {
    let (mut app, addr) = start_example(env!("CARGO_BIN_EXE_chat"));
    let mut stream = TestClient::new(addr)
        .sse("/rooms/lobby/events")
        .await
        .unwrap();
    assert_eq!(stream.status, 200);

    app.terminate();

    let last = tokio::time::timeout(Duration::from_secs(10), stream.next_event())
        .await
        .expect("the stream gets its last event");
    assert_eq!(last.map(|event| event.event), Some("shutdown".to_owned()));
    let end = tokio::time::timeout(Duration::from_secs(10), stream.next_event())
        .await
        .expect("then it ends");
    assert!(end.is_none());
    let status = app
        .wait_exit(Duration::from_secs(15))
        .expect("the process exits");
    assert!(status.success(), "{status:?}");
}
