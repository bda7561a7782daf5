//! Prometheus metrics (`app.enable_metrics`) scraped over real TCP: requests counted by route
//! pattern, method and status with their latency; the SSE gauge up while a stream is open and
//! down once it closed, its events and heartbeats counted and how it ended; a hub's topics,
//! subscribers and replayed events; and no `/metrics` route unless enabled.

use std::{net::SocketAddr, time::Duration};

use nest_core::RunningApp;
use nest_core::prelude::*;
use nest_core::sse::{Hub, HubFrame, HubId};
use nest_core::testing::TestClient;

struct MetricsController {
    hub: Hub,
}

#[controller]
impl MetricsController {
    #[get("cats/:id")]
    fn cat(&self, #[param("id")] id: String) -> String {
        id
    }

    #[post("fail")]
    fn fail(&self) -> Result<String, HttpException> {
        Err(HttpException::new("no", 409))
    }

    /// An event every 10 ms, forever.
    #[sse("events")]
    fn events(&self) -> impl Stream<Item = MessageEvent> {
        stream::unfold(0u32, |n| async move {
            tokio::time::sleep(Duration::from_millis(10)).await;
            Some((MessageEvent::new(n.to_string()), n + 1))
        })
    }

    /// Nothing but heartbeats.
    #[sse("quiet", keep_alive = "20ms")]
    fn quiet(&self) -> impl Stream<Item = MessageEvent> {
        stream::pending()
    }

    /// Two events, then the end.
    #[sse("short")]
    fn short(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter(["a", "b"]).map(MessageEvent::from)
    }

    #[sse("rooms/:room")]
    fn room(
        &self,
        #[param("room")] room: String,
        last: LastEventId<HubId>,
    ) -> impl Stream<Item = HubFrame> {
        self.hub.topic(&room).subscribe(last.0)
    }
}

async fn serve(hub: &Hub) -> (RunningApp, SocketAddr) {
    let mut app = NestApplication::builder()
        .controller(MetricsController { hub: hub.clone() })
        .build()
        .unwrap();
    app.enable_metrics("/metrics");
    app.metrics().unwrap().observe_hub("chat", hub);
    let running = app.bind("127.0.0.1:0").await.unwrap();
    let addr = running.local_addr();
    (running, addr)
}

/// The value of the sample `series` (name and labels, as exposed), if present.
fn sample(scrape: &str, series: &str) -> Option<f64> {
    scrape.lines().find_map(|line| {
        line.strip_prefix(series)
            .and_then(|rest| rest.strip_prefix(' '))
            .map(|value| value.trim().parse().unwrap())
    })
}

async fn scrape(client: &TestClient) -> String {
    let response = client.get("/metrics").await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    response.text()
}

