//! Helpers shared by the integration tests in `tests/`: a raw HTTP/1.1 exchange over TCP (to
//! see the exact bytes a browser would get), a log capture for what the app prints, a real
//! `redis-server` ([`RedisServer`]) and a client that follows a stream across instances
//! ([`Follower`]).

use std::{
    io,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use nest_core::{Controller, NestApplication, RunningApp};

mod follower;
mod redis_server;
mod rooms;

pub use follower::{Follower, Received, assert_exactly_once, wait_for_all};
pub use redis_server::RedisServer;
pub use rooms::RoomsController;

/// A TCP port that is free now, below Linux's ephemeral range (32768–60999), for a server
/// started in another process (an example binary, `redis-server`, chromedriver). A port the OS
/// picks for `127.0.0.1:0` is an ephemeral one, which any client socket on the machine (another
/// test, a benchmark) may take between this check and the server's own bind.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0);
    // Each test process starts at its own place in the range.
    let start = u16::try_from(std::process::id() % 1_000).unwrap_or(0) * 12;
    for _ in 0..12_000 {
        let port = 20_000 + (start + NEXT.fetch_add(1, Ordering::Relaxed)) % 12_000;
        let wildcard = std::net::TcpListener::bind(("::", port)).is_ok()
            || std::net::TcpListener::bind(("0.0.0.0", port)).is_ok();
        if wildcard && std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Serves `controller` alone on a free port of 127.0.0.1.
pub async fn serve<C: Controller>(controller: C) -> RunningApp {
    NestApplication::builder()
        .controller(controller)
        .build()
        .expect("the routes are valid")
        .bind("127.0.0.1:0")
        .await
        .expect("127.0.0.1:0 can be bound")
}

/// A response read byte for byte: the head as text, and the body with chunked framing removed.
#[derive(Debug)]
pub struct RawResponse {
    /// Status line and header lines, as sent (CRLF line ends), without the blank line.
    pub head: String,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The header lines after the status line, with the `date` line left out (it changes).
    pub fn header_lines(&self) -> Vec<&str> {
        self.head
            .split("\r\n")
            .skip(1)
            .filter(|line| !line.to_ascii_lowercase().starts_with("date:"))
            .collect()
    }

    /// The status line.
    pub fn status_line(&self) -> &str {
        self.head.split("\r\n").next().unwrap_or_default()
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The status code (0 if the status line has none).
    pub fn status(&self) -> u16 {
        self.status_line()
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0)
    }
}

/// A request captured from NestJS and what NestJS answered, for [`replay_all`].
#[derive(Debug)]
pub struct CapturedCase<'a> {
    /// What the case shows.
    pub name: &'a str,
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// Path and query.
    pub path: &'a str,
    /// The headers sent.
    pub headers: Vec<(&'a str, &'a str)>,
    /// The body sent.
    pub body: Option<&'a str>,
    /// NestJS's status.
    pub status: u16,
    /// NestJS's body, byte for byte.
    pub response: &'a str,
}

/// Replays every case against the server at `addr`: one line per case whose status or body
/// differs from NestJS's, naming it with both answers.
pub async fn replay_all(addr: SocketAddr, cases: &[CapturedCase<'_>]) -> Vec<String> {
    let mut failures = Vec::new();
    for case in cases {
        let (status, text) = replay(addr, case.method, case.path, &case.headers, case.body).await;
        if status != case.status || text != case.response {
            failures.push(format!(
                "{}\n  nestjs:  {} {}\n  nest-rs: {} {}",
                case.name, case.status, case.response, status, text
            ));
        }
    }
    failures
}

/// Sends a request captured from NestJS as it was (`method path`, the headers, the body, on a
/// connection of its own), and gives the status and body text of the answer.
pub async fn replay(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, String) {
    let mut request = format!("{method} {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    match body {
        Some(body) => request.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len())),
        None => request.push_str("\r\n"),
    }
    let response = raw_exchange(addr, &request).await.expect("an answer");
    (response.status(), response.text())
}

/// A `GET` for the test client with extra headers.
pub fn get_with_headers(
    path: &str,
    headers: &[(&str, &str)],
) -> http::Request<http_body_util::Full<bytes::Bytes>> {
    let mut request = http::Request::get(path).header("host", "localhost");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .expect("a valid request")
}

