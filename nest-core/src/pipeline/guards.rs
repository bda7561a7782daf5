//! Guards: NestJS's `CanActivate`, run before anything else of a request (pipes, the handler)
//! and before anything is written, on event streams too.

use std::{future::Future, pin::Pin, sync::Arc};

use super::{
    AnyPipe, Enhancer, ExceptionFilter, Metadata, NestInterceptor, PipeChain, args::ArgumentPipe,
};
use crate::{
    di::{Container, ModuleId},
    error::StartupError,
    http::{ForbiddenException, HttpException, Request, Response},
};

/// What a guard returns: whether the request may go on, or the error to answer with.
pub type GuardFuture<'a> = Pin<Box<dyn Future<Output = Result<bool, HttpException>> + Send + 'a>>;

/// A guard, as NestJS's `CanActivate`: `Ok(false)` answers NestJS's
/// `403 {"message":"Forbidden resource","error":"Forbidden","statusCode":403}`, an `Err` answers
/// with that exception (an `UnauthorizedException`, say). Guards run before the handler and its
/// arguments, and before an event stream opens.
///
/// Attach them with `#[use_guards(AuthGuard)]` on a route or on the whole `#[controller]`
/// block, or to every route with `NestApplication::use_global_guard`. A guard named in
/// `#[use_guards]` is built by the injector in the controller's module: an `Injectable` guard
/// gets its `Arc<T>` fields (a users service, say), any other is built with `Default`.
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
    note = "implement `nest_core::pipeline::CanActivate` for `{Self}` (and `Default` or `#[derive(Injectable)]`, to build it)"
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
    metadata: &'a Metadata,
    class_metadata: &'a Metadata,
    /// What guards and interceptors attached, for the handler.
    attached: std::sync::Mutex<http::Extensions>,
}

impl<'a> ExecutionContext<'a> {
    /// Attaches `value` to the request once the guards let it through (NestJS's
    /// `request.user = user` in a guard): the handler reads it with an `Extension<T>` argument
    /// or a custom parameter attribute (`request.extensions().get::<T>()`).
    ///
    /// ```
    /// use nest_core::pipeline::{CanActivate, ExecutionContext, GuardFuture};
    ///
    /// #[derive(Clone)]
    /// struct User(String);
    ///
    /// #[derive(Default)]
    /// struct AuthGuard;
    ///
    /// impl CanActivate for AuthGuard {
    ///     fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
    ///         Box::pin(async move {
    ///             let name = context.request().headers().get("x-user").and_then(|v| v.to_str().ok());
    ///             match name {
    ///                 Some(name) => {
    ///                     context.attach(User(name.to_owned()));
    ///                     Ok(true)
    ///                 }
    ///                 None => Ok(false),
    ///             }
    ///         })
    ///     }
    /// }
    /// ```
    pub fn attach<T: Clone + Send + Sync + 'static>(&self, value: T) {
        crate::lock::lock(&self.attached).insert(value);
    }

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
        self.metadata.get(key)
    }

    /// The controller's metadata under `key` (NestJS `reflector.get(key, context.getClass())`),
    /// set by a [`Decorators`](super::Decorators) applied to the controller with
    /// `#[apply_decorators(...)]`.
    ///
    /// ```
    /// use nest_core::pipeline::{CanActivate, ExecutionContext, GuardFuture};
    ///
    /// struct AdminOnly;
    ///
    /// impl CanActivate for AdminOnly {
    ///     fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
    ///         Box::pin(async move {
    ///             Ok(context.class_metadata("roles").is_some_and(|roles| roles.contains(&"admin")))
    ///         })
    ///     }
    /// }
    /// ```
    pub fn class_metadata(&self, key: &str) -> Option<&'static [&'static str]> {
        self.class_metadata.get(key)
    }
}

/// NestJS's `Reflector`: reads route metadata (`#[roles("admin")]`, `#[set_metadata(...)]`).
/// Always available to inject (`reflector: Arc<Reflector>`), so a guard ported from NestJS keeps
/// its shape; [`ExecutionContext::metadata`] reads the same.
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::pipeline::{CanActivate, ExecutionContext, GuardFuture, Reflector};
///
/// #[derive(Injectable)]
/// struct RolesGuard {
///     reflector: Arc<Reflector>,
/// }
///
/// impl CanActivate for RolesGuard {
///     fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
///         Box::pin(async move {
///             let Some(roles) = self.reflector.get("roles", context) else { return Ok(true) };
///             let role = context.request().headers().get("x-role").and_then(|v| v.to_str().ok());
///             Ok(role.is_some_and(|role| roles.contains(&role)))
///         })
///     }
/// }
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct Reflector;

