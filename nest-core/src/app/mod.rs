//! The application: [`NestFactory`] builds a [`NestApplication`] from a [`Module`], and
//! [`NestApplication::listen`] serves it.

mod builder;
mod conn;
mod consumer;
mod cors;
mod limits;
mod middleware;
pub(crate) mod module;
mod mount;
mod router_module;
mod server;
mod takeover;
#[cfg(feature = "tls")]
mod tls;
pub(crate) mod versioning;

pub use crate::context::ServerStats;

pub use crate::error::StartupError;
pub use builder::AppBuilder;
pub use consumer::{MiddlewareConfigProxy, MiddlewareConsumer, NestModule, RouteInfo, Routes};
pub use cors::{AllowedOrigin, CorsOptions, CorsOrigin, DEFAULT_CORS_METHODS};
pub use limits::ServerLimits;
pub use middleware::{BoxError, HttpService};
pub use module::{DynamicModule, Module, ModuleBuilder};
pub use mount::GlobalPrefix;
pub use router_module::{RouteTree, RouterModule};
pub use server::RunningApp;
#[cfg(feature = "tls")]
pub use tls::TlsConfig;
pub use versioning::{VERSION_NEUTRAL, Versioning};

use std::{
    io,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use tokio::net::{TcpListener, ToSocketAddrs};

use crate::{
    controller::MappedRoute,
    di::{Container, Token},
    lifecycle::Phase,
    pipeline::{CanActivate, ExceptionFilter, NestInterceptor},
    sse::SseOptions,
};

/// How long a graceful shutdown waits for open connections before closing them: 10 s.
///
/// ```
/// assert_eq!(nest_core::app::DEFAULT_SHUTDOWN_TIMEOUT.as_secs(), 10);
/// ```
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

/// Creates applications, as NestJS's `NestFactory`.
///
/// ```no_run
/// use nest_core::prelude::*;
///
/// #[derive(Default)]
/// struct AppController;
///
/// #[controller]
/// impl AppController {
///     #[get]
///     fn hello(&self) -> &'static str { "Hello World!" }
/// }
///
/// #[module(controllers = [AppController])]
/// struct AppModule;
///
/// #[tokio::main]
/// async fn main() -> std::io::Result<()> {
///     let app = NestFactory::create::<AppModule>().await?;
///     app.listen(3000).await
/// }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct NestFactory;

impl NestFactory {
    /// Builds the application that module `M` describes: its controllers and their routes.
    ///
    /// Two routes that cannot both be matched are a [`StartupError`] naming both handlers. Each
    /// controller and mapped route is logged as NestJS logs it (`Mapped {/sse, GET} route`) when
    /// the application starts serving. Every provider is built here (async factories are
    /// awaited), and a missing provider or a cycle is the error.
    ///
    /// ```
    /// # use nest_core::prelude::*;
    /// # #[derive(Default)] struct AppController;
    /// # #[controller] impl AppController { #[get] fn hello(&self) -> &'static str { "hi" } }
    /// # #[module(controllers = [AppController])] struct AppModule;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), nest_core::StartupError> {
    /// let app = NestFactory::create::<AppModule>().await?;
    /// assert_eq!(app.routes(), vec![(RequestMethod::Get, "/".to_owned())]);
    /// # Ok(()) }
    /// ```
    pub async fn create<M: Module>() -> Result<NestApplication, StartupError> {
        let mut builder = AppBuilder::new();
        builder.import::<M>();
        builder.build_async().await
    }

    /// [`create`](Self::create) with options, as NestJS's `NestFactory.create(AppModule,
    /// { cors })`: `{ cors: true }` is `.cors(CorsOptions::default())`.
    ///
    /// ```
    /// # use nest_core::prelude::*;
    /// # #[derive(Default)] struct AppController;
    /// # #[controller] impl AppController { #[get] fn hello(&self) -> &'static str { "hi" } }
    /// # #[module(controllers = [AppController])] struct AppModule;
    /// use nest_core::app::{CorsOptions, NestApplicationOptions};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), nest_core::StartupError> {
    /// let app = NestFactory::create_with::<AppModule>(
    ///     NestApplicationOptions::default().cors(CorsOptions::default()),
    /// )
    /// .await?;
    /// # drop(app); Ok(()) }
    /// ```
    pub async fn create_with<M: Module>(
        options: NestApplicationOptions,
    ) -> Result<NestApplication, StartupError> {
        let mut app = Self::create::<M>().await?;
        if let Some(cors) = options.cors {
            app.enable_cors_with(cors);
        }
        Ok(app)
    }
}

/// The options of [`NestFactory::create_with`], as NestJS's `NestApplicationOptions`.
///
/// ```
/// use nest_core::app::{CorsOptions, NestApplicationOptions};
/// let options = NestApplicationOptions::default().cors(CorsOptions::default().credentials(true));
/// # drop(options);
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct NestApplicationOptions {
    cors: Option<CorsOptions>,
}

impl NestApplicationOptions {
    /// `cors`: CORS with these options, as [`NestApplication::enable_cors_with`].
    pub fn cors(mut self, options: CorsOptions) -> Self {
        self.cors = Some(options);
        self
    }
}

/// A built application, ready to serve (NestJS's `INestApplication`): configure it, then
/// `listen` (or `bind`, for tests).
///
/// ```no_run
/// # use nest_core::prelude::*;
/// # #[derive(Default)] struct AppController;
/// # #[controller] impl AppController { #[get] fn hello(&self) -> &'static str { "hi" } }
/// # #[module(controllers = [AppController])] struct AppModule;
/// #[tokio::main]
/// async fn main() -> std::io::Result<()> {
///     let mut app = NestFactory::create::<AppModule>().await?;
///     app.set_global_prefix("api").enable_cors().enable_shutdown_hooks();
///     app.listen(3000).await
/// }
/// ```
#[derive(Debug)]
pub struct NestApplication {
    routes: Vec<MappedRoute>,
    global_prefix: Option<GlobalPrefix>,
    versioning: Option<Versioning>,
    sse: SseOptions,
    shutdown_timeout: Duration,
    body_limit: usize,
    limits: ServerLimits,
    layers: Vec<middleware::StoredLayer>,
    /// The middleware modules bind (`NestModule::configure`), built.
    middleware: Vec<consumer::BuiltConfig>,
    /// `use_middleware`: run for every request.
    global_middleware: Vec<consumer::BuiltConfig>,
    global_guards: Vec<Arc<dyn CanActivate>>,
    global_interceptors: Vec<Arc<dyn NestInterceptor>>,
    global_filters: Vec<Arc<dyn ExceptionFilter>>,
    global_pipes: Vec<Arc<crate::pipeline::AnyPipe>>,
    container: Arc<Container>,
    initialized: AtomicBool,
    shutdown_hooks: bool,
    /// `enable_metrics`: the path the metrics are served at, and the registry.
    metrics: Option<(String, crate::metrics::Metrics)>,
    #[cfg(feature = "tls")]
    tls: Option<TlsConfig>,
}

impl NestApplication {
    /// A builder for an application assembled by hand (controllers with state, tests).
    ///
    /// ```
    /// use nest_core::prelude::*;
    ///
    /// struct GreetingController { greeting: String }
    ///
    /// #[controller]
    /// impl GreetingController {
    ///     #[get]
    ///     fn greet(&self) -> String { self.greeting.clone() }
    /// }
    ///
    /// let app = NestApplication::builder()
    ///     .controller(GreetingController { greeting: "hi".into() })
    ///     .build()
    ///     .unwrap();
    /// # drop(app);
    /// ```
    pub fn builder() -> AppBuilder {
        AppBuilder::new()
    }

    pub(crate) fn new(routes: Vec<MappedRoute>, container: Arc<Container>) -> Self {
        Self {
            routes,
            global_prefix: None,
            versioning: None,
            sse: SseOptions::default(),
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            body_limit: crate::context::BODY_LIMIT,
            limits: ServerLimits::default(),
            layers: Vec::new(),
            middleware: Vec::new(),
            global_middleware: Vec::new(),
            global_guards: Vec::new(),
            global_interceptors: Vec::new(),
            global_filters: Vec::new(),
            global_pipes: Vec::new(),
            container,
            initialized: AtomicBool::new(false),
            shutdown_hooks: false,
            metrics: None,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }

    /// The provider or controller of type `T`, wherever a module has it (NestJS's
    /// `app.get(CatsService)`); `None` if no module does, or it is request-scoped or transient.
    ///
    /// ```
    /// use nest_core::prelude::*;
    /// #[derive(Injectable, Default)]
    /// struct CatsService;
    /// #[module(providers = [CatsService])]
    /// struct AppModule;
    /// let app = NestApplication::builder().import::<AppModule>().build().unwrap();
    /// assert!(app.get::<CatsService>().is_some());
    /// ```
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        self.container
            .find(std::any::TypeId::of::<T>())?
            .downcast::<T>()
            .ok()
    }

    /// The provider of token `K` (NestJS's `app.get('TOKEN')`).
    ///
    /// ```
    /// use nest_core::{prelude::*, injection_token};
    /// injection_token!(Greeting: String);
    /// #[module(providers = [{ provide: Greeting, use_value: "hello".to_owned() }])]
    /// struct AppModule;
    /// let app = NestApplication::builder().import::<AppModule>().build().unwrap();
    /// assert_eq!(app.get_token::<Greeting>().unwrap().as_str(), "hello");
    /// ```
    pub fn get_token<K: Token>(&self) -> Option<Arc<K::Value>> {
        self.container
            .find(std::any::TypeId::of::<K>())?
            .downcast::<K::Value>()
            .ok()
    }

    /// Runs the `OnModuleInit` then the `OnApplicationBootstrap` hooks, once (NestJS's
    /// `app.init()`); `listen` and `bind` call it.
    ///
    /// ```
    /// # use nest_core::prelude::*;
    /// # #[derive(Default)] struct AppController;
    /// # #[controller] impl AppController { #[get] fn hello(&self) -> &'static str { "hi" } }
    /// # #[module(controllers = [AppController])] struct AppModule;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let app = NestFactory::create::<AppModule>().await?;
    /// app.init().await; // hooks run now; a second call does nothing
    /// # Ok(()) }
    /// ```
    pub async fn init(&self) {
        if !self.initialized.swap(true, Ordering::SeqCst) {
            self.container.run_hooks(Phase::Init, None).await;
            // `#[on_event]` listeners and scheduled jobs are registered here; the scheduler
            // starts its jobs in its own `OnApplicationBootstrap` hook, and stops them in its
            // `BeforeApplicationShutdown` hook.
            self.container.discover_methods();
            self.container.run_hooks(Phase::Bootstrap, None).await;
        }
    }

    /// Runs the shutdown hooks (`OnModuleDestroy`, `BeforeApplicationShutdown`,
    /// `OnApplicationShutdown`, given the signal's name) when SIGINT or SIGTERM stops
    /// [`listen`](Self::listen), as NestJS's `app.enableShutdownHooks()`. Without it a signal
    /// still shuts the server down gracefully, without the hooks; [`RunningApp::close`] always
    /// runs them.
    ///
    /// ```no_run
    /// # use nest_core::prelude::*;
    /// # #[derive(Default)] struct AppController;
    /// # #[controller] impl AppController { #[get] fn hello(&self) -> &'static str { "hi" } }
    /// # #[module(controllers = [AppController])] struct AppModule;
    /// # #[tokio::main]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut app = NestFactory::create::<AppModule>().await?;
    /// app.enable_shutdown_hooks();
    /// app.listen(3000).await
    /// # }
    /// ```
    pub fn enable_shutdown_hooks(&mut self) -> &mut Self {
        self.shutdown_hooks = true;
        self
    }

    /// Adds exception filters around every route, after the routes' and controllers' own
    /// (NestJS's `app.useGlobalFilters(filter)`); they also see the 404 of unknown routes.
    /// See [`ExceptionFilter`].
    ///
    /// ```
    /// use nest_core::{prelude::*, Response, pipeline::{ArgumentsHost, ExceptionFilter}};
    ///
    /// /// Every error as plain text.
    /// struct PlainErrors;
    /// impl ExceptionFilter for PlainErrors {
    ///     fn catch(&self, exception: &HttpException, _: &ArgumentsHost<'_>) -> Response {
    ///         (exception.status(), exception.message().to_owned()).into_response()
    ///     }
    /// }
    ///
    /// let mut app = NestApplication::builder().build().unwrap();
    /// app.use_global_filters(PlainErrors);
    /// ```
    pub fn use_global_filters(&mut self, filter: impl ExceptionFilter) -> &mut Self {
        self.global_filters.push(Arc::new(filter));
        self
    }

    /// Serves HTTPS with this certificate (feature `tls`), offering HTTP/2 and HTTP/1.1 by ALPN;
    /// NestJS's `httpsOptions`. Without it the server speaks plain HTTP/1.1 and h2c.
    ///
    /// ```no_run
    /// # use nest_core::{NestApplication, app::TlsConfig};
    /// # fn main() -> std::io::Result<()> {
    /// let mut app = NestApplication::builder().build()?;
    /// app.set_tls(TlsConfig::from_pem_files("cert.pem", "key.pem")?);
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "tls")]
    pub fn set_tls(&mut self, tls: TlsConfig) -> &mut Self {
        self.tls = Some(tls);
        self
    }

    /// Puts every route under `prefix`, except those excluded: NestJS's
    /// `app.setGlobalPrefix('api', { exclude })`.
    ///
    /// ```
    /// # use nest_core::prelude::*;
    /// # #[derive(Default)] struct CatsController;
    /// # #[controller("cats")] impl CatsController { #[get] fn all(&self) -> &'static str { "cats" } }
    /// use nest_core::app::GlobalPrefix;
    /// let mut app = NestApplication::builder().controller(CatsController).build().unwrap();
    /// app.set_global_prefix("api");
    /// assert_eq!(app.routes(), vec![(RequestMethod::Get, "/api/cats".to_owned())]);
    /// app.set_global_prefix(GlobalPrefix::new("api").exclude("cats"));
    /// assert_eq!(app.routes(), vec![(RequestMethod::Get, "/cats".to_owned())]);
    /// ```
    pub fn set_global_prefix(&mut self, prefix: impl Into<GlobalPrefix>) -> &mut Self {
        self.global_prefix = Some(prefix.into());
        self
    }

    /// Turns on versioning, NestJS's `app.enableVersioning({ type, ... })`: with
    /// [`Versioning::uri`], routes with `#[version("1")]` are served at `/v1/...` (after the
    /// global prefix); with [`Versioning::header`], [`Versioning::media_type`] and
    /// [`Versioning::custom`] they keep their path and serve the requests that carry one of
    /// their versions.
    ///
    /// ```
    /// # use nest_core::prelude::*;
    /// # #[derive(Default)] struct CatsController;
    /// # #[controller("cats")] impl CatsController { #[get] #[version("2")] fn all(&self) -> &'static str { "cats" } }
    /// use nest_core::app::Versioning;
    /// let mut app = NestApplication::builder().controller(CatsController).build().unwrap();
    /// app.enable_versioning(Versioning::uri());
    /// assert_eq!(app.routes(), vec![(RequestMethod::Get, "/v2/cats".to_owned())]);
    /// ```
    pub fn enable_versioning(&mut self, versioning: Versioning) -> &mut Self {
        self.versioning = Some(versioning);
        self
    }

    /// Sets the event-stream settings every `#[sse]` route starts from (heartbeat interval, retry
    /// hint, lifetime, shutdown event); a route's attribute overrides them.
    ///
    /// ```
    /// use std::time::Duration;
    /// use nest_core::{NestApplication, sse::SseOptions};
    ///
    /// let mut app = NestApplication::builder().build().unwrap();
    /// app.set_sse_options(SseOptions::default().keep_alive(Some(Duration::from_secs(30))));
    /// ```
    pub fn set_sse_options(&mut self, options: SseOptions) -> &mut Self {
        self.sse = options;
        self
    }

    /// Runs a functional middleware for every request (NestJS's global `app.use(logger)`),
    /// before the middleware modules bind in `configure(consumer)` and after the tower layers
    /// of [`use_layer`](Self::use_layer); middleware added first run first.
    ///
    /// ```
    /// use nest_core::{HttpException, NestApplication, Request, Response, pipeline::Next};
    ///
    /// async fn logger(req: Request, next: Next) -> Result<Response, HttpException> {
    ///     println!("Request... {}", req.uri());
    ///     Ok(next.run(req).await)
    /// }
    ///
    /// let mut app = NestApplication::builder().build().unwrap();
    /// app.use_middleware(logger);
    /// ```
    pub fn use_middleware<F, Fut>(&mut self, middleware: F) -> &mut Self
    where
        F: Fn(crate::http::Request, crate::pipeline::Next) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<crate::http::Response, crate::http::HttpException>>
            + Send
            + 'static,
    {
        self.global_middleware.push(consumer::global(middleware));
        self
    }

    /// Wraps the whole application in a tower [`Layer`](tower::Layer), as NestJS's
    /// `app.use(middleware)`: tower-http's compression, timeouts, request ids, tracing, or your
    /// own. Layers added first run first (outermost). They see every request, event streams
    /// included: tower-http's compression leaves `text/event-stream` alone.
    ///
    /// ```
    /// # use nest_core::NestApplication;
    /// use tower_http::set_header::SetResponseHeaderLayer;
    /// let mut app = NestApplication::builder().build().unwrap();
    /// app.use_layer(SetResponseHeaderLayer::if_not_present(
    ///     http::header::CACHE_CONTROL,
    ///     http::HeaderValue::from_static("no-store"),
    /// ));
    /// ```
    pub fn use_layer<L, B>(&mut self, layer: L) -> &mut Self
    where
        L: tower::Layer<HttpService> + Send + Sync + 'static,
        L::Service: tower::Service<http::Request<hyper::body::Incoming>, Response = http::Response<B>>
            + Clone
            + Send
            + 'static,
        <L::Service as tower::Service<http::Request<hyper::body::Incoming>>>::Future:
            Send + 'static,
        <L::Service as tower::Service<http::Request<hyper::body::Incoming>>>::Error: Into<BoxError>,
        B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        self.layers.push(middleware::store(layer));
        self
    }

    /// Runs `guard` before every route's own guards (NestJS's `app.useGlobalGuards(guard)`).
    ///
    /// ```
    /// # use nest_core::NestApplication;
    /// use nest_core::pipeline::{CanActivate, ExecutionContext, GuardFuture};
    ///
    /// struct ApiKeyGuard;
    /// impl CanActivate for ApiKeyGuard {
    ///     fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
    ///         Box::pin(async move { Ok(context.request().headers().contains_key("x-api-key")) })
    ///     }
    /// }
    ///
    /// let mut app = NestApplication::builder().build().unwrap();
    /// app.use_global_guard(ApiKeyGuard);
    /// ```
    pub fn use_global_guard(&mut self, guard: impl CanActivate) -> &mut Self {
        self.global_guards.push(Arc::new(guard));
        self
    }

    /// Runs `interceptor` around every route, outside the routes' own (NestJS's
    /// `app.useGlobalInterceptors(interceptor)`); see
    /// [`NestInterceptor`].
    ///
    /// ```
    /// # use nest_core::NestApplication;
    /// use nest_core::pipeline::NestInterceptor;
    ///
    /// struct NoOp;
    /// impl NestInterceptor for NoOp {}
    ///
    /// let mut app = NestApplication::builder().build().unwrap();
    /// app.use_global_interceptor(NoOp);
    /// ```
    pub fn use_global_interceptor(&mut self, interceptor: impl NestInterceptor) -> &mut Self {
        self.global_interceptors.push(Arc::new(interceptor));
        self
    }

    /// Answers CORS requests as NestJS's `app.enableCors()` does, byte for byte: any origin
    /// (`Access-Control-Allow-Origin: *`), preflight `OPTIONS` answered `204` before routing
    /// with the methods `GET,HEAD,PUT,PATCH,POST,DELETE` and the requested headers. The
    /// headers go on every response, errors, 404s and event streams included. Like a layer,
    /// it runs where it is added among [`use_layer`](Self::use_layer)'s.
    ///
    /// ```
    /// # use nest_core::NestApplication;
    /// let mut app = NestApplication::builder().build().unwrap();
    /// app.enable_cors();
    /// ```
    pub fn enable_cors(&mut self) -> &mut Self {
        self.enable_cors_with(CorsOptions::default())
    }

    /// Answers CORS requests with these options, as NestJS's `app.enableCors(options)`: see
    /// [`CorsOptions`] for each option and its default.
    ///
    /// ```
    /// # use nest_core::NestApplication;
    /// use nest_core::app::CorsOptions;
    /// let mut app = NestApplication::builder().build().unwrap();
    /// app.enable_cors_with(
    ///     CorsOptions::default()
    ///         .origin(regex::Regex::new(r"^https://([a-z]+\.)?example\.com$").unwrap())
    ///         .credentials(true),
    /// );
    /// ```
    pub fn enable_cors_with(&mut self, options: CorsOptions) -> &mut Self {
        self.layers.push(cors::layer(options));
        self
    }

    /// Answers CORS requests with options chosen for each request, as NestJS's
    /// `app.enableCors((req, callback) => callback(null, options))` (a `CorsOptionsDelegate`).
    ///
    /// ```
    /// # use nest_core::NestApplication;
    /// use nest_core::app::CorsOptions;
    /// let mut app = NestApplication::builder().build().unwrap();
    /// app.enable_cors_with_delegate(|req| async move {
    ///     // Credentials for the admin paths only.
    ///     let admin = req.uri.path().starts_with("/admin");
    ///     CorsOptions::default().origin(true).credentials(admin)
    /// });
    /// ```
    pub fn enable_cors_with_delegate<F, Fut>(&mut self, delegate: F) -> &mut Self
    where
        F: Fn(crate::http::RequestHead) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = CorsOptions> + Send + 'static,
    {
        self.layers.push(cors::delegate_layer(delegate));
        self
    }

    /// Sets the bounds on what one client may cost (header timeout and size, connections,
    /// HTTP/2 streams); see [`ServerLimits`] for the defaults.
    ///
    /// ```
    /// # use nest_core::NestApplication;
    /// use nest_core::app::ServerLimits;
    /// let mut app = NestApplication::builder().build().unwrap();
    /// app.set_limits(ServerLimits::default().max_connections(Some(10_000)));
    /// ```
    pub fn set_limits(&mut self, limits: ServerLimits) -> &mut Self {
        self.limits = limits;
        self
    }

    /// A pipe for every argument of every route (NestJS's `app.useGlobalPipes(...)`; call it
    /// again to add another): global pipes run first, then the controller's and the route's
    /// (`#[use_pipes]`), then the argument's own. A `ValidationPipe` validates every
    /// `#[derive(Dto)]` argument with its options; a DTO no `ValidationPipe` reaches is
    /// validated with `ValidationPipe::new()`'s defaults.
    ///
    /// ```
    /// # use nest_core::prelude::*;
    /// # use nest_core::ValidationPipe;
    /// # let mut app = NestApplication::builder().build().unwrap();
    /// app.use_global_pipes(ValidationPipe::new().whitelist(true).forbid_non_whitelisted(true));
    /// ```
    pub fn use_global_pipes(
        &mut self,
        pipe: impl crate::pipeline::PipeTransform<serde_json::Value, serde_json::Value> + 'static,
    ) -> &mut Self {
        self.global_pipes.push(Arc::new(pipe));
        self
    }

    /// Sets the largest request body `#[body]` reads, in bytes (default
    /// [`BODY_LIMIT`](crate::BODY_LIMIT), 1 MiB); a larger one is answered with NestJS's 413.
    /// NestJS's `app.useBodyParser('json', { limit })`.
    ///
    /// ```
    /// # use nest_core::NestApplication;
    /// let mut app = NestApplication::builder().build().unwrap();
    /// app.set_body_limit(10 * 1024 * 1024);
    /// ```
    pub fn set_body_limit(&mut self, bytes: usize) -> &mut Self {
        self.body_limit = bytes;
        self
    }

    /// Sets how long a graceful shutdown waits for open connections before it closes them
    /// (default [`DEFAULT_SHUTDOWN_TIMEOUT`]). Event streams end at once on shutdown; this
    /// bounds the wait for other requests and for clients slow to take the last bytes.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use nest_core::NestApplication;
    /// let mut app = NestApplication::builder().build().unwrap();
    /// app.set_shutdown_timeout(Duration::from_secs(2));
    /// ```
    pub fn set_shutdown_timeout(&mut self, timeout: Duration) -> &mut Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Counts requests, event streams, connections and the hubs you register, in a
    /// Prometheus registry served at `path` (`GET`, Prometheus's text format; OpenMetrics to
    /// a scraper that asks for it). The path is served as given: no global prefix, no version.
    /// See [`metrics`](crate::metrics) for what is counted, and
    /// [`NestApplication::metrics`] to register hubs and metrics of your own.
    ///
    /// Calling it again moves the path and keeps the registry.
    ///
    /// ```
    /// # use nest_core::NestApplication;
    /// let mut app = NestApplication::builder().build().unwrap();
    /// app.enable_metrics("/metrics");
    /// assert!(app.routes().contains(&(nest_core::RequestMethod::Get, "/metrics".to_owned())));
    /// ```
    pub fn enable_metrics(&mut self, path: &str) -> &mut Self {
        let path = crate::http::router::join_path(path, "");
        let metrics = self
            .metrics
            .take()
            .map_or_else(crate::metrics::Metrics::new, |(_, metrics)| metrics);
        self.metrics = Some((path, metrics));
        self
    }

    /// The application's metrics, once [`enable_metrics`](Self::enable_metrics) was called:
    /// to report a hub ([`Metrics::observe_hub`](crate::metrics::Metrics::observe_hub)) or
    /// register metrics of your own.
    ///
    /// ```
    /// # use nest_core::NestApplication;
    /// use nest_core::sse::Hub;
    /// let mut app = NestApplication::builder().build().unwrap();
    /// assert!(app.metrics().is_none());
    /// app.enable_metrics("/metrics");
    /// let hub: Hub = Hub::new();
    /// app.metrics().unwrap().observe_hub("events", &hub);
    /// ```
    pub fn metrics(&self) -> Option<&crate::metrics::Metrics> {
        self.metrics.as_ref().map(|(_, metrics)| metrics)
    }

    /// The router as served: the routes with the global prefix, versions, global guards and
    /// interceptors applied; `log` logs each route as NestJS does.
    fn mount(&self, log: bool) -> Result<crate::http::router::Router, StartupError> {
        let mut router = mount::mount(
            &self.routes,
            self.global_prefix.as_ref(),
            self.versioning.as_ref(),
            crate::pipeline::Global {
                guards: &self.global_guards,
                interceptors: &self.global_interceptors,
                filters: &self.global_filters,
                pipes: &self.global_pipes,
            },
            log,
            self.metrics.is_some() || crate::metrics::spans_enabled(),
        )?;
        if let Some((path, metrics)) = &self.metrics {
            let mut route = scrape_route(path, metrics);
            mount::named(&mut route);
            router
                .add(route)
                .map_err(|conflict| StartupError::new(conflict.to_string()))?;
        }
        Ok(router)
    }

    fn into_server(self) -> Result<server::Server, StartupError> {
        let router = self.mount(true)?;
        let router = Arc::new(router);
        let context = Arc::new(crate::context::AppContext {
            sse: Arc::new(self.sse),
            shutdown: tokio_util::sync::CancellationToken::new(),
            stopping: std::sync::atomic::AtomicBool::new(false),
            body_limit: self.body_limit,
            body_timeouts: crate::context::BodyTimeouts {
                read: self.limits.body_read_timeout,
                total: self.limits.body_timeout,
            },
            counts: Arc::default(),
            metrics: self.metrics.map(|(_, metrics)| metrics),
        });
        if let Some(metrics) = &context.metrics {
            metrics.observe_server(&context.counts);
        }
        let served: Vec<_> = router
            .routes()
            .map(|route| {
                let controller = route.name.split("::").next().unwrap_or_default().to_owned();
                (route.method, route.path.clone(), controller)
            })
            .collect();
        let chain = consumer::MiddlewareChain::mount(
            &self.global_middleware,
            &self.middleware,
            &served,
            self.global_prefix.as_ref(),
            self.versioning.as_ref(),
            self.global_filters.clone(),
        )?;
        let chain = (!chain.is_empty()).then(|| Arc::new(chain));
        let layered = (!self.layers.is_empty() || chain.is_some()).then(|| {
            let base = {
                let router = Arc::clone(&router);
                let context = Arc::clone(&context);
                tower::service_fn(move |request: http::Request<hyper::body::Incoming>| {
                    let (parts, body) = request.into_parts();
                    let response = match &chain {
                        Some(chain) => consumer::run(chain, &router, &context, parts, body),
                        None => router.dispatch(parts, Some(body), &context),
                    };
                    async move { Ok::<_, std::convert::Infallible>(response.await) }
                })
            };
            self.layers
                .iter()
                .rev()
                .fold(HttpService::new(base), |service, layer| {
                    layer.apply(service)
                })
        });
        Ok(server::Server {
            router,
            layered,
            limits: self.limits,
            context,
            shutdown_timeout: self.shutdown_timeout,
            #[cfg(feature = "tls")]
            tls: self.tls.as_ref().map(TlsConfig::acceptor),
        })
    }

    /// Serves the application on `port` on every interface (IPv6 and IPv4 where the machine
    /// has both), as NestJS's `app.listen(port)`, until SIGINT or SIGTERM; then shuts down
    /// gracefully (see [`RunningApp::close`]) and returns.
    ///
    /// ```no_run
    /// # use nest_core::prelude::*;
    /// # #[derive(Default)] struct AppController;
    /// # #[controller] impl AppController { #[get] fn hello(&self) -> &'static str { "hi" } }
    /// # #[module(controllers = [AppController])] struct AppModule;
    /// #[tokio::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let app = NestFactory::create::<AppModule>().await?;
    ///     app.listen(3000).await
    /// }
    /// ```
    pub async fn listen(self, port: u16) -> io::Result<()> {
        let hooks = self.shutdown_hooks;
        let listener = match TcpListener::bind(SocketAddr::from(([0u16; 8], port))).await {
            Ok(listener) => listener,
            Err(_) => TcpListener::bind(SocketAddr::from(([0, 0, 0, 0], port))).await?,
        };
        let running = self.start(listener).await?;
        let signal = server::shutdown_signal().await;
        tracing::info!(target: "NestApplication", "Shutdown signal received ({signal})");
        running.shutdown(Some(signal), hooks).await;
        Ok(())
    }

    /// Starts serving on `addr` (`"127.0.0.1:0"` picks a free port) in the background and
    /// returns a handle that knows the bound address. The server shuts down when the handle is
    /// closed or dropped.
    ///
    /// ```
    /// use nest_core::prelude::*;
    /// # #[derive(Default)] struct AppController;
    /// # #[controller] impl AppController { #[get] fn hello(&self) -> &'static str { "hi" } }
    /// # #[module(controllers = [AppController])] struct AppModule;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let app = NestFactory::create::<AppModule>().await?;
    /// let running = app.bind("127.0.0.1:0").await?;
    /// println!("listening on {}", running.local_addr());
    /// running.close().await;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn bind(self, addr: impl ToSocketAddrs) -> io::Result<RunningApp> {
        let listener = TcpListener::bind(addr).await?;
        self.start(listener).await
    }

    /// Runs the start-up hooks, then serves on `listener`.
    async fn start(self, listener: TcpListener) -> io::Result<RunningApp> {
        self.init().await;
        let container = Arc::clone(&self.container);
        RunningApp::start(listener, self.into_server()?, container)
    }

    /// The routes this application serves, as `(method, path)` pairs, in registration order.
    ///
    /// ```
    /// # use nest_core::prelude::*;
    /// # #[derive(Default)] struct AppController;
    /// # #[controller("app")] impl AppController { #[get(":id")] fn one(&self, #[param("id")] id: String) -> String { id } }
    /// let app = NestApplication::builder().controller(AppController).build().unwrap();
    /// assert_eq!(app.routes(), vec![(RequestMethod::Get, "/app/:id".to_owned())]);
    /// ```
    pub fn routes(&self) -> Vec<(crate::http::router::RequestMethod, String)> {
        self.mount(false)
            .map(|router| {
                router
                    .routes()
                    .map(|route| (route.method, route.path.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The routes as served (method, OpenAPI-less path) with what `#[controller]` wrote for
    /// the OpenAPI document, in registration order.
    pub(crate) fn described_routes(
        &self,
    ) -> Vec<(
        crate::http::router::RequestMethod,
        String,
        crate::openapi::route::DescribeFn,
    )> {
        self.mount(false)
            .map(|router| {
                router
                    .routes()
                    .filter_map(|route| Some((route.method, route.path.clone(), route.doc?)))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// `GET <path>`: the metrics, in the OpenMetrics text format when the scraper asks for it
/// (`Accept: application/openmetrics-text`), else in Prometheus's text format.
fn scrape_route(path: &str, metrics: &crate::metrics::Metrics) -> crate::http::router::Route {
    let metrics = metrics.clone();
    crate::http::router::Route::new(
        crate::http::router::RequestMethod::Get,
        path.to_owned(),
        "Metrics::scrape".to_owned(),
        Arc::new(move |request| {
            let openmetrics = request
                .headers()
                .get(http::header::ACCEPT)
                .and_then(|accept| accept.to_str().ok())
                .is_some_and(|accept| accept.contains("application/openmetrics-text"));
            let (body, content_type) = if openmetrics {
                (
                    metrics.encode_openmetrics(),
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                )
            } else {
                (metrics.encode(), "text/plain; version=0.0.4; charset=utf-8")
            };
            let mut response = crate::http::Response::new(crate::http::Body::from(body));
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static(content_type),
            );
            Box::pin(std::future::ready(response))
        }),
    )
}
