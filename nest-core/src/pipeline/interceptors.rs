//! Interceptors: NestJS's `NestInterceptor`, around the handler (before it, after it on its
//! response) and, on event streams, around each event, so that a response-wrapping
//! interceptor does not break streams.

use std::{future::Future, pin::Pin, sync::Arc};

use super::guards::ExecutionContext;
use crate::{http::Response, sse::event::MessageEvent};

/// What [`NestInterceptor::before`] returns: a response that replaces the handler's, or `None`
/// to go on.
pub type InterceptFuture<'a> = Pin<Box<dyn Future<Output = Option<Response>> + Send + 'a>>;

/// An interceptor, as NestJS's `NestInterceptor`, split in the four places it acts:
///
/// * [`before`](Self::before) the handler (after the guards): it may answer instead of it (a
///   cache hit);
/// * [`intercept`](Self::intercept) around it, as NestJS's `intercept(context, next)`: await
///   `next.handle()` for the handler's response, or do not (a timeout answers 408 instead,
///   timing code measures it, an error becomes another error);
/// * [`after`](Self::after) the handler, on its response (NestJS's `map` on the result): change
///   the status, the headers, or the body;
/// * [`map_event`](Self::map_event) on each event of an event stream: NestJS applies a global
///   `map(data => ({ data }))` to every event, which breaks streams that expect their own
///   shape; here stream events only go through `map_event`, which leaves them unchanged unless
///   the interceptor says otherwise. Frames from a `Hub` are encoded once for all subscribers
///   and do not go through it.
///
/// Attach with `#[use_interceptors(LoggingInterceptor)]` on a route or below `#[controller]`
/// (built by the injector, as guards are), or with `NestApplication::use_global_interceptor`. They run in
/// NestJS's order: global, controller, route before the handler; the reverse after it.
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::Response;
/// use nest_core::pipeline::NestInterceptor;
///
/// /// Adds a header to every response and a comment to every event.
/// #[derive(Default)]
/// struct StampInterceptor;
///
/// impl NestInterceptor for StampInterceptor {
///     fn after(&self, mut response: Response) -> Response {
///         response.headers_mut().insert("x-stamp", http::HeaderValue::from_static("1"));
///         response
///     }
///
///     fn map_event(&self, event: MessageEvent) -> MessageEvent {
///         event.comment("stamped")
///     }
/// }
/// ```
pub trait NestInterceptor: Send + Sync + 'static {
    /// Before the handler: `Some(response)` answers instead of it.
    fn before<'a>(&'a self, context: &'a ExecutionContext<'a>) -> InterceptFuture<'a> {
        let _ = context;
        Box::pin(std::future::ready(None))
    }

    /// Around the handler: `next.handle().await` runs it (and the interceptors inside this
    /// one) and gives its response.
    ///
    /// ```
    /// use nest_core::{RequestTimeoutException, Response, pipeline::{CallHandler, NestInterceptor, ResponseFuture}};
    /// use std::time::Duration;
    ///
    /// /// NestJS's `TimeoutInterceptor`: 408 when the handler takes longer than 5 s.
    /// #[derive(Default)]
    /// struct TimeoutInterceptor;
    ///
    /// impl NestInterceptor for TimeoutInterceptor {
    ///     fn intercept<'a>(&'a self, next: CallHandler<'a>) -> ResponseFuture<'a> {
    ///         Box::pin(async move {
    ///             tokio::time::timeout(Duration::from_secs(5), next.handle())
    ///                 .await
    ///                 .unwrap_or_else(|_| RequestTimeoutException::new("Request Timeout").into_response())
    ///         })
    ///     }
    /// }
    /// ```
    fn intercept<'a>(&'a self, next: CallHandler<'a>) -> ResponseFuture<'a> {
        Box::pin(next.handle())
    }

    /// After the handler, on its response (an error response included).
    fn after(&self, response: Response) -> Response {
        response
    }

    /// On each event of an event stream, before it is encoded.
    fn map_event(&self, event: MessageEvent) -> MessageEvent {
        event
    }
}

impl std::fmt::Debug for dyn NestInterceptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Interceptor")
    }
}

/// A response to come ([`NestInterceptor::intercept`]).
pub type ResponseFuture<'a> = Pin<Box<dyn Future<Output = Response> + Send + 'a>>;

/// The rest of the pipeline, as NestJS's `CallHandler`: [`handle`](Self::handle) runs the
/// inner interceptors and the handler.
pub struct CallHandler<'a> {
    future: ResponseFuture<'a>,
}

impl std::fmt::Debug for CallHandler<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CallHandler")
    }
}

impl<'a> CallHandler<'a> {
    pub(crate) fn new(future: ResponseFuture<'a>) -> Self {
        Self { future }
    }

    /// Runs the handler (and the interceptors inside this one); its response.
    pub async fn handle(self) -> Response {
        self.future.await
    }
}

/// `response` through every interceptor's [`after`](NestInterceptor::after), innermost
/// first. An event stream keeps `Content-Type: text/event-stream` whatever an interceptor sets,
/// as NestJS's stream head always wins over headers set before it.
pub(crate) fn after_all(interceptors: &[Arc<dyn NestInterceptor>], response: Response) -> Response {
    let mut response = interceptors
        .iter()
        .rev()
        .fold(response, |response, interceptor| {
            interceptor.after(response)
        });
    if response.body().is_sse() {
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/event-stream"),
        );
    }
    response
}

/// The interceptors whose `map_event` an event stream applies, attached to its request.
#[derive(Clone, Debug)]
pub(crate) struct EventMappers(pub(crate) Arc<Vec<Arc<dyn NestInterceptor>>>);

impl EventMappers {
    /// `event` through every interceptor, outermost last (as responses go back out).
    pub(crate) fn apply(&self, event: MessageEvent) -> MessageEvent {
        self.0
            .iter()
            .rev()
            .fold(event, |event, interceptor| interceptor.map_event(event))
    }
}
