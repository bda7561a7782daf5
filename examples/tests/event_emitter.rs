//! The event-emitter sample as a user runs it (`cargo run -p nest-examples --bin event-emitter`):
//! `POST /orders` answers 201 with the order, and the listener prints the event.

mod common;

use std::time::Duration;

use common::{json_request, start_example_logged};
use nest_core::testing::TestClient;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_is_created_and_its_event_handled() {
    let (app, addr, log) = start_example_logged(env!("CARGO_BIN_EXE_event-emitter"));
    let client = TestClient::new(addr);
    let order = json!({ "name": "Order #3", "description": "New test order" });
    let response = client
        .request(json_request("POST", "/orders", &order))
        .await
        .unwrap();
    // Captured from NestJS 12.6.3 + @nestjs/event-emitter 12.0.1 (the sample's code), Node 20.
    assert_eq!(response.status, 201);
    assert_eq!(
        response.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(
        response.text(),
        r#"{"id":3,"name":"Order #3","description":"New test order"}"#
    );
    let printed = r#"OrderCreatedEvent { name: "Order #3", description: "New test order" }"#;
    let mut logs = String::new();
    for _ in 0..500 {
        logs = std::fs::read_to_string(&log).unwrap();
        if logs.contains(printed) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    app.terminate();
    let _ = std::fs::remove_file(&log);
    assert!(logs.contains(printed), "{logs}");
}
