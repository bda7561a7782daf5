//! Server limits (`ServerLimits` and the body timeouts), at their defaults and as configured: a
//! client that sends its headers too slowly is cut off, a head with too many headers or too many
//! bytes is refused with 431, past `max_connections` new connections wait for a slot, HTTP/2
//! streams, windows and keep-alive are bounded, and bodies that stall are 408. Each test shows
//! the server still serving others afterwards. Malformed requests are in `hostile_input.rs`.

use std::{net::SocketAddr, time::Duration};

use nest_core::app::ServerLimits;
use nest_core::prelude::*;
use nest_core::{RunningApp, testing::TestClient};
use nest_tests::{RawStream, raw_exchange};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

#[derive(Default)]
struct AppController;

#[controller]
impl AppController {
    #[get("hello")]
    fn hello(&self) -> &'static str {
        "hello"
    }

    #[sse("stream")]
    fn stream(&self) -> impl Stream<Item = MessageEvent> {
        stream::pending()
    }

    /// Reads the request body as JSON.
    #[post("echo")]
    fn echo(&self, #[body] value: serde_json::Value) -> String {
        value.to_string()
    }

    /// Answers after a while without reading the request body.
    #[post("slow")]
    async fn slow(&self) -> &'static str {
        tokio::time::sleep(Duration::from_millis(500)).await;
        "done"
    }
}

async fn start(limits: ServerLimits) -> RunningApp {
    let mut app = NestApplication::builder()
        .controller(AppController)
        .build()
        .unwrap();
    app.set_limits(limits);
    app.bind("127.0.0.1:0").await.unwrap()
}

/// Sends `request` (ignoring a write the server cut short by answering first), reads until the
/// server closes the connection, and gives the answer's status, if one arrived.
async fn head_status(addr: SocketAddr, request: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let _ = stream.write_all(request.as_bytes()).await;
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = stream.read(&mut buf).await {
            received.extend_from_slice(&buf[..n]);
        }
    })
    .await;
    assert!(read.is_ok(), "the server neither answered nor closed");
    let text = String::from_utf8_lossy(&received);
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

async fn still_serving(server: &RunningApp) {
    let response = TestClient::new(server.local_addr())
        .get("/hello")
        .await
        .unwrap();
    assert_eq!(response.text(), "hello");
}

#[tokio::test]
async fn a_client_that_sends_headers_too_slowly_is_cut_off() {
    let server =
        start(ServerLimits::default().header_read_timeout(Duration::from_millis(300))).await;
    let mut slow = RawStream::open(server.local_addr(), "GET /hello HTTP/1.1\r\nHo")
        .await
        .unwrap();
    assert!(slow.read_to_end().await, "the server closes the connection");
    assert!(
        !slow.text().contains("hello\r\n"),
        "no response was served: {}",
        slow.text()
    );
    still_serving(&server).await;
}

#[tokio::test]
async fn too_many_headers_are_431() {
    let request = |count: usize| {
        let headers: String = (0..count)
            .map(|n| format!("X-Header-{n}: {n}\r\n"))
            .collect();
        format!("GET /hello HTTP/1.1\r\nHost: localhost\r\n{headers}Connection: close\r\n\r\n")
    };
    // The default: 100 headers.
    let server = start(ServerLimits::default()).await;
    let addr = server.local_addr();
    assert_eq!(head_status(addr, &request(90)).await, Some(200));
    assert_eq!(head_status(addr, &request(200)).await, Some(431));
    still_serving(&server).await;
    // Configured.
    let server = start(ServerLimits::default().max_headers(10)).await;
    let addr = server.local_addr();
    assert_eq!(head_status(addr, &request(5)).await, Some(200));
    assert_eq!(head_status(addr, &request(20)).await, Some(431));
    still_serving(&server).await;
}

