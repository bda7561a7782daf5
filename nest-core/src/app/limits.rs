//! [`ServerLimits`]: what one client may cost the server, with safe defaults.

use std::time::Duration;

/// Bounds on what a client may make the server hold, as hyper, nginx and NestJS (Node) bound
/// them. Set with [`NestApplication::set_limits`](super::NestApplication::set_limits).
///
/// | limit | default | past it |
/// | --- | --- | --- |
/// | `header_read_timeout` | 30 s | the connection is closed: no complete request head within this long of the connection's accept (whatever was sent: nothing, a few bytes, part of the HTTP/2 preface, a TLS handshake), or of the previous response on a kept-alive connection |
/// | `tls_handshake_timeout` | 10 s | the connection is closed |
/// | `body_read_timeout` | 60 s | a request body with no new byte for this long: `408 Request Timeout`, connection closed |
/// | `body_timeout` | 300 s | a request body not complete this long after its reading started (at once for `#[body]`): `408`, connection closed |
/// | `send_timeout` | 60 s | a response (an event stream included) whose client accepts no byte for this long is ended and counted in `ServerStats::dropped` |
/// | `http2_idle_timeout` | 75 s | an HTTP/2 connection with no open stream for this long gets a GOAWAY and is closed |
/// | `max_headers` | 100 | `431 Request Header Fields Too Large` |
/// | `max_header_bytes` | 64 KiB | `431` (HTTP/1.1); HTTP/2 header lists are bounded the same |
/// | `max_connections` | none | the oldest connection that has not sent a complete request head is closed to admit the new one; if every connection has, new ones wait in the listen backlog until one closes |
/// | `max_connections_per_ip` | none | a further connection from the same address is closed at once |
/// | `max_concurrent_streams` | 200 | HTTP/2 refuses more streams on one connection |
///
/// The request body limit is [`NestApplication::set_body_limit`](super::NestApplication::set_body_limit)
/// (1 MiB); a hub subscriber's backlog is bounded by `HubOptions::max_pending_bytes`.
///
/// ```
/// use std::time::Duration;
/// use nest_core::app::ServerLimits;
///
/// let limits = ServerLimits::default()
///     .header_read_timeout(Duration::from_secs(10))
///     .max_connections(Some(10_000));
/// # let _ = limits;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    pub(super) header_read_timeout: Duration,
    pub(super) tls_handshake_timeout: Duration,
    pub(super) body_read_timeout: Duration,
    pub(super) body_timeout: Duration,
    pub(super) send_timeout: Duration,
    pub(super) http2_idle_timeout: Duration,
    pub(super) max_connections_per_ip: Option<usize>,
    pub(super) max_headers: usize,
    pub(super) max_header_bytes: usize,
    pub(super) max_connections: Option<usize>,
    pub(super) max_concurrent_streams: u32,
    pub(super) http2_keep_alive: Option<(Duration, Duration)>,
    pub(super) http2_stream_window: u32,
    pub(super) http2_connection_window: u32,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(30),
            tls_handshake_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(60),
            body_timeout: Duration::from_secs(300),
            send_timeout: Duration::from_secs(60),
            http2_idle_timeout: Duration::from_secs(75),
            max_connections_per_ip: None,
            max_headers: 100,
            max_header_bytes: 64 * 1024,
            max_connections: None,
            max_concurrent_streams: 200,
            http2_keep_alive: Some((Duration::from_secs(30), Duration::from_secs(20))),
            http2_stream_window: 256 * 1024,
            http2_connection_window: 1024 * 1024,
        }
    }
}

