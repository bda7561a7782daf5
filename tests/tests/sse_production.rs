//! Production event streams: heartbeats, the retry hint, the maximum lifetime, and graceful
//! shutdown that ends open streams instead of hanging on them.

use std::time::Duration;

use nest_core::prelude::*;
use nest_core::{RunningApp, sse::SseOptions, testing::TestClient};
use nest_tests::{RawStream, get_stream};

#[derive(Default)]
struct FeedController;

#[controller("feed")]
impl FeedController {
    /// Never yields: only heartbeats go out.
    #[sse("quiet", keep_alive = "100ms")]
    fn quiet(&self) -> impl Stream<Item = MessageEvent> {
        stream::pending()
    }

    /// Takes the application's heartbeat setting.
    #[sse("default")]
    fn default_heartbeat(&self) -> impl Stream<Item = MessageEvent> {
        stream::pending()
    }

    /// Heartbeats off, whatever the application says.
    #[sse("silent", keep_alive = false)]
    fn silent(&self) -> impl Stream<Item = MessageEvent> {
        stream::pending()
    }

    /// An event every 20 ms for half a second: never idle long enough for a heartbeat.
    #[sse("busy", keep_alive = "1s")]
    fn busy(&self) -> impl Stream<Item = MessageEvent> {
        interval(Duration::from_millis(20))
            .take(25)
            .map(|n| MessageEvent::new(n.to_string()))
    }

    /// One event larger than the body's flush threshold, then nothing: heartbeats go on.
    #[sse("big-then-quiet", keep_alive = "200ms")]
    fn big_then_quiet(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter([MessageEvent::new("x".repeat(70_000))]).chain(stream::pending())
    }

    #[sse("retry", retry = "3s")]
    fn retry(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter(["first"]).map(MessageEvent::from)
    }

    #[sse("short", max_lifetime = "300ms", keep_alive = false)]
    fn short(&self) -> impl Stream<Item = MessageEvent> {
        interval(Duration::from_millis(50)).map(|n| MessageEvent::new(n.to_string()))
    }

    #[sse("shutdown", shutdown_event = "shutdown", retry = "5s")]
    fn shutdown(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter(["hello"])
            .map(MessageEvent::from)
            .chain(stream::pending())
    }

    #[sse("plain")]
    fn plain(&self) -> impl Stream<Item = MessageEvent> {
        stream::pending()
    }

    /// A slow ordinary request, to show that shutdown lets it finish.
    #[get("slow")]
    async fn slow(&self) -> &'static str {
        tokio::time::sleep(Duration::from_millis(300)).await;
        "done"
    }
}

async fn start_with(options: SseOptions, shutdown_timeout: Duration) -> RunningApp {
    let mut app = NestApplication::builder()
        .controller(FeedController)
        .build()
        .unwrap();
    app.set_sse_options(options)
        .set_shutdown_timeout(shutdown_timeout);
    app.bind("127.0.0.1:0").await.unwrap()
}

async fn start() -> RunningApp {
    start_with(SseOptions::default(), Duration::from_secs(5)).await
}

#[tokio::test]
async fn idle_stream_sends_keep_alive_comments() {
    let server = start().await;
    let mut stream = RawStream::open(server.local_addr(), &get_stream("/feed/quiet"))
        .await
        .unwrap();
    assert!(
        stream.read_until(": keep-alive\n\n", 2).await,
        "{}",
        stream.text()
    );
}

#[tokio::test]
async fn keep_alive_follows_a_first_burst_over_the_flush_threshold() {
    let server = start().await;
    let mut stream = RawStream::open(server.local_addr(), &get_stream("/feed/big-then-quiet"))
        .await
        .unwrap();
    assert!(stream.read_until(&"x".repeat(1000), 1).await);
    assert!(
        stream.read_until(": keep-alive\n\n", 2).await,
        "no heartbeat after a 70 KB event: {} bytes received, ending {:?}",
        stream.received.len(),
        &stream.text()[stream.text().len().saturating_sub(40)..]
    );
}

#[tokio::test]
async fn application_wide_keep_alive_applies_unless_the_route_turns_it_off() {
    let options = SseOptions::default().keep_alive(Some(Duration::from_millis(100)));
    let server = start_with(options, Duration::from_secs(5)).await;
    let mut default = RawStream::open(server.local_addr(), &get_stream("/feed/default"))
        .await
        .unwrap();
    assert!(
        default.read_until(": keep-alive\n\n", 2).await,
        "{}",
        default.text()
    );
    let mut silent = RawStream::open(server.local_addr(), &get_stream("/feed/silent"))
        .await
        .unwrap();
    silent.read_for(Duration::from_millis(600)).await;
    assert!(
        silent.text().contains("text/event-stream"),
        "{}",
        silent.text()
    );
    assert_eq!(silent.count(": keep-alive\n\n"), 0, "{}", silent.text());
}

