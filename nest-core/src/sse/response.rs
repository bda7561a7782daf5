//! [`PendingSse`]: an `#[sse]` response waiting for its handler to open the stream or fail,
//! and the headers NestJS sends with an event stream.

use std::{
    future::{Future, poll_fn},
    mem,
    panic::AssertUnwindSafe,
    sync::{Arc, Mutex},
    task::Poll,
};

use bytes::{Bytes, BytesMut};
use http::{HeaderValue, Method, StatusCode, Version, header};

use super::{
    body::{Phase, Producer, Shared, SseBody},
    encoder::{PREAMBLE, put_retry},
    options::SseRouteOptions,
    signal::SignalSource,
    sink::{SseSink, StreamObserver},
};
use crate::{
    http::{Body, FromRequest, HttpException, LastEventId, Request, Response},
    lock::lock,
    pipeline::EventMappers,
};

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
    /// Attaches the route's [`SseSignal`] to the request. When ids continue from `Last-Event-ID`
    /// and that header is not a number, they start at 1, as without the header.
    pub(crate) fn new(
        request: &mut Request,
        route: &SseRouteOptions,
    ) -> Result<(SseSink, Self), HttpException> {
        let context = request.context();
        let options = route.resolve(&context.sse);
        let last_id = if options.continues_ids() {
            LastEventId::<u64>::from_request(request)?.0.unwrap_or(0)
        } else {
            0
        };
        let observer = observe(request, context);
        let context = Arc::clone(context);
        let counted = context.counts.stream();
        // The preamble goes out as a static frame of its own: no buffer is allocated for an
        // idle stream until it has something else to send.
        let mut buf = BytesMut::new();
        if let Some(retry) = options.retry_delay() {
            put_retry(&mut buf, retry);
            buf.extend_from_slice(b"\n");
        }
        let shared = Arc::new(Mutex::new(Shared {
            buf,
            frame: Some(Bytes::from_static(PREAMBLE)),
            phase: Phase::Setup,
            last_id,
            signal: None,
        }));
        request
            .extensions_mut()
            .insert(SignalSource(Arc::clone(&shared)));
        let sink = SseSink {
            shared: Arc::clone(&shared),
            options,
            context,
            _counted: counted,
            mappers: request.extensions().get::<EventMappers>().cloned(),
            last_id,
            observer,
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
        let finished = poll_fn(|cx| {
            match std::panic::catch_unwind(AssertUnwindSafe(|| producer.as_mut().poll(cx))) {
                Ok(Poll::Ready(())) => Poll::Ready(true),
                Ok(Poll::Pending) if matches!(lock(&shared).phase, Phase::Setup) => Poll::Pending,
                Ok(Poll::Pending) => Poll::Ready(false),
                Err(panic) => {
                    let mut shared = lock(&shared);
                    if !matches!(shared.phase, Phase::Open) {
                        // Nothing was sent yet: a panic before the stream is NestJS's 500.
                        drop(shared);
                        std::panic::resume_unwind(panic);
                    }
                    // The stream yielded events, then panicked in the same poll: they go out,
                    // then the error frame, as when it panics later.
                    shared.panicked(&*panic);
                    Poll::Ready(true)
                }
            }
        })
        .await;
        if let Phase::Failed(error) = mem::replace(&mut lock(&shared).phase, Phase::Open) {
            return (*error).into_response();
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

/// The stream's observer, when metrics are on or its span (`nest_core::stream` at debug
/// level) is enabled: named by the route's pattern, when the route named itself.
fn observe(request: &Request, context: &crate::context::AppContext) -> Option<Box<StreamObserver>> {
    let route = request
        .extensions()
        .get::<Arc<crate::metrics::MatchedRoute>>()
        .and_then(|matched| matched.get());
    let span = tracing::debug_span!(
        target: "nest_core::stream",
        "stream",
        route = route.map_or(crate::metrics::UNMATCHED, |route| &**route),
        events = tracing::field::Empty,
        heartbeats = tracing::field::Empty,
        reason = tracing::field::Empty,
    );
    if context.metrics.is_none() && span.is_disabled() {
        return None;
    }
    let metrics = context.metrics.as_ref().map(|metrics| match route {
        Some(route) => metrics.stream(route),
        None => metrics.stream(&Arc::from(crate::metrics::UNMATCHED)),
    });
    Some(Box::new(StreamObserver::new(metrics, span)))
}
