//! What goes on the wire for an `#[sse]` route, byte for byte, against the bytes captured from
//! NestJS 12.5.1 (shared/nestjs-sse.md §5).

use nest_core::prelude::*;
use nest_core::{RunningApp, testing::TestClient};
use nest_tests::{get_and_close, raw_exchange, raw_exchange_after, raw_head};

#[derive(Default)]
struct WireController;

#[controller]
impl WireController {
    /// The Observable of §5.1.
    #[sse("capture")]
    fn capture(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter([
            MessageEvent::new("hello\r\nworld\nthird"),
            MessageEvent::json(&json!({"a": 1, "b": [1, 2]})),
            "plain".into(),
            MessageEvent::new("d")
                .event("tea\ntime")
                .id("x\ny")
                .retry(0),
            MessageEvent::comment_only("c1\nc2"),
            json!(5).into(),
            "".into(),
            MessageEvent::new("zero").id("0"),
            "after explicit".into(),
            MessageEvent::default(),
        ])
    }

    /// NestJS's router-response-controller spec: `of('test')`.
    #[sse("test")]
    fn test(&self) -> impl Stream<Item = &'static str> {
        stream::iter(["test"])
    }

    /// §5.6: an empty Observable.
    #[sse("empty")]
    fn empty(&self) -> impl Stream<Item = MessageEvent> {
        stream::empty()
    }

    /// Typed values as `Json` items: each is an event with JSON data and an automatic id.
    #[sse("typed")]
    fn typed(&self) -> impl Stream<Item = Json<Reading>> {
        stream::iter(readings()).map(Json)
    }

    /// The same values as `MessageEvent::json` events.
    #[sse("typed-events")]
    fn typed_events(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter(readings()).map(|reading| MessageEvent::json(&reading))
    }

    /// `Json` items that end with an error.
    #[sse("typed-fallible")]
    fn typed_fallible(&self) -> impl Stream<Item = Result<Json<Reading>, HttpException>> {
        stream::iter(readings())
            .map(|reading| Ok(Json(reading)))
            .chain(stream::iter([Err(ForbiddenException::new("Nope"))]))
    }

    /// Always ready, and many times longer than one flush of the response buffer (32 KiB).
    #[sse("burst")]
    fn burst(&self) -> impl Stream<Item = Json<u64>> {
        stream::iter(0..BURST).map(Json)
    }

    /// A stream that never yields: headers must still go out at once (§3.7, spec 10.2.16).
    #[sse("silent")]
    fn silent(&self) -> impl Stream<Item = MessageEvent> {
        stream::pending()
    }
}

/// A typed event payload.
#[derive(serde::Serialize)]
struct Reading {
    sensor: &'static str,
    value: f64,
    note: Option<&'static str>,
}

fn readings() -> Vec<Reading> {
    vec![
        Reading {
            sensor: "t1",
            value: 21.5,
            note: None,
        },
        Reading {
            sensor: "t2\nid: forged",
            value: -0.25,
            note: Some("line\r\nbreaks\rand ünïcode\u{2028}"),
        },
    ]
}

/// Events in `/burst`: about 2 MB.
const BURST: u64 = 100_000;

/// The body `/burst` must send: the preamble, then every event in order.
fn burst_body() -> Vec<u8> {
    let mut body = b"\n".to_vec();
    for n in 0..BURST {
        body.extend_from_slice(format!("id: {}\ndata: {n}\n\n", n + 1).as_bytes());
    }
    body
}

async fn start() -> RunningApp {
    nest_tests::serve(WireController).await
}

#[tokio::test]
async fn nest_captured_observable_gives_the_same_bytes() {
    let server = start().await;
    let response = raw_exchange(server.local_addr(), &get_and_close("/capture"))
        .await
        .unwrap();
    assert_eq!(response.status_line(), "HTTP/1.1 200 OK");
    assert_eq!(
        response.text(),
        concat!(
            "\n",
            "id: 1\ndata: hello\ndata: world\ndata: third\n\n",
            "id: 2\ndata: {\"a\":1,\"b\":[1,2]}\n\n",
            "id: 3\ndata: plain\n\n",
            "event: teatime\nid: xy\nretry: 0\ndata: d\n\n",
            ": c1\n: c2\n\n",
            "id: 4\ndata: 5\n\n",
            "id: 5\ndata: \n\n",
            "id: 0\ndata: zero\n\n",
            "id: 6\ndata: after explicit\n\n",
            "id: 7\n\n",
        )
    );
}