/// A request with a body and a `Content-Type`, for the test client.
pub fn request_with_body(
    method: &str,
    path: &str,
    content_type: &str,
    body: &str,
) -> http::Request<http_body_util::Full<bytes::Bytes>> {
    http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "localhost")
        .header("content-type", content_type)
        .body(http_body_util::Full::new(bytes::Bytes::from(
            body.to_owned(),
        )))
        .expect("a valid request")
}

/// Sends `request` as it is and reads until the server closes the connection (send
/// `Connection: close`), at most 10 seconds.
pub async fn raw_exchange(addr: SocketAddr, request: &str) -> io::Result<RawResponse> {
    raw_exchange_after(addr, request, Duration::ZERO).await
}

/// [`raw_exchange`], but reads nothing for `pause` first: a long response fills the socket
/// and the server has to wait until it drains.
pub async fn raw_exchange_after(
    addr: SocketAddr,
    request: &str,
    pause: Duration,
) -> io::Result<RawResponse> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(request.as_bytes()).await?;
    tokio::time::sleep(pause).await;
    let mut bytes = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut bytes))
        .await
        .map_err(|_| {
            io::Error::new(
                io::ErrorKind::TimedOut,
                "the server did not close the connection",
            )
        })??;
    let split = bytes
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .ok_or_else(|| io::Error::other("no end of head"))?;
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let rest = &bytes[split + 4..];
    let chunked = head
        .to_ascii_lowercase()
        .contains("\r\ntransfer-encoding: chunked");
    let body = if chunked {
        dechunk(rest)?
    } else {
        rest.to_vec()
    };
    Ok(RawResponse { head, body })
}

/// Sends `request` and reads only the response head (status and header lines), at most 10
/// seconds; the connection is then dropped.
pub async fn raw_head(addr: SocketAddr, request: &str) -> io::Result<RawResponse> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(request.as_bytes()).await?;
    let mut bytes = Vec::new();
    let read_head = async {
        let mut buf = [0u8; 1024];
        loop {
            let read = stream.read(&mut buf).await?;
            if read == 0 {
                return Err(io::Error::other("closed before the end of the head"));
            }
            bytes.extend_from_slice(&buf[..read]);
            if let Some(end) = bytes.windows(4).position(|window| window == b"\r\n\r\n") {
                return Ok(end);
            }
        }
    };
    let end = tokio::time::timeout(Duration::from_secs(10), read_head)
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no response head"))??;
    Ok(RawResponse {
        head: String::from_utf8_lossy(&bytes[..end]).into_owned(),
        body: Vec::new(),
    })
}

/// A connection read incrementally, raw bytes (chunk framing included), for watching a stream
/// that does not end.
#[derive(Debug)]
pub struct RawStream {
    stream: TcpStream,
    /// Every byte received so far.
    pub received: Vec<u8>,
}

impl RawStream {
    /// Connects and sends `request` as it is.
    pub async fn open(addr: SocketAddr, request: &str) -> io::Result<Self> {
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(request.as_bytes()).await?;
        Ok(Self {
            stream,
            received: Vec::new(),
        })
    }

    /// How many times `needle` occurs in what was received.
    pub fn count(&self, needle: &str) -> usize {
        self.text().matches(needle).count()
    }

    /// Everything received, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.received).into_owned()
    }

    /// Reads until `needle` has been received `times` times; false if the connection closed
    /// first or 10 seconds passed.
    pub async fn read_until(&mut self, needle: &str, times: usize) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let mut buf = [0u8; 4096];
        while self.count(needle) < times {
            match tokio::time::timeout_at(deadline, self.stream.read(&mut buf)).await {
                Ok(Ok(read)) if read > 0 => self.received.extend_from_slice(&buf[..read]),
                _ => return false,
            }
        }
        true
    }

    /// Reads for `period`, whatever comes (to check that something does *not* come).
    pub async fn read_for(&mut self, period: Duration) {
        let deadline = tokio::time::Instant::now() + period;
        let mut buf = [0u8; 4096];
        while let Ok(Ok(read)) = tokio::time::timeout_at(deadline, self.stream.read(&mut buf)).await
        {
            if read == 0 {
                return;
            }
            self.received.extend_from_slice(&buf[..read]);
        }
    }

    /// Reads until the server closes the connection (at most 10 seconds); true if it did.
    pub async fn read_to_end(&mut self) -> bool {
        let read = tokio::time::timeout(
            Duration::from_secs(10),
            self.stream.read_to_end(&mut self.received),
        );
        matches!(read.await, Ok(Ok(_)))
    }
}

