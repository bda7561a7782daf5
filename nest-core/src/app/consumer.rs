//! NestJS's `MiddlewareConsumer`: a module's `configure(consumer)` binds middleware to routes
//! (`apply(..).exclude(..).for_routes(..)`), and the application runs them, before routing, for
//! the requests whose path and method they are bound to, as Express runs NestJS's middleware.

use std::{future::Future, pin::Pin, sync::Arc};

use crate::{
    context::AppContext,
    controller::Controller,
    di::{
        Container, Dependency, Injectable, ModuleId, RequestScope, Resolver, provider::short_name,
    },
    error::StartupError,
    http::{
        HttpException, Request, Response,
        path_pattern::PathPattern,
        request::percent_decode,
        router::{RequestMethod, Router, join_path},
    },
    pipeline::{
        ArgumentsHost, ExceptionFilter, apply_filters,
        middleware::{FnMiddleware, MiddlewareFuture, NestMiddleware, Next, SharedMiddleware},
    },
};

use super::{
    mount::GlobalPrefix,
    versioning::{VERSION_NEUTRAL, Versioning},
};

/// A module that binds middleware, as NestJS's `NestModule` (`configure(consumer)`); `#[module]`
/// finds the implementation and runs it when the application is built.
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::app::{MiddlewareConsumer, NestModule};
/// use nest_core::{HttpException, Request, RequestMethod, Response};
/// use nest_core::pipeline::Next;
///
/// async fn logger(req: Request, next: Next) -> Result<Response, HttpException> {
///     println!("{} {}", req.method(), req.uri());
///     Ok(next.run(req).await)
/// }
/// # #[derive(Default)] struct CatsController;
/// # #[controller("cats")] impl CatsController { #[get] fn all(&self) -> &'static str { "[]" } }
///
/// #[module(controllers = [CatsController])]
/// struct AppModule;
///
/// impl NestModule for AppModule {
///     fn configure(consumer: &mut MiddlewareConsumer) {
///         consumer
///             .apply_fn(logger)
///             .exclude(("cats", RequestMethod::Post))
///             .for_routes(RouteInfo::controller::<CatsController>());
///     }
/// }
/// # use nest_core::app::RouteInfo;
/// let app = NestApplication::builder().import::<AppModule>().build().unwrap();
/// # let _ = app;
/// ```
pub trait NestModule: 'static {
    /// Binds the module's middleware (NestJS's `configure(consumer: MiddlewareConsumer)`).
    fn configure(consumer: &mut MiddlewareConsumer);
}

/// The middleware bindings of a module, as NestJS's `MiddlewareConsumer`.
///
/// ```
/// use nest_core::app::MiddlewareConsumer;
/// use nest_core::{HttpException, Request, Response, pipeline::Next};
///
/// async fn a(req: Request, next: Next) -> Result<Response, HttpException> { Ok(next.run(req).await) }
/// async fn b(req: Request, next: Next) -> Result<Response, HttpException> { Ok(next.run(req).await) }
///
/// fn configure(consumer: &mut MiddlewareConsumer) {
///     consumer.apply_fn(a).apply_fn(b).for_routes(["cats", "dogs/:id"]);
///     consumer.apply_fn(a).for_routes("*");
/// }
/// ```
#[derive(Default)]
pub struct MiddlewareConsumer {
    configs: Vec<MiddlewareConfig>,
}

impl std::fmt::Debug for MiddlewareConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MiddlewareConsumer")
            .field("configs", &self.configs.len())
            .finish()
    }
}

impl MiddlewareConsumer {
    /// Starts a binding with middleware `M`, built by the injector in this module (NestJS's
    /// `consumer.apply(LoggerMiddleware)`).
    pub fn apply<M: NestMiddleware + Injectable>(&mut self) -> MiddlewareConfigProxy<'_> {
        let mut proxy = self.start();
        proxy.apply::<M>();
        proxy
    }

    /// Starts a binding with a functional middleware (NestJS's `consumer.apply(logger)`).
    pub fn apply_fn<F, Fut>(&mut self, middleware: F) -> MiddlewareConfigProxy<'_>
    where
        F: Fn(Request, Next) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Response, HttpException>> + Send + 'static,
    {
        let mut proxy = self.start();
        proxy.apply_fn(middleware);
        proxy
    }

    fn start(&mut self) -> MiddlewareConfigProxy<'_> {
        MiddlewareConfigProxy {
            consumer: self,
            config: Some(MiddlewareConfig::default()),
        }
    }

    pub(crate) fn into_configs(self) -> Vec<MiddlewareConfig> {
        self.configs
    }
}

