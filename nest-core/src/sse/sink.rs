//! [`SseSink`]: runs an `#[sse]` handler's stream inside the producer future, encoding its
//! events and writing heartbeats, until it ends, fails, outlives its lifetime, or the
//! application shuts down.

use std::{
    future::poll_fn,
    pin::{Pin, pin},
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicU8, AtomicU64, Ordering},
    },
    task::{Context, Poll, Waker},
    time::Duration,
};

use bytes::BytesMut;
use futures_core::Stream;
use tokio::time::{Instant, Sleep, sleep_until};
use tokio_util::sync::WaitForCancellationFuture;

use super::{
    body::{FLUSH_AT, Shared},
    encoder::{SseEncoder, put_retry},
    into_sse::{IntoSse, ItemWriter},
    options::SseOptions,
};
use crate::{http::HttpException, lock::lock};

/// The generated code's handle to one SSE response: it either runs the handler's stream or
/// reports an error that happened before there was one.
#[doc(hidden)]
#[must_use = "the response stays empty until the sink runs a stream or fails"]
pub struct SseSink {
    pub(super) shared: Arc<Mutex<Shared>>,
    pub(super) options: Arc<SseOptions>,
    /// The application's context, for its shutdown signal.
    pub(super) context: Arc<crate::context::AppContext>,
    /// The encoder's first automatic id is the one after this.
    pub(super) last_id: u64,
    /// Counts this stream among the server's open ones while it runs.
    pub(super) _counted: crate::context::CountGuard,
    /// The route's interceptors' `map_event`, if it has interceptors.
    pub(super) mappers: Option<crate::pipeline::EventMappers>,
    /// The stream's metrics and `tracing` span, when either is on (boxed: most streams have
    /// neither, and it costs them one pointer).
    pub(super) observer: Option<Box<StreamObserver>>,
}

/// Counts one stream's events and heartbeats into the metrics (once per poll, not per
/// event) and its span, and records how it ended.
pub(super) struct StreamObserver {
    metrics: Option<crate::metrics::StreamMetrics>,
    span: tracing::Span,
    /// Totals for the span, written only by the stream's own task.
    events: AtomicU64,
    heartbeats: AtomicU64,
    /// How the stream ended ([`Ended`]), `Ended::Closed` until it says.
    ended: AtomicU8,
}

/// How a stream ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Ended {
    /// Dropped before it ended: its client left, or the server dropped it (a slow client).
    Closed,
    /// The handler's stream ended.
    Completed,
    /// The handler's stream (or the handler, before it) failed.
    Error,
    /// It lived its maximum lifetime.
    Lifetime,
    /// The application shut down.
    Shutdown,
}

impl Ended {
    fn label(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Completed => "completed",
            Self::Error => "error",
            Self::Lifetime => "lifetime",
            Self::Shutdown => "shutdown",
        }
    }

    fn from_u8(code: u8) -> Self {
        [
            Self::Closed,
            Self::Completed,
            Self::Error,
            Self::Lifetime,
            Self::Shutdown,
        ]
        .get(usize::from(code))
        .copied()
        .unwrap_or(Self::Closed)
    }
}

impl StreamObserver {
    pub(super) fn new(metrics: Option<crate::metrics::StreamMetrics>, span: tracing::Span) -> Self {
        Self {
            metrics,
            span,
            events: AtomicU64::new(0),
            heartbeats: AtomicU64::new(0),
            ended: AtomicU8::new(Ended::Closed as u8),
        }
    }

    fn sent(&self, events: u64, heartbeats: u64) {
        if events == 0 && heartbeats == 0 {
            return;
        }
        // One writer (the stream's task): plain loads and stores, no read-modify-write.
        let total = self.events.load(Ordering::Relaxed);
        self.events.store(total + events, Ordering::Relaxed);
        let total = self.heartbeats.load(Ordering::Relaxed);
        self.heartbeats.store(total + heartbeats, Ordering::Relaxed);
        if let Some(metrics) = &self.metrics {
            metrics.sent(events, heartbeats);
        }
    }
}

impl Drop for StreamObserver {
    fn drop(&mut self) {
        let ended = Ended::from_u8(self.ended.load(Ordering::Relaxed)).label();
        if let Some(metrics) = &self.metrics {
            metrics.ended(ended);
        }
        self.span
            .record("events", self.events.load(Ordering::Relaxed));
        self.span
            .record("heartbeats", self.heartbeats.load(Ordering::Relaxed));
        self.span.record("reason", ended);
    }
}