#[tokio::test]
async fn json_items_send_the_bytes_of_message_event_json() {
    let server = start().await;
    let typed = raw_exchange(server.local_addr(), &get_and_close("/typed"))
        .await
        .unwrap();
    let events = raw_exchange(server.local_addr(), &get_and_close("/typed-events"))
        .await
        .unwrap();
    assert_eq!(typed.status_line(), "HTTP/1.1 200 OK");
    assert_eq!(typed.text(), events.text());
    assert_eq!(
        typed.text(),
        concat!(
            "\n",
            "id: 1\ndata: {\"sensor\":\"t1\",\"value\":21.5,\"note\":null}\n\n",
            "id: 2\ndata: {\"sensor\":\"t2\\nid: forged\",\"value\":-0.25,",
            "\"note\":\"line\\r\\nbreaks\\rand ünïcode\u{2028}\"}\n\n",
        )
    );
    let fallible = raw_exchange(server.local_addr(), &get_and_close("/typed-fallible"))
        .await
        .unwrap();
    assert_eq!(
        fallible.text(),
        typed.text() + "event: error\nid: 3\ndata: Nope\n\n"
    );
}

#[tokio::test]
async fn nest_headers_in_nest_order_over_http1() {
    let server = start().await;
    let response = raw_head(
        server.local_addr(),
        "GET /silent HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n",
    )
    .await
    .unwrap();
    let lines: Vec<String> = response
        .header_lines()
        .iter()
        .map(|line| line.to_ascii_lowercase())
        .filter(|line| !line.starts_with("transfer-encoding"))
        .collect();
    assert_eq!(lines, nest_tests::NEST_SSE_HEADERS);
    assert!(
        response
            .head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
    );
}

#[tokio::test]
async fn connection_close_is_not_contradicted() {
    let server = start().await;
    let response = raw_exchange(server.local_addr(), &get_and_close("/test"))
        .await
        .unwrap();
    let connection: Vec<&str> = response
        .header_lines()
        .into_iter()
        .filter(|line| line.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    assert_eq!(connection, ["connection: close"]);
}

#[tokio::test]
async fn nest_of_test_is_one_event_then_the_response_ends() {
    let server = start().await;
    let response = raw_exchange(server.local_addr(), &get_and_close("/test"))
        .await
        .unwrap();
    assert_eq!(response.text(), "\nid: 1\ndata: test\n\n");
}

#[tokio::test]
async fn nest_empty_observable_is_a_valid_empty_stream() {
    let server = start().await;
    let response = raw_exchange(server.local_addr(), &get_and_close("/empty"))
        .await
        .unwrap();
    assert_eq!(response.status_line(), "HTTP/1.1 200 OK");
    assert!(response.head.contains("content-type: text/event-stream"));
    assert_eq!(response.text(), "\n");
}

#[tokio::test]
async fn headers_are_sent_before_the_first_event() {
    let server = start().await;
    let connection = TestClient::new(server.local_addr())
        .sse("/silent")
        .await
        .unwrap();
    assert_eq!(connection.status, 200);
    assert_eq!(connection.header("content-type"), Some("text/event-stream"));
}

#[tokio::test]
async fn head_gets_the_headers_and_no_body() {
    let server = start().await;
    let response = raw_exchange(
        server.local_addr(),
        "HEAD /silent HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    assert_eq!(response.status_line(), "HTTP/1.1 200 OK");
    assert!(response.head.contains("content-type: text/event-stream"));
    assert!(response.body.is_empty(), "{:?}", response.text());
}

/// `GET path` over an HTTP/2 connection of its own (prior knowledge, no TLS).
async fn http2_get(server: &RunningApp, path: &str) -> http::Response<hyper::body::Incoming> {
    let stream = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    let (mut sender, connection) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(stream),
    )
    .await
    .unwrap();
    tokio::spawn(connection);
    let request = http::Request::get(server.url(path))
        .body(http_body_util::Empty::<bytes::Bytes>::new())
        .unwrap();
    sender.send_request(request).await.unwrap()
}

#[tokio::test]
async fn http2_omits_connection_header() {
    use http_body_util::BodyExt;

    let server = start().await;
    let response = http2_get(&server, "/test").await;
    assert_eq!(response.version(), http::Version::HTTP_2);
    assert_eq!(response.status(), 200);
    let headers = response.headers();
    assert_eq!(headers["content-type"], "text/event-stream");
    assert_eq!(headers["x-accel-buffering"], "no");
    assert!(headers.get("connection").is_none(), "{headers:?}");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"\nid: 1\ndata: test\n\n");
}

