//! Event streams on kept-alive HTTP/1.1 connections, which nest-rs writes itself once hyper has
//! read the request: the exact bytes hyper would send (head, chunk framing), the connection
//! serving the requests that follow a finished stream (sent after it, or pipelined behind it),
//! and a stream ending when its client leaves, is shut out by the send timeout or the server
//! closes.

use std::time::{Duration, Instant};

use nest_core::RunningApp;
use nest_core::app::ServerLimits;
use nest_core::prelude::*;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

#[derive(Default)]
struct StreamsController;

#[controller]
impl StreamsController {
    #[sse("three")]
    fn three(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter([
            MessageEvent::new("one"),
            MessageEvent::json(&json!({"a": 1})),
            MessageEvent::new("x".repeat(300)).event("big"),
        ])
    }

    /// Many 32 KiB flushes.
    #[sse("burst")]
    fn burst(&self) -> impl Stream<Item = Json<u64>> {
        stream::iter(0..20_000u64).map(Json)
    }

    /// Always ready, 64 KiB events, never ending.
    #[sse("endless", keep_alive = false)]
    fn endless(&self) -> impl Stream<Item = MessageEvent> {
        stream::repeat("x".repeat(64 * 1024)).map(MessageEvent::from)
    }

    #[sse("silent")]
    fn silent(&self) -> impl Stream<Item = MessageEvent> {
        stream::pending()
    }

    #[get("hello")]
    fn hello(&self) -> &'static str {
        "hello"
    }
}

async fn start() -> RunningApp {
    nest_tests::serve(StreamsController).await
}

const KEEP_ALIVE: &str = "HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n";

fn get(path: &str) -> String {
    format!("GET {path} {KEEP_ALIVE}")
}

/// One response read from raw bytes: head lines, the raw chunked body, the de-chunked body.
struct Parsed {
    head: Vec<String>,
    chunks: Vec<String>,
    body: String,
}

/// Reads one chunked response from the start of `bytes` strictly (upper-case hexadecimal sizes
/// as hyper writes them, CRLF after every chunk); returns it and the bytes after it.
fn parse_chunked(bytes: &[u8]) -> (Parsed, &[u8]) {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    let head: Vec<String> = String::from_utf8(bytes[..end].to_vec())
        .unwrap()
        .split("\r\n")
        .map(str::to_owned)
        .collect();
    let mut rest = &bytes[end + 4..];
    let mut chunks = Vec::new();
    let mut body = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("a chunk size line");
        let size_text = std::str::from_utf8(&rest[..line_end]).unwrap().to_owned();
        assert!(
            size_text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)),
            "chunk size {size_text:?} is not upper-case hexadecimal"
        );
        let size = usize::from_str_radix(&size_text, 16).unwrap();
        rest = &rest[line_end + 2..];
        chunks.push(size_text);
        if size == 0 {
            assert_eq!(&rest[..2], b"\r\n", "the last chunk ends with CRLF");
            rest = &rest[2..];
            break;
        }
        body.extend_from_slice(&rest[..size]);
        assert_eq!(&rest[size..size + 2], b"\r\n", "a chunk ends with CRLF");
        rest = &rest[size + 2..];
    }
    (
        Parsed {
            head,
            chunks,
            body: String::from_utf8(body).unwrap(),
        },
        rest,
    )
}

/// Sends `request` and reads until the server closes, at most 10 s.
async fn exchange(server: &RunningApp, request: &str) -> Vec<u8> {
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut bytes = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut bytes))
        .await
        .expect("the server closes the connection")
        .unwrap();
    bytes
}

#[tokio::test]
async fn a_kept_alive_stream_has_hypers_head_and_chunks_then_the_connection_serves_on() {
    let server = start().await;
    let request =
        get("/three") + "GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let bytes = exchange(&server, &request).await;
    let (stream, rest) = parse_chunked(&bytes);
    assert_eq!(stream.head[0], "HTTP/1.1 200 OK");
    assert_eq!(&stream.head[1..7], nest_tests::NEST_SSE_HEADERS);
    assert_eq!(stream.head[7], "transfer-encoding: chunked");
    assert!(
        stream.head[8].starts_with("date: ") && stream.head[8].ends_with(" GMT"),
        "{:?}",
        stream.head
    );
    assert_eq!(stream.head.len(), 9, "{:?}", stream.head);
    assert_eq!(
        stream.body,
        format!(
            "\nid: 1\ndata: one\n\nid: 2\ndata: {{\"a\":1}}\n\nevent: big\nid: 3\ndata: {}\n\n",
            "x".repeat(300)
        )
    );
    assert!(stream.chunks.iter().any(|size| size.len() > 1));
    let rest = String::from_utf8(rest.to_vec()).unwrap();
    assert!(rest.starts_with("HTTP/1.1 200 OK\r\n"), "{rest:?}");
    assert!(rest.ends_with("\r\n\r\nhello"), "{rest:?}");
}

