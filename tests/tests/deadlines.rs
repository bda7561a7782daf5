//! No connection, stream or request body that an anonymous client can hold forever: the request
//! head deadline counted from the accept on every protocol path (and between requests on a
//! kept-alive connection), the TLS handshake deadline, the body read and total timeouts, the
//! send timeout on HTTP/1.1 and per HTTP/2 stream, the HTTP/2 idle timeout, and answers to
//! clients that half-close. Each test runs the real attack over TCP against short deadlines.
//! Caps on connections are in `limits.rs`.

use std::{sync::Arc, time::Duration};

use bytes::Bytes;
use nest_core::app::{ServerLimits, TlsConfig};
use nest_core::prelude::*;
use nest_core::sse::{Hub, HubFrame, HubOptions};
use nest_core::{RunningApp, testing::TestClient};
use nest_tests::{RawStream, raw_exchange};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    time::Instant,
};

#[derive(Default)]
struct AppController;

#[controller]
impl AppController {
    #[get("hello")]
    async fn hello(&self) -> &'static str {
        // Long enough for a client's half-close to arrive while the handler runs.
        tokio::time::sleep(Duration::from_millis(5)).await;
        "hello"
    }

    /// Always ready, 64 KiB events: fills any socket buffer quickly.
    #[sse("firehose", keep_alive = false)]
    fn firehose(&self) -> impl Stream<Item = MessageEvent> {
        let data = "x".repeat(64 * 1024);
        stream::repeat(data).map(MessageEvent::from)
    }

    /// Reads the request body as JSON.
    #[post("echo")]
    fn echo(&self, #[body] value: serde_json::Value) -> String {
        value.to_string()
    }

    /// Sends nothing but heartbeats.
    #[sse("quiet", keep_alive = "50ms")]
    fn quiet(&self) -> impl Stream<Item = MessageEvent> {
        stream::pending()
    }
}