#[tokio::test]
async fn a_spec_parser_sees_what_eventsource_sees() {
    let server = start().await;
    let events = TestClient::new(server.local_addr())
        .sse("/capture")
        .await
        .unwrap()
        .collect_events()
        .await;
    let seen: Vec<(&str, &str, &str)> = events
        .iter()
        .map(|event| (event.event.as_str(), event.id.as_str(), event.data.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("message", "1", "hello\nworld\nthird"),
            ("message", "2", r#"{"a":1,"b":[1,2]}"#),
            ("message", "3", "plain"),
            ("teatime", "xy", "d"),
            ("message", "4", "5"),
            ("message", "5", ""),
            ("message", "0", "zero"),
            ("message", "6", "after explicit"),
        ],
        "the comment-only frame and the frame with no data dispatch nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_streams_share_one_http2_connection() {
    use http_body_util::{BodyExt, Empty};

    let server = start().await;
    let stream = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    let (sender, connection) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(stream),
    )
    .await
    .unwrap();
    tokio::spawn(connection);
    let streams = (0..100).map(|_| {
        let mut sender = sender.clone();
        let url = server.url("/silent");
        async move {
            let request = http::Request::get(url)
                .body(Empty::<bytes::Bytes>::new())
                .unwrap();
            let response = sender.send_request(request).await.unwrap();
            assert_eq!(response.status(), 200);
            let mut body = response.into_body();
            // The first frame is the stream's opening blank line: the stream is open.
            let frame = body.frame().await.unwrap().unwrap();
            assert_eq!(frame.into_data().unwrap(), "\n");
            body
        }
    });
    let open = futures_util::future::join_all(streams).await;
    assert_eq!(
        open.len(),
        100,
        "100 event streams open at once on one connection"
    );
}

/// A stream that is always ready is sent in flushes of about 32 KiB; the reader here reads
/// nothing at first, so the server fills the socket and must carry on when it drains.
#[tokio::test]
async fn an_always_ready_stream_of_many_flushes_arrives_whole_and_in_order_over_http1() {
    let server = start().await;
    let response = raw_exchange_after(
        server.local_addr(),
        &get_and_close("/burst"),
        std::time::Duration::from_millis(300),
    )
    .await
    .unwrap();
    assert_eq!(response.status_line(), "HTTP/1.1 200 OK");
    assert!(
        response.body == burst_body(),
        "{} bytes",
        response.body.len()
    );
}

/// The same over HTTP/2, where the stream also waits for flow-control window from a client
/// that reads nothing at first.
#[tokio::test]
async fn an_always_ready_stream_of_many_flushes_arrives_whole_and_in_order_over_http2() {
    use http_body_util::BodyExt;

    let server = start().await;
    let response = http2_get(&server, "/burst").await;
    assert_eq!(response.status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let body = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        response.into_body().collect(),
    )
    .await
    .expect("the whole stream within 10 s")
    .unwrap()
    .to_bytes();
    assert!(body[..] == burst_body()[..], "{} bytes", body.len());
}
