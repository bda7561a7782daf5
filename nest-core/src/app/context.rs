//! [`AppContext`]: what every request of a running application shares: its SSE settings and its
//! shutdown signal.

use tokio_util::sync::CancellationToken;

use crate::sse::SseOptions;

/// Shared by the server and every request it serves.
#[derive(Debug)]
pub(crate) struct AppContext {
    /// Settings for every event stream, before per-route overrides.
    pub(crate) sse: SseOptions,
    /// Cancelled when the application starts shutting down.
    pub(crate) shutdown: CancellationToken,
    /// The largest body `#[body]` reads, in bytes.
    pub(crate) body_limit: usize,
}

impl Default for AppContext {
    fn default() -> Self {
        Self {
            sse: SseOptions::default(),
            shutdown: CancellationToken::new(),
            body_limit: crate::http::BODY_LIMIT,
        }
    }
}