impl Reflector {
    /// The metadata under `key` of the route `context` describes (NestJS
    /// `reflector.get(key, context.getHandler())`).
    pub fn get(
        &self,
        key: &str,
        context: &ExecutionContext<'_>,
    ) -> Option<&'static [&'static str]> {
        context.metadata(key)
    }

    /// The route's metadata under `key`, else the controller's (NestJS
    /// `reflector.getAllAndOverride(key, [context.getHandler(), context.getClass()])`).
    ///
    /// ```
    /// use nest_core::prelude::*;
    /// use nest_core::pipeline::{CanActivate, ExecutionContext, GuardFuture, Reflector};
    ///
    /// #[derive(Injectable)]
    /// struct RolesGuard {
    ///     reflector: Arc<Reflector>,
    /// }
    ///
    /// impl CanActivate for RolesGuard {
    ///     fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
    ///         Box::pin(async move {
    ///             let Some(roles) = self.reflector.get_all_and_override("roles", context) else {
    ///                 return Ok(true);
    ///             };
    ///             let role = context.request().headers().get("x-role").and_then(|v| v.to_str().ok());
    ///             Ok(role.is_some_and(|role| roles.contains(&role)))
    ///         })
    ///     }
    /// }
    /// ```
    pub fn get_all_and_override(
        &self,
        key: &str,
        context: &ExecutionContext<'_>,
    ) -> Option<&'static [&'static str]> {
        context
            .metadata(key)
            .or_else(|| context.class_metadata(key))
    }
}

/// The application-wide parts of the pipeline, added around every route's own.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Global<'a> {
    pub(crate) guards: &'a [Arc<dyn CanActivate>],
    pub(crate) interceptors: &'a [Arc<dyn NestInterceptor>],
    pub(crate) filters: &'a [Arc<dyn ExceptionFilter>],
    pub(crate) pipes: &'a [Arc<AnyPipe>],
}

/// The guards, interceptors and filters of one route as declared, in NestJS's order (global,
/// controller, route), before the injector builds them.
#[derive(Clone, Default)]
pub(crate) struct Enhancers {
    pub(crate) guards: Vec<Enhancer<dyn CanActivate>>,
    pub(crate) interceptors: Vec<Enhancer<dyn NestInterceptor>>,
    pub(crate) filters: Vec<Enhancer<dyn ExceptionFilter>>,
    /// `#[use_pipes]`: the controller's, then the route's.
    pub(crate) pipes: Vec<Enhancer<AnyPipe>>,
    /// The arguments' pipes named by type (`#[param("id", UserByIdPipe)]`).
    pub(crate) argument_pipes: Vec<ArgumentPipe>,
    pub(crate) controller: &'static str,
    pub(crate) handler: &'static str,
    /// The route's metadata (`#[roles]`, `#[set_metadata]`, `Decorators`).
    pub(crate) metadata: Arc<Metadata>,
    /// The controller's metadata (`Decorators` applied to it).
    pub(crate) class_metadata: Arc<Metadata>,
}

impl std::fmt::Debug for Enhancers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enhancers")
            .field("guards", &self.guards.len())
            .field("interceptors", &self.interceptors.len())
            .field("filters", &self.filters.len())
            .field("pipes", &self.pipes.len())
            .field("metadata", &self.metadata)
            .finish_non_exhaustive()
    }
}

impl Enhancers {
    /// Checks every guard, interceptor and filter against `module`.
    pub(crate) fn check(
        &self,
        container: &Container,
        module: ModuleId,
    ) -> Result<(), StartupError> {
        for guard in &self.guards {
            guard.check(container, module)?;
        }
        for interceptor in &self.interceptors {
            interceptor.check(container, module)?;
        }
        for filter in &self.filters {
            filter.check(container, module)?;
        }
        for pipe in &self.pipes {
            pipe.check(container, module)?;
        }
        for slot in &self.argument_pipes {
            slot.0.check(container, module)?;
        }
        Ok(())
    }

