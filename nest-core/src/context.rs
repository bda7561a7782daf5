//! [`AppContext`]: what every request of a running application shares: its SSE settings and its
//! shutdown signal.

use std::sync::{
    Arc,
    atomic::{AtomicU64, AtomicUsize, Ordering},
};

use tokio_util::sync::CancellationToken;

use crate::sse::options::SseOptions;

/// The default largest request body `#[body]` reads: 1 MiB (a larger one is a 413); see
/// `NestApplication::set_body_limit`.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Shared by the server and every request it serves.
#[derive(Debug)]
pub(crate) struct AppContext {
    /// Settings for every event stream, before per-route overrides: shared by every stream of
    /// a route that overrides none.
    pub(crate) sse: Arc<SseOptions>,
    /// Cancelled when the application starts shutting down (by [`AppContext::shut_down`]).
    pub(crate) shutdown: CancellationToken,
    /// Set just before `shutdown` is cancelled: what a running event stream checks on every
    /// wake-up, with no lock (a token's `is_cancelled` takes one).
    pub(crate) stopping: std::sync::atomic::AtomicBool,
    /// The largest body `#[body]` reads, in bytes.
    pub(crate) body_limit: usize,
    /// How long a request body may go without a new byte, and take in all.
    pub(crate) body_timeouts: BodyTimeouts,
    /// What is open right now.
    pub(crate) counts: Arc<Counts>,
    /// `app.enable_metrics(...)`: what the request and event paths count into.
    pub(crate) metrics: Option<crate::metrics::Metrics>,
}

/// How long reading a request body may take: `read` without a new byte, `total` in all.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyTimeouts {
    pub(crate) read: std::time::Duration,
    pub(crate) total: std::time::Duration,
}

impl Default for BodyTimeouts {
    fn default() -> Self {
        Self {
            read: std::time::Duration::from_secs(60),
            total: std::time::Duration::from_secs(300),
        }
    }
}

/// Live counts of what the server holds, kept by guards so nothing is counted twice or left
/// behind.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    connections: AtomicUsize,
    streams: AtomicUsize,
    dropped: AtomicUsize,
    /// Connections (HTTP/2: streams) the server ended, by [`Closed`] reason.
    closed: [AtomicU64; Closed::ALL.len()],
}

/// Why the server ended a connection (or an HTTP/2 stream).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Closed {
    /// The client accepted no byte within the send timeout.
    SendTimeout,
    /// No request head within the header read timeout.
    HeaderTimeout,
    /// An HTTP/2 connection with no stream for its idle timeout.
    IdleTimeout,
    /// Closed to admit a newer connection.
    Shed,
}

impl Closed {
    const ALL: [Self; 4] = [
        Self::SendTimeout,
        Self::HeaderTimeout,
        Self::IdleTimeout,
        Self::Shed,
    ];

    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::SendTimeout => "send_timeout",
            Self::HeaderTimeout => "header_timeout",
            Self::IdleTimeout => "idle_timeout",
            Self::Shed => "shed",
        }
    }
}

/// What [`Counts`] holds at one moment, for the metrics.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CountsSample {
    pub(crate) connections: usize,
    pub(crate) streams: usize,
    closed: [u64; Closed::ALL.len()],
}

impl CountsSample {
    /// Adds another server's counts.
    pub(crate) fn add(&mut self, other: &Self) {
        self.connections += other.connections;
        self.streams += other.streams;
        for (total, closed) in self.closed.iter_mut().zip(other.closed) {
            *total += closed;
        }
    }

    /// The connections closed, by reason.
    pub(crate) fn closed(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        Closed::ALL
            .iter()
            .zip(self.closed)
            .map(|(reason, count)| (reason.label(), count))
    }
}

impl Counts {
    /// Counts one connection until the guard is dropped.
    pub(crate) fn connection(self: &Arc<Self>) -> CountGuard {
        self.connections.fetch_add(1, Ordering::Relaxed);
        CountGuard {
            counts: Arc::clone(self),
            stream: false,
        }
    }

    /// Counts one event stream (from its handler's start to its end) until the guard is dropped.
    pub(crate) fn stream(self: &Arc<Self>) -> CountGuard {
        self.streams.fetch_add(1, Ordering::Relaxed);
        CountGuard {
            counts: Arc::clone(self),
            stream: true,
        }
    }

    /// Counts one response ended because its client accepted no byte within the send timeout.
    pub(crate) fn dropped(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
        self.closed(Closed::SendTimeout);
    }

    /// Counts one connection (or HTTP/2 stream) the server ended, for the metrics (a rare
    /// event: counted whether or not metrics are on).
    pub(crate) fn closed(&self, reason: Closed) {
        self.closed[reason as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn sample(&self) -> CountsSample {
        CountsSample {
            connections: self.connections.load(Ordering::Relaxed),
            streams: self.streams.load(Ordering::Relaxed),
            closed: std::array::from_fn(|index| self.closed[index].load(Ordering::Relaxed)),
        }
    }

    pub(crate) fn snapshot(&self) -> ServerStats {
        ServerStats {
            open_connections: self.connections.load(Ordering::Relaxed),
            open_streams: self.streams.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
        }
    }
}

/// Decrements its count when dropped.
#[derive(Debug)]
pub(crate) struct CountGuard {
    counts: Arc<Counts>,
    stream: bool,
}

impl Drop for CountGuard {
    fn drop(&mut self) {
        let count = if self.stream {
            &self.counts.streams
        } else {
            &self.counts.connections
        };
        count.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What a running server holds right now, for monitoring and for tests that check nothing is
/// left behind.
///
/// ```
/// use nest_core::app::ServerStats;
/// let idle = ServerStats { open_connections: 0, open_streams: 0, dropped: 0 };
/// assert_eq!(idle, ServerStats::default());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerStats {
    /// Client connections open.
    pub open_connections: usize,
    /// Event streams running (from their handler's start to their end).
    pub open_streams: usize,
    /// Responses ended since the server started because their client accepted no byte within
    /// [`ServerLimits::send_timeout`](crate::app::ServerLimits::send_timeout) (HTTP/1.1 connections
    /// closed, HTTP/2 streams reset).
    pub dropped: usize,
}

impl AppContext {
    /// Starts the shutdown: sets `stopping`, then cancels `shutdown`.
    pub(crate) fn shut_down(&self) {
        self.stopping.store(true, Ordering::Release);
        self.shutdown.cancel();
    }

    /// Whether the shutdown started (at worst a moment late: `shutdown`'s waiters are woken
    /// after `stopping` is set).
    pub(crate) fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }
}

impl Default for AppContext {
    fn default() -> Self {
        Self {
            sse: Arc::default(),
            shutdown: CancellationToken::new(),
            stopping: std::sync::atomic::AtomicBool::new(false),
            body_limit: BODY_LIMIT,
            body_timeouts: BodyTimeouts::default(),
            counts: Arc::default(),
            metrics: None,
        }
    }
}
