//! [`TestClient`]: requests and event streams over real TCP.

use std::{io, net::SocketAddr, pin::Pin};

use bytes::Bytes;
use eventsource_stream::{EventStreamError, Eventsource};
use futures_core::Stream;
use futures_util::StreamExt;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

pub use eventsource_stream::Event;

/// A client that opens a new TCP connection to `addr` for every request.
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::testing::TestClient;
/// # #[derive(Default)] struct AppController;
/// # #[controller] impl AppController {
/// #     #[get("cats")] fn cats(&self) -> serde_json::Value { json!(["Tom"]) }
/// #     #[sse("events")] fn events(&self) -> impl Stream<Item = MessageEvent> { stream::iter(["a", "b"]).map(MessageEvent::from) }
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let server = NestApplication::builder().controller(AppController).build()?.bind("127.0.0.1:0").await?;
/// let client = TestClient::new(server.local_addr());
/// let response = client.get("/cats").await?;
/// assert_eq!((response.status.as_u16(), response.json()?), (200, json!(["Tom"])));
/// assert_eq!(response.header("content-type"), Some("application/json; charset=utf-8"));
/// let mut events = client.sse("/events").await?;
/// assert_eq!(events.next_event().await.unwrap().data, "a");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct TestClient {
    addr: SocketAddr,
}

/// A whole response: status, headers and body (see [`TestClient`] for an example).
///
/// ```
/// # fn check(response: nest_core::testing::TestResponse) {
/// assert_eq!(response.status, 200);
/// assert_eq!(response.text(), "Hello World!");
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TestResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl TestResponse {
    /// The body as UTF-8 text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::from_slice(&self.body)
    }

    /// A header's value as text, if present and valid.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

type Events = Pin<Box<dyn Stream<Item = Result<Event, EventStreamError<hyper::Error>>> + Send>>;

/// An open event stream: its status and headers, and its events as a browser's `EventSource`
/// would dispatch them. Dropping it closes the connection (see [`TestClient`] for an example).
///
/// ```
/// # async fn check(events: nest_core::testing::SseConnection) {
/// assert_eq!(events.header("content-type"), Some("text/event-stream"));
/// let all = events.collect_events().await;
/// assert_eq!(all[0].id, "1");
/// # }
/// ```
pub struct SseConnection {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    events: Events,
}

impl std::fmt::Debug for SseConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SseConnection")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

impl SseConnection {
    /// The next dispatched event; `None` when the stream ends (or breaks).
    pub async fn next_event(&mut self) -> Option<Event> {
        self.events.next().await?.ok()
    }

    /// Every event until the stream ends.
    pub async fn collect_events(mut self) -> Vec<Event> {
        let mut events = Vec::new();
        while let Some(event) = self.next_event().await {
            events.push(event);
        }
        events
    }

    /// A header's value as text, if present and valid.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

impl TestClient {
    /// A client for the server at `addr`.
    pub fn new(addr: SocketAddr) -> Self {
        Self { addr }
    }

    /// `GET path`, the whole response.
    pub async fn get(&self, path: &str) -> io::Result<TestResponse> {
        self.request(Self::build("GET", path)?).await
    }

    /// Sends `request` and reads the whole response.
    pub async fn request(&self, request: Request<Full<Bytes>>) -> io::Result<TestResponse> {
        let response = self.send(request).await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await.map_err(io::Error::other)?.to_bytes();
        Ok(TestResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    /// `GET path` with `Accept: text/event-stream`, as `EventSource` sends it.
    pub async fn sse(&self, path: &str) -> io::Result<SseConnection> {
        let mut request = Self::build("GET", path)?;
        request.headers_mut().insert(
            http::header::ACCEPT,
            http::HeaderValue::from_static("text/event-stream"),
        );
        self.sse_request(request).await
    }

    /// Sends `request` and parses the response body as an event stream.
    pub async fn sse_request(&self, request: Request<Full<Bytes>>) -> io::Result<SseConnection> {
        let response = self.send(request).await?;
        let (parts, body) = response.into_parts();
        Ok(SseConnection {
            status: parts.status,
            headers: parts.headers,
            events: Box::pin(body.into_data_stream().eventsource()),
        })
    }

    fn build(method: &str, path: &str) -> io::Result<Request<Full<Bytes>>> {
        Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::HOST, "localhost")
            .body(Full::new(Bytes::new()))
            .map_err(io::Error::other)
    }

    async fn send(&self, request: Request<Full<Bytes>>) -> io::Result<hyper::Response<Incoming>> {
        let stream = TcpStream::connect(self.addr).await?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(io::Error::other)?;
        tokio::spawn(connection);
        sender.send_request(request).await.map_err(io::Error::other)
    }
}