#[tokio::test]
async fn headers_over_the_size_limit_are_431() {
    let with_header = |bytes: usize| {
        let big = "x".repeat(bytes);
        format!(
            "GET /hello HTTP/1.1\r\nHost: localhost\r\nX-Big: {big}\r\nConnection: close\r\n\r\n"
        )
    };
    // The default: 64 KiB for the whole head, the request line included.
    let server = start(ServerLimits::default()).await;
    let addr = server.local_addr();
    assert_eq!(head_status(addr, &with_header(32 * 1024)).await, Some(200));
    assert_eq!(head_status(addr, &with_header(100 * 1024)).await, Some(431));
    let long_uri = format!(
        "GET /hello?{} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        "a".repeat(100 * 1024)
    );
    assert_eq!(head_status(addr, &long_uri).await, Some(431));
    still_serving(&server).await;
    // Configured.
    let server = start(ServerLimits::default().max_header_bytes(8 * 1024)).await;
    let addr = server.local_addr();
    assert_eq!(head_status(addr, &with_header(4 * 1024)).await, Some(200));
    assert_eq!(head_status(addr, &with_header(16 * 1024)).await, Some(431));
    still_serving(&server).await;
}

#[tokio::test]
async fn past_max_connections_new_connections_wait_for_a_slot() {
    let server = start(ServerLimits::default().max_connections(Some(2))).await;
    let client = TestClient::new(server.local_addr());
    let first = client.sse("/stream").await.unwrap();
    let _second = client.sse("/stream").await.unwrap();

    let third = tokio::spawn(async move { client.get("/hello").await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !third.is_finished(),
        "the third connection waits while two are open"
    );

    drop(first);
    let response = tokio::time::timeout(Duration::from_secs(5), third)
        .await
        .expect("served once a slot is free")
        .unwrap()
        .unwrap();
    assert_eq!(response.text(), "hello");
}

/// An HTTP/2 connection whose client never answers PINGs (dead, or stalled mid-frame) is closed
/// by the keep-alive; with the keep-alive off, the same connection stays open.
#[tokio::test]
async fn an_http2_peer_that_stops_answering_pings_is_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn silent_h2_peer(server: &RunningApp) -> tokio::net::TcpStream {
        let mut stream = tokio::net::TcpStream::connect(server.local_addr())
            .await
            .unwrap();
        // The preface and an empty SETTINGS frame; then nothing, PINGs included, is answered.
        stream
            .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
            .await
            .unwrap();
        stream
    }
    async fn read_until_closed(stream: &mut tokio::net::TcpStream, within: Duration) -> bool {
        let mut buf = [0u8; 1024];
        tokio::time::timeout(within, async {
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        })
        .await
        .is_ok()
    }

    let quick = Some((Duration::from_millis(200), Duration::from_millis(200)));
    let server = start(ServerLimits::default().http2_keep_alive(quick)).await;
    let mut peer = silent_h2_peer(&server).await;
    assert!(
        read_until_closed(&mut peer, Duration::from_secs(5)).await,
        "the server closes a connection whose PINGs go unanswered"
    );
    still_serving(&server).await;

    let server = start(ServerLimits::default().http2_keep_alive(None)).await;
    let mut peer = silent_h2_peer(&server).await;
    assert!(
        !read_until_closed(&mut peer, Duration::from_millis(1500)).await,
        "without the keep-alive the connection stays open"
    );
}

/// Past `max_concurrent_streams`, a third event stream on one HTTP/2 connection waits until
/// another closes.
#[tokio::test]
async fn http2_streams_past_the_limit_wait_for_a_free_one() {
    use http_body_util::Empty;
    use hyper_util::rt::{TokioExecutor, TokioIo};

    let server = start(ServerLimits::default().max_concurrent_streams(2)).await;
    let tcp = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    let (sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
            .await
            .unwrap();
    tokio::spawn(connection);
    let open = |sender: &hyper::client::conn::http2::SendRequest<Empty<bytes::Bytes>>| {
        let mut sender = sender.clone();
        async move {
            let request = http::Request::get(format!("http://{}/stream", "localhost"))
                .body(Empty::new())
                .unwrap();
            sender.send_request(request).await
        }
    };
    // Let the server's SETTINGS (2 streams) arrive before opening streams.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let first = open(&sender).await.unwrap();
    let second = open(&sender).await.unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(second.status(), 200);
    let third = tokio::spawn(open(&sender));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!third.is_finished(), "a third stream waits past the limit");
    drop(first);
    let third = tokio::time::timeout(Duration::from_secs(5), third)
        .await
        .expect("the third stream opens once the first closes")
        .unwrap()
        .unwrap();
    assert_eq!(third.status(), 200);
    drop(second);
    still_serving(&server).await;
}

