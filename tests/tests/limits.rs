//! Server limits on sizes and counts, at their defaults and as configured: a head with too many
//! headers or too many bytes is refused with 431; at `max_connections` connections that never
//! sent a request head are shed for new ones, and the others make new ones wait; the cap per
//! client address; HTTP/2 streams, windows and keep-alive. Each test shows the server still
//! serving others afterwards. Deadlines are in `deadlines.rs`, malformed requests in
//! `hostile_input.rs`.

use std::{net::SocketAddr, time::Duration};

use nest_core::app::ServerLimits;
use nest_core::prelude::*;
use nest_core::{RunningApp, testing::TestClient};
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

/// Reads until the server closes the connection; the time it took, or `None` if it was still
/// open after 10 s.
async fn closed_within(stream: &mut TcpStream) -> Option<Duration> {
    let start = tokio::time::Instant::now();
    let mut buf = vec![0; 64 * 1024];
    loop {
        match tokio::time::timeout_at(start + Duration::from_secs(10), stream.read(&mut buf)).await
        {
            Ok(Ok(0) | Err(_)) => return Some(start.elapsed()),
            Ok(Ok(_)) => {}
            Err(_) => return None,
        }
    }
}

async fn wait_for(mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn at_max_connections_silent_sockets_are_shed_for_a_real_client() {
    let server = start(ServerLimits::default().max_connections(Some(1000))).await;
    let mut silent = Vec::new();
    for _ in 0..1030 {
        silent.push(TcpStream::connect(server.local_addr()).await.unwrap());
    }
    // Without shedding, the client would wait for a silent socket's 30 s head deadline.
    let response = tokio::time::timeout(
        Duration::from_secs(5),
        TestClient::new(server.local_addr()).get("/hello"),
    )
    .await
    .expect("a real client is served")
    .unwrap();
    assert_eq!(response.text(), "hello");
    assert!(server.stats().open_connections <= 1000);
}

#[tokio::test]
async fn at_max_connections_clients_with_requests_are_not_shed() {
    let server = start(ServerLimits::default().max_connections(Some(2))).await;
    let client = TestClient::new(server.local_addr());
    let first = client.sse("/stream").await.unwrap();
    let _second = client.sse("/stream").await.unwrap();
    // A third connection waits; the two streams are not shed for it.
    let mut third = TcpStream::connect(server.local_addr()).await.unwrap();
    third
        .write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    assert!(
        tokio::time::timeout(Duration::from_millis(500), third.read_to_end(&mut answer))
            .await
            .is_err(),
        "the third connection waits: {}",
        String::from_utf8_lossy(&answer)
    );
    assert_eq!(server.stats().open_streams, 2);
    drop(first);
    tokio::time::timeout(Duration::from_secs(5), third.read_to_end(&mut answer))
        .await
        .expect("served once a connection closes")
        .unwrap();
    assert!(String::from_utf8_lossy(&answer).ends_with("hello"));
}

#[tokio::test]
async fn past_max_connections_per_ip_new_connections_are_closed() {
    let server = start(ServerLimits::default().max_connections_per_ip(Some(2))).await;
    let _first = TcpStream::connect(server.local_addr()).await.unwrap();
    let _second = TcpStream::connect(server.local_addr()).await.unwrap();
    let mut third = TcpStream::connect(server.local_addr()).await.unwrap();
    let took = closed_within(&mut third)
        .await
        .expect("the third connection is closed");
    assert!(took < Duration::from_secs(5));
    drop((_first, _second));
    wait_for(|| server.stats().open_connections == 0).await;
    still_serving(&server).await;
}

#[tokio::test]
async fn a_connection_refused_by_the_per_ip_cap_sheds_no_other() {
    // At max_connections with a silent socket that could be shed, a connection refused by its
    // address's cap must not cost the silent one its place.
    let limits = ServerLimits::default()
        .max_connections(Some(2))
        .max_connections_per_ip(Some(2));
    let server = start(limits).await;
    let mut first = TcpStream::connect(server.local_addr()).await.unwrap();
    let _second = TcpStream::connect(server.local_addr()).await.unwrap();
    wait_for(|| server.stats().open_connections == 2).await;
    let mut third = TcpStream::connect(server.local_addr()).await.unwrap();
    closed_within(&mut third)
        .await
        .expect("the third connection is refused");
    let mut buf = [0; 1];
    assert!(
        tokio::time::timeout(Duration::from_millis(300), first.read(&mut buf))
            .await
            .is_err(),
        "the first connection is still open"
    );
    assert_eq!(server.stats().open_connections, 2);
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
