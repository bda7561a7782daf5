//! Middleware bound by a module's `configure(consumer)`, as NestJS's `MiddlewareConsumer`:
//! which middleware run for which request, in which order, with which route parameters, and
//! what the handler then sees.
//!
//! The expectations were captured from NestJS 12.6.3 (@nestjs/platform-express 12.6.3,
//! Express 5, Node 20) serving the same application: each middleware sets
//! `x-mw-<name>: <JSON of req.params>` and appends its name to `req.trail`, which the handlers
//! return. Express gives a wildcard's value as an array of segments (`{"path":["cats","1"]}`);
//! nest-rs gives the text they span (`{"path":"cats/1"}`), which is what is written below.

use std::sync::{Arc, Mutex};

use http::{HeaderValue, StatusCode};
use nest_core::app::{GlobalPrefix, MiddlewareConsumer, NestModule, RouteInfo};
use nest_core::pipeline::{MiddlewareFuture, NestMiddleware, Next};
use nest_core::prelude::*;
use nest_core::testing::TestClient;
use nest_core::{Extension, HttpException, IntoResponse, Json, Request, RequestMethod, Response};

/// The names of the middleware a request went through, in order.
#[derive(Clone, Default)]
struct Trail(Arc<Mutex<Vec<&'static str>>>);

fn record(req: &mut Request, name: &'static str) {
    let params: serde_json::Map<String, serde_json::Value> = req
        .params()
        .iter()
        .map(|(key, value)| (key.clone(), json!(value)))
        .collect();
    let trail = req
        .extensions_mut()
        .get_or_insert_default::<Trail>()
        .clone();
    trail.0.lock().unwrap().push(name);
    req.extensions_mut()
        .get_or_insert_default::<Headers>()
        .0
        .push((
            format!("x-mw-{name}"),
            serde_json::Value::Object(params).to_string(),
        ));
}

/// The headers each middleware asks for, set on the response on the way back.
#[derive(Clone, Default)]
struct Headers(Vec<(String, String)>);

async fn finish(req: Request, next: Next) -> Response {
    let headers = req
        .extensions()
        .get::<Headers>()
        .cloned()
        .unwrap_or_default();
    let mut response = next.run(req).await;
    for (name, value) in headers.0 {
        let name = http::HeaderName::try_from(name).unwrap();
        response
            .headers_mut()
            .entry(name)
            .or_insert(HeaderValue::try_from(value).unwrap());
    }
    response
}

fn mark(
    name: &'static str,
) -> impl Fn(
    Request,
    Next,
) -> std::pin::Pin<Box<dyn Future<Output = Result<Response, HttpException>> + Send>>
+ Send
+ Sync
+ 'static {
    move |mut req, next| {
        Box::pin(async move {
            record(&mut req, name);
            Ok(finish(req, next).await)
        })
    }
}

async fn blocker(_req: Request, _next: Next) -> Result<Response, HttpException> {
    let mut response = Json(json!({ "blocked": true })).into_response();
    *response.status_mut() = StatusCode::FORBIDDEN;
    Ok(response)
}

#[derive(Injectable, Default)]
struct TrailService;

impl TrailService {
    fn name(&self, name: &'static str) -> &'static str {
        name
    }
}

/// A middleware class with an injected dependency.
#[derive(Injectable)]
struct ClassMiddleware {
    trail: Arc<TrailService>,
}

impl NestMiddleware for ClassMiddleware {
    fn r#use<'a>(&'a self, mut req: Request, next: Next) -> MiddlewareFuture<'a> {
        Box::pin(async move {
            record(&mut req, self.trail.name("class"));
            Ok(finish(req, next).await)
        })
    }
}

fn trail(trail: Option<Extension<Trail>>) -> Vec<&'static str> {
    trail
        .map(|Extension(trail)| trail.0.lock().unwrap().clone())
        .unwrap_or_default()
}

#[derive(Default)]
struct CatsController;

#[controller("cats")]
impl CatsController {
    #[get]
    fn all(&self, seen: Option<Extension<Trail>>) -> serde_json::Value {
        json!({ "route": "cats", "trail": trail(seen) })
    }