/// One `apply(..)` being written: more middleware, exclusions, then the routes
/// ([`for_routes`](Self::for_routes) ends it, as in NestJS).
#[must_use = "a middleware binding does nothing until `for_routes` is called"]
pub struct MiddlewareConfigProxy<'a> {
    consumer: &'a mut MiddlewareConsumer,
    config: Option<MiddlewareConfig>,
}

impl std::fmt::Debug for MiddlewareConfigProxy<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MiddlewareConfigProxy")
    }
}

impl MiddlewareConfigProxy<'_> {
    fn config(&mut self) -> &mut MiddlewareConfig {
        self.config.get_or_insert_with(MiddlewareConfig::default)
    }

    /// Adds middleware `M` (built by the injector), run after the ones before it
    /// (NestJS's `apply(A, B)`).
    pub fn apply<M: NestMiddleware + Injectable>(&mut self) -> &mut Self {
        self.config().middleware.push(MiddlewareSource::Class {
            name: M::NAME,
            dependencies: M::dependencies(),
            build: |resolver| {
                M::inject(resolver).map(|middleware| Arc::new(middleware) as SharedMiddleware)
            },
        });
        self
    }

    /// Adds a functional middleware, run after the ones before it.
    pub fn apply_fn<F, Fut>(&mut self, middleware: F) -> &mut Self
    where
        F: Fn(Request, Next) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Response, HttpException>> + Send + 'static,
    {
        self.config().middleware.push(MiddlewareSource::Instance(
            short_name::<F>(),
            Arc::new(FnMiddleware(middleware)),
        ));
        self
    }

    /// Routes the middleware skips (NestJS's `exclude(...)`): a path (every method), a
    /// `(path, method)` pair, a [`RouteInfo`], or a list of them.
    pub fn exclude(&mut self, routes: impl Routes) -> &mut Self {
        let excluded = routes.into_route_infos();
        self.config().exclude.extend(excluded);
        self
    }

    /// The routes the middleware runs for (NestJS's `forRoutes(...)`), which ends the binding:
    /// a path (`"cats"`, `"cats/:id"`, `"*"`; every method, and the paths below it), a
    /// `(path, method)` pair (that method, that path only), a controller
    /// ([`RouteInfo::controller`]: each of its routes), or a list of them.
    pub fn for_routes(&mut self, routes: impl Routes) -> &mut MiddlewareConsumer {
        let mut config = self.config.take().unwrap_or_default();
        config.for_routes.extend(routes.into_route_infos());
        self.consumer.configs.push(config);
        &mut *self.consumer
    }
}

/// A route a middleware is bound to, or excluded from, as NestJS's `RouteInfo`: a path with a
/// method (every method for a bare path), or every route of a controller.
///
/// ```
/// use nest_core::app::RouteInfo;
/// use nest_core::RequestMethod;
///
/// let any: RouteInfo = "cats".into();
/// let get: RouteInfo = ("cats/:id", RequestMethod::Get).into();
/// let also_get = RouteInfo::new("cats/:id", RequestMethod::Get);
/// assert_eq!(get, also_get);
/// assert_ne!(any, get);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    target: Target,
    method: RequestMethod,
    /// The versions the path is bound under (URI versioning).
    versions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Path(String),
    /// A controller, by the name its routes are logged under (`CatsController`).
    Controller(&'static str),
}

impl RouteInfo {
    /// `{ path, method }`.
    pub fn new(path: &str, method: RequestMethod) -> Self {
        Self {
            target: Target::Path(path.to_owned()),
            method,
            versions: Vec::new(),
        }
    }

    /// `{ path, method, version }`: with URI versioning, the path under that version
    /// (`/v1/versioned`); other versioning types leave the path as it is, as NestJS does.
    /// Call it again for more versions ([`VERSION_NEUTRAL`](crate::app::VERSION_NEUTRAL) for the
    /// path without a version).
    ///
    /// ```
    /// use nest_core::app::RouteInfo;
    /// use nest_core::RequestMethod;
    /// let route = RouteInfo::new("versioned", RequestMethod::All).version("1");
    /// # let _ = route;
    /// ```
    pub fn version(mut self, version: &str) -> Self {
        self.versions.push(version.to_owned());
        self
    }

