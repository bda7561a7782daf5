//! The cats sample as a user runs it (`cargo run -p nest-examples --bin cats`): the routes
//! through the guard, pipe, interceptors and filter, the logging interceptor's lines, and the
//! shutdown hooks on SIGTERM (`app.enable_shutdown_hooks()`).

mod common;

use std::time::Duration;

use common::{json_request, start_example_logged};
use nest_core::testing::TestClient;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sample_serves_logs_and_runs_its_shutdown_hooks_on_sigterm() {
    let (mut app, addr, log) = start_example_logged(env!("CARGO_BIN_EXE_cats"));
    let client = TestClient::new(addr);

    let cat = json!({ "name": "Pixel", "age": 2, "breed": "Bombay" });
    let refused = client
        .request(json_request("POST", "/cats", &cat))
        .await
        .unwrap();
    assert_eq!(refused.status, 403);
    assert_eq!(refused.json().unwrap()["path"], "/cats");

    let mut admin = json_request("POST", "/cats", &cat);
    admin
        .headers_mut()
        .insert("x-roles", http::HeaderValue::from_static("admin"));
    assert_eq!(client.request(admin).await.unwrap().status, 201);
    assert_eq!(
        client.get("/cats").await.unwrap().json().unwrap(),
        json!({ "data": [cat] })
    );
    assert_eq!(client.get("/cats/x").await.unwrap().status, 400);

    app.terminate();
    let status = app
        .wait_exit(Duration::from_secs(15))
        .expect("the process exits");
    assert!(status.success(), "{status:?}");
    let logs = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    assert!(logs.contains("LoggingInterceptor: Before..."), "{logs}");
    assert!(logs.contains("LoggingInterceptor: After... "), "{logs}");
    assert!(
        logs.contains("CatsService: shutting down (SIGTERM) with 1 cat(s)"),
        "the OnApplicationShutdown hook ran with the signal:\n{logs}"
    );
}
