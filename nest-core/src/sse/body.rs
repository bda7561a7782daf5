//! How an `#[sse]` handler's stream becomes a response body.
//!
//! The handler's generated code runs inside one *producer* future that owns the controller (so
//! the stream may borrow `&self`), awaits the handler, and then drives its stream with
//! [`SseSink::run`](super::SseSink::run). The producer encodes every ready event straight into
//! one buffer shared with [`SseBody`], and the body hands the whole buffer to hyper as one
//! frame: a burst of events costs one write, not one per event.
//!
//! The response is built in two phases, as NestJS 12 commits headers (see `response.rs`):
//! 1. *Setup*: the producer is polled until the stream first yields an event or is pending. An
//!    error before then (from an extractor, the handler, or the stream's first item) becomes a
//!    normal JSON error response with its status.
//! 2. *Open*: the headers go out, and the body keeps polling the producer. An error now becomes
//!    one `event: error` frame, then the stream ends.
//!
//! When the client goes away, hyper drops the body, which drops the producer and with it the
//! handler's stream: its `Drop` is the teardown.

use std::{
    future::Future,
    panic::AssertUnwindSafe,
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
};

use bytes::{Bytes, BytesMut};
use http_body::Frame;

use super::encoder::SseEncoder;
use crate::{http::HttpException, lock::lock};

/// Once this many bytes are buffered, the producer lets the body send them before it encodes
/// more, so a stream that is always ready cannot grow the buffer without bound.
pub(super) const FLUSH_AT: usize = 32 * 1024;

pub(super) type Producer = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What the producer and the body share: the bytes not yet sent, and the response's phase.
pub(super) struct Shared {
    pub(super) buf: BytesMut,
    /// A frame handed to hyper as it is instead of copied into `buf`, and sent before whatever
    /// `buf` holds: the static preamble at first, then a hub's frame that arrived while `buf`
    /// was empty (see `ItemWriter`).
    pub(super) frame: Option<Bytes>,
    pub(super) phase: Phase,
    /// The last automatic id the stream used, so that an error frame after a panic (when the
    /// encoder is gone) takes the next one.
    pub(super) last_id: u64,
    /// The route's [`SseSignal`](super::SseSignal), made when a handler first asks for it
    /// (most take none), and cancelled when the sink is dropped.
    pub(super) signal: Option<tokio_util::sync::CancellationToken>,
}

pub(super) enum Phase {
    /// Nothing decided yet: an error still becomes a JSON response.
    Setup,
    /// Headers are (being) sent: an error becomes an `event: error` frame.
    Open,
    /// The stream failed before it opened. Boxed: the error is rare, and held inline it would
    /// make every stream's shared state larger.
    Failed(Box<HttpException>),
}

impl Shared {
    pub(super) fn open(&mut self) {
        if matches!(self.phase, Phase::Setup) {
            self.phase = Phase::Open;
        }
    }

    /// The open stream panicked: ends it as NestJS ends a failed stream, after the events it
    /// encoded before the panic, with the id after theirs.
    pub(super) fn panicked(&mut self, panic: &(dyn std::any::Any + Send)) {
        tracing::error!(target: "RouterResponseController", "event stream panicked: {}", crate::panic::message(panic));
        let mut encoder = SseEncoder::starting_after(self.last_id);
        encoder.encode_error("Internal server error", &mut self.buf);
    }

    pub(super) fn fail(&mut self, error: HttpException, encoder: &mut SseEncoder) {
        match self.phase {
            Phase::Setup => self.phase = Phase::Failed(Box::new(error)),
            Phase::Open | Phase::Failed(_) => {
                tracing::error!(target: "RouterResponseController", "{error}");
                encoder.encode_error(error.message(), &mut self.buf);
            }
        }
    }
}

/// The body of an SSE response: whatever the producer has encoded, one frame per poll.
pub(crate) struct SseBody {
    pub(super) shared: Arc<Mutex<Shared>>,
    pub(super) producer: Option<Producer>,
}

impl SseBody {
    pub(crate) fn poll_frame(&mut self, cx: &mut Context<'_>) -> Poll<Option<Frame<Bytes>>> {
        if let Some(producer) = &mut self.producer {
            match std::panic::catch_unwind(AssertUnwindSafe(|| producer.as_mut().poll(cx))) {
                Ok(Poll::Ready(())) => self.producer = None,
                Ok(Poll::Pending) => {}
                Err(panic) => {
                    self.producer = None;
                    lock(&self.shared).panicked(&*panic);
                }
            }
        }
        let bytes = {
            let mut shared = lock(&self.shared);
            match shared.frame.take() {
                Some(frame) => frame,
                // Splitting an empty buffer is not free (it shares the buffer's storage).
                None if shared.buf.is_empty() => Bytes::new(),
                None => shared.buf.split().freeze(),
            }
        };
        if !bytes.is_empty() {
            Poll::Ready(Some(Frame::data(bytes)))
        } else if self.producer.is_none() {
            Poll::Ready(None)
        } else {
            Poll::Pending
        }
    }

    pub(crate) fn is_end_stream(&self) -> bool {
        let shared = lock(&self.shared);
        self.producer.is_none() && shared.buf.is_empty() && shared.frame.is_none()
    }
}
