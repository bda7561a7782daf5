//! How an `#[sse]` handler's stream becomes a response body.
//!
//! The handler's generated code runs inside one *producer* future that owns the controller (so
//! the stream may borrow `&self`), awaits the handler, and then drives its stream with
//! [`SseSink::run`]. The producer encodes every ready event straight into one buffer shared with
//! [`SseBody`], and the body hands the whole buffer to hyper as one frame: a burst of events costs
//! one write, not one per event.
//!
//! The response is built in two phases, as NestJS 12 commits headers:
//! 1. *Setup*: [`respond`] polls the producer until the stream first yields an event or is
//!    pending. An error before then (from an extractor, the handler, or the stream's first item)
//!    becomes a normal JSON error response with its status.
//! 2. *Open*: the headers go out, and the body keeps polling the producer. An error now becomes
//!    one `event: error` frame, then the stream ends.
//!
//! When the client goes away, hyper drops the body, which drops the producer and with it the
//! handler's stream: its `Drop` is the teardown.

use std::{
    future::{Future, poll_fn},
    mem,
    pin::{Pin, pin},
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    task::{Context, Poll},
    time::Duration,
};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use http::{HeaderValue, Method, StatusCode, Version, header};
use http_body::Frame;
use tokio::time::{Instant, Sleep, sleep_until};
use tokio_util::sync::{CancellationToken, DropGuard, WaitForCancellationFuture};

use super::{
    encoder::{PREAMBLE, SseEncoder},
    into_sse::{IntoSse, SseFrame},
    options::{SseOptions, SseRouteOptions},
    signal::SseSignal,
};
use crate::http::{Body, FromRequest, HttpException, LastEventId, Request, Response};

/// Once this many bytes are buffered, the producer lets the body send them before it encodes
/// more, so a stream that is always ready cannot grow the buffer without bound.
const FLUSH_AT: usize = 32 * 1024;

type Producer = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What the producer and the body share: the bytes not yet sent, and the response's phase.
struct Shared {
    buf: BytesMut,
    phase: Phase,
}

enum Phase {
    /// Nothing decided yet: an error still becomes a JSON response.
    Setup,
    /// Headers are (being) sent: an error becomes an `event: error` frame.
    Open,
    /// The stream failed before it opened.
    Failed(HttpException),
}

impl Shared {
    fn open(&mut self) {
        if matches!(self.phase, Phase::Setup) {
            self.phase = Phase::Open;
        }
    }

    fn fail(&mut self, error: HttpException, encoder: &mut SseEncoder) {
        match self.phase {
            Phase::Setup => self.phase = Phase::Failed(error),
            Phase::Open | Phase::Failed(_) => {
                tracing::error!(target: "RouterResponseController", "{error}");
                encoder.encode_error(error.message(), &mut self.buf);
            }
        }
    }
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The generated code's handle to one SSE response: it either runs the handler's stream or
/// reports an error that happened before there was one.
#[doc(hidden)]
#[must_use = "the response stays empty until the sink runs a stream or fails"]
pub struct SseSink {
    shared: Arc<Mutex<Shared>>,
    options: SseOptions,
    /// The application's shutdown signal.
    shutdown: CancellationToken,
    /// Fires the route's [`SseSignal`] when the sink is dropped: the stream completed or failed,
    /// or the producer was dropped because the client left.
    _signal: DropGuard,
    /// The encoder's first automatic id is the one after this.
    last_id: u64,
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
}

impl SseSink {
    /// Sends the handler's return value: its stream's events, or its error.
    pub async fn run<M, R: IntoSse<M>>(self, returned: R) {
        let stream = match returned.into_sse() {
            Ok(stream) => stream,
            Err(error) => return self.fail(error),
        };
        let mut stream = pin!(stream);
        let mut encoder = SseEncoder::starting_after(self.last_id);
        let now = Instant::now();
        let keep_alive = self.options.keep_alive_interval();
        let mut heartbeat = pin!(sleep_until(now + keep_alive.unwrap_or_default()));
        let mut lifetime = pin!(sleep_until(
            now + self.options.lifetime().unwrap_or_default()
        ));
        let mut shutdown = pin!(self.shutdown.cancelled());
        let mut watch = Watch {
            heartbeat: keep_alive.map(|interval| (interval, heartbeat.as_mut())),
            last_write: now,
            lifetime: self.options.lifetime().map(|_| lifetime.as_mut()),
            shutdown: shutdown.as_mut(),
        };
        poll_fn(|cx| self.drive::<M, R>(stream.as_mut(), &mut encoder, &mut watch, cx)).await;
    }