/// Scrapes until `series` has `value`, for at most 5 s.
async fn wait_for(client: &TestClient, series: &str, value: f64) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let text = scrape(client).await;
        if sample(&text, series) == Some(value) {
            return text;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{series} never reached {value}:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn requests_are_counted_by_route_pattern_method_and_status() {
    let hub = Hub::new();
    let (running, addr) = serve(&hub).await;
    let client = TestClient::new(addr);
    for id in ["1", "2", "3"] {
        assert_eq!(
            client.get(&format!("/cats/{id}")).await.unwrap().status,
            200
        );
    }
    assert_eq!(client.get("/nowhere").await.unwrap().status, 404);
    let fail = nest_tests::request_with_body("POST", "/fail", "text/plain", "");
    assert_eq!(client.request(fail).await.unwrap().status, 409);

    let text = scrape(&client).await;
    let cats = r#"{method="GET",route="/cats/:id",status="200"}"#;
    assert_eq!(
        sample(&text, &format!("http_requests_total{cats}")),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, &format!("http_request_duration_seconds_count{cats}")),
        Some(3.0),
        "{text}"
    );
    let bucket = r#"http_request_duration_seconds_bucket{method="GET",route="/cats/:id",status="200",le="+Inf"}"#;
    assert_eq!(sample(&text, bucket), Some(3.0), "{text}");
    assert_eq!(
        sample(
            &text,
            r#"http_requests_total{method="GET",route="",status="404"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"http_requests_total{method="POST",route="/fail",status="409"}"#
        ),
        Some(1.0),
        "{text}"
    );
    // No raw path becomes a label.
    assert!(!text.contains("/cats/1"), "{text}");
    // A scrape is counted once answered: the next one shows it.
    assert!(!text.contains(r#"route="/metrics""#), "{text}");
    let text = scrape(&client).await;
    assert_eq!(
        sample(
            &text,
            r#"http_requests_total{method="GET",route="/metrics",status="200"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert!(
        sample(&text, "http_connections_open").unwrap() >= 1.0,
        "{text}"
    );
    running.close().await;
}

#[tokio::test]
async fn the_stream_gauge_goes_up_while_a_stream_is_open_and_down_after() {
    let hub = Hub::new();
    let (running, addr) = serve(&hub).await;
    let client = TestClient::new(addr);
    let open = r#"sse_streams_open{route="/events"}"#;

    let mut stream = client.sse("/events").await.unwrap();
    for _ in 0..3 {
        stream.next_event().await.unwrap();
    }
    let text = wait_for(&client, open, 1.0).await;
    assert!(
        sample(&text, r#"sse_events_sent_total{route="/events"}"#).unwrap() >= 3.0,
        "{text}"
    );
    assert_eq!(sample(&text, "sse_streams_running"), Some(1.0), "{text}");

    drop(stream);
    let text = wait_for(&client, open, 0.0).await;
    assert_eq!(
        sample(
            &text,
            r#"sse_streams_ended_total{route="/events",reason="closed"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(sample(&text, "sse_streams_running"), Some(0.0), "{text}");

    // A stream that ends by itself.
    let events = client.sse("/short").await.unwrap().collect_events().await;
    assert_eq!(events.len(), 2);
    let text = wait_for(&client, r#"sse_streams_open{route="/short"}"#, 0.0).await;
    assert_eq!(
        sample(&text, r#"sse_events_sent_total{route="/short"}"#),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"sse_streams_ended_total{route="/short",reason="completed"}"#
        ),
        Some(1.0),
        "{text}"
    );
    running.close().await;
}

#[tokio::test]
async fn heartbeats_are_counted() {
    let hub = Hub::new();
    let (running, addr) = serve(&hub).await;
    let client = TestClient::new(addr);
    let stream = client.sse("/quiet").await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let text = scrape(&client).await;
        let beats = sample(&text, r#"sse_heartbeats_sent_total{route="/quiet"}"#).unwrap_or(0.0);
        if beats >= 2.0 {
            assert_eq!(
                sample(&text, r#"sse_events_sent_total{route="/quiet"}"#),
                Some(0.0),
                "{text}"
            );
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{text}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(stream);
    running.close().await;
}

#[tokio::test]
async fn a_hub_reports_its_topics_subscribers_and_replays() {
    let hub = Hub::new();
    let (running, addr) = serve(&hub).await;
    let client = TestClient::new(addr);
    let lobby = hub.topic("lobby");
    for text in ["a", "b", "c"] {
        lobby.publish(MessageEvent::new(text)).await.unwrap();
    }
    // A browser that saw event 1 resumes: 2 and 3 are replayed.
    let request = http::Request::builder()
        .uri("/rooms/lobby")
        .header("host", "localhost")
        .header("last-event-id", "1")
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();
    let mut stream = client.sse_request(request).await.unwrap();
    assert_eq!(stream.next_event().await.unwrap().id, "2");
    assert_eq!(stream.next_event().await.unwrap().id, "3");

    let text = wait_for(&client, r#"hub_subscribers{hub="chat"}"#, 1.0).await;
    assert_eq!(
        sample(&text, r#"hub_topics{hub="chat"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"hub_replayed_events_total{hub="chat"}"#),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"hub_lagged_total{hub="chat"}"#),
        Some(0.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"sse_streams_open{route="/rooms/:room"}"#),
        Some(1.0),
        "{text}"
    );
    drop(stream);
    wait_for(&client, r#"hub_subscribers{hub="chat"}"#, 0.0).await;
    running.close().await;
}

#[tokio::test]
async fn no_metrics_route_unless_enabled() {
    let app = NestApplication::builder()
        .controller(MetricsController { hub: Hub::new() })
        .build()
        .unwrap();
    assert!(app.metrics().is_none());
    let running = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(running.local_addr());
    assert_eq!(client.get("/metrics").await.unwrap().status, 404);
    running.close().await;
}

#[tokio::test]
async fn openmetrics_for_a_scraper_that_asks() {
    let hub = Hub::new();
    let (running, addr) = serve(&hub).await;
    let client = TestClient::new(addr);
    let request = http::Request::builder()
        .uri("/metrics")
        .header("host", "localhost")
        .header("accept", "application/openmetrics-text; version=1.0.0")
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(
        response.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    assert!(response.text().ends_with("# EOF\n"), "{}", response.text());
    running.close().await;
}