    /// Every route of controller `C` (NestJS's `forRoutes(CatsController)`), at the paths it is
    /// served at (global prefix and versions included).
    /// Controllers are told apart by their type's name: two controllers of one name (in two
    /// modules) both get the middleware.
    pub fn controller<C: Controller>() -> Self {
        Self {
            target: Target::Controller(short_name::<C>()),
            method: RequestMethod::All,
            versions: Vec::new(),
        }
    }
}

impl From<&str> for RouteInfo {
    fn from(path: &str) -> Self {
        Self::new(path, RequestMethod::All)
    }
}

impl From<String> for RouteInfo {
    fn from(path: String) -> Self {
        Self::new(&path, RequestMethod::All)
    }
}

impl From<(&str, RequestMethod)> for RouteInfo {
    fn from((path, method): (&str, RequestMethod)) -> Self {
        Self::new(path, method)
    }
}

/// What [`MiddlewareConfigProxy::for_routes`] and [`exclude`](MiddlewareConfigProxy::exclude)
/// take: one route or a list of them.
///
/// ```
/// use nest_core::app::{RouteInfo, Routes};
/// use nest_core::RequestMethod;
/// assert_eq!("cats".into_route_infos().len(), 1);
/// assert_eq!(["cats", "dogs"].into_route_infos().len(), 2);
/// assert_eq!(vec![RouteInfo::from("a"), ("b", RequestMethod::Get).into()].into_route_infos().len(), 2);
/// ```
pub trait Routes {
    /// The routes.
    fn into_route_infos(self) -> Vec<RouteInfo>;
}

impl Routes for &str {
    fn into_route_infos(self) -> Vec<RouteInfo> {
        vec![self.into()]
    }
}

impl Routes for String {
    fn into_route_infos(self) -> Vec<RouteInfo> {
        vec![self.into()]
    }
}

impl Routes for RouteInfo {
    fn into_route_infos(self) -> Vec<RouteInfo> {
        vec![self]
    }
}

impl Routes for (&str, RequestMethod) {
    fn into_route_infos(self) -> Vec<RouteInfo> {
        vec![self.into()]
    }
}

impl<T: Into<RouteInfo>, const N: usize> Routes for [T; N] {
    fn into_route_infos(self) -> Vec<RouteInfo> {
        self.into_iter().map(Into::into).collect()
    }
}

impl<T: Into<RouteInfo>> Routes for Vec<T> {
    fn into_route_infos(self) -> Vec<RouteInfo> {
        self.into_iter().map(Into::into).collect()
    }
}

/// One `apply(..).exclude(..).for_routes(..)`.
#[derive(Default)]
pub(crate) struct MiddlewareConfig {
    middleware: Vec<MiddlewareSource>,
    exclude: Vec<RouteInfo>,
    for_routes: Vec<RouteInfo>,
}

