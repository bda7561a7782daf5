//! [`SseSignal`]: NestJS 12's `@SseSignal()`, a signal that fires when an event stream's life
//! ends for any reason.

use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use super::body::Shared;
use crate::{
    http::{FromRequest, HttpException, Request},
    lock::lock,
};

/// Fires when the event stream ends for any reason: the client disconnected, the stream
/// completed or failed, its maximum lifetime passed, or the application is shutting down.
/// NestJS 12's `@SseSignal()` (an `AbortSignal`).
///
/// Take it as an argument of an `#[sse]` handler. Its main use is async setup: check it after an
/// `await`, and give up (return an empty stream, release what you allocated) if the client has
/// already gone. A stream whose client leaves is dropped anyway; the signal is for work that
/// lives outside the stream (spawned tasks, registrations).
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::sse::SseSignal;
///
/// #[derive(Default)]
/// struct JobsController;
///
/// #[controller]
/// impl JobsController {
///     #[sse("jobs")]
///     async fn jobs(&self, signal: SseSignal) -> impl Stream<Item = MessageEvent> {
///         // A worker that must stop when the client goes away.
///         let worker_signal = signal.clone();
///         tokio::spawn(async move {
///             worker_signal.aborted().await;
///             // clean up here
///         });
///         stream::iter(["started"]).map(MessageEvent::from)
///     }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct SseSignal {
    token: CancellationToken,
}

impl SseSignal {
    pub(crate) fn new(token: CancellationToken) -> Self {
        Self { token }
    }

    /// Whether the stream's life has ended (NestJS's `signal.aborted`).
    pub fn is_aborted(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Resolves when the stream's life ends.
    pub async fn aborted(&self) {
        self.token.cancelled().await;
    }
}

/// What an `#[sse]` request carries for [`SseSignal`]: the stream's shared state, where the
/// signal's token is made on first use (a child of the application's shutdown token) and
/// cancelled by the sink's drop. Made on demand, a stream whose handler takes no signal costs
/// no token.
#[derive(Clone)]
pub(super) struct SignalSource(pub(super) Arc<Mutex<Shared>>);

impl FromRequest for SseSignal {
    fn from_request(request: &Request) -> Result<Self, HttpException> {
        let source = request.extensions().get::<SignalSource>();
        let shutdown = &request.context().shutdown;
        source
            .map(|source| {
                let mut shared = lock(&source.0);
                let token = shared.signal.get_or_insert_with(|| shutdown.child_token());
                Self::new(token.clone())
            })
            .ok_or_else(|| {
                HttpException::internal(std::io::Error::other(
                    "SseSignal is only available to #[sse] handlers",
                ))
            })
    }
}