/// The HTTP/2 stream window bounds what a client may send before the server reads: past it, the
/// stream is reset with FLOW_CONTROL_ERROR; within a larger window the same upload is accepted.
#[tokio::test]
async fn http2_stream_window_bounds_unread_uploads() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// One frame: (type, flags, stream, payload).
    async fn read_frame(
        stream: &mut tokio::net::TcpStream,
    ) -> std::io::Result<(u8, u8, u32, Vec<u8>)> {
        let mut head = [0u8; 9];
        stream.read_exact(&mut head).await?;
        let length = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
        let id = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
        let mut payload = vec![0u8; length];
        stream.read_exact(&mut payload).await?;
        Ok((head[3], head[4], id, payload))
    }
    fn frame(kind: u8, flags: u8, id: u32, payload: &[u8]) -> Vec<u8> {
        let length = payload.len() as u32;
        let mut out = length.to_be_bytes()[1..].to_vec();
        out.extend([kind, flags]);
        out.extend(id.to_be_bytes());
        out.extend(payload);
        out
    }
    /// Uploads 100,000 bytes to a route that answers after 500 ms without reading them; the
    /// first answer on stream 1.
    async fn upload(stream_window: u32) -> &'static str {
        let server =
            start(ServerLimits::default().http2_windows(stream_window, 4 * 1024 * 1024)).await;
        let mut stream = tokio::net::TcpStream::connect(server.local_addr())
            .await
            .unwrap();
        stream
            .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
            .await
            .unwrap();
        stream.write_all(&frame(4, 0, 0, &[])).await.unwrap();
        // The server's SETTINGS, acknowledged, and its connection WINDOW_UPDATE.
        loop {
            let (kind, flags, _, _) = read_frame(&mut stream).await.unwrap();
            if kind == 4 && flags & 1 == 0 {
                stream.write_all(&frame(4, 1, 0, &[])).await.unwrap();
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        // HEADERS (HPACK: :method POST, :scheme http, :path /slow, :authority x), END_HEADERS.
        let mut block = vec![0x83, 0x86, 0x44, 5];
        block.extend(b"/slow");
        block.extend([0x41, 1, b'x']);
        stream.write_all(&frame(1, 4, 1, &block)).await.unwrap();
        for _ in 0..6 {
            stream
                .write_all(&frame(0, 0, 1, &[b'a'; 16_384]))
                .await
                .unwrap();
        }
        stream
            .write_all(&frame(0, 1, 1, &[b'a'; 1_696]))
            .await
            .unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match read_frame(&mut stream).await {
                    Ok((1, _, 1, _)) => return "response",
                    Ok((3, _, 1, payload)) if payload == [0, 0, 0, 3] => {
                        return "flow control error";
                    }
                    Ok((7, _, _, payload)) if payload.get(4..8) == Some(&[0, 0, 0, 3]) => {
                        return "flow control error";
                    }
                    Ok(_) => {}
                    Err(_) => return "closed",
                }
            }
        })
        .await
        .unwrap_or("nothing");
        still_serving(&server).await;
        answer
    }
    assert_eq!(upload(65_535).await, "flow control error");
    assert_eq!(upload(256 * 1024).await, "response");
}

/// A kept-alive connection that sends nothing after its first answer is closed by the same
/// header read timeout (the idle keep-alive limit).
#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    let server =
        start(ServerLimits::default().header_read_timeout(Duration::from_millis(300))).await;
    let mut idle = RawStream::open(
        server.local_addr(),
        "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n",
    )
    .await
    .unwrap();
    assert!(
        idle.read_to_end().await,
        "the server closes the idle connection"
    );
    assert!(
        idle.text().contains("hello"),
        "the first request was answered: {}",
        idle.text()
    );
    still_serving(&server).await;
}

/// NestJS's answer to `throw new RequestTimeoutException()` (12.6.3).
const REQUEST_TIMEOUT_BODY: &str = r#"{"message":"Request Timeout","statusCode":408}"#;

