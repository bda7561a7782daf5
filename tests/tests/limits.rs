//! Server limits: a client that sends its headers too slowly is cut off, oversized or too many
//! headers are refused with 431, and past `max_connections` new connections wait for a slot.
//! Each test shows the server still serving others afterwards.

use std::time::Duration;

use nest_core::app::ServerLimits;
use nest_core::prelude::*;
use nest_core::{RunningApp, testing::TestClient};
use nest_tests::{RawStream, raw_exchange};

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
}

async fn start(limits: ServerLimits) -> RunningApp {
    let mut app = NestApplication::builder()
        .controller(AppController)
        .build()
        .unwrap();
    app.set_limits(limits);
    app.bind("127.0.0.1:0").await.unwrap()
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
    let server = start(ServerLimits::default().max_headers(10)).await;
    let headers: String = (0..20).map(|n| format!("X-Header-{n}: {n}\r\n")).collect();
    let response = raw_exchange(
        server.local_addr(),
        &format!("GET /hello HTTP/1.1\r\nHost: localhost\r\n{headers}Connection: close\r\n\r\n"),
    )
    .await
    .unwrap();
    assert!(
        response.status_line().starts_with("HTTP/1.1 431"),
        "{}",
        response.head
    );
    still_serving(&server).await;
}

#[tokio::test]
async fn headers_over_the_size_limit_are_431() {
    let server = start(ServerLimits::default().max_header_bytes(8 * 1024)).await;
    let big = "x".repeat(16 * 1024);
    nest_tests::assert_head_refused(
        server.local_addr(),
        &format!(
            "GET /hello HTTP/1.1\r\nHost: localhost\r\nX-Big: {big}\r\nConnection: close\r\n\r\n"
        ),
    )
    .await;
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