impl ServerLimits {
    /// How long a client has to send a complete request head: from the moment its connection
    /// is accepted (whatever it sends or does not send before), and on a kept-alive connection
    /// from the end of the previous response. Default: 30 s.
    #[must_use]
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = at_least_a_millisecond(timeout);
        self
    }

    /// How long a client has to complete its TLS handshake. Default: 10 s.
    #[must_use]
    pub fn tls_handshake_timeout(mut self, timeout: Duration) -> Self {
        self.tls_handshake_timeout = at_least_a_millisecond(timeout);
        self
    }

    /// How long a request body may go without a new byte while a handler reads it (nginx's
    /// `client_body_timeout`); past it the request is answered `408 Request Timeout` and the
    /// connection closed. Default: 60 s.
    #[must_use]
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = at_least_a_millisecond(timeout);
        self
    }

    /// How long a request body may take in all, from the start of its reading (as soon as the
    /// route starts, for a `#[body]` argument; Node's `requestTimeout`); past
    /// it the request is answered `408 Request Timeout` and the connection closed.
    /// Default: 300 s.
    #[must_use]
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = at_least_a_millisecond(timeout);
        self
    }

    /// How long a response, an event stream included, may wait for its client to accept a byte
    /// (nginx's `send_timeout`); past it the response is ended (on HTTP/1.1 the connection is
    /// closed, on HTTP/2 the stream is reset) and counted in
    /// [`ServerStats::dropped`](super::ServerStats::dropped). Bytes queued for a client that
    /// does not read are not progress, heartbeats included. Default: 60 s.
    #[must_use]
    pub fn send_timeout(mut self, timeout: Duration) -> Self {
        self.send_timeout = at_least_a_millisecond(timeout);
        self
    }

    /// How long an HTTP/2 connection may stay open with no open stream (nginx's
    /// `keepalive_timeout`); past it the server sends GOAWAY and closes it, whether or not the
    /// client answers PINGs. Default: 75 s.
    #[must_use]
    pub fn http2_idle_timeout(mut self, timeout: Duration) -> Self {
        self.http2_idle_timeout = at_least_a_millisecond(timeout);
        self
    }

    /// How many connections one client address may have open at once (`None`: no limit, the
    /// default: clients behind one proxy or NAT share an address). Past it, a new connection
    /// from that address is closed at once.
    #[must_use]
    pub fn max_connections_per_ip(mut self, connections: Option<usize>) -> Self {
        self.max_connections_per_ip = connections.map(|count| count.max(1));
        self
    }

    /// How many headers a request may have.
    #[must_use]
    pub fn max_headers(mut self, count: usize) -> Self {
        self.max_headers = count;
        self
    }

    /// How many bytes a request's head may take (at least 8 KiB).
    #[must_use]
    pub fn max_header_bytes(mut self, bytes: usize) -> Self {
        self.max_header_bytes = bytes.max(8 * 1024);
        self
    }

    /// How many connections are served at once (`None`: no limit but the process's file
    /// descriptors). At the limit, the oldest connection that has not yet sent a complete
    /// request head is closed to admit a new one, so idle sockets cannot lock real clients out;
    /// when every connection has sent one, new connections wait in the operating system's
    /// listen backlog until one closes. The same shedding happens when the process runs out
    /// of file descriptors.
    #[must_use]
    pub fn max_connections(mut self, connections: Option<usize>) -> Self {
        self.max_connections = connections.map(|count| count.max(1));
        self
    }

    /// How many streams (requests, event streams) one HTTP/2 connection may have open.
    #[must_use]
    pub fn max_concurrent_streams(mut self, streams: u32) -> Self {
        self.max_concurrent_streams = streams.max(1);
        self
    }

    /// HTTP/2 keep-alive: a PING every `interval` on a connection, which is closed if the
    /// client does not answer within `timeout` (a dead or stalled peer, which HTTP/1.1's header
    /// timeout would catch); `None` turns it off. Default: every 30 s, 20 s to answer.
    #[must_use]
    pub fn http2_keep_alive(mut self, keep_alive: Option<(Duration, Duration)>) -> Self {
        self.http2_keep_alive = keep_alive;
        self
    }

    /// HTTP/2 flow-control windows: how many bytes a client may send on one stream, and on the
    /// whole connection, before the server reads them (at least 64 KiB, RFC 9113's default).
    /// Default: 256 KiB per stream, 1 MiB per connection.
    #[must_use]
    pub fn http2_windows(mut self, stream: u32, connection: u32) -> Self {
        self.http2_stream_window = stream.max(65_535);
        self.http2_connection_window = connection.max(65_535);
        self
    }
}

/// Zero would mean "at once" and close every connection: the shortest timeout is 1 ms.
fn at_least_a_millisecond(timeout: Duration) -> Duration {
    timeout.max(Duration::from_millis(1))
}
