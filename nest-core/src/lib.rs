//! # nest-rs
//!
//! NestJS-style controllers for Rust, with first-class Server-Sent Events.
//!
//! The NestJS docs example, in Rust: `/sse` sends `{"hello":"world"}` every second.
//!
//! ```no_run
//! use nest_core::prelude::*;
//!
//! #[derive(Default)]
//! struct AppController;
//!
//! #[controller]
//! impl AppController {
//!     #[get]
//!     fn index(&self) -> Html<&'static str> {
//!         Html("<script>new EventSource('/sse').onmessage = ({ data }) => console.log(data)</script>")
//!     }
//!
//!     #[sse("sse")]
//!     fn sse(&self) -> impl Stream<Item = MessageEvent> {
//!         interval(Duration::from_secs(1)).map(|_| MessageEvent::json(&json!({ "hello": "world" })))
//!     }
//! }
//!
//! #[module(controllers = [AppController])]
//! struct AppModule;
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let app = NestFactory::create::<AppModule>().await?;
//!     app.listen(3000).await
//! }
//! ```
//!
//! | NestJS | nest-rs |
//! | --- | --- |
//! | `@Controller('cats')` on a class | [`#[controller("cats")]`](macro@controller) on an `impl` block |
//! | `@Get(':id')`, `@Post()`, … | [`#[get(":id")]`](macro@get), [`#[post]`](macro@post), … |
//! | `@Sse('sse')` returning `Observable<MessageEvent>` | [`#[sse("sse")]`](macro@sse) returning `impl Stream<Item = MessageEvent>` |
//! | `@Param('id') id: string` | `#[param("id")] id: String` |
//! | `@Module({ imports, controllers, providers, exports })` | [`#[module(imports = [...], controllers = [...], providers = [...], exports = [...])]`](macro@module) |
//! | `@Injectable()` class with constructor parameters | [`#[derive(Injectable)]`](macro@Injectable) struct with `Arc<T>` fields |
//! | `{ provide, useValue / useFactory }`, `@Inject('TOKEN')`, `@Optional()` | `{ provide: T, use_value: v }` / `use_factory` / `use_async_factory` in `providers`, [`di::Inject<Token>`], `Option<Arc<T>>` (see [`di`]) |
//! | `@UseGuards`, `@UseInterceptors`, `@UseFilters`, `@Catch` | `#[use_guards]`, `#[use_interceptors]`, `#[use_filters]`, [`#[catch]`](macro@catch) (see [`pipeline`]) |
//! | `@Param('id', ParseIntPipe)` | `#[param("id", ParseIntPipe)]` (see [`pipeline::PipeTransform`]) |
//! | `applyDecorators(SetMetadata('roles', roles), UseGuards(AuthGuard))` | [`pipeline::Decorators`], applied with `#[apply_decorators(...)]` on a route or a controller |
//! | `OnModuleInit`, …, `app.enableShutdownHooks()` | [`lifecycle`], [`NestApplication::enable_shutdown_hooks`] |
//! | `EventEmitterModule.forRoot()`, `EventEmitter2`, `@OnEvent('order.created')` | [`event_emitter`], [`#[on_event("order.created")]`](macro@on_event) in a [`#[provider]`](macro@provider) block |
//! | `ScheduleModule.forRoot()`, `@Cron`, `@Interval`, `@Timeout`, `SchedulerRegistry` | [`schedule`], [`#[cron]`](macro@cron), [`#[interval]`](macro@interval), [`#[timeout]`](macro@timeout) |
//! | `Test.createTestingModule(...).overrideProvider(X).useValue(v)` | `testing::Test::create_testing_module::<M>().override_provider::<X>().use_value(v)` (feature `testing`) |
//! | `NestFactory.create(AppModule)`, `app.listen(3000)` | [`NestFactory::create::<AppModule>()`](NestFactory::create), [`listen(3000)`](NestApplication::listen) |
//! | `throw new NotFoundException('x')` | `Err(NotFoundException::new("x"))` |
//!
//! Server-Sent Events are described in [`mod@sse`]; the guide is in the repository's `docs/`.
//!
//! # Features
//! | feature | what it adds | default |
//! | --- | --- | --- |
//! | `testing` | [`testing`]: a real-TCP test client that parses event streams | off |
//! | `tls` | `app::TlsConfig` and `NestApplication::set_tls`: HTTPS with rustls, HTTP/2 by ALPN | off |
//! | `validation` | `nest_core::validation`: `#[derive(Dto)]` with class-validator's decorators and NestJS's `ValidationPipe`; `Valid<T>` for the `validator` crate's rules | off |
//! | `openapi` | [`openapi::SwaggerModule::setup`]: the OpenAPI document at `/api-json` and Swagger UI at `/api` | off |
//! | `redis` | `sse::RedisOptions` and `HubOptions::redis`: the [`sse::Hub`] on Redis Streams, shared by several instances | off |
//!
//! # Debugging the macros
//! Set `NEST_MACROS_DEBUG=1` while building to print what `#[controller]` generates.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

