//! The chat example's health check and metrics, as an operator sees them: `GET /health`
//! answers terminus's JSON, and a Prometheus scrape of `/metrics` shows a room's event
//! stream open while a client follows it, the messages it was sent, and the hub's room.

mod common;

use std::time::Duration;

use common::{json_request, start_example};
use nest_core::testing::TestClient;
use serde_json::json;

fn sample(scrape: &str, series: &str) -> Option<f64> {
    scrape.lines().find_map(|line| {
        line.strip_prefix(series)
            .and_then(|rest| rest.strip_prefix(' '))
            .map(|value| value.trim().parse().unwrap())
    })
}

async fn wait_for(client: &TestClient, series: &str, wanted: impl Fn(f64) -> bool) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let text = client.get("/metrics").await.unwrap().text();
        if sample(&text, series).is_some_and(&wanted) {
            return text;
        }
        assert!(tokio::time::Instant::now() < deadline, "{series}:\n{text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_metrics() {
    let (_app, addr) = start_example(env!("CARGO_BIN_EXE_chat"));
    let client = TestClient::new(addr);

    let health = client.get("/health").await.unwrap();
    assert_eq!(health.status, 200, "{}", health.text());
    assert_eq!(
        health.text(),
        r#"{"status":"ok","info":{"hub":{"status":"up"},"memory_rss":{"status":"up"}},"error":{},"details":{"hub":{"status":"up"},"memory_rss":{"status":"up"}}}"#
    );

    let mut room = client.sse("/rooms/lobby/events").await.unwrap();
    let posted = client
        .request(json_request(
            "POST",
            "/rooms/lobby/messages",
            &json!({ "text": "hi" }),
        ))
        .await
        .unwrap();
    assert_eq!(posted.status, 201);
    assert_eq!(room.next_event().await.unwrap().data, r#"{"text":"hi"}"#);

    let open = r#"sse_streams_open{route="/rooms/:room/events"}"#;
    let text = wait_for(&client, open, |open| open == 1.0).await;
    assert!(
        sample(
            &text,
            r#"sse_events_sent_total{route="/rooms/:room/events"}"#
        )
        .unwrap()
            >= 1.0,
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"hub_topics{hub="chat"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"hub_subscribers{hub="chat"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"http_requests_total{method="POST",route="/rooms/:room/messages",status="201"}"#
        ),
        Some(1.0),
        "{text}"
    );

    drop(room);
    wait_for(&client, open, |open| open == 0.0).await;
}