/// A middleware as bound: a type the injector builds, or a function.
enum MiddlewareSource {
    Class {
        name: &'static str,
        dependencies: Vec<Dependency>,
        build: fn(&mut Resolver) -> Result<SharedMiddleware, StartupError>,
    },
    Instance(&'static str, SharedMiddleware),
}

/// A binding with its middleware built.
#[derive(Clone)]
pub(crate) struct BuiltConfig {
    middleware: Vec<(&'static str, SharedMiddleware)>,
    exclude: Vec<RouteInfo>,
    for_routes: Vec<RouteInfo>,
}

impl std::fmt::Debug for BuiltConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuiltConfig")
            .field(
                "middleware",
                &self
                    .middleware
                    .iter()
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
            .field("exclude", &self.exclude)
            .field("for_routes", &self.for_routes)
            .finish()
    }
}

/// A functional middleware for every request (`NestApplication::use_middleware`).
pub(crate) fn global<F, Fut>(middleware: F) -> BuiltConfig
where
    F: Fn(Request, Next) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Response, HttpException>> + Send + 'static,
{
    BuiltConfig {
        middleware: vec![(short_name::<F>(), Arc::new(FnMiddleware(middleware)))],
        exclude: Vec::new(),
        for_routes: Vec::new(),
    }
}

/// Builds the middleware of `configs` (bound in `module`) with the injector: a middleware type's
/// dependencies come from that module, as a NestJS middleware class's. One that depends on a
/// request-scoped provider is built for each request, in the request's scope (which the
/// handler's request-scoped providers share).
pub(crate) async fn build(
    container: &Arc<Container>,
    module: ModuleId,
    configs: Vec<MiddlewareConfig>,
) -> Result<Vec<BuiltConfig>, StartupError> {
    let mut built = Vec::with_capacity(configs.len());
    for config in configs {
        let mut middleware = Vec::with_capacity(config.middleware.len());
        for source in config.middleware {
            match source {
                MiddlewareSource::Instance(name, instance) => middleware.push((name, instance)),
                MiddlewareSource::Class {
                    name,
                    dependencies,
                    build,
                } => {
                    let per_request =
                        container.check(module, name, &dependencies, &mut vec![name])?;
                    if per_request {
                        let per_request = PerRequest {
                            container: Arc::clone(container),
                            module,
                            name,
                            dependencies: dependencies.into(),
                            build,
                        };
                        middleware.push((name, Arc::new(per_request)));
                        continue;
                    }
                    let mut resolver = container.resolve(module, name, &dependencies, None).await?;
                    middleware.push((name, build(&mut resolver)?));
                }
            }
        }
        built.push(BuiltConfig {
            middleware,
            exclude: config.exclude,
            for_routes: config.for_routes,
        });
    }
    Ok(built)
}

/// A middleware type built for each request, as it depends on a request-scoped provider.
struct PerRequest {
    container: Arc<Container>,
    module: ModuleId,
    name: &'static str,
    dependencies: Arc<[Dependency]>,
    build: fn(&mut Resolver) -> Result<SharedMiddleware, StartupError>,
}

impl NestMiddleware for PerRequest {
    fn r#use<'a>(&'a self, mut req: Request, next: Next) -> MiddlewareFuture<'a> {
        Box::pin(async move {
            let scope = match req.extensions().get::<Arc<RequestScope>>() {
                Some(scope) => Arc::clone(scope),
                None => {
                    let scope = Arc::new(RequestScope::new(req.head()));
                    req.extensions_mut().insert(Arc::clone(&scope));
                    scope
                }
            };
            let mut resolver = self
                .container
                .resolve(self.module, self.name, &self.dependencies, Some(&scope))
                .await
                .map_err(HttpException::internal)?;
            let middleware = (self.build)(&mut resolver).map_err(HttpException::internal)?;
            middleware.r#use(req, next).await
        })
    }
}

/// The middleware of an application, in the order they run, with the paths they run for.
pub(crate) struct MiddlewareChain {
    entries: Vec<Entry>,
    filters: Vec<Arc<dyn ExceptionFilter>>,
}

struct Entry {
    name: &'static str,
    middleware: SharedMiddleware,
    /// Where it runs; the first that matches gives the request's parameters.
    mounts: Arc<[Mount]>,
    /// Where it does not.
    exclude: Arc<[Mount]>,
}

/// A path a middleware is mounted at, as Express mounts it: `use()` (every method, the path
/// and the paths below it) or a method's route (that path only).
#[derive(Debug, Clone)]
struct Mount {
    method: RequestMethod,
    /// The path; parsed with `PathPattern::parse_mount` for Express's `use()`, whose paths
    /// below the pattern match too.
    pattern: PathPattern,
}