/// Short deadlines for the tests: 400 ms each.
fn short() -> ServerLimits {
    let deadline = Duration::from_millis(400);
    ServerLimits::default()
        .header_read_timeout(deadline)
        .tls_handshake_timeout(deadline)
        .send_timeout(deadline)
        .http2_idle_timeout(deadline)
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

/// Reads until the server closes the connection, discarding what comes; the time it took, or
/// `None` if it was still open after 10 s.
async fn closed_within<S: AsyncReadExt + Unpin>(stream: &mut S) -> Option<Duration> {
    let start = Instant::now();
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

/// Opens a connection, sends `bytes`, then nothing: the server closes it after the request
/// head deadline.
async fn silent_after(bytes: &[u8]) {
    let server = start(short()).await;
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let took = closed_within(&mut stream)
        .await
        .expect("the server closes the connection");
    assert!(took >= Duration::from_millis(300), "closed after {took:?}");
    still_serving(&server).await;
    wait_for(|| server.stats().open_connections == 0).await;
}

async fn wait_for(mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < deadline, "condition not met within 10 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_socket_that_sends_nothing_is_closed() {
    silent_after(b"").await;
}

#[tokio::test]
async fn a_socket_that_sends_one_byte_is_closed() {
    silent_after(b"P").await;
}

#[tokio::test]
async fn a_socket_that_sends_part_of_the_http2_preface_is_closed() {
    silent_after(&b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"[..16]).await;
}

fn certified() -> rcgen::CertifiedKey<rcgen::KeyPair> {
    rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap()
}

async fn start_tls(
    limits: ServerLimits,
    certified: &rcgen::CertifiedKey<rcgen::KeyPair>,
) -> RunningApp {
    let tls = TlsConfig::from_pem(
        certified.cert.pem().as_bytes(),
        certified.signing_key.serialize_pem().as_bytes(),
    )
    .unwrap();
    let mut app = NestApplication::builder()
        .controller(AppController)
        .build()
        .unwrap();
    app.set_limits(limits).set_tls(tls);
    app.bind("127.0.0.1:0").await.unwrap()
}

async fn tls_connect(
    server: &RunningApp,
    certified: &rcgen::CertifiedKey<rcgen::KeyPair>,
) -> tokio_rustls::client::TlsStream<TcpStream> {
    use tokio_rustls::rustls::{self, RootCertStore, pki_types::ServerName};

    let mut roots = RootCertStore::empty();
    roots.add(certified.cert.der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = TcpStream::connect(server.local_addr()).await.unwrap();
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_tls_client_silent_after_its_handshake_is_closed() {
    let certified = certified();
    let server = start_tls(short(), &certified).await;
    let mut stream = tls_connect(&server, &certified).await;
    let took = closed_within(&mut stream)
        .await
        .expect("the server closes the connection");
    assert!(took >= Duration::from_millis(200), "closed after {took:?}");
    wait_for(|| server.stats().open_connections == 0).await;
}

#[tokio::test]
async fn a_tls_client_silent_during_its_handshake_is_closed() {
    let certified = certified();
    let server = start_tls(short(), &certified).await;
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    // A TLS record header, then nothing.
    stream.write_all(&[0x16, 0x03, 0x01]).await.unwrap();
    closed_within(&mut stream)
        .await
        .expect("the server closes the connection");
    wait_for(|| server.stats().open_connections == 0).await;
}

/// An HTTP/2 connection made with the `h2` crate, driven in the background.
async fn h2_client(
    server: &RunningApp,
    builder: &h2::client::Builder,
) -> (h2::client::SendRequest<Bytes>, tokio::task::JoinHandle<()>) {
    let tcp = TcpStream::connect(server.local_addr()).await.unwrap();
    let (send, connection) = builder.handshake(tcp).await.unwrap();
    let driver = tokio::spawn(async move {
        let _ = connection.await;
    });
    (send, driver)
}

fn get(path: &str) -> http::Request<()> {
    http::Request::get(format!("http://localhost{path}"))
        .body(())
        .unwrap()
}

#[tokio::test]
async fn an_http2_connection_that_only_answers_pings_is_closed() {
    // The h2 client answers PINGs by itself; it never opens a stream.
    let limits =
        short().http2_keep_alive(Some((Duration::from_millis(50), Duration::from_secs(5))));
    let server = start(limits).await;
    let (_send, driver) = h2_client(&server, &h2::client::Builder::new()).await;
    tokio::time::timeout(Duration::from_secs(10), driver)
        .await
        .expect("the server closes the connection")
        .unwrap();
    wait_for(|| server.stats().open_connections == 0).await;
}

#[tokio::test]
async fn an_http2_connection_with_no_open_stream_gets_goaway_and_is_closed() {
    let limits = short()
        .header_read_timeout(Duration::from_secs(30))
        .http2_keep_alive(Some((Duration::from_millis(50), Duration::from_secs(5))));
    let server = start(limits).await;
    let (send, driver) = h2_client(&server, &h2::client::Builder::new()).await;
    let mut send = send.ready().await.unwrap();
    let (response, _) = send.send_request(get("/hello"), true).unwrap();
    let response = response.await.unwrap();
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();
    while body.data().await.is_some() {}
    let start = Instant::now();
    tokio::time::timeout(Duration::from_secs(10), driver)
        .await
        .expect("the server closes the idle connection")
        .unwrap();
    assert!(
        start.elapsed() >= Duration::from_millis(300),
        "closed after {:?}",
        start.elapsed()
    );
    // The GOAWAY is seen by the next request.
    assert!(send.send_request(get("/hello"), true).is_err());
    wait_for(|| server.stats().open_connections == 0).await;
}

#[tokio::test]
async fn an_http2_connection_with_an_open_stream_is_not_idle() {
    let limits = short().header_read_timeout(Duration::from_secs(30));
    let server = start(limits).await;
    let (send, driver) = h2_client(&server, &h2::client::Builder::new()).await;
    let mut send = send.ready().await.unwrap();
    let (response, _) = send.send_request(get("/quiet"), true).unwrap();
    let mut body = response.await.unwrap().into_body();
    // Heartbeats keep coming well past the idle timeout.
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(1200) {
        let chunk = tokio::time::timeout(Duration::from_secs(2), body.data())
            .await
            .expect("heartbeats keep coming")
            .expect("the stream stays open")
            .unwrap();
        let _ = body.flow_control().release_capacity(chunk.len());
    }
    assert!(!driver.is_finished());
}

#[tokio::test]
async fn a_client_that_never_reads_a_plain_stream_is_dropped() {
    let server = start(short()).await;
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    stream
        .write_all(b"GET /firehose HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    // Reads nothing: the socket buffers fill, then the send timeout ends the stream.
    wait_for(|| server.stats().dropped == 1).await;
    wait_for(|| server.stats().open_streams == 0 && server.stats().open_connections == 0).await;
    still_serving(&server).await;
    drop(stream);
}

#[tokio::test]
async fn a_client_that_reads_slower_than_the_stream_but_steadily_is_kept() {
    // The send timeout is the time between two writes the socket accepts (as nginx's): a
    // reader that drains a few MB a second keeps the socket taking bytes within 2 s.
    let server = start(short().send_timeout(Duration::from_secs(2))).await;
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    stream
        .write_all(b"GET /firehose HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0; 256 * 1024];
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(4) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let read = stream.read(&mut buf).await.unwrap();
        assert!(read > 0, "the stream is still open");
    }
    assert_eq!(server.stats().dropped, 0);
}

#[tokio::test]
async fn an_http2_reader_slower_than_the_stream_but_steady_is_kept() {
    // The send timeout counts from the last frame of the response hyper took, once the client
    // made room for it: a reader that opens its window by 16 KiB every 100 ms keeps an
    // always-ready stream of 64 KiB events going well past the 2 s timeout.
    let server = start(short().send_timeout(Duration::from_secs(2))).await;
    let (send, _driver) = h2_client(&server, &h2::client::Builder::new()).await;
    let mut send = send.ready().await.unwrap();
    let (response, _) = send.send_request(get("/firehose"), true).unwrap();
    let mut body = response.await.unwrap().into_body();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let chunk = tokio::time::timeout(Duration::from_secs(2), body.data())
            .await
            .expect("data keeps coming")
            .expect("the stream stays open")
            .unwrap();
        let _ = body.flow_control().release_capacity(chunk.len());
    }
    assert_eq!(server.stats().dropped, 0);
}

#[tokio::test]
async fn an_http2_stream_with_a_zero_window_is_reset() {
    let server = start(short()).await;
    let mut builder = h2::client::Builder::new();
    builder.initial_window_size(0);
    let (send, _driver) = h2_client(&server, &builder).await;
    let mut send = send.ready().await.unwrap();
    let (stalled, _) = send.send_request(get("/firehose"), true).unwrap();
    let mut stalled = stalled.await.unwrap().into_body();
    // Another stream on the same connection, read as it comes, keeps working throughout.
    let (quiet, _) = send.send_request(get("/quiet"), true).unwrap();
    let mut quiet = quiet.await.unwrap().into_body();
    let _ = quiet.flow_control().release_capacity(0);

    let ended = tokio::time::timeout(Duration::from_secs(10), stalled.data())
        .await
        .expect("the stalled stream is reset");
    let error = ended.expect("an error, not the end").unwrap_err();
    assert_eq!(error.reason(), Some(h2::Reason::CANCEL), "{error}");
    wait_for(|| server.stats().dropped == 1 && server.stats().open_streams == 1).await;
    assert_eq!(server.stats().open_connections, 1);
    drop(quiet);
}

#[tokio::test]
async fn a_client_that_half_closes_after_its_request_gets_its_answer() {
    let server = start(ServerLimits::default()).await;
    for _ in 0..200 {
        let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
        stream
            .write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        stream.shutdown().await.unwrap();
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
            .await
            .expect("the server closes the connection after answering")
            .unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with("HTTP/1.1 200") && answer.ends_with("hello"),
            "{answer}"
        );
    }
}

#[tokio::test]
async fn a_client_that_closes_during_a_stream_ends_it_at_once() {
    let server = start(short().send_timeout(Duration::from_secs(60))).await;
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    stream
        .write_all(b"GET /quiet HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0; 1024];
    let _ = stream.read(&mut buf).await.unwrap();
    wait_for(|| server.stats().open_streams == 1).await;
    stream.shutdown().await.unwrap();
    wait_for(|| server.stats().open_streams == 0).await;
}

#[tokio::test]
async fn a_tls_client_that_never_reads_a_stream_is_dropped() {
    let certified = certified();
    let server = start_tls(short(), &certified).await;
    let mut stream = tls_connect(&server, &certified).await;
    stream
        .write_all(b"GET /firehose HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    wait_for(|| server.stats().dropped == 1).await;
    wait_for(|| server.stats().open_streams == 0 && server.stats().open_connections == 0).await;
    drop(stream);
}

/// A chat room on a hub whose subscribers may fall 64 KiB behind.
#[derive(Clone)]
struct RoomController {
    hub: Hub<String>,
}

#[controller("room")]
impl RoomController {
    #[sse("events", keep_alive = false)]
    fn events(&self) -> impl Stream<Item = HubFrame> {
        self.hub.subscribe(None)
    }
}

#[tokio::test]
async fn an_http2_hub_subscriber_that_falls_behind_is_reset_by_the_hub() {
    let hub: Hub<String> = Hub::with_options(HubOptions::default().max_pending_bytes(64 * 1024));
    let mut app = NestApplication::builder()
        .controller(RoomController { hub: hub.clone() })
        .build()
        .unwrap();
    // The send timeout is far away: only the hub can end the stream.
    app.set_limits(ServerLimits::default().send_timeout(Duration::from_secs(60)));
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let (send, _driver) = h2_client(&server, &h2::client::Builder::new()).await;
    let mut send = send.ready().await.unwrap();
    let (stalled, _) = send.send_request(get("/room/events"), true).unwrap();
    wait_for(|| hub.stats().subscribers == 1).await;
    // The client never releases flow-control capacity: its 64 KiB window fills, then the
    // hub's backlog for it.
    let payload = "x".repeat(4096);
    for _ in 0..500 {
        hub.publish(payload.clone()).await.unwrap();
        if hub.stats().dropped_subscribers == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut stalled = stalled.await.unwrap().into_body();
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stalled.data().await {
                Some(Ok(_)) => {}
                other => return other,
            }
        }
    })
    .await
    .expect("the stream is reset");
    let error = ended.expect("an error, not the end").unwrap_err();
    assert_eq!(error.reason(), Some(h2::Reason::CANCEL), "{error}");
    assert_eq!(hub.stats().dropped_subscribers, 1);
    wait_for(|| server.stats().open_streams == 0).await;
    // The connection itself stays open for other streams.
    assert_eq!(server.stats().open_connections, 1);
}

#[tokio::test]
async fn the_shutdown_log_counts_the_connections_really_open() {
    let logs = nest_tests::CapturedLogs::default();
    let _logging = tracing::subscriber::set_default(logs.subscriber());
    let server = start(ServerLimits::default()).await;
    let client = TestClient::new(server.local_addr());
    for _ in 0..20 {
        let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
        stream
            .write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
    }
    let _open = [
        client.sse("/quiet").await.unwrap(),
        client.sse("/quiet").await.unwrap(),
    ];
    wait_for(|| server.stats().open_connections == 2).await;
    server.close().await;
    assert!(
        logs.text().contains("Shutting down: 2 open connection(s)"),
        "{}",
        logs.text()
    );
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