pub mod app;
pub mod config;
mod context;
pub mod controller;
pub mod di;
mod discovery;
mod error;
pub mod event_emitter;
pub mod health;
pub mod http;
mod json;
pub mod lifecycle;
mod lock;
pub mod metrics;
pub mod openapi;
mod panic;
pub mod pipeline;
pub mod schedule;
pub mod sse;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(feature = "validation")]
pub mod validation;

#[doc(inline)]
pub use app::DynamicModule;
#[doc(inline)]
pub use app::{
    AppBuilder, Module, ModuleBuilder, NestApplication, NestFactory, RunningApp, StartupError,
    VERSION_NEUTRAL,
};
#[doc(inline)]
pub use controller::Controller;
#[doc(inline)]
pub use di::Injectable;
#[cfg(feature = "validation")]
#[doc(inline)]
pub use http::Valid;
pub use http::router::{RequestMethod, RouteConflict};
#[doc(inline)]
pub use http::{
    BODY_LIMIT, Body, CookieOptions, CookiePriority, Extension, FromInput, FromParam, FromRequest,
    Html, HttpException, IntoResponse, Json, LastEventId, Request, RequestHead, Res, Response,
    SameSite,
};
#[doc(inline)]
pub use http::{
    BadGatewayException, BadRequestException, ConflictException, ForbiddenException,
    GatewayTimeoutException, GoneException, HttpVersionNotSupportedException, ImATeapotException,
    InternalServerErrorException, MethodNotAllowedException, MisdirectedException,
    NotAcceptableException, NotFoundException, NotImplementedException, PayloadTooLargeException,
    PreconditionFailedException, RequestTimeoutException, ServiceUnavailableException,
    UnauthorizedException, UnprocessableEntityException, UnsupportedMediaTypeException,
};
/// `#[derive(Dto)]`: class-validator's decorators as field attributes; see [`validation`].
#[cfg(feature = "validation")]
pub use nest_macros::Dto;
#[doc(inline)]
pub use sse::MessageEvent;
#[cfg(feature = "validation")]
#[doc(inline)]
pub use validation::{Dto, ValidationError, ValidationPipe};

/// Marks an inherent `impl` block as a controller, as NestJS's `@Controller()`.
///
/// `#[controller]` or `#[controller("prefix")]`. Its methods become routes through
/// [`#[get]`](macro@get), [`#[sse]`](macro@sse) and the other verb attributes; the controller is
/// then listed in a [`#[module]`](macro@module) or added with [`AppBuilder::controller`].
///
/// ```
/// use nest_core::prelude::*;
///
/// #[derive(Default)]
/// struct CatsController;
///
/// #[controller("cats")]
/// impl CatsController {
///     #[get(":id")]
///     fn find_one(&self, #[param("id")] id: u32) -> String {
///         format!("This action returns a #{id} cat")
///     }
/// }
/// ```
///
/// Attributes it reads, on the block (below `#[controller]`) or on a route method:
///
/// | attribute | NestJS | where |
/// | --- | --- | --- |
/// | `#[use_guards(RolesGuard, ...)]` | `@UseGuards` | block or method |
/// | `#[use_interceptors(LoggingInterceptor, ...)]` | `@UseInterceptors` | block or method |
/// | `#[use_filters(HttpExceptionFilter, ...)]` | `@UseFilters` | block or method |
/// | `#[use_pipes(ValidationPipe, TrimPipe::new(), ...)]` | `@UsePipes` | block or method |
/// | `#[roles("admin")]`, `#[set_metadata("key", "value")]` | `@Roles`, `@SetMetadata` | method |
/// | `#[http_code(204)]`, `#[header("name", "value")]`, `#[redirect("/to", 301)]`, `#[version("1")]` | `@HttpCode`, `@Header`, `@Redirect`, `@Version` | method |
/// | `#[param("id", Pipe, ...)]`, `#[query(...)]`, `#[body(...)]`, `#[headers(...)]`, `#[ip]`, `#[req]` | `@Param`, `@Query`, `@Body`, `@Headers`, `@Ip`, `@Req` | argument |
/// | `#[user("data", Pipe, ...)]` (any other name) | a `createParamDecorator` decorator: calls `user(Some("data"), &request)` | argument |
///
/// Guards, interceptors, filters and pipes named by type in `#[use_...]` are built by the
/// injector in the controller's module (see [`pipeline`]); pipes written as expressions are
/// used as they are (see [`pipeline::PipeTransform`]).
///
/// It stands for an `impl Controller for CatsController` that lists the routes, each calling
/// its method on the application's instance (or, for a controller that depends on a
/// request-scoped provider, on one built for the request); the methods themselves are left as
/// they are.
///
/// Used on anything but an inherent `impl` block, it is an error:
/// ```compile_fail
/// use nest_core::prelude::*;
/// #[controller]
/// struct NotAnImpl;
/// ```
pub use nest_macros::controller;