impl MiddlewareChain {
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Places the bindings on the routes as served: paths get the global prefix (unless it
    /// excludes them), controllers give the paths of their routes. `global` middleware run
    /// first, for every request.
    pub(crate) fn mount(
        global: &[BuiltConfig],
        configs: &[BuiltConfig],
        served: &[(RequestMethod, String, String)],
        prefix: Option<&GlobalPrefix>,
        versioning: Option<&Versioning>,
        filters: Vec<Arc<dyn ExceptionFilter>>,
    ) -> Result<Self, StartupError> {
        let everywhere: Arc<[Mount]> = Arc::new([Mount {
            method: RequestMethod::All,
            pattern: PathPattern::parse_mount("/").map_err(StartupError::new)?,
        }]);
        let mut entries: Vec<Entry> = global
            .iter()
            .flat_map(|config| &config.middleware)
            .map(|(name, middleware)| Entry {
                name,
                middleware: Arc::clone(middleware),
                mounts: Arc::clone(&everywhere),
                exclude: Arc::new([]),
            })
            .collect();
        for config in configs {
            let mounts: Arc<[Mount]> = config
                .for_routes
                .iter()
                .map(|route| mounts_of(route, served, prefix, versioning, false))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .flatten()
                .collect();
            let exclude: Arc<[Mount]> = config
                .exclude
                .iter()
                .map(|route| mounts_of(route, served, prefix, versioning, true))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .flatten()
                .collect();
            for (name, middleware) in &config.middleware {
                entries.push(Entry {
                    name,
                    middleware: Arc::clone(middleware),
                    mounts: Arc::clone(&mounts),
                    exclude: Arc::clone(&exclude),
                });
            }
        }
        Ok(Self { entries, filters })
    }

    /// Runs the middleware bound to `request`'s path from the `index`th on, then `end` (the
    /// router).
    pub(crate) fn run(
        self: Arc<Self>,
        index: usize,
        mut request: Request,
        end: Arc<dyn Fn(Request) -> BoxFuture + Send + Sync>,
    ) -> BoxFuture {
        let found = self.entries[index..]
            .iter()
            .enumerate()
            .find_map(|(offset, entry)| {
                entry
                    .params_for(request.method(), request.uri().path())
                    .map(|params| (index + offset, params))
            });
        let Some((at, params)) = found else {
            return end(request);
        };
        request.set_params(params);
        let chain = Arc::clone(&self);
        let next = Next::new(move |request| chain.run(at + 1, request, end));
        Box::pin(async move {
            let entry = &self.entries[at];
            let head = (!self.filters.is_empty()).then(|| request.head());
            let middleware = Arc::clone(&entry.middleware);
            let name = entry.name;
            // Only what the middleware itself raised (an exception, a panic) goes through the
            // global exception filters here: a response it passes on already went through them.
            let mut raised = true;
            let response = crate::panic::catch(name, async {
                match middleware.r#use(request, next).await {
                    Ok(response) => {
                        raised = false;
                        response
                    }
                    Err(exception) => exception.into_response(),
                }
            })
            .await;
            match &head {
                Some(head) if raised => apply_filters(
                    &self.filters,
                    response,
                    &ArgumentsHost {
                        request: head,
                        controller: "",
                        handler: name,
                    },
                ),
                _ => response,
            }
        })
    }
}

type BoxFuture = Pin<Box<dyn Future<Output = Response> + Send>>;

/// Serves one request: the middleware bound to its path, then the router.
pub(crate) fn run(
    chain: &Arc<MiddlewareChain>,
    router: &Arc<Router>,
    context: &Arc<AppContext>,
    parts: http::request::Parts,
    body: hyper::body::Incoming,
) -> BoxFuture {
    // Malformed requests are refused before any middleware sees them, as Node's parser does.
    if let Some(refused) = crate::http::framing::check(&parts) {
        return Box::pin(std::future::ready(refused));
    }
    let request = Request::new(parts, Vec::new(), Arc::clone(context), Some(body));
    let (router, context) = (Arc::clone(router), Arc::clone(context));
    let end: Arc<dyn Fn(Request) -> BoxFuture + Send + Sync> = Arc::new(move |request| {
        let (parts, body) = request.into_parts();
        router.dispatch(parts, body, &context)
    });
    Arc::clone(chain).run(0, request, end)
}

impl Entry {
    /// The parameters of the first mount `method path` matches, unless an exclusion matches.
    fn params_for(&self, method: &http::Method, path: &str) -> Option<Vec<(String, String)>> {
        let params = self
            .mounts
            .iter()
            .find_map(|mount| mount.matches(method, path))?;
        if self
            .exclude
            .iter()
            .any(|mount| mount.matches(method, path).is_some())
        {
            return None;
        }
        Some(params)
    }
}

impl Mount {
    fn matches(&self, method: &http::Method, path: &str) -> Option<Vec<(String, String)>> {
        if !self.method.matches(method) {
            return None;
        }
        // Parameters as Express gives them: percent-decoded (one that does not decode does not
        // match).
        self.pattern
            .matches(path)?
            .into_iter()
            .map(|(name, raw)| percent_decode(&raw).map(|value| (name, value)))
            .collect()
    }
}

/// Whether NestJS reads `path` as a wildcard for every route (`*`, `(.*)`, `{*path}`, `/*x`).
fn is_wildcard(path: &str) -> bool {
    let path = path.trim_start_matches('/');
    path == "*" || path == "*/" || path == "(.*)" || path.starts_with('{') || path.starts_with('*')
}

/// A wildcard for every path under `prefix` (`/api` itself included), or every path.
fn everything_under(prefix: &str) -> String {
    if prefix.is_empty() || prefix == "/" {
        "/{*path}".to_owned()
    } else {
        format!("{prefix}{{/*path}}")
    }
}

