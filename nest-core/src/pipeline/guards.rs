//! Guards: NestJS's `CanActivate`, run before anything else of a request (pipes, the handler)
//! and before anything is written, on event streams too.

use std::{future::Future, pin::Pin, sync::Arc};

use crate::http::{ForbiddenException, HttpException, Request, Response};

/// What a guard returns: whether the request may go on, or the error to answer with.
pub type GuardFuture<'a> = Pin<Box<dyn Future<Output = Result<bool, HttpException>> + Send + 'a>>;

/// A guard, as NestJS's `CanActivate`: `Ok(false)` answers NestJS's
/// `403 {"message":"Forbidden resource","error":"Forbidden","statusCode":403}`, an `Err` answers
/// with that exception (an `UnauthorizedException`, say). Guards run before the handler and its
/// arguments, and before an event stream opens.
///
/// Attach them with `#[use_guards(AuthGuard)]` on a route or on the whole `#[controller]`
/// block, or to every route with `NestApplication::use_global_guard`. A guard named in
/// `#[use_guards]` is built with `Default`.
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::pipeline::{CanActivate, ExecutionContext, GuardFuture};
///
/// #[derive(Default)]
/// struct RolesGuard;
///
/// impl CanActivate for RolesGuard {
///     fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
///         Box::pin(async move {
///             let Some(roles) = context.metadata("roles") else { return Ok(true) };
///             let role = context.request().headers().get("x-role").and_then(|v| v.to_str().ok());
///             Ok(role.is_some_and(|role| roles.contains(&role)))
///         })
///     }
/// }
///
/// #[derive(Default)]
/// struct CatsController;
///
/// #[controller("cats")]
/// #[use_guards(RolesGuard)]
/// impl CatsController {
///     #[post]
///     #[roles("admin")]
///     fn create(&self) -> &'static str { "created" }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a guard",
    label = "`#[use_guards]` takes types that implement `CanActivate`",
    note = "implement `nest_core::pipeline::CanActivate` for `{Self}` (and `Default`, to build it)"
)]
pub trait CanActivate: Send + Sync + 'static {
    /// Whether the request described by `context` may reach its handler.
    fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a>;
}

impl std::fmt::Debug for dyn CanActivate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Guard")
    }
}

/// What a guard knows of the request: NestJS's `ExecutionContext` (the request, the controller
/// and handler names) and `Reflector` (the route's metadata, from `#[roles(...)]` or
/// `#[set_metadata(...)]`).
#[derive(Debug)]
pub struct ExecutionContext<'a> {
    request: &'a Request,
    controller: &'a str,
    handler: &'a str,
    metadata: &'a [(&'static str, &'static [&'static str])],
}

impl<'a> ExecutionContext<'a> {
    /// The request.
    pub fn request(&self) -> &'a Request {
        self.request
    }

    /// The controller's name (NestJS `getClass().name`).
    pub fn class_name(&self) -> &'a str {
        self.controller
    }

    /// The handler's name (NestJS `getHandler().name`).
    pub fn handler_name(&self) -> &'a str {
        self.handler
    }

    /// The route's metadata under `key` (NestJS `reflector.get(key, context.getHandler())`):
    /// `#[roles("admin")]` is the key `roles`.
    pub fn metadata(&self, key: &str) -> Option<&'static [&'static str]> {
        self.metadata
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, values)| *values)
    }
}

/// The guards of one route, in NestJS's order: global, then controller, then route.
#[derive(Clone, Default)]
pub(crate) struct Guards {
    pub(crate) guards: Vec<Arc<dyn CanActivate>>,
    /// The route's interceptors, in NestJS's order (global, controller, route).
    pub(crate) interceptors: Vec<Arc<dyn super::NestInterceptor>>,
    pub(crate) controller: &'static str,
    pub(crate) handler: &'static str,
    pub(crate) metadata: &'static [(&'static str, &'static [&'static str])],
}

impl std::fmt::Debug for Guards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guards")
            .field("count", &self.guards.len())
            .field("metadata", &self.metadata)
            .finish_non_exhaustive()
    }
}

/// Runs the guards in order (the first that says no, or fails, gives the response), then the
/// interceptors' `before` (the first that answers gives the response).
pub(crate) async fn run_guards(guards: &Guards, request: &Request) -> Option<Response> {
    let context = ExecutionContext {
        request,
        controller: guards.controller,
        handler: guards.handler,
        metadata: guards.metadata,
    };
    for guard in &guards.guards {
        match guard.can_activate(&context).await {
            Ok(true) => {}
            Ok(false) => {
                return Some(ForbiddenException::new("Forbidden resource").into_response());
            }
            Err(error) => return Some(error.into_response()),
        }
    }
    for interceptor in &guards.interceptors {
        if let Some(response) = interceptor.before(&context).await {
            return Some(response);
        }
    }
    None
}