/// Makes a controller method an event-stream route, as NestJS's `@Sse('path')`.
///
/// `#[sse("path")]` answers `GET prefix/path`; `#[sse("path", method = "POST")]` answers
/// `POST` (status 201, as NestJS). The method takes `&self`, may be `async`, may take
/// `#[param("name")]` arguments, and returns one of:
/// * `impl Stream<Item = T>` where `T` converts into [`MessageEvent`];
/// * `impl Stream<Item = Result<T, E>>`, where `E: Into<HttpException>`;
/// * `Result<impl Stream<…>, HttpException>`: an `Err` is answered as a normal JSON error.
///
/// ```
/// use nest_core::prelude::*;
///
/// #[derive(Default)]
/// struct EventsController;
///
/// #[controller("events")]
/// impl EventsController {
///     #[sse(":room")]
///     async fn room(&self, #[param("room")] room: String)
///         -> Result<impl Stream<Item = MessageEvent>, HttpException>
///     {
///         if room == "secret" {
///             return Err(ForbiddenException.into());
///         }
///         Ok(interval(Duration::from_secs(1)).map(move |n| MessageEvent::new(format!("{room} {n}"))))
///     }
/// }
/// ```
///
/// Any other return type is a compile error at the return type:
/// ```compile_fail
/// use nest_core::prelude::*;
/// #[derive(Default)]
/// struct C;
/// #[controller]
/// impl C {
///     #[sse("sse")]
///     fn sse(&self) -> String { String::new() }
/// }
/// ```
///
/// Outside a `#[controller]` block, `#[sse]` is an error too.
///
/// It stands for a route in the controller's `impl Controller` whose handler reads the
/// arguments, calls the method, and drives the returned stream as a `text/event-stream`
/// response (NestJS's headers, a `\n` preamble, automatic ids, heartbeats; see [`mod@sse`]).
pub use nest_macros::sse;

/// A module listing its controllers (and imported modules), as NestJS's `@Module()`.
///
/// ```
/// use nest_core::prelude::*;
/// # #[derive(Default)] struct AppController;
/// # #[controller] impl AppController { #[get] fn hi(&self) -> &'static str { "hi" } }
/// #[module(controllers = [AppController])]
/// struct AppModule;
///
/// #[module(imports = [AppModule])]
/// struct RootModule;
/// ```
/// Options: `imports`, `controllers`, `providers` (types, or `{ provide: T, use_value: .. }`,
/// `use_factory`, `use_async_factory`), `exports`, and the flag `global`. Providers and
/// controllers are built by the injector: `#[derive(Injectable)]` types get their `Arc<T>`
/// fields injected, `Default` types are built with `Default`. See [`di`].
///
/// It stands for an `impl Module for AppModule` whose `configure` registers each of them on a
/// [`ModuleBuilder`] (`import::<M>()`, `provide_value(..)`, `export::<T>()`, …), the same calls
/// a hand-written module makes.
///
/// A type that is neither `Injectable` nor `Default` cannot be a provider:
/// ```compile_fail
/// use nest_core::prelude::*;
/// struct NotBuildable(u32);
/// #[module(providers = [NotBuildable])]
/// struct AppModule;
/// ```
pub use nest_macros::module;

