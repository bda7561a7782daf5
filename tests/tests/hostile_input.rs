//! Malformed and hostile requests under the default settings: the bad-input matrix of
//! docs/security.md. Each case sends its bytes over real TCP, checks the answer (a status, or a
//! clean close) and then that the server still serves other clients. One test per row; the
//! row's name is the test's name. Configured limits (header count and size, timeouts,
//! connection caps) are in `limits.rs`.

use std::{net::SocketAddr, time::Duration};

use nest_core::prelude::*;
use nest_core::{LastEventId, RunningApp, testing::TestClient};
use serde::Deserialize;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

#[derive(Deserialize)]
struct NewCat {
    name: String,
}

/// Events produced by `/firehose` so far.
static PRODUCED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

#[derive(Default)]
struct HostileController;

#[controller]
impl HostileController {
    #[post("cats")]
    fn create(&self, #[body] cat: NewCat) -> String {
        cat.name
    }

    #[get("cats/:id")]
    fn find(&self, #[param("id")] id: u32, #[query("q")] q: Option<String>) -> String {
        format!("{id} {q:?}")
    }

    #[get("echo/:text")]
    fn echo(&self, #[param("text")] text: String) -> String {
        format!("[{}]", text.escape_debug())
    }

    #[get("files/*path")]
    fn files(&self, #[param("path")] path: String) -> String {
        format!("[{}]", path.escape_debug())
    }

    #[get("header")]
    fn header(&self, #[headers("x-name")] name: String) -> String {
        name
    }

    #[sse("resume")]
    fn resume(&self, last: LastEventId<u64>) -> impl Stream<Item = MessageEvent> {
        let next = last.0.map_or(0, |id| id.saturating_add(1));
        stream::iter([MessageEvent::new("next").id(next.to_string())])
    }

    /// 1 KiB events as fast as the client takes them.
    #[sse("firehose")]
    fn firehose(&self) -> impl Stream<Item = MessageEvent> {
        stream::repeat_with(|| {
            PRODUCED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            MessageEvent::new("x".repeat(1024))
        })
    }

    /// Every SSE field from user data (the query).
    #[sse("forge")]
    fn forge(
        &self,
        #[query("data")] data: String,
        #[query("event")] event: String,
        #[query("id")] id: String,
        #[query("comment")] comment: String,
    ) -> impl Stream<Item = MessageEvent> {
        stream::iter([MessageEvent::new(data).event(event).id(id).comment(comment)])
    }
}

/// What came back: the status, if a response head arrived, and the body bytes.
#[derive(Debug)]
struct Outcome {
    status: Option<u16>,
    /// The response head (status and header lines).
    head: String,
    body: String,
}

/// Sends `bytes` and reads until the server closes the connection (at most 10 s).
async fn exchange(addr: SocketAddr, bytes: &[u8]) -> Outcome {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // The server may answer and close before all bytes are written: not an error here.
    let _ = stream.write_all(bytes).await;
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server neither answered nor closed");
    let text = String::from_utf8_lossy(&received).into_owned();
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| text.strip_prefix("HTTP/1.0 "))
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok());
    let (head, body) = text
        .split_once("\r\n\r\n")
        .map(|(head, body)| (head.to_owned(), body.to_owned()))
        .unwrap_or_default();
    Outcome { status, head, body }
}

async fn start() -> RunningApp {
    nest_tests::serve(HostileController).await
}

async fn still_serving(server: &RunningApp) {
    let ok = TestClient::new(server.local_addr())
        .get("/cats/1")
        .await
        .expect("the server still accepts connections");
    assert_eq!(ok.text(), "1 None", "the server keeps serving");
}

/// One row: `bytes` sent as they are; the answer checked by `check`.
async fn row(bytes: impl AsRef<[u8]>, check: impl FnOnce(&Outcome)) {
    let server = start().await;
    let outcome = exchange(server.local_addr(), bytes.as_ref()).await;
    check(&outcome);
    still_serving(&server).await;
}

fn status(expected: u16) -> impl FnOnce(&Outcome) {
    move |outcome| assert_eq!(outcome.status, Some(expected), "{outcome:?}")
}

fn status_and_body(expected: u16, body: &'static str) -> impl FnOnce(&Outcome) {
    move |outcome| {
        assert_eq!(outcome.status, Some(expected), "{outcome:?}");
        assert!(outcome.body.contains(body), "{outcome:?}");
    }
}

