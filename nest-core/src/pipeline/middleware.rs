//! Middleware, as NestJS's `NestMiddleware`: code that runs before routing for the requests of
//! the paths a module's `configure(consumer)` binds it to (see `MiddlewareConsumer`), and hands
//! the request on with `next`, or answers itself.

use std::{future::Future, pin::Pin, sync::Arc};

use crate::http::{HttpException, Request, Response};

/// What [`NestMiddleware`]'s `use` returns: the response, or an exception answered as NestJS
/// answers it (through the global exception filters).
pub type MiddlewareFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Response, HttpException>> + Send + 'a>>;

/// The response of the rest of the chain.
type ResponseFuture = Pin<Box<dyn Future<Output = Response> + Send>>;

/// The rest of the chain, which [`NestMiddleware`]'s `use` calls to hand the request on: the
/// next middleware bound to the request's path, then the route's handler (NestJS's `next()`).
///
/// ```
/// use nest_core::pipeline::{MiddlewareFuture, NestMiddleware, Next};
/// use nest_core::Request;
///
/// /// Logs each request and the status it got.
/// #[derive(nest_core::Injectable, Default)]
/// struct LoggerMiddleware;
///
/// impl NestMiddleware for LoggerMiddleware {
///     fn r#use<'a>(&'a self, req: Request, next: Next) -> MiddlewareFuture<'a> {
///         Box::pin(async move {
///             let line = format!("{} {}", req.method(), req.uri());
///             let response = next.run(req).await;
///             println!("{line} -> {}", response.status());
///             Ok(response)
///         })
///     }
/// }
/// ```
pub struct Next {
    run: Box<dyn FnOnce(Request) -> ResponseFuture + Send>,
}

impl std::fmt::Debug for Next {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Next")
    }
}

impl Next {
    /// The rest of the chain, as a function of the request.
    pub(crate) fn new(run: impl FnOnce(Request) -> ResponseFuture + Send + 'static) -> Self {
        Self { run: Box::new(run) }
    }

    /// Hands `request` on to the next middleware or to the route, and gives back the response
    /// (the route's, an exception's, or another middleware's).
    pub fn run(self, request: Request) -> impl Future<Output = Response> + Send {
        (self.run)(request)
    }
}

/// A middleware, as NestJS's `NestMiddleware` (`use(req, res, next)`): it reads or changes the
/// request (attach values for the handler with [`Request::extensions_mut`]), then awaits
/// `next.run(req)` for the response, which it may change; or it answers without calling `next`
/// (an `Err` is answered as an exception, as NestJS answers a middleware's `throw`).
///
/// A middleware type is built by the injector in the module that binds it (its `Arc<T>` fields
/// are injected, as a NestJS middleware class's constructor parameters); a function
/// `async fn(Request, Next) -> Result<Response, HttpException>` is a functional middleware.
/// Bind them in a module's [`NestModule::configure`](crate::app::NestModule):
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::app::{MiddlewareConsumer, NestModule};
/// use nest_core::pipeline::{MiddlewareFuture, NestMiddleware, Next};
/// use nest_core::{HttpException, Request, Response};
///
/// #[derive(Injectable, Default)]
/// struct ApiKeyMiddleware;
///
/// impl NestMiddleware for ApiKeyMiddleware {
///     fn r#use<'a>(&'a self, req: Request, next: Next) -> MiddlewareFuture<'a> {
///         Box::pin(async move {
///             if req.headers().get("x-api-key").is_none() {
///                 return Err(ForbiddenException::new("missing api key"));
///             }
///             Ok(next.run(req).await)
///         })
///     }
/// }
///
/// async fn stamp(req: Request, next: Next) -> Result<Response, HttpException> {
///     let mut response = next.run(req).await;
///     response.headers_mut().insert("x-stamped", http::HeaderValue::from_static("1"));
///     Ok(response)
/// }
/// # #[derive(Default)] struct CatsController;
/// # #[controller("cats")] impl CatsController { #[get] fn all(&self) -> &'static str { "[]" } }
///
/// #[module(controllers = [CatsController])]
/// struct AppModule;
///
/// impl NestModule for AppModule {
///     fn configure(consumer: &mut MiddlewareConsumer) {
///         consumer.apply::<ApiKeyMiddleware>().apply_fn(stamp).for_routes("cats");
///     }
/// }
/// ```
pub trait NestMiddleware: Send + Sync + 'static {
    /// Handles one request (NestJS's `use(req, res, next)`).
    fn r#use<'a>(&'a self, req: Request, next: Next) -> MiddlewareFuture<'a>;
}

/// A function used as a middleware (NestJS's functional middleware).
pub(crate) struct FnMiddleware<F>(pub(crate) F);

impl<F, Fut> NestMiddleware for FnMiddleware<F>
where
    F: Fn(Request, Next) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Response, HttpException>> + Send + 'static,
{
    fn r#use<'a>(&'a self, req: Request, next: Next) -> MiddlewareFuture<'a> {
        Box::pin((self.0)(req, next))
    }
}

/// A middleware shared by the requests it runs for.
pub(crate) type SharedMiddleware = Arc<dyn NestMiddleware>;