/// The mounts of one route of `for_routes` or `exclude`.
fn mounts_of(
    route: &RouteInfo,
    served: &[(RequestMethod, String, String)],
    prefix: Option<&GlobalPrefix>,
    versioning: Option<&Versioning>,
    exclusion: bool,
) -> Result<Vec<Mount>, StartupError> {
    let parse = |path: &str| {
        PathPattern::parse(path)
            .map_err(|error| StartupError::new(format!("middleware route `{path}`: {error}")))
    };
    match &route.target {
        Target::Controller(name) => {
            let mounts: Vec<Mount> = served
                .iter()
                .filter(|(_, _, controller)| controller == name)
                .map(|(method, path, _)| {
                    Ok(Mount {
                        method: *method,
                        pattern: parse(path)?,
                    })
                })
                .collect::<Result<_, StartupError>>()?;
            if mounts.is_empty() {
                return Err(StartupError::new(format!(
                    "middleware bound to {name}, which is not a controller of the application"
                )));
            }
            Ok(mounts)
        }
        Target::Path(path) => {
            let global = prefix.map_or("", |prefix| prefix.path());
            // Express's `use()` for every method: the path and the paths below it.
            let prefix_match = route.method == RequestMethod::All && !exclusion;
            if is_wildcard(path) {
                if exclusion {
                    return Ok(vec![Mount {
                        method: route.method,
                        pattern: parse(&everything_under(global))?,
                    }]);
                }
                let mut mounts = vec![Mount {
                    method: route.method,
                    pattern: parse(&everything_under(global))?,
                }];
                // The routes the global prefix leaves out.
                if let Some(prefix) = prefix.filter(|prefix| !prefix.path().is_empty()) {
                    for (method, path, _) in served {
                        if !path.starts_with(prefix.path())
                            || path
                                .as_bytes()
                                .get(prefix.path().len())
                                .is_some_and(|b| *b != b'/')
                        {
                            mounts.push(Mount {
                                method: *method,
                                pattern: parse(path)?,
                            });
                        }
                    }
                }
                return Ok(mounts);
            }
            let global = match prefix {
                Some(prefix) if prefix.applies_to(route.method, &join_path(path, "")) => global,
                _ => "",
            };
            // With URI versioning, the path under each of its versions (NestJS's
            // `extractVersionPathFrom`); a path without one is bound where unversioned routes
            // are served: without a version, and under the default versions.
            let uri = versioning.and_then(Versioning::uri_prefix);
            let versions: Vec<&str> = match (uri, route.versions.is_empty()) {
                (None, _) => vec![""],
                (Some(_), false) => route.versions.iter().map(String::as_str).collect(),
                (Some(_), true) => std::iter::once("")
                    .chain(
                        versioning
                            .and_then(Versioning::default)
                            .map_or(&[][..], |default| default.all())
                            .iter()
                            .map(String::as_str),
                    )
                    .collect(),
            };
            let mut mounts = Vec::with_capacity(versions.len());
            for version in versions {
                let version_path = match uri {
                    Some(uri) if !version.is_empty() && version != VERSION_NEUTRAL => {
                        format!("{uri}{version}")
                    }
                    _ => String::new(),
                };
                let full = join_path(&join_path(global, &version_path), path);
                mounts.push(Mount {
                    method: route.method,
                    pattern: if prefix_match {
                        PathPattern::parse_mount(&full)
                    } else {
                        PathPattern::parse(&full)
                    }
                    .map_err(|error| {
                        StartupError::new(format!("middleware route `{full}`: {error}"))
                    })?,
                });
            }
            Ok(mounts)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::http::path_pattern::PathPattern;

    #[test]
    fn a_mount_matches_the_paths_below_it_as_express_use_does() {
        let mount = |path: &str| PathPattern::parse_mount(path).unwrap();
        assert_eq!(mount("/cats").matches("/cats"), Some(vec![]));
        assert_eq!(mount("/cats").matches("/CATS/1/x"), Some(vec![]));
        assert_eq!(mount("/cats").matches("/catsx"), None);
        assert_eq!(mount("/").matches("/anything/at/all"), Some(vec![]));
        assert_eq!(
            mount("/cats/:id").matches("/cats/7/toys"),
            Some(vec![("id".to_owned(), "7".to_owned())])
        );
        assert_eq!(mount("/cats/:id").matches("/cats"), None);
        let exact = PathPattern::parse("/cats").unwrap();
        assert_eq!(exact.matches("/cats/1"), None);
    }
}