/// Sends a `POST /echo` head promising a 100-byte body, then `body` one byte every `pace`
/// (all at once if `pace` is zero) and nothing more. Returns what came back once the server
/// closed the connection (at most 10 s) and how long after the head that was.
async fn post_slowly(server: &RunningApp, body: &[u8], pace: Duration) -> (String, Duration) {
    let stream = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    let (mut read, mut write) = stream.into_split();
    write
        .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
        .await
        .unwrap();
    let sent = tokio::time::Instant::now();
    let body = body.to_vec();
    let writer = tokio::spawn(async move {
        if pace.is_zero() {
            let _ = write.write_all(&body).await;
        } else {
            for byte in body {
                tokio::time::sleep(pace).await;
                // The server may have answered and closed: not an error here.
                if write.write_all(&[byte]).await.is_err() {
                    break;
                }
            }
        }
        // Kept open, so that only the server can end the exchange.
        write
    });
    let mut received = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), read.read_to_end(&mut received))
        .await
        .is_ok();
    let elapsed = sent.elapsed();
    writer.abort();
    assert!(
        closed,
        "the server did not close the connection; received: {}",
        String::from_utf8_lossy(&received)
    );
    (String::from_utf8_lossy(&received).into_owned(), elapsed)
}

fn assert_request_timeout(answer: &str) {
    assert!(
        answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
        "{answer}"
    );
    let lower = answer.to_ascii_lowercase();
    assert!(lower.contains("\r\nconnection: close\r\n"), "{answer}");
    assert!(
        lower.contains("\r\ncontent-type: application/json; charset=utf-8\r\n"),
        "{answer}"
    );
    assert!(
        answer.ends_with(&format!("\r\n\r\n{REQUEST_TIMEOUT_BODY}")),
        "{answer}"
    );
}

#[tokio::test]
async fn a_body_that_stalls_is_408_after_the_read_timeout() {
    let server = start(ServerLimits::default().body_read_timeout(Duration::from_millis(300))).await;
    let (answer, elapsed) = post_slowly(&server, br#"{"name":"x"#, Duration::ZERO).await;
    assert_request_timeout(&answer);
    assert!(
        elapsed >= Duration::from_millis(250) && elapsed < Duration::from_secs(5),
        "answered {elapsed:?} after the head"
    );
    still_serving(&server).await;
}

#[tokio::test]
async fn a_body_trickled_in_is_408_after_the_total_timeout() {
    // Each byte comes well within the read timeout; the whole body would take 10 s.
    let limits = ServerLimits::default()
        .body_read_timeout(Duration::from_millis(300))
        .body_timeout(Duration::from_secs(1));
    let server = start(limits).await;
    let body = format!(r#"{{"name":"{}"}}"#, "x".repeat(89));
    let (answer, elapsed) = post_slowly(&server, body.as_bytes(), Duration::from_millis(100)).await;
    assert_request_timeout(&answer);
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(5),
        "answered {elapsed:?} after the head"
    );
    still_serving(&server).await;
}

#[tokio::test]
async fn a_body_within_both_timeouts_is_read() {
    let limits = ServerLimits::default()
        .body_read_timeout(Duration::from_millis(300))
        .body_timeout(Duration::from_secs(1));
    let server = start(limits).await;
    let response = raw_exchange(
        server.local_addr(),
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 12\r\nConnection: close\r\n\r\n{\"name\":\"x\"}",
    )
    .await
    .unwrap();
    assert_eq!(response.text(), r#"{"name":"x"}"#);
}

/// Answers every exception with its status alone, as a user's filter may.
#[derive(Default)]
struct StatusOnlyFilter;

#[catch(HttpException)]
impl nest_core::pipeline::ExceptionFilter for StatusOnlyFilter {
    fn catch(
        &self,
        exception: &HttpException,
        _: &nest_core::pipeline::ArgumentsHost<'_>,
    ) -> nest_core::Response {
        (exception.status(), "filtered").into_response()
    }
}

#[tokio::test]
async fn a_filtered_body_timeout_still_closes_the_connection() {
    let mut app = NestApplication::builder()
        .controller(AppController)
        .build()
        .unwrap();
    app.set_limits(ServerLimits::default().body_read_timeout(Duration::from_millis(300)))
        .use_global_filters(StatusOnlyFilter);
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let (answer, _) = post_slowly(&server, br#"{"name":"x"#, Duration::ZERO).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.ends_with("\r\n\r\nfiltered"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("\r\nconnection: close\r\n"),
        "{answer}"
    );
    still_serving(&server).await;
}