/// Fires the route's [`SseSignal`](super::SseSignal), if a handler took one, when the sink is
/// dropped: the stream completed or failed, or the producer was dropped because the client left.
impl Drop for SseSink {
    fn drop(&mut self) {
        if let Some(signal) = lock(&self.shared).signal.take() {
            signal.cancel();
        }
    }
}

impl std::fmt::Debug for SseSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SseSink")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// The timers and signals a running stream watches besides its own events.
struct Watch<'a, 'token> {
    /// The heartbeat interval and its timer, if heartbeats are on.
    heartbeat: Option<(Duration, Pin<&'a mut Sleep>)>,
    /// When the last bytes were written (an event or a heartbeat).
    last_write: Instant,
    /// Fires when the stream has lived its maximum lifetime.
    lifetime: Option<Pin<&'a mut Sleep>>,
    /// Fires when the application shuts down.
    shutdown: Pin<&'a mut WaitForCancellationFuture<'token>>,
    /// The waker the timers and the shutdown signal hold, from their last poll. While the
    /// task's waker stays the same, each needs polling again only once it has fired, which
    /// is cheap to check: a stream that sends often does not pay for three polls per wake-up.
    registered: Option<Waker>,
}

/// The shared state, locked for one poll of the stream, and the encoder: when the poll ends,
/// even by a panic, the shared state takes the encoder's last id, so that an error frame after
/// a panic takes the id after the events encoded before it.
struct KeepLastId<'a> {
    shared: MutexGuard<'a, Shared>,
    encoder: &'a mut SseEncoder,
}

impl Drop for KeepLastId<'_> {
    fn drop(&mut self) {
        self.shared.last_id = self.encoder.last_id();
    }
}

/// Polls `sleep` with no cooperative budget, so that a `Pending` always means that the
/// sleep now holds the waker (a budgeted poll may return `Pending` without registering it).
fn poll_sleep(sleep: Pin<&mut Sleep>, cx: &mut Context<'_>) -> Poll<()> {
    pin!(tokio::task::unconstrained(sleep)).poll(cx)
}

impl SseSink {
    /// Sends the handler's return value: its stream's events, or its error.
    ///
    /// Takes the sink by reference: the generated code holds it for the stream's life anyway,
    /// and a sink moved into this future would be stored twice in the producer.
    pub async fn run<M, R: IntoSse<M>>(&self, returned: R) {
        let stream = match returned.into_sse() {
            Ok(stream) => stream,
            Err(error) => return self.fail(error),
        };
        let mut stream = pin!(stream);
        let mut encoder = SseEncoder::starting_after(self.last_id);
        let now = Instant::now();
        let keep_alive = self.options.keep_alive_interval();
        let mut heartbeat = pin!(sleep_until(now + keep_alive.unwrap_or_default()));
        // Boxed, and only when set: most streams have no lifetime, and an unused timer would
        // take about 100 bytes of every stream's producer.
        let mut lifetime = self
            .options
            .lifetime()
            .map(|lifetime| Box::pin(sleep_until(now + lifetime)));
        let mut shutdown = pin!(self.context.shutdown.cancelled());
        let mut watch = Watch {
            heartbeat: keep_alive.map(|interval| (interval, heartbeat.as_mut())),
            last_write: now,
            lifetime: lifetime.as_mut().map(|sleep| sleep.as_mut()),
            shutdown: shutdown.as_mut(),
            registered: None,
        };
        poll_fn(|cx| {
            let mut ids = KeepLastId {
                shared: lock(&self.shared),
                encoder: &mut encoder,
            };
            self.drive::<M, R>(
                &mut ids.shared,
                stream.as_mut(),
                ids.encoder,
                &mut watch,
                cx,
            )
        })
        .await;
    }

    /// Reports an error found before the handler ran (a bad path parameter, say).
    pub fn fail(&self, error: impl Into<HttpException>) {
        self.end(Ended::Error);
        lock(&self.shared).fail(error.into(), &mut SseEncoder::new());
    }

    /// Counts what one poll wrote; one branch when the stream is not observed.
    fn count(&self, events: u64, heartbeats: u64) {
        if let Some(observer) = &self.observer {
            observer.sent(events, heartbeats);
        }
    }

    /// Records how the stream ended.
    fn end(&self, ended: Ended) {
        if let Some(observer) = &self.observer {
            observer.ended.store(ended as u8, Ordering::Relaxed);
        }
    }