#[tokio::test]
async fn the_same_stream_taken_over_or_left_to_hyper_sends_the_same_body() {
    let server = start().await;
    let kept = exchange(
        &server,
        &(get("/burst") + "GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
    )
    .await;
    let (kept, _) = parse_chunked(&kept);
    let closed = exchange(
        &server,
        "GET /burst HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n",
    )
    .await;
    let (closed, rest) = parse_chunked(&closed);
    assert!(rest.is_empty());
    assert_eq!(kept.body.len(), closed.body.len());
    assert_eq!(kept.body, closed.body);
    assert!(kept.body.ends_with("id: 20000\ndata: 19999\n\n"));
}

#[tokio::test]
async fn requests_sent_after_a_finished_stream_are_served_on_the_same_connection() {
    let server = start().await;
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    let mut bytes = Vec::new();
    for round in 0..3 {
        stream.write_all(get("/three").as_bytes()).await.unwrap();
        // Read until this round's terminating chunk.
        let mut buf = [0u8; 4096];
        while !bytes.ends_with(b"\r\n0\r\n\r\n") {
            let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
                .await
                .expect("the stream ends")
                .unwrap();
            assert!(n > 0, "connection closed in round {round}");
            bytes.extend_from_slice(&buf[..n]);
        }
        let (parsed, rest) = parse_chunked(&bytes);
        assert!(rest.is_empty());
        assert!(
            parsed.body.contains("event: big\nid: 3\ndata: xxx"),
            "{}",
            parsed.body
        );
        bytes.clear();
    }
    assert_eq!(server.stats().open_connections, 1);
}

#[tokio::test]
async fn a_client_that_leaves_ends_its_stream() {
    let server = start().await;
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    stream.write_all(get("/silent").as_bytes()).await.unwrap();
    let mut buf = [0u8; 1024];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200 OK"));
    wait_for(|| server.stats().open_streams == 1).await;
    drop(stream);
    wait_for(|| server.stats().open_streams == 0 && server.stats().open_connections == 0).await;
}

#[tokio::test]
async fn a_client_that_sends_too_much_during_its_stream_is_closed() {
    let server = start().await;
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    stream.write_all(get("/silent").as_bytes()).await.unwrap();
    let mut buf = [0u8; 1024];
    let _ = stream.read(&mut buf).await.unwrap();
    wait_for(|| server.stats().open_streams == 1).await;
    // Far more than a request head may be: the server stops holding it and closes.
    let junk = vec![b'a'; 256 * 1024];
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.write_all(&junk)).await;
    wait_for(|| server.stats().open_streams == 0).await;
}

#[tokio::test]
async fn a_client_that_reads_nothing_is_dropped_after_the_send_timeout() {
    let mut app = NestApplication::builder()
        .controller(StreamsController)
        .build()
        .unwrap();
    app.set_limits(ServerLimits::default().send_timeout(Duration::from_millis(500)));
    let server = app.bind("127.0.0.1:0").await.unwrap();
    // A small receive buffer fills fast.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(server.local_addr()).await.unwrap();
    stream.write_all(get("/endless").as_bytes()).await.unwrap();
    wait_for(|| server.stats().dropped == 1).await;
    wait_for(|| server.stats().open_connections == 0).await;
}

#[tokio::test]
async fn closing_the_server_ends_a_kept_alive_stream() {
    let server = start().await;
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    stream.write_all(get("/silent").as_bytes()).await.unwrap();
    let mut bytes = Vec::new();
    let mut buf = [0u8; 1024];
    let n = stream.read(&mut buf).await.unwrap();
    bytes.extend_from_slice(&buf[..n]);
    let closing = tokio::spawn(server.close());
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut bytes))
        .await
        .expect("the server ends the stream")
        .unwrap();
    let (parsed, rest) = parse_chunked(&bytes);
    assert_eq!(parsed.chunks.last().map(String::as_str), Some("0"));
    assert!(rest.is_empty());
    tokio::time::timeout(Duration::from_secs(10), closing)
        .await
        .expect("the server closes")
        .unwrap();
}

async fn wait_for(condition: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < deadline, "condition not met within 10 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