/// Answered 400, or closed without an answer (what hyper does for some framing errors, as
/// Node's parser does under NestJS).
fn refused(outcome: &Outcome) {
    assert!(
        matches!(outcome.status, None | Some(400)),
        "expected 400 or a close: {outcome:?}"
    );
    assert!(outcome.status.is_some() || outcome.body.is_empty());
}

/// `400` with an empty body and `Connection: close`, as Node's HTTP server answers a request
/// it will not route (NestJS never sees it); the server then closes the connection, which
/// [`exchange`] waits for.
fn bad_framing(outcome: &Outcome) {
    assert_eq!(outcome.status, Some(400), "{outcome:?}");
    assert!(outcome.body.is_empty(), "{outcome:?}");
    assert!(
        outcome
            .head
            .to_ascii_lowercase()
            .contains("\r\nconnection: close"),
        "{outcome:?}"
    );
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
}

fn get_with(path: &str, header: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: x\r\n{header}\r\nConnection: close\r\n\r\n").into_bytes()
}

fn post(content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut bytes = format!(
        "POST /cats HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

// Request line.

#[tokio::test]
async fn request_line_garbage() {
    // A 400 from the HTTP parser, then the connection closed (`exchange` reads until it is).
    row("GARBAGE\r\n\r\n", status(400)).await;
}

#[tokio::test]
async fn request_line_without_version() {
    row("GET /cats/1\r\n\r\n", refused).await;
}

#[tokio::test]
async fn request_line_unknown_http_version() {
    row("GET /cats/1 HTTP/9.9\r\nHost: x\r\n\r\n", status(400)).await;
}

#[tokio::test]
async fn request_line_bad_method_token() {
    row("G(T /cats/1 HTTP/1.1\r\nHost: x\r\n\r\n", refused).await;
}

#[tokio::test]
async fn request_line_binary_bytes() {
    row(b"\x00\xff\xfe\x01 / HTTP/1.1\r\n\r\n".as_slice(), refused).await;
}

#[tokio::test]
async fn request_line_unknown_method_is_404() {
    row(
        "BREW /cats/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        status_and_body(404, "Cannot BREW /cats/1"),
    )
    .await;
}

#[tokio::test]
async fn request_line_http_1_0_is_served() {
    row(
        "GET /cats/7 HTTP/1.0\r\n\r\n",
        status_and_body(200, "7 None"),
    )
    .await;
}

// Headers.

#[tokio::test]
async fn header_without_colon() {
    row("GET /cats/1 HTTP/1.1\r\nHost x\r\n\r\n", refused).await;
}

#[tokio::test]
async fn header_name_with_space() {
    row(
        "GET /cats/1 HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n",
        refused,
    )
    .await;
}

#[tokio::test]
async fn header_obsolete_line_folding() {
    row(
        "GET /cats/1 HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n",
        refused,
    )
    .await;
}

#[tokio::test]
async fn header_duplicate_different_content_lengths() {
    row(
        "POST /cats HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 14\r\nContent-Length: 5\r\n\r\n{\"name\":\"Tom\"}",
        refused,
    )
    .await;
}

#[tokio::test]
async fn header_content_length_and_chunked_together() {
    // Request smuggling's classic. As RFC 9112 §6.1 allows, the chunked framing wins, the
    // Content-Length is ignored, and the connection is closed after the answer, so nothing
    // smuggled after the body is read as a second request.
    row(
        "POST /cats HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\ne\r\n{\"name\":\"Tom\"}\r\n0\r\n\r\nGET /cats/666 HTTP/1.1\r\nHost: x\r\n\r\n",
        |outcome| {
            assert_eq!(outcome.status, Some(201), "{outcome:?}");
            assert!(outcome.body.ends_with("Tom"), "{outcome:?}");
            assert!(
                !outcome.body.contains("666"),
                "the smuggled request was not served: {outcome:?}"
            );
        },
    )
    .await;
}

#[tokio::test]
async fn header_host_missing_on_http_1_1_is_400() {
    // RFC 9112 §3.2. No `Connection: close`: the server closes after its answer.
    row("GET /cats/1 HTTP/1.1\r\n\r\n", bad_framing).await;
}

#[tokio::test]
async fn header_host_twice_is_400() {
    row(
        "GET /cats/1 HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
        bad_framing,
    )
    .await;
}

#[tokio::test]
async fn header_host_empty_is_served() {
    // An empty Host is what RFC 9112 §3.2 asks of a client whose target has no authority.
    row(
        "GET /cats/3 HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n",
        status_and_body(200, "3 None"),
    )
    .await;
}

/// A `POST /cats` of `{"name":"Tom"}`, chunked, under the `Transfer-Encoding` header line(s)
/// `encoding`, and nothing after it: the connection stays open unless the server closes it.
fn chunked_post(encoding: &str) -> String {
    format!(
        "POST /cats HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{encoding}\r\n\r\ne\r\n{{\"name\":\"Tom\"}}\r\n0\r\n\r\n"
    )
}

#[tokio::test]
async fn header_transfer_encoding_identity_then_chunked_is_400() {
    row(
        chunked_post("Transfer-Encoding: identity, chunked"),
        bad_framing,
    )
    .await;
}

#[tokio::test]
async fn header_transfer_encoding_gzip_then_chunked_is_400() {
    row(
        chunked_post("Transfer-Encoding: gzip, chunked"),
        bad_framing,
    )
    .await;
}

#[tokio::test]
async fn header_transfer_encoding_chunked_twice_is_400() {
    row(
        chunked_post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked"),
        bad_framing,
    )
    .await;
}

#[tokio::test]
async fn header_transfer_encoding_chunked_then_identity_is_400() {
    // Refused by hyper's parser already, with the same answer.
    row(
        chunked_post("Transfer-Encoding: chunked, identity"),
        bad_framing,
    )
    .await;
}

#[tokio::test]
async fn header_transfer_encoding_chunked_in_capitals_is_served() {
    row(
        chunked_post("Transfer-Encoding: CHUNKED\r\nConnection: close"),
        status_and_body(201, "Tom"),
    )
    .await;
}

#[tokio::test]
async fn header_negative_content_length() {
    row(
        "POST /cats HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        refused,
    )
    .await;
}

#[tokio::test]
async fn header_invalid_chunk_size() {
    row(
        "POST /cats HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        |outcome| {
            assert!(
                matches!(outcome.status, None | Some(400)),
                "{outcome:?}"
            );
        },
    )
    .await;
}

#[tokio::test]
async fn header_value_not_utf8_for_a_header_argument() {
    let mut bytes =
        b"GET /header HTTP/1.1\r\nHost: x\r\nX-Name: caf\xe9\r\nConnection: close\r\n\r\n".to_vec();
    bytes.shrink_to_fit();
    row(bytes, status_and_body(400, "Invalid x-name header")).await;
}

#[tokio::test]
async fn header_missing_for_a_header_argument() {
    row(get("/header"), status(400)).await;
}

// Path and query.

#[tokio::test]
async fn path_invalid_utf8_percent_encoding() {
    row(
        get("/echo/%FF%FE"),
        status_and_body(400, "Failed to decode param"),
    )
    .await;
}

#[tokio::test]
async fn path_invalid_percent_escape() {
    row(
        get("/echo/%zz"),
        status_and_body(400, "Failed to decode param"),
    )
    .await;
}

#[tokio::test]
async fn path_percent_escape_with_a_sign() {
    // `+f` is not two hex digits, though a number parser with signs reads it as 15.
    row(
        get("/echo/%+f"),
        status_and_body(400, "Failed to decode param"),
    )
    .await;
}

#[tokio::test]
async fn path_raw_utf8_bytes_are_read_as_text() {
    row(
        b"GET /echo/\xc3\xa9 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".as_slice(),
        status_and_body(200, "[\u{e9}]"),
    )
    .await;
}

#[tokio::test]
async fn path_raw_bytes_that_are_not_utf8_are_rejected() {
    // `/echo/:text` takes any `String` (raw UTF-8 reaches it as text, above), so this refusal
    // comes from the HTTP parser, not from the parameter's type: an empty body, as hyper (and
    // Node's parser under NestJS) answers bytes that are not HTTP.
    row(
        b"GET /echo/\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".as_slice(),
        |outcome| {
            assert_eq!(outcome.status, Some(400), "{outcome:?}");
            assert!(outcome.body.is_empty(), "{outcome:?}");
        },
    )
    .await;
}

#[tokio::test]
async fn path_encoded_nul_reaches_the_handler_as_a_character() {
    row(get("/echo/a%00b"), status_and_body(200, "[a\\0b]")).await;
}

#[tokio::test]
async fn path_traversal_is_not_resolved() {
    // No route serves files; `..` is routed as text, never resolved against a directory.
    row(
        get("/files/../../etc/passwd"),
        status_and_body(200, "[../../etc/passwd]"),
    )
    .await;
}

#[tokio::test]
async fn path_encoded_traversal_stays_one_parameter() {
    row(
        get("/echo/..%2F..%2Fetc%2Fpasswd"),
        status_and_body(200, "[../../etc/passwd]"),
    )
    .await;
}

#[tokio::test]
async fn path_parameter_of_the_wrong_type() {
    row(
        get("/cats/-1"),
        status_and_body(400, "Validation failed (numeric string is expected)"),
    )
    .await;
}

#[tokio::test]
async fn path_parameter_overflowing_its_type() {
    row(
        get("/cats/99999999999999999999"),
        status_and_body(400, "Validation failed (numeric string is expected)"),
    )
    .await;
}

#[tokio::test]
async fn query_invalid_percent_encoding() {
    // A malformed escape stays as written; bytes that are not UTF-8 become U+FFFD.
    row(
        get("/cats/1?q=%zz%FF"),
        status_and_body(200, "1 Some(\"%zz\u{fffd}\")"),
    )
    .await;
}

#[tokio::test]
async fn query_of_50_kib() {
    let query = "q=".to_owned() + &"x".repeat(50 * 1024);
    row(get(&format!("/cats/1?{query}")), status(200)).await;
}

// Bodies.

#[tokio::test]
async fn body_malformed_json() {
    row(
        post("application/json", br#"{"name": "Tom""#),
        status_and_body(400, r#""error":"Bad Request""#),
    )
    .await;
}

#[tokio::test]
async fn body_json_of_the_wrong_shape() {
    row(post("application/json", br#"{"name": 42}"#), status(400)).await;
}

#[tokio::test]
async fn body_deeply_nested_json() {
    let nested = format!(
        "{{\"name\":{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    row(post("application/json", nested.as_bytes()), status(400)).await;
}

#[tokio::test]
async fn body_over_the_limit_is_413() {
    let big = format!("{{\"name\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    row(
        post("application/json", big.as_bytes()),
        status_and_body(413, "Payload Too Large"),
    )
    .await;
}

#[tokio::test]
async fn body_declared_over_the_limit_is_413_before_it_is_sent() {
    row(
        "POST /cats HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\nConnection: close\r\n\r\n{",
        status_and_body(413, "Payload Too Large"),
    )
    .await;
}

#[tokio::test]
async fn body_invalid_utf8_in_json() {
    row(
        post("application/json", b"{\"name\":\"\xff\xfe\"}"),
        status(400),
    )
    .await;
}

#[tokio::test]
async fn body_wrong_content_type() {
    row(post("text/plain", b"Tom"), status(400)).await;
}

#[tokio::test]
async fn body_shorter_than_its_content_length() {
    // The client promises 100 bytes and sends 10, then half-closes: not a 2xx.
    let server = start().await;
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    stream
        .write_all(b"POST /cats HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":\"")
        .await
        .unwrap();
    stream.shutdown().await.unwrap();
    let mut received = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut received))
        .await
        .expect("the server ends the exchange");
    let text = String::from_utf8_lossy(&received);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 400"),
        "{text}"
    );
    still_serving(&server).await;
}

// Event streams.

/// The stream started as on a first connection: a header that does not parse is ignored, as
/// NestJS ignores it (a 400 would end an `EventSource` for good: it does not reconnect).
fn starts_fresh(outcome: &Outcome) {
    assert_eq!(outcome.status, Some(200), "{outcome:?}");
    let stream = dechunked(&outcome.body);
    assert!(stream.contains("id: 0\ndata: next\n\n"), "{outcome:?}");
}

#[tokio::test]
async fn last_event_id_of_60_kib_is_ignored() {
    row(
        get_with(
            "/resume",
            &format!("Last-Event-ID: {}", "9".repeat(60 * 1024)),
        ),
        starts_fresh,
    )
    .await;
}

#[tokio::test]
async fn last_event_id_binary_is_ignored() {
    let mut bytes =
        b"GET /resume HTTP/1.1\r\nHost: x\r\nLast-Event-ID: \x80\x81\xfe\r\nConnection: close\r\n\r\n"
            .to_vec();
    bytes.shrink_to_fit();
    row(bytes, starts_fresh).await;
}

#[tokio::test]
async fn last_event_id_at_the_maximum_resumes_without_overflow() {
    row(
        get_with("/resume", &format!("Last-Event-ID: {}", u64::MAX)),
        |outcome| {
            assert_eq!(outcome.status, Some(200), "{outcome:?}");
            assert!(
                outcome.body.contains(&format!("id: {}", u64::MAX)),
                "{outcome:?}"
            );
        },
    )
    .await;
}

#[tokio::test]
async fn sse_fields_with_cr_lf_nul_cannot_forge_fields() {
    // Each field tries to end itself and start `event: admin` / `id: 0` / a `data:` line.
    let path = "/forge?data=a%0D%0Aevent%3A%20admin&event=e%0Aid%3A%200&id=1%0D%0Adata%3A%20x%00&comment=c%0Aevent%3A%20admin";
    row(get(path), |outcome| {
        assert_eq!(outcome.status, Some(200), "{outcome:?}");
        let stream = dechunked(&outcome.body);
        let lines: Vec<&str> = stream.lines().collect();
        assert!(
            !lines.iter().any(|line| line.starts_with("event: admin")
                || line.starts_with("id: 0")
                || line.starts_with("data: x")),
            "a forged field line: {lines:?}"
        );
        // The data's own line break stays inside the data, as a second `data:` line.
        assert!(lines.contains(&"data: a"), "{lines:?}");
        assert!(lines.contains(&"data: event: admin"), "{lines:?}");
        let id = lines.iter().find(|line| line.starts_with("id: ")).unwrap();
        assert!(
            !id.contains('\0'),
            "no NUL in the id, which a browser would ignore: {id:?}"
        );
    })
    .await;
}

/// The payload of a chunked body (event streams are sent chunked over HTTP/1.1).
fn dechunked(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

// Connections.

#[tokio::test]
async fn connection_http2_preface_then_a_malformed_frame() {
    // The preface, then a SETTINGS frame whose length is not a multiple of 6: a connection
    // error, answered with GOAWAY and a close.
    row(
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x05\x04\x00\x00\x00\x00\x00\x01\x02\x03\x04\x05"
            .as_slice(),
        |outcome| assert_eq!(outcome.status, None, "{outcome:?}"),
    )
    .await;
}

#[tokio::test]
async fn connection_pipelined_requests_are_all_answered() {
    let server = start().await;
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    stream
        .write_all(
            format!(
                "GET /cats/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /cats/2 HTTP/1.1\r\nHost: x\r\n\r\n{}",
                get("/cats/3")
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut received = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut received))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&received);
    assert_eq!(text.matches("HTTP/1.1 200").count(), 3, "{text}");
    assert!(text.contains("1 None") && text.contains("2 None") && text.contains("3 None"));
    still_serving(&server).await;
}

#[tokio::test]
async fn connection_closed_mid_request_line() {
    let server = start().await;
    for _ in 0..100 {
        let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
        stream.write_all(b"GET /cats/1 HT").await.unwrap();
        drop(stream);
    }
    still_serving(&server).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        server.stats().open_connections,
        0,
        "no connection is left behind"
    );
}

#[tokio::test]
async fn connection_that_never_reads_pauses_its_stream() {
    // A client that opens a fast stream and never reads: the stream is not polled past what
    // the socket buffers hold, so the server's memory for it stays bounded.
    let server = start().await;
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    stream.write_all(get("/firehose").as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let first = PRODUCED.load(std::sync::atomic::Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let second = PRODUCED.load(std::sync::atomic::Ordering::SeqCst);
    assert!(first > 0, "the stream started");
    assert_eq!(
        first, second,
        "the stream paused once the buffers were full"
    );
    assert!(
        first < 64 * 1024,
        "at most the socket buffers' worth of events ({first} KiB produced)"
    );
    still_serving(&server).await;
    drop(stream);
}