    /// Encodes every event the stream has ready, then waits for more, for a heartbeat, for the
    /// end of the stream's lifetime, or for shutdown.
    fn drive<M, R: IntoSse<M>>(
        &self,
        shared: &mut Shared,
        mut stream: Pin<&mut R::Stream>,
        encoder: &mut SseEncoder,
        watch: &mut Watch<'_, '_>,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        let rewake = !watch
            .registered
            .as_ref()
            .is_some_and(|waker| waker.will_wake(cx.waker()));
        if rewake {
            watch.registered = Some(cx.waker().clone());
        }
        if (rewake || self.context.is_stopping()) && watch.shutdown.as_mut().poll(cx).is_ready() {
            shared.open();
            if let Some(name) = self.options.shutdown_event_name() {
                put_shutdown_frame(&mut shared.buf, name, self.options.retry_delay());
            }
            self.end(Ended::Shutdown);
            return Poll::Ready(());
        }
        if let Some(lifetime) = &mut watch.lifetime {
            if (rewake || lifetime.is_elapsed()) && poll_sleep(lifetime.as_mut(), cx).is_ready() {
                shared.open();
                self.end(Ended::Lifetime);
                return Poll::Ready(());
            }
        }
        let mut wrote = false;
        // Counted here, added to the metrics once per poll.
        let mut events = 0;
        loop {
            match stream.as_mut().poll_next(cx) {
                Poll::Ready(Some(item)) => {
                    let encoded = R::write_item(
                        item,
                        &mut ItemWriter {
                            encoder,
                            buf: &mut shared.buf,
                            frame: &mut shared.frame,
                            mappers: self.mappers.as_ref(),
                        },
                    );
                    if let Err(error) = encoded {
                        shared.fail(error, encoder);
                        self.count(events, 0);
                        self.end(Ended::Error);
                        return Poll::Ready(());
                    }
                    shared.open();
                    wrote = true;
                    events += 1;
                    if shared.buf.len() >= FLUSH_AT {
                        // No wake-up needed: the body hands hyper these bytes now, and hyper
                        // polls the body again as soon as it can take more (or is woken by
                        // the socket when it can write again), which polls this stream.
                        let now = Instant::now();
                        watch.last_write = now;
                        // The heartbeat timer is polled again only when it fires or the waker
                        // changes: with a new waker it must take it now, or a stream that
                        // falls quiet after this burst would never be woken for a heartbeat.
                        let beats = if rewake {
                            watch.beat(&mut shared.buf, now, cx)
                        } else {
                            0
                        };
                        self.count(events, beats);
                        return Poll::Pending;
                    }
                }
                Poll::Ready(None) => {
                    shared.open();
                    self.count(events, 0);
                    self.end(Ended::Completed);
                    return Poll::Ready(());
                }
                Poll::Pending => {
                    shared.open();
                    break;
                }
            }
        }
        if let Some((_, timer)) = &watch.heartbeat {
            let now = Instant::now();
            if wrote {
                watch.last_write = now;
            }
            // The timer is only moved when it fires: events in between just move `last_write`.
            if rewake || timer.is_elapsed() {
                let beats = watch.beat(&mut shared.buf, now, cx);
                self.count(events, beats);
                return Poll::Pending;
            }
        }
        self.count(events, 0);
        Poll::Pending
    }
}

impl Watch<'_, '_> {
    /// Polls the heartbeat timer, if heartbeats are on: writes a heartbeat into `buf` if one
    /// is due at `now`, and moves the timer to the next due time. After a reset the timer is
    /// polled again, so that it holds the task's waker for its new deadline. Returns how many heartbeats it wrote.
    fn beat(&mut self, buf: &mut BytesMut, now: Instant, cx: &mut Context<'_>) -> u64 {
        let Some((interval, timer)) = &mut self.heartbeat else {
            return 0;
        };
        let mut beats = 0;
        while poll_sleep(timer.as_mut(), cx).is_ready() {
            let due = self.last_write + *interval;
            if due <= now {
                buf.extend_from_slice(KEEP_ALIVE);
                self.last_write = now;
                beats += 1;
            }
            timer.as_mut().reset(self.last_write + *interval);
        }
        beats
    }
}

/// The heartbeat: a comment, which `EventSource` ignores.
const KEEP_ALIVE: &[u8] = b": keep-alive\n\n";

/// The last frame on shutdown: `event: <name>`, the retry hint, and empty data so that the
/// browser dispatches it. It has no id, so the browser's `Last-Event-ID` still names the last
/// real event.
fn put_shutdown_frame(buf: &mut BytesMut, name: &str, retry: Option<Duration>) {
    let name = name.replace(['\r', '\n'], "");
    buf.extend_from_slice(b"event: ");
    buf.extend_from_slice(name.as_bytes());
    buf.extend_from_slice(b"\n");
    if let Some(retry) = retry {
        put_retry(buf, retry);
    }
    buf.extend_from_slice(b"data: \n\n");
}