/// Says which exceptions an [`ExceptionFilter`](pipeline::ExceptionFilter) handles, as
/// NestJS's `@Catch(...)`: `#[catch(NotFoundException, ForbiddenException)]`,
/// `#[catch(HttpException)]` (every exception raised on purpose) or `#[catch]` (every error,
/// the 500s of unknown errors and panics included). Put it on the `impl ExceptionFilter` block.
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::{Response, pipeline::{ArgumentsHost, ExceptionFilter}};
///
/// #[derive(Default)]
/// struct NotFoundFilter;
///
/// #[catch(NotFoundException)]
/// impl ExceptionFilter for NotFoundFilter {
///     fn catch(&self, _: &HttpException, host: &ArgumentsHost<'_>) -> Response {
///         Html(format!("<h1>No page at {}</h1>", host.request().uri.path())).into_response()
///     }
/// }
///
/// assert!(NotFoundFilter.catches(&NotFoundException::new("x")));
/// assert!(!NotFoundFilter.catches(&ForbiddenException::new("x")));
/// ```
///
/// It goes on a trait `impl` only:
///
/// ```compile_fail
/// use nest_core::prelude::*;
/// struct NotAFilter;
/// #[catch(NotFoundException)]
/// impl NotAFilter {}
/// ```
pub use nest_macros::catch;

/// The HTTP verb attributes, as NestJS's `@Get()`, `@Post()`, …: `#[get]`, `#[get("path")]`,
/// `#[post]`, `#[put]`, `#[delete]`, `#[patch]`, `#[options]`, `#[head]`, `#[all]`, on a method
/// of a `#[controller]` block. The method's return value is the response: text, `Json(..)`,
/// any `Serialize` value as JSON, `Result<T, E: Into<HttpException>>`, or any `IntoResponse`;
/// `POST` answers 201, the others 200, as NestJS.
///
/// ```
/// use nest_core::prelude::*;
///
/// #[derive(Default)]
/// struct CatsController;
///
/// #[controller("cats")]
/// impl CatsController {
///     #[post]
///     fn create(&self, #[body] cat: serde_json::Value) -> serde_json::Value { cat }
///
///     #[get(":id")]
///     fn find_one(&self, #[param("id")] id: u32) -> Result<String, HttpException> {
///         if id == 0 { Err(NotFoundException::new("no cat 0")) } else { Ok(format!("cat {id}")) }
///     }
/// }
/// ```
///
/// Each stands for a route in the controller's `impl Controller`, whose handler reads the
/// arguments (a bad one answers NestJS's 400), calls the method and turns its value into the
/// response. A `:param` the path does not declare is a compile error at the name:
/// ```compile_fail
/// use nest_core::prelude::*;
/// #[derive(Default)]
/// struct C;
/// #[controller]
/// impl C {
///     #[get("cats/:id")]
///     fn one(&self, #[param("cat_id")] id: u32) -> String { id.to_string() }
/// }
/// ```
pub use nest_macros::{all, delete, get, head, options, patch, post, put};

/// Derives [`Injectable`](trait@Injectable): every `Arc<T>` field is injected from the module's
/// providers (`Option<Arc<T>>` when it may be missing, `Inject<Token>` for a token); the other
/// fields come from the struct's own `Default` when it has one (`..Self::default()`, so a
/// hand-written `impl Default` is kept), else from each field's `Default` (a field with
/// neither is a compile error naming it). `#[injectable(scope = "transient")]` or `"request"` sets
/// the scope. It stands for an `impl Injectable` that lists the dependencies and builds the
/// struct from them.
///
/// ```
/// use nest_core::prelude::*;
///
/// #[derive(Injectable, Default)]
/// struct Clock;
///
/// #[derive(Injectable)]
/// struct TimeService {
///     clock: Arc<Clock>,
///     calls: std::sync::atomic::AtomicU64, // not an Arc: Default
/// }
/// # let _ = |s: TimeService| (s.clock, s.calls);
/// ```
///
/// Only structs can be derived:
/// ```compile_fail
/// use nest_core::Injectable;
/// #[derive(Injectable)]
/// enum Mode { Fast, Slow }
/// ```
pub use nest_macros::Injectable;