#[tokio::test]
async fn default_keep_alive_is_fifteen_seconds() {
    assert_eq!(
        SseOptions::default().keep_alive_interval(),
        Some(Duration::from_secs(15))
    );
}

#[tokio::test]
async fn events_reset_the_heartbeat_and_are_never_split() {
    let server = start().await;
    let events = TestClient::new(server.local_addr())
        .sse("/feed/busy")
        .await
        .unwrap()
        .collect_events()
        .await;
    let ids: Vec<String> = events.iter().map(|event| event.id.clone()).collect();
    let expected: Vec<String> = (1..=25).map(|id| id.to_string()).collect();
    assert_eq!(ids, expected);
    let mut raw = RawStream::open(server.local_addr(), &get_stream("/feed/busy"))
        .await
        .unwrap();
    assert!(
        raw.read_until("\r\n0\r\n\r\n", 1).await,
        "the response ends: {}",
        raw.text()
    );
    assert_eq!(raw.count(": keep-alive\n\n"), 0, "{}", raw.text());
}

#[tokio::test]
async fn retry_hint_opens_the_stream() {
    let server = start().await;
    let mut raw = RawStream::open(server.local_addr(), &get_stream("/feed/retry"))
        .await
        .unwrap();
    assert!(raw.read_until("data: first", 1).await);
    let body = raw.text();
    let start = body.find("\r\n\r\n").unwrap() + 4;
    assert!(
        body[start..].contains("\nretry: 3000\n\n"),
        "the retry hint comes before the first event: {body:?}"
    );
    assert!(body.find("retry: 3000").unwrap() < body.find("data: first").unwrap());
}

#[tokio::test]
async fn max_lifetime_ends_the_stream() {
    let server = start().await;
    let mut raw = RawStream::open(server.local_addr(), &get_stream("/feed/short"))
        .await
        .unwrap();
    assert!(
        raw.read_until("\r\n0\r\n\r\n", 1).await,
        "the response ends: {}",
        raw.text()
    );
    assert!(raw.count("data: ") >= 1, "{}", raw.text());
}

#[tokio::test]
async fn shutdown_sends_the_last_event_and_ends_every_stream() {
    let server = start().await;
    let addr = server.local_addr();
    let mut with_event = RawStream::open(addr, &get_stream("/feed/shutdown"))
        .await
        .unwrap();
    assert!(with_event.read_until("data: hello", 1).await);
    let mut plain = RawStream::open(addr, &get_stream("/feed/plain"))
        .await
        .unwrap();
    assert!(plain.read_until("text/event-stream", 1).await);

    server.close().await;

    assert!(with_event.read_to_end().await, "the connection closes");
    assert!(
        with_event
            .text()
            .contains("event: shutdown\nretry: 5000\ndata: \n\n"),
        "{}",
        with_event.text()
    );
    assert!(
        with_event.text().ends_with("0\r\n\r\n"),
        "the chunked body ends cleanly"
    );
    assert!(plain.read_to_end().await);
    assert!(plain.text().ends_with("0\r\n\r\n"), "{}", plain.text());
    assert!(
        TestClient::new(addr).get("/feed/slow").await.is_err(),
        "no longer accepting"
    );
}

#[tokio::test]
async fn shutdown_lets_ordinary_requests_finish() {
    let server = start().await;
    let client = TestClient::new(server.local_addr());
    let pending = tokio::spawn(async move { client.get("/feed/slow").await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    server.close().await;
    let response = pending.await.unwrap().unwrap();
    assert_eq!(
        (response.status.as_u16(), response.text().as_str()),
        (200, "done")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_with_a_thousand_open_streams_completes_within_the_deadline() {
    rlimit::increase_nofile_limit(10_000).unwrap();
    let deadline = Duration::from_secs(5);
    let server = start_with(SseOptions::default(), deadline).await;
    let client = TestClient::new(server.local_addr());
    let mut streams = Vec::new();
    for _ in 0..1000 {
        let mut connection = client.sse("/feed/shutdown").await.unwrap();
        assert_eq!(connection.next_event().await.unwrap().data, "hello");
        streams.push(connection);
    }
    let closing = tokio::spawn(server.close());
    let ends =
        futures_util::future::join_all(streams.into_iter().map(|mut connection| async move {
            let last = connection.next_event().await;
            let end = connection.next_event().await;
            (last.map(|event| event.event), end.is_none())
        }));
    let ends = tokio::time::timeout(deadline + Duration::from_secs(5), ends)
        .await
        .expect("every client sees its stream end");
    assert!(
        ends.iter()
            .all(|(last, ended)| last.as_deref() == Some("shutdown") && *ended),
        "every client saw the shutdown event, then the end"
    );
    tokio::time::timeout(deadline + Duration::from_secs(5), closing)
        .await
        .expect("shutdown completes within the deadline")
        .unwrap();
}