    /// Reports an error found before the handler ran (a bad path parameter, say).
    pub fn fail(self, error: impl Into<HttpException>) {
        lock(&self.shared).fail(error.into(), &mut SseEncoder::new());
    }

    /// Encodes every event the stream has ready, then waits for more, for a heartbeat, for the
    /// end of the stream's lifetime, or for shutdown.
    fn drive<M, R: IntoSse<M>>(
        &self,
        mut stream: Pin<&mut R::Stream>,
        encoder: &mut SseEncoder,
        watch: &mut Watch<'_, '_>,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        let mut shared = lock(&self.shared);
        if watch.shutdown.as_mut().poll(cx).is_ready() {
            shared.open();
            if let Some(name) = self.options.shutdown_event_name() {
                put_shutdown_frame(&mut shared.buf, name, self.options.retry_delay());
            }
            return Poll::Ready(());
        }
        if let Some(lifetime) = &mut watch.lifetime {
            if lifetime.as_mut().poll(cx).is_ready() {
                shared.open();
                return Poll::Ready(());
            }
        }
        let mut wrote = false;
        loop {
            match stream.as_mut().poll_next(cx) {
                Poll::Ready(Some(item)) => {
                    let encoded = R::item_into_frame(item).and_then(|frame| match frame {
                        SseFrame::Event(event) => encoder
                            .encode(&event, &mut shared.buf)
                            .map_err(HttpException::internal),
                        SseFrame::Encoded(frame) => {
                            shared.buf.extend_from_slice(frame.as_bytes());
                            Ok(())
                        }
                    });
                    if let Err(error) = encoded {
                        shared.fail(error, encoder);
                        return Poll::Ready(());
                    }
                    shared.open();
                    wrote = true;
                    if shared.buf.len() >= FLUSH_AT {
                        cx.waker().wake_by_ref();
                        return Poll::Pending;
                    }
                }
                Poll::Ready(None) => {
                    shared.open();
                    return Poll::Ready(());
                }
                Poll::Pending => {
                    shared.open();
                    break;
                }
            }
        }
        if let Some((interval, timer)) = &mut watch.heartbeat {
            let now = Instant::now();
            if wrote {
                watch.last_write = now;
            }
            // The timer is only moved when it fires: events in between just move `last_write`.
            while timer.as_mut().poll(cx).is_ready() {
                let due = watch.last_write + *interval;
                if due <= now {
                    shared.buf.extend_from_slice(KEEP_ALIVE);
                    watch.last_write = now;
                }
                timer.as_mut().reset(watch.last_write + *interval);
            }
        }
        Poll::Pending
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
        buf.extend_from_slice(b"retry: ");
        buf.extend_from_slice(itoa::Buffer::new().format(retry.as_millis()).as_bytes());
        buf.extend_from_slice(b"\n");
    }
    buf.extend_from_slice(b"data: \n\n");
}

/// The body of an SSE response: whatever the producer has encoded, one frame per poll.
pub(crate) struct SseBody {
    shared: Arc<Mutex<Shared>>,
    producer: Option<Producer>,
}

impl SseBody {
    pub(crate) fn poll_frame(&mut self, cx: &mut Context<'_>) -> Poll<Option<Frame<Bytes>>> {
        if let Some(producer) = &mut self.producer {
            if producer.as_mut().poll(cx).is_ready() {
                self.producer = None;
            }
        }
        let bytes = lock(&self.shared).buf.split().freeze();
        if !bytes.is_empty() {
            Poll::Ready(Some(Frame::data(bytes)))
        } else if self.producer.is_none() {
            Poll::Ready(None)
        } else {
            Poll::Pending
        }
    }