/// Declares the event listeners and scheduled jobs among a provider's methods: put it on an
/// inherent `impl` block, and mark methods with [`#[on_event]`](macro@on_event),
/// [`#[cron]`](macro@cron), [`#[interval]`](macro@interval) or [`#[timeout]`](macro@timeout)
/// (NestJS's `@OnEvent`, `@Cron`, `@Interval`, `@Timeout` on an `@Injectable()` class). The
/// type is then listed in a module's `providers`, which registers them; the block's methods
/// are left as they are.
///
/// ```
/// use nest_core::prelude::*;
///
/// struct OrderCreatedEvent { id: u32 }
///
/// #[derive(Injectable, Default)]
/// struct OrdersListener;
///
/// #[provider]
/// impl OrdersListener {
///     #[on_event("order.created")]
///     fn on_created(&self, event: &OrderCreatedEvent) { println!("order {}", event.id); }
///
///     #[on_event("order.shipped", async, suppress_errors = false)]
///     async fn on_shipped(&self, event: Arc<OrderCreatedEvent>) -> Result<(), String> {
///         Ok(())
///     }
///
///     #[interval(60_000)]
///     fn every_minute(&self) {}
/// }
/// ```
///
/// A literal cron pattern is checked while compiling:
/// ```compile_fail
/// use nest_core::prelude::*;
/// #[derive(Injectable, Default)]
/// struct Tasks;
/// #[provider]
/// impl Tasks {
///     #[cron("61 * * * *")]
///     fn never(&self) {}
/// }
/// ```
pub use nest_macros::provider;

/// Makes a method of a [`#[provider]`](macro@provider) block a listener of an event, as
/// NestJS's `@OnEvent('order.created', { async, prependListener, suppressErrors })`:
/// `#[on_event("order.created")]`, `#[on_event("order.*", prepend_listener, async,
/// suppress_errors = false)]`. The method takes `&self` and, optionally, the payload as `&T`
/// or `Arc<T>` (events whose payload is not a `T` are not passed to it); it may be `async`
/// and may return a `Result` (its error is logged). See [`event_emitter`].
///
/// Outside a `#[provider]` block it is an error.
pub use nest_macros::on_event;

/// Runs a method of a [`#[provider]`](macro@provider) block on a cron schedule, as NestJS's
/// `@Cron('45 * * * * *', { name, timeZone, disabled })`: `#[cron("45 * * * * *")]`,
/// `#[cron(CronExpression::EVERY_MINUTE, name = "reports", time_zone = "Europe/Paris",
/// disabled)]`. Five fields, or six with seconds first. See [`schedule`].
///
/// Outside a `#[provider]` block it is an error.
pub use nest_macros::cron;

/// Runs a method of a [`#[provider]`](macro@provider) block every `ms` milliseconds (first
/// after `ms`), as NestJS's `@Interval(10000)` / `@Interval('name', 10000)`:
/// `#[interval(10000)]`, `#[interval("name", 10000)]`. See [`schedule`].
///
/// Outside a `#[provider]` block it is an error.
pub use nest_macros::interval;

/// Runs a method of a [`#[provider]`](macro@provider) block once, `ms` milliseconds after the
/// application has started, as NestJS's `@Timeout(5000)` / `@Timeout('name', 5000)`.
/// See [`schedule`].
///
/// Outside a `#[provider]` block it is an error.
pub use nest_macros::timeout;

/// Everything a controller file needs: `use nest_core::prelude::*;`.
pub mod prelude {
    pub use crate::sse::{SseSignal, interval};
    pub use crate::{
        AppBuilder, BadRequestException, Controller, ForbiddenException, Html, HttpException,
        Injectable, IntoResponse, Json, LastEventId, MessageEvent, Module, NestApplication,
        NestFactory, NotFoundException, RequestMethod, all, catch, controller, cron, delete, get,
        head, interval, module, on_event, options, patch, post, provider, put, sse, timeout,
    };
    pub use futures_util::{Stream, StreamExt, stream};
    pub use serde_json::json;
    pub use std::{sync::Arc, time::Duration};
}

/// Entry points for the fuzz targets in `fuzz/` (and their property tests): the router and the
/// parameter decoding, without a server. Not public API; only with the hidden `fuzz` feature.
#[cfg(feature = "fuzz")]
#[doc(hidden)]
pub mod __fuzz;

/// What the macros' generated code names. Not public API: it may change in any release.
#[doc(hidden)]
pub mod __private;
