//! [`ServerLimits`]: what one client may cost the server, with safe defaults.

use std::time::Duration;

/// Bounds on what a client may make the server hold, as hyper, nginx and NestJS (Node) bound
/// them. Set with [`NestApplication::set_limits`](super::NestApplication::set_limits).
///
/// | limit | default | past it |
/// | --- | --- | --- |
/// | `header_read_timeout` | 30 s | the connection is closed (a slowloris client, or an idle keep-alive connection) |
/// | `max_headers` | 100 | `431 Request Header Fields Too Large` |
/// | `max_header_bytes` | 64 KiB | `431` (HTTP/1.1); HTTP/2 header lists are bounded the same |
/// | `max_connections` | none | further connections wait in the listen backlog until one closes |
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
    /// How long a client has to send a request's headers, the first one or the next one on a
    /// kept-alive connection.
    #[must_use]
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
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

    /// How many connections are served at once (`None`: no limit). Past it, new connections
    /// wait in the operating system's listen backlog until one closes.
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