    #[get(":id")]
    fn one(&self, #[param("id")] id: String, seen: Option<Extension<Trail>>) -> serde_json::Value {
        json!({ "route": "cats/:id", "id": id, "trail": trail(seen) })
    }

    #[post]
    fn create(&self, seen: Option<Extension<Trail>>) -> serde_json::Value {
        json!({ "route": "POST cats", "trail": trail(seen) })
    }
}

#[derive(Default)]
struct DogsController;

#[controller("dogs")]
impl DogsController {
    #[get]
    fn all(&self, seen: Option<Extension<Trail>>) -> serde_json::Value {
        json!({ "route": "dogs", "trail": trail(seen) })
    }

    #[get(":id")]
    fn one(&self, #[param("id")] id: String, seen: Option<Extension<Trail>>) -> serde_json::Value {
        json!({ "route": "dogs/:id", "id": id, "trail": trail(seen) })
    }

    #[get("blocked")]
    fn blocked(&self) -> &'static str {
        "never"
    }
}

#[derive(Default)]
struct HealthController;

#[controller("health")]
impl HealthController {
    #[get]
    fn ok(&self, seen: Option<Extension<Trail>>) -> serde_json::Value {
        json!({ "route": "health", "trail": trail(seen) })
    }
}

#[module(
    controllers = [CatsController, DogsController, HealthController],
    providers = [TrailService]
)]
struct AppModule;

impl NestModule for AppModule {
    fn configure(consumer: &mut MiddlewareConsumer) {
        consumer.apply_fn(mark("star")).for_routes("*");
        consumer.apply_fn(mark("cats")).for_routes("cats");
        consumer
            .apply_fn(mark("catid"))
            .for_routes(("cats/:id", RequestMethod::Get));
        consumer
            .apply::<ClassMiddleware>()
            .apply_fn(mark("after"))
            .exclude(("dogs/:id", RequestMethod::Get))
            .for_routes(RouteInfo::controller::<DogsController>());
        consumer
            .apply_fn(mark("post"))
            .for_routes(("cats", RequestMethod::Post));
        consumer.apply_fn(blocker).for_routes("dogs/blocked");
    }
}

async fn serve(prefix: Option<GlobalPrefix>) -> (nest_core::RunningApp, TestClient) {
    let mut app = NestFactory::create::<AppModule>().await.unwrap();
    if let Some(prefix) = prefix {
        app.set_global_prefix(prefix);
    }
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(server.local_addr());
    (server, client)
}

/// One request and what NestJS answered: status, the `x-mw-*` headers, and the body (`None`
/// where it is not compared).
struct Case {
    method: &'static str,
    path: &'static str,
    status: u16,
    middleware: &'static [(&'static str, &'static str)],
    body: Option<&'static str>,
}