    pub(crate) fn is_end_stream(&self) -> bool {
        self.producer.is_none() && lock(&self.shared).buf.is_empty()
    }
}

/// The headers NestJS 12.5.1 sends on every event stream, in its order. `Connection:
/// keep-alive` comes second, on HTTP/1.x connections that stay open.
const SSE_HEADERS: [(header::HeaderName, &str); 5] = [
    (header::CONTENT_TYPE, "text/event-stream"),
    (
        header::CACHE_CONTROL,
        "private, no-cache, no-store, must-revalidate, max-age=0, no-transform",
    ),
    (header::PRAGMA, "no-cache"),
    (header::EXPIRES, "0"),
    (header::HeaderName::from_static("x-accel-buffering"), "no"),
];

/// An SSE response waiting for its producer: created with the request's sink, it answers once
/// the producer has opened the stream or failed.
pub(crate) struct PendingSse {
    shared: Arc<Mutex<Shared>>,
    /// HTTP/1.x without `Connection: close`: the one case NestJS's `Connection: keep-alive`
    /// is true.
    keep_alive: bool,
    method: Method,
}

impl PendingSse {
    /// The sink to hand to the handler's generated code, and the response that waits on it.
    /// Attaches the route's [`SseSignal`] to the request. Fails with a 400 when ids continue from
    /// `Last-Event-ID` and that header is not a number.
    pub(crate) fn new(
        request: &mut Request,
        route: &SseRouteOptions,
    ) -> Result<(SseSink, Self), HttpException> {
        let context = request.context();
        let options = route.apply(&context.sse);
        let last_id = if options.continues_ids() {
            LastEventId::<u64>::from_request(request)?.0.unwrap_or(0)
        } else {
            0
        };
        let signal = context.shutdown.child_token();
        let shutdown = context.shutdown.clone();
        let mut buf = BytesMut::from(PREAMBLE);
        if let Some(retry) = options.retry_delay() {
            buf.extend_from_slice(b"retry: ");
            buf.extend_from_slice(itoa::Buffer::new().format(retry.as_millis()).as_bytes());
            buf.extend_from_slice(b"\n\n");
        }
        let shared = Arc::new(Mutex::new(Shared {
            buf,
            phase: Phase::Setup,
        }));
        request
            .extensions_mut()
            .insert(SseSignal::new(signal.clone()));
        let sink = SseSink {
            shared: Arc::clone(&shared),
            options,
            shutdown,
            _signal: signal.drop_guard(),
            last_id,
        };
        let close_requested = request
            .headers()
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .any(|token| token.trim().eq_ignore_ascii_case("close"));
        let pending = Self {
            shared,
            keep_alive: request.version() < Version::HTTP_2 && !close_requested,
            method: request.method().clone(),
        };
        Ok((sink, pending))
    }

    /// Polls `producer` (the handler's generated code) until the stream opens or fails, then
    /// answers with the event stream or with the error.
    pub(crate) async fn respond<Fut>(self, producer: Fut) -> Response
    where
        Fut: Future<Output = ()> + Send + 'static,
    {
        let Self {
            shared,
            keep_alive,
            method,
        } = self;
        let mut producer: Producer = Box::pin(producer);
        let finished = poll_fn(|cx| match producer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(true),
            Poll::Pending if matches!(lock(&shared).phase, Phase::Setup) => Poll::Pending,
            Poll::Pending => Poll::Ready(false),
        })
        .await;
        if let Phase::Failed(error) = mem::replace(&mut lock(&shared).phase, Phase::Open) {
            return error.into_response();
        }
        let body = if method == Method::HEAD {
            // Headers only; dropping the producer ends the stream.
            Body::empty()
        } else {
            Body::sse(SseBody {
                shared,
                producer: (!finished).then_some(producer),
            })
        };
        let mut response = Response::new(body);
        *response.status_mut() = if method == Method::POST {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        let headers = response.headers_mut();
        headers.reserve(SSE_HEADERS.len() + 1);
        let [content_type, rest @ ..] = &SSE_HEADERS;
        headers.insert(
            content_type.0.clone(),
            HeaderValue::from_static(content_type.1),
        );
        // NestJS sends `Connection: keep-alive` even when the client asked to close (and on
        // HTTP/2, where the header is forbidden): only say it when it is true.
        if keep_alive {
            headers.insert(header::CONNECTION, HeaderValue::from_static("keep-alive"));
        }
        for (name, value) in rest {
            headers.insert(name.clone(), HeaderValue::from_static(value));
        }
        response
    }
}