    /// Builds every guard, interceptor and filter in `module`.
    pub(crate) async fn build(
        &mut self,
        container: &Container,
        module: ModuleId,
    ) -> Result<(), StartupError> {
        for guard in &mut self.guards {
            *guard = Enhancer::Ready(guard.build(container, module).await?);
        }
        for interceptor in &mut self.interceptors {
            *interceptor = Enhancer::Ready(interceptor.build(container, module).await?);
        }
        for filter in &mut self.filters {
            *filter = Enhancer::Ready(filter.build(container, module).await?);
        }
        for pipe in &mut self.pipes {
            *pipe = Enhancer::Ready(pipe.build(container, module).await?);
        }
        for slot in &self.argument_pipes {
            slot.0.fill(container, module).await?;
        }
        Ok(())
    }
}

/// The guards, interceptors and filters of one route as it runs, global ones first.
pub(crate) struct Pipeline {
    pub(crate) guards: Vec<Arc<dyn CanActivate>>,
    pub(crate) interceptors: Vec<Arc<dyn NestInterceptor>>,
    /// Nearest first: the route's, the controller's, the global ones.
    pub(crate) filters: Vec<Arc<dyn ExceptionFilter>>,
    /// Global, controller, route: put in each request for its arguments.
    pub(crate) pipes: Option<PipeChain>,
    pub(crate) controller: &'static str,
    pub(crate) handler: &'static str,
    pub(crate) metadata: Arc<Metadata>,
    pub(crate) class_metadata: Arc<Metadata>,
}

impl Pipeline {
    /// The built pipeline of `declared` (built by the application), with `global` around it.
    pub(crate) fn new(declared: &Enhancers, global: &Global<'_>) -> Self {
        // `AppBuilder::build_async` builds every enhancer before an application exists; one
        // left unbuilt here is a bug, and skipping it would silently drop a guard.
        fn ready<T: ?Sized>(enhancers: &[Enhancer<T>]) -> impl Iterator<Item = Arc<T>> + '_ {
            enhancers.iter().map(|enhancer| match enhancer {
                Enhancer::Ready(value) => Arc::clone(value),
                Enhancer::Injected { name, .. } => {
                    unreachable!("{name} was not built by the injector")
                }
            })
        }
        let mut filters: Vec<_> = ready(&declared.filters).collect();
        filters.reverse();
        filters.extend(global.filters.iter().cloned());
        let pipes: Vec<_> = global
            .pipes
            .iter()
            .cloned()
            .chain(ready(&declared.pipes))
            .collect();
        Self {
            pipes: (!pipes.is_empty()).then(|| PipeChain(pipes.into())),
            guards: global
                .guards
                .iter()
                .cloned()
                .chain(ready(&declared.guards))
                .collect(),
            interceptors: global
                .interceptors
                .iter()
                .cloned()
                .chain(ready(&declared.interceptors))
                .collect(),
            filters,
            controller: declared.controller,
            handler: declared.handler,
            metadata: Arc::clone(&declared.metadata),
            class_metadata: Arc::clone(&declared.class_metadata),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.guards.is_empty()
            && self.interceptors.is_empty()
            && self.filters.is_empty()
            && self.pipes.is_none()
    }
}

/// Runs the guards in order (the first that says no, or fails, gives the response), then the
/// interceptors' `before` (the first that answers gives the response).
pub(crate) async fn run_guards(pipeline: &Pipeline, request: &mut Request) -> Option<Response> {
    let context = ExecutionContext {
        request,
        controller: pipeline.controller,
        handler: pipeline.handler,
        metadata: &pipeline.metadata,
        class_metadata: &pipeline.class_metadata,
        attached: std::sync::Mutex::default(),
    };
    let early = run_each(pipeline, &context).await;
    let attached = context
        .attached
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if early.is_none() && !attached.is_empty() {
        request.extensions_mut().extend(attached);
    }
    early
}

async fn run_each(pipeline: &Pipeline, context: &ExecutionContext<'_>) -> Option<Response> {
    for guard in &pipeline.guards {
        match guard.can_activate(context).await {
            Ok(true) => {}
            Ok(false) => {
                return Some(ForbiddenException::new("Forbidden resource").into_response());
            }
            Err(error) => return Some(error.into_response()),
        }
    }
    for interceptor in &pipeline.interceptors {
        if let Some(response) = interceptor.before(context).await {
            return Some(response);
        }
    }
    None
}