async fn check(client: &TestClient, cases: &[Case]) {
    let mut failures = Vec::new();
    for case in cases {
        let request = http::Request::builder()
            .method(case.method)
            .uri(case.path)
            .header("host", "localhost")
            .body(http_body_util::Full::new(bytes::Bytes::new()))
            .unwrap();
        let response = client.request(request).await.unwrap();
        let mut seen: Vec<(String, String)> = response
            .headers
            .iter()
            .filter(|(name, _)| name.as_str().starts_with("x-mw-"))
            .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap().to_owned()))
            .collect();
        seen.sort();
        let mut expected: Vec<(String, String)> = case
            .middleware
            .iter()
            .map(|(name, params)| (format!("x-mw-{name}"), (*params).to_owned()))
            .collect();
        expected.sort();
        // JSON bodies are compared as values: `json!` orders keys by name.
        let same = |body: &str| match (
            serde_json::from_str::<serde_json::Value>(body),
            response.json(),
        ) {
            (Ok(expected), Ok(got)) => expected == got,
            _ => response.text() == body,
        };
        let body_differs = case.body.is_some_and(|body| !same(body));
        if response.status.as_u16() != case.status || seen != expected || body_differs {
            failures.push(format!(
                "{} {}: got {} {seen:?} {}; NestJS: {} {expected:?} {}",
                case.method,
                case.path,
                response.status.as_u16(),
                response.text(),
                case.status,
                case.body.unwrap_or("(body not compared)")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const NOT_FOUND_ROOT: &str = r#"{"message":"Cannot GET /","error":"Not Found","statusCode":404}"#;

#[tokio::test]
async fn middleware_run_for_the_routes_they_are_bound_to_in_nestjs_order() {
    let (_server, client) = serve(None).await;
    check(
        &client,
        &[
            Case {
                method: "GET",
                path: "/cats",
                status: 200,
                middleware: &[("star", r#"{"path":"cats"}"#), ("cats", "{}")],
                body: Some(r#"{"route":"cats","trail":["star","cats"]}"#),
            },
            Case {
                method: "GET",
                path: "/cats/",
                status: 200,
                middleware: &[("star", r#"{"path":"cats/"}"#), ("cats", "{}")],
                body: Some(r#"{"route":"cats","trail":["star","cats"]}"#),
            },
            Case {
                method: "GET",
                path: "/cats/1",
                status: 200,
                middleware: &[
                    ("star", r#"{"path":"cats/1"}"#),
                    ("cats", "{}"),
                    ("catid", r#"{"id":"1"}"#),
                ],
                body: Some(r#"{"route":"cats/:id","id":"1","trail":["star","cats","catid"]}"#),
            },
            Case {
                method: "HEAD",
                path: "/cats/1",
                status: 200,
                middleware: &[
                    ("star", r#"{"path":"cats/1"}"#),
                    ("cats", "{}"),
                    ("catid", r#"{"id":"1"}"#),
                ],
                body: Some(""),
            },
            Case {
                method: "POST",
                path: "/cats",
                status: 201,
                middleware: &[
                    ("star", r#"{"path":"cats"}"#),
                    ("cats", "{}"),
                    ("post", "{}"),
                ],
                body: Some(r#"{"route":"POST cats","trail":["star","cats","post"]}"#),
            },
            Case {
                method: "GET",
                path: "/dogs",
                status: 200,
                middleware: &[
                    ("star", r#"{"path":"dogs"}"#),
                    ("class", "{}"),
                    ("after", "{}"),
                ],
                body: Some(r#"{"route":"dogs","trail":["star","class","after"]}"#),
            },
            Case {
                method: "GET",
                path: "/dogs/1",
                status: 200,
                middleware: &[("star", r#"{"path":"dogs/1"}"#)],
                body: Some(r#"{"route":"dogs/:id","id":"1","trail":["star"]}"#),
            },
            Case {
                method: "GET",
                path: "/dogs/blocked",
                status: 403,
                middleware: &[("star", r#"{"path":"dogs/blocked"}"#)],
                body: Some(r#"{"blocked":true}"#),
            },
            Case {
                method: "GET",
                path: "/nope/deep",
                status: 404,
                middleware: &[("star", r#"{"path":"nope/deep"}"#)],
                body: Some(
                    r#"{"message":"Cannot GET /nope/deep","error":"Not Found","statusCode":404}"#,
                ),
            },
            Case {
                method: "GET",
                path: "/cats/1/x",
                status: 404,
                middleware: &[("star", r#"{"path":"cats/1/x"}"#), ("cats", "{}")],
                body: None,
            },
            Case {
                method: "GET",
                path: "/",
                status: 404,
                middleware: &[("star", "{}")],
                body: Some(NOT_FOUND_ROOT),
            },
            Case {
                method: "GET",
                path: "/health",
                status: 200,
                middleware: &[("star", r#"{"path":"health"}"#)],
                body: Some(r#"{"route":"health","trail":["star"]}"#),
            },
        ],
    )
    .await;
}

#[tokio::test]
async fn paths_match_case_insensitively_as_in_express() {
    let (_server, client) = serve(None).await;
    check(
        &client,
        &[
            Case {
                method: "GET",
                path: "/CATS/1",
                status: 200,
                middleware: &[
                    ("star", r#"{"path":"CATS/1"}"#),
                    ("cats", "{}"),
                    ("catid", r#"{"id":"1"}"#),
                ],
                body: Some(r#"{"route":"cats/:id","id":"1","trail":["star","cats","catid"]}"#),
            },
            // The exclusion matches whatever the case, as the route does.
            Case {
                method: "GET",
                path: "/DOGS/1",
                status: 200,
                middleware: &[("star", r#"{"path":"DOGS/1"}"#)],
                body: Some(r#"{"route":"dogs/:id","id":"1","trail":["star"]}"#),
            },
        ],
    )
    .await;
}

#[tokio::test]
async fn the_global_prefix_applies_to_bound_paths_but_not_to_the_routes_it_excludes() {
    let (_server, client) = serve(Some(GlobalPrefix::new("api").exclude("health"))).await;
    check(
        &client,
        &[
            Case {
                method: "GET",
                path: "/api/cats",
                status: 200,
                middleware: &[("star", r#"{"path":"cats"}"#), ("cats", "{}")],
                body: Some(r#"{"route":"cats","trail":["star","cats"]}"#),
            },
            Case {
                method: "GET",
                path: "/api/cats/1",
                status: 200,
                middleware: &[
                    ("star", r#"{"path":"cats/1"}"#),
                    ("cats", "{}"),
                    ("catid", r#"{"id":"1"}"#),
                ],
                body: Some(r#"{"route":"cats/:id","id":"1","trail":["star","cats","catid"]}"#),
            },
            Case {
                method: "GET",
                path: "/api/dogs",
                status: 200,
                middleware: &[
                    ("star", r#"{"path":"dogs"}"#),
                    ("class", "{}"),
                    ("after", "{}"),
                ],
                body: Some(r#"{"route":"dogs","trail":["star","class","after"]}"#),
            },
            Case {
                method: "GET",
                path: "/api/dogs/1",
                status: 200,
                middleware: &[("star", r#"{"path":"dogs/1"}"#)],
                body: Some(r#"{"route":"dogs/:id","id":"1","trail":["star"]}"#),
            },
            Case {
                method: "GET",
                path: "/api/health",
                status: 404,
                middleware: &[("star", r#"{"path":"health"}"#)],
                body: Some(
                    r#"{"message":"Cannot GET /api/health","error":"Not Found","statusCode":404}"#,
                ),
            },
            Case {
                method: "GET",
                path: "/api",
                status: 404,
                middleware: &[("star", "{}")],
                body: Some(r#"{"message":"Cannot GET /api","error":"Not Found","statusCode":404}"#),
            },
            Case {
                method: "GET",
                path: "/health",
                status: 200,
                middleware: &[("star", "{}")],
                body: Some(r#"{"route":"health","trail":["star"]}"#),
            },
            // Outside the prefix no middleware runs (NestJS answers Express's HTML 404 there;
            // nest-rs answers its JSON 404 everywhere).
            Case {
                method: "GET",
                path: "/cats",
                status: 404,
                middleware: &[],
                body: None,
            },
        ],
    )
    .await;
}

/// A middleware's exception is answered as NestJS answers it, and a panic is a 500.
#[derive(Default)]
struct FailController;

#[controller("fail")]
impl FailController {
    #[get]
    fn never(&self) -> &'static str {
        "reached"
    }
}

async fn forbid(_req: Request, _next: Next) -> Result<Response, HttpException> {
    Err(ForbiddenException::new("no entry"))
}

async fn explode(_req: Request, _next: Next) -> Result<Response, HttpException> {
    panic!("middleware bug")
}

#[module(controllers = [FailController])]
struct FailModule;

impl NestModule for FailModule {
    fn configure(consumer: &mut MiddlewareConsumer) {
        consumer
            .apply_fn(forbid)
            .for_routes(("fail", RequestMethod::Get));
        consumer
            .apply_fn(explode)
            .for_routes(("fail", RequestMethod::Post));
    }
}

#[tokio::test]
async fn a_middleware_error_is_answered_as_an_exception() {
    let app = NestFactory::create::<FailModule>().await.unwrap();
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(server.local_addr());
    let forbidden = client.get("/fail").await.unwrap();
    assert_eq!(forbidden.status, 403);
    assert_eq!(
        forbidden.text(),
        r#"{"message":"no entry","error":"Forbidden","statusCode":403}"#
    );
    let request = http::Request::post("/fail")
        .header("host", "localhost")
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();
    let panicked = client.request(request).await.unwrap();
    assert_eq!(panicked.status, 500);
    assert_eq!(
        panicked.text(),
        r#"{"statusCode":500,"message":"Internal server error"}"#
    );
}

/// Middleware of global modules run first, then the root module's, then those of the modules
/// it imports, further and further away, as NestJS orders them (captured from NestJS 12.6.3:
/// `{"trail":["global","outer","inner","deep"]}`); a controller that is not in the
/// application is an error at start-up.
#[derive(Default)]
struct InnerController;

#[controller("inner")]
impl InnerController {
    #[get]
    fn get(&self, seen: Option<Extension<Trail>>) -> serde_json::Value {
        json!({ "trail": trail(seen) })
    }
}

#[module]
struct DeepModule;

impl NestModule for DeepModule {
    fn configure(consumer: &mut MiddlewareConsumer) {
        consumer.apply_fn(mark("deep")).for_routes("*");
    }
}

#[module(global)]
struct GlobalModule;

impl NestModule for GlobalModule {
    fn configure(consumer: &mut MiddlewareConsumer) {
        consumer.apply_fn(mark("global")).for_routes("*");
    }
}

#[module(imports = [DeepModule], controllers = [InnerController])]
struct InnerModule;

impl NestModule for InnerModule {
    fn configure(consumer: &mut MiddlewareConsumer) {
        consumer.apply_fn(mark("inner")).for_routes("*");
    }
}

#[module(imports = [InnerModule, GlobalModule])]
struct OuterModule;

impl NestModule for OuterModule {
    fn configure(consumer: &mut MiddlewareConsumer) {
        consumer.apply_fn(mark("outer")).for_routes("inner");
    }
}

#[tokio::test]
async fn the_root_modules_middleware_run_first() {
    let app = NestFactory::create::<OuterModule>().await.unwrap();
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(server.local_addr());
    let response = client.get("/inner").await.unwrap();
    assert_eq!(
        response.text(),
        r#"{"trail":["global","outer","inner","deep"]}"#
    );
}

#[module(controllers = [CatsController])]
struct WrongControllerModule;

impl NestModule for WrongControllerModule {
    fn configure(consumer: &mut MiddlewareConsumer) {
        consumer
            .apply_fn(mark("x"))
            .for_routes(RouteInfo::controller::<DogsController>());
    }
}

#[tokio::test]
async fn binding_a_controller_the_application_does_not_have_is_a_startup_error() {
    let app = NestFactory::create::<WrongControllerModule>()
        .await
        .unwrap();
    let error = app.bind("127.0.0.1:0").await.unwrap_err();
    assert!(error.to_string().contains("DogsController"), "{error}");
}

/// `app.use_middleware(f)` (NestJS's `app.use(f)`) runs for every request, outside the global
/// prefix too, before the middleware modules bind.
#[tokio::test]
async fn use_middleware_runs_for_every_request_first() {
    let mut app = NestFactory::create::<AppModule>().await.unwrap();
    app.set_global_prefix("api").use_middleware(mark("app"));
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(server.local_addr());
    let outside = client.get("/elsewhere").await.unwrap();
    assert_eq!(outside.status, 404);
    assert_eq!(outside.header("x-mw-app"), Some("{}"));
    let cats = client.get("/api/cats").await.unwrap();
    assert_eq!(
        cats.json().unwrap(),
        json!({ "route": "cats", "trail": ["app", "star", "cats"] })
    );
}

/// A middleware that depends on a request-scoped provider is built for each request, and the
/// request's handler gets the same instance (NestJS shares the request's context id).
static CONTEXTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

struct ContextId(usize);

impl Default for ContextId {
    fn default() -> Self {
        Self(CONTEXTS.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
    }
}

#[derive(Injectable)]
#[injectable(scope = "request")]
struct RequestContext {
    id: ContextId,
    notes: Mutex<Vec<&'static str>>,
}

#[derive(Injectable)]
struct ContextMiddleware {
    context: Arc<RequestContext>,
}

impl NestMiddleware for ContextMiddleware {
    fn r#use<'a>(&'a self, req: Request, next: Next) -> MiddlewareFuture<'a> {
        Box::pin(async move {
            self.context.notes.lock().unwrap().push("middleware");
            Ok(next.run(req).await)
        })
    }
}

#[derive(Injectable)]
struct ContextController {
    context: Arc<RequestContext>,
}

#[controller("context")]
impl ContextController {
    #[get]
    fn get(&self) -> serde_json::Value {
        json!({ "id": self.context.id.0, "notes": *self.context.notes.lock().unwrap() })
    }
}

#[module(controllers = [ContextController], providers = [RequestContext])]
struct ContextModule;

impl NestModule for ContextModule {
    fn configure(consumer: &mut MiddlewareConsumer) {
        consumer.apply::<ContextMiddleware>().for_routes("context");
    }
}

#[tokio::test]
async fn a_request_scoped_middleware_shares_the_requests_providers_with_the_handler() {
    let app = NestFactory::create::<ContextModule>().await.unwrap();
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(server.local_addr());
    let first = client.get("/context").await.unwrap().json().unwrap();
    let second = client.get("/context").await.unwrap().json().unwrap();
    assert_eq!(first["notes"], json!(["middleware"]), "{first}");
    assert_eq!(second["notes"], json!(["middleware"]), "{second}");
    assert_ne!(first["id"], second["id"]);
}

/// A middleware bound to an event stream sees its head and lets its events through as they
/// come: the stream is not buffered by the middleware chain.
#[derive(Default)]
struct TickController;

#[controller]
impl TickController {
    #[sse("ticks")]
    fn ticks(&self) -> impl Stream<Item = MessageEvent> {
        // One event, then a stream that never ends: the event reaches the client only if
        // nothing waits for the end of the body.
        stream::iter([MessageEvent::new("first")]).chain(stream::pending())
    }
}

#[module(controllers = [TickController])]
struct TickModule;

impl NestModule for TickModule {
    fn configure(consumer: &mut MiddlewareConsumer) {
        consumer.apply_fn(mark("sse")).for_routes("ticks");
    }
}

#[tokio::test]
async fn middleware_wrap_event_streams_without_holding_events_back() {
    let app = NestFactory::create::<TickModule>().await.unwrap();
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(server.local_addr());
    let mut stream = client.sse("/ticks").await.unwrap();
    assert_eq!(stream.header("content-type"), Some("text/event-stream"));
    assert_eq!(stream.header("x-mw-sse"), Some("{}"));
    // The bound only turns a held-back event into a failure instead of a hang.
    let first = tokio::time::timeout(std::time::Duration::from_secs(30), stream.next_event())
        .await
        .expect("the event was held back");
    assert_eq!(first.unwrap().data, "first");
}

/// The global exception filters see a route's exception once, under a middleware too, and a
/// middleware's own exception once (a filter that logs and answers the default response would
/// otherwise run twice).
static CAUGHT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

struct CountingFilter;

impl nest_core::pipeline::ExceptionFilter for CountingFilter {
    fn catch(
        &self,
        exception: &HttpException,
        _: &nest_core::pipeline::ArgumentsHost<'_>,
    ) -> Response {
        CAUGHT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        // The default answer, as a logging filter gives it.
        HttpException::new(exception.message(), exception.status().as_u16()).into_response()
    }
}

#[tokio::test]
async fn global_filters_see_each_exception_once_under_middleware() {
    let mut app = NestFactory::create::<FailModule>().await.unwrap();
    app.use_global_filters(CountingFilter)
        .use_middleware(|req, next: Next| async move { Ok(next.run(req).await) });
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(server.local_addr());
    // A middleware's own exception (`forbid`, bound to `GET /fail`).
    assert_eq!(client.get("/fail").await.unwrap().status, 403);
    assert_eq!(CAUGHT.load(std::sync::atomic::Ordering::SeqCst), 1);
    // An unrouted request, under two middleware (`use_middleware`'s and none of the module's).
    assert_eq!(client.get("/nowhere").await.unwrap().status, 404);
    assert_eq!(CAUGHT.load(std::sync::atomic::Ordering::SeqCst), 2);
}