/// A keep-alive `GET` for an event stream, as `EventSource` sends it.
pub fn get_stream(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
}

fn dechunk(mut input: &[u8]) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = input
            .windows(2)
            .position(|window| window == b"\r\n")
            .ok_or_else(|| io::Error::other("truncated chunk size"))?;
        let size = std::str::from_utf8(&input[..line_end])
            .ok()
            .and_then(|size| usize::from_str_radix(size.trim(), 16).ok())
            .ok_or_else(|| io::Error::other("bad chunk size"))?;
        input = &input[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if input.len() < size + 2 {
            return Err(io::Error::other("truncated chunk"));
        }
        body.extend_from_slice(&input[..size]);
        input = &input[size + 2..];
    }
}

/// The header lines NestJS sends with an event stream over HTTP/1.1, in its order (lower-cased,
/// before `transfer-encoding` and `date`).
pub const NEST_SSE_HEADERS: [&str; 6] = [
    "content-type: text/event-stream",
    "connection: keep-alive",
    "cache-control: private, no-cache, no-store, must-revalidate, max-age=0, no-transform",
    "pragma: no-cache",
    "expires: 0",
    "x-accel-buffering: no",
];

/// A `GET` request for `path` that asks the server to close the connection afterwards.
pub fn get_and_close(path: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n"
    )
}

/// Log lines captured from `tracing`, for asserting what the app logs.
#[derive(Clone, Default, Debug)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// A subscriber that writes plain (uncoloured) log lines here; use with
    /// `tracing::subscriber::with_default` or `set_default`.
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync + use<> {
        let logs = self.clone();
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || logs.clone())
            .finish()
    }
}

impl io::Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The guide's pages (`docs/`), compiled and run as doc tests: every ```` ```rust ```` block of
/// the book is a test, so the docs cannot drift from the code.
#[cfg(doctest)]
pub mod book {
    #[doc = include_str!("../docs/introduction.md")]
    pub struct Introduction;

    #[doc = include_str!("../docs/first-steps.md")]
    pub struct FirstSteps;

    #[doc = include_str!("../docs/controllers.md")]
    pub struct Controllers;

    #[doc = include_str!("../docs/versioning.md")]
    pub struct Versioning;

    #[doc = include_str!("../docs/modules.md")]
    pub struct Modules;

    #[doc = include_str!("../docs/dynamic-modules.md")]
    pub struct DynamicModules;

    #[doc = include_str!("../docs/configuration.md")]
    pub struct Configuration;

    #[doc = include_str!("../docs/lifecycle.md")]
    pub struct Lifecycle;

    #[doc = include_str!("../docs/middleware.md")]
    pub struct Middleware;

    #[doc = include_str!("../docs/router-module.md")]
    pub struct RouterModule;

    #[doc = include_str!("../docs/cors.md")]
    pub struct Cors;

    #[doc = include_str!("../docs/exception-filters.md")]
    pub struct ExceptionFilters;

    #[doc = include_str!("../docs/pipes.md")]
    pub struct Pipes;

    #[doc = include_str!("../docs/guards.md")]
    pub struct Guards;

    #[doc = include_str!("../docs/interceptors.md")]
    pub struct Interceptors;

    #[doc = include_str!("../docs/custom-decorators.md")]
    pub struct CustomDecorators;

    #[doc = include_str!("../docs/sse.md")]
    pub struct Sse;

    #[doc = include_str!("../docs/sse-production.md")]
    pub struct SseProduction;

    #[doc = include_str!("../docs/http2.md")]
    pub struct Http2;

    #[doc = include_str!("../docs/scaling.md")]
    pub struct Scaling;

    #[doc = include_str!("../docs/testing.md")]
    pub struct Testing;

    #[doc = include_str!("../docs/events.md")]
    pub struct Events;

    #[doc = include_str!("../docs/task-scheduling.md")]
    pub struct TaskScheduling;

    #[doc = include_str!("../docs/health-checks.md")]
    pub struct HealthChecks;

    #[doc = include_str!("../docs/metrics.md")]
    pub struct Metrics;

    #[doc = include_str!("../docs/benchmarks.md")]
    pub struct Benchmarks;

    #[doc = include_str!("../docs/security.md")]
    pub struct Security;

    #[doc = include_str!("../docs/reference.md")]
    pub struct Reference;

    #[doc = include_str!("../docs/porting.md")]
    pub struct Porting;
}
