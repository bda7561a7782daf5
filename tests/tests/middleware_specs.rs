//! NestJS's own middleware integration specs (`integration/hello-world/e2e/middleware.spec.ts`,
//! `router-module-middleware.spec.ts`), ported case for case: the same module configuration,
//! the same requests, the same expected statuses and bodies.

use nest_core::app::{MiddlewareConsumer, NestModule, RouteInfo, RouteTree, RouterModule};
use nest_core::prelude::*;
use nest_core::testing::TestClient;
use nest_core::{HttpException, IntoResponse, Request, Response, pipeline::Next};

const RETURN_VALUE: &str = "test";
const SCOPED_VALUE: &str = "test_scoped";
const WILDCARD_VALUE: &str = "test_wildcard";
const EXCLUDE_VALUE: &str = "test_exclude";

/// `(req, res, next) => res.send(value)`.
fn send(
    value: &'static str,
) -> impl Fn(Request, Next) -> std::future::Ready<Result<Response, HttpException>> + Send + Sync + 'static
{
    move |_req, _next| std::future::ready(Ok(value.into_response()))
}

/// The hello-world app's `AppModule`: `GET /hello`.
#[derive(Default)]
struct HelloController;

#[controller("hello")]
impl HelloController {
    #[get]
    fn greeting(&self) -> &'static str {
        "Hello world!"
    }
}

#[module(controllers = [HelloController])]
struct AppModule;

#[derive(Default)]
struct TestController;

#[controller]
impl TestController {
    #[get("test")]
    fn test(&self) -> &'static str {
        RETURN_VALUE
    }

    #[get("tests/wildcard_nested")]
    fn wildcard_nested(&self) -> &'static str {
        RETURN_VALUE
    }

    #[get("legacy-wildcard/overview")]
    fn legacy_wildcard(&self) -> &'static str {
        RETURN_VALUE
    }

    #[get("exclude")]
    fn exclude(&self) -> &'static str {
        EXCLUDE_VALUE
    }
}

#[module(imports = [AppModule], controllers = [TestController])]
struct TestModule;

impl NestModule for TestModule {
    fn configure(consumer: &mut MiddlewareConsumer) {
        consumer
            .apply_fn(send(WILDCARD_VALUE))
            .for_routes(["tests/*path", "legacy-wildcard/*"])
            .apply_fn(send(SCOPED_VALUE))
            .exclude("exclude")
            .for_routes(RouteInfo::controller::<TestController>())
            .apply_fn(send(RETURN_VALUE))
            .exclude("exclude")
            .for_routes("*");
    }
}

async fn create_app(prefix: Option<&str>) -> (nest_core::RunningApp, TestClient) {
    let mut app = NestFactory::create::<TestModule>().await.unwrap();
    if let Some(prefix) = prefix {
        app.set_global_prefix(prefix);
    }
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(server.local_addr());
    (server, client)
}

async fn expect(client: &TestClient, path: &str, status: u16, body: &str) {
    let response = client.get(path).await.unwrap();
    assert_eq!(
        (response.status.as_u16(), response.text().as_str()),
        (status, body),
        "GET {path}"
    );
}

#[tokio::test]
async fn for_routes_star() {
    let (_server, client) = create_app(None).await;
    expect(&client, "/hello", 200, RETURN_VALUE).await;
    expect(&client, "/exclude", 200, EXCLUDE_VALUE).await;
}

#[tokio::test]
async fn for_routes_star_with_global_prefix() {
    let (_server, client) = create_app(Some("api")).await;
    expect(&client, "/api/hello", 200, RETURN_VALUE).await;
    expect(&client, "/api/exclude", 200, EXCLUDE_VALUE).await;
}

#[tokio::test]
async fn for_routes_test_controller() {
    let (_server, client) = create_app(None).await;
    expect(&client, "/test", 200, SCOPED_VALUE).await;
    expect(&client, "/exclude", 200, EXCLUDE_VALUE).await;
}

#[tokio::test]
async fn for_routes_tests_star() {
    let (_server, client) = create_app(None).await;
    expect(&client, "/tests/wildcard", 200, WILDCARD_VALUE).await;
}

#[tokio::test]
async fn for_routes_legacy_wildcard_star() {
    let (_server, client) = create_app(None).await;
    expect(&client, "/legacy-wildcard/overview", 200, WILDCARD_VALUE).await;
}

/// `router-module-middleware.spec.ts`.
#[derive(Default)]
struct ModuleTestController;

#[controller]
impl ModuleTestController {
    #[get("test")]
    fn test(&self) -> &'static str {
        RETURN_VALUE
    }

    #[get("test2")]
    fn test2(&self) -> &'static str {
        RETURN_VALUE
    }
}

#[module(imports = [AppModule], controllers = [ModuleTestController])]
struct RoutedTestModule;

impl NestModule for RoutedTestModule {
    fn configure(consumer: &mut MiddlewareConsumer) {
        consumer
            .apply_fn(send(SCOPED_VALUE))
            .for_routes(RouteInfo::controller::<ModuleTestController>());
    }
}

#[module(imports = [
    RoutedTestModule,
    RouterModule::register([RouteTree::new::<RoutedTestModule>("/module-path/")]),
])]
struct RouterRoot;

#[tokio::test]
async fn router_module_with_middleware_functions() {
    let app = NestFactory::create::<RouterRoot>().await.unwrap();
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(server.local_addr());
    expect(&client, "/module-path/test", 200, SCOPED_VALUE).await;
    expect(&client, "/module-path/test2", 200, SCOPED_VALUE).await;
}

/// `exclude-middleware.spec.ts`.
mod exclude {
    use super::*;

    const MIDDLEWARE_VALUE: &str = "middleware";

    #[derive(Default)]
    struct TestController;

    #[controller]
    impl TestController {
        #[get("test")]
        fn test(&self) -> &'static str {
            RETURN_VALUE
        }

        #[get("test2")]
        fn test2(&self) -> &'static str {
            RETURN_VALUE
        }

        #[get("middleware")]
        fn middleware(&self) -> &'static str {
            RETURN_VALUE
        }

        #[post("middleware")]
        fn no_middleware(&self) -> &'static str {
            RETURN_VALUE
        }

        #[get("wildcard/overview")]
        fn test_overview(&self) -> &'static str {
            RETURN_VALUE
        }

        #[get("overview/:id")]
        fn overview_by_id(&self) -> &'static str {
            RETURN_VALUE
        }

        #[get("multiple/exclude")]
        fn multiple_exclude(&self) -> &'static str {
            RETURN_VALUE
        }
    }

    #[module(imports = [AppModule], controllers = [TestController])]
    struct TestModule;

    impl NestModule for TestModule {
        fn configure(consumer: &mut MiddlewareConsumer) {
            consumer
                .apply_fn(send(MIDDLEWARE_VALUE))
                .exclude(vec![
                    RouteInfo::from("test"),
                    RouteInfo::from("overview/:id"),
                    RouteInfo::from("wildcard/(.*)"),
                    RouteInfo::new("middleware", nest_core::RequestMethod::Post),
                ])
                .exclude("multiple/exclude")
                .for_routes("*");
        }
    }

    #[tokio::test]
    async fn exclude_middleware() {
        let app = NestFactory::create::<TestModule>().await.unwrap();
        let server = app.bind("127.0.0.1:0").await.unwrap();
        let client = TestClient::new(server.local_addr());
        // should exclude "/test" endpoint
        expect(&client, "/test", 200, RETURN_VALUE).await;
        // should not exclude "/test2" endpoint
        expect(&client, "/test2", 200, MIDDLEWARE_VALUE).await;
        // should run middleware for "/middleware" endpoint
        expect(&client, "/middleware", 200, MIDDLEWARE_VALUE).await;
        // should exclude POST "/middleware" endpoint
        let post = http::Request::post("/middleware")
            .header("host", "localhost")
            .body(http_body_util::Full::new(bytes::Bytes::new()))
            .unwrap();
        let response = client.request(post).await.unwrap();
        assert_eq!(
            (response.status.as_u16(), response.text().as_str()),
            (201, RETURN_VALUE)
        );
        // should exclude "/overview/:id" endpoint (by param)
        expect(&client, "/overview/1", 200, RETURN_VALUE).await;
        // should exclude "/wildcard/overview" endpoint (by wildcard)
        expect(&client, "/wildcard/overview", 200, RETURN_VALUE).await;
        // should exclude "/multiple/exclude" endpoint
        expect(&client, "/multiple/exclude", 200, RETURN_VALUE).await;
    }
}

/// `middleware-execute-once.spec.ts` and `middleware-run-match-route.spec.ts`: a middleware
/// bound to a controller whose routes overlap (`/a/test` and `/a/:id`) runs once per request.
mod execute_once {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use nest_core::pipeline::{MiddlewareFuture, NestMiddleware};

    static NUMBER: AtomicUsize = AtomicUsize::new(0);

    #[derive(Injectable, Default)]
    struct Middleware;

    impl NestMiddleware for Middleware {
        fn r#use<'a>(&'a self, req: Request, next: Next) -> MiddlewareFuture<'a> {
            NUMBER.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move { Ok(next.run(req).await) })
        }
    }

    #[derive(Default)]
    struct TestController;

    #[controller("/a")]
    impl TestController {
        #[get("/test")]
        fn test_a(&self) -> &'static str {
            ""
        }

        #[get("/:id")]
        fn test_b(&self) -> &'static str {
            ""
        }
    }

    #[module(controllers = [TestController])]
    struct TestModule;

    impl NestModule for TestModule {
        fn configure(consumer: &mut MiddlewareConsumer) {
            consumer
                .apply::<Middleware>()
                .for_routes(RouteInfo::controller::<TestController>());
        }
    }

    #[tokio::test]
    async fn for_routes_test_controller_executes_the_middleware_once() {
        let app = NestFactory::create::<TestModule>().await.unwrap();
        let server = app.bind("127.0.0.1:0").await.unwrap();
        let client = TestClient::new(server.local_addr());
        expect(&client, "/a/test", 200, "").await;
        assert_eq!(NUMBER.load(Ordering::SeqCst), 1);
        expect(&client, "/a/1", 200, "").await;
        assert_eq!(NUMBER.load(Ordering::SeqCst), 2);
    }
}

/// `middleware-with-versioning.spec.ts`: a middleware bound to `{ path: '/versioned',
/// version: '1', method: ALL }` under each versioning type.
mod with_versioning {
    use super::*;
    use nest_core::RequestMethod;
    use nest_core::app::{VERSION_NEUTRAL, Versioning};

    const VERSIONED_VALUE: &str = "test_versioned";

    #[derive(Default)]
    struct TestController;

    #[controller]
    impl TestController {
        #[version("1")]
        #[get("versioned")]
        fn versioned_test(&self) -> &'static str {
            RETURN_VALUE
        }
    }

    #[module(imports = [AppModule], controllers = [TestController])]
    struct TestModule;

    impl NestModule for TestModule {
        fn configure(consumer: &mut MiddlewareConsumer) {
            consumer
                .apply_fn(send(VERSIONED_VALUE))
                .for_routes(RouteInfo::new("/versioned", RequestMethod::All).version("1"));
        }
    }

    async fn create_app_with_versioning(
        versioning: Versioning,
    ) -> (nest_core::RunningApp, TestClient) {
        let mut app = NestFactory::create::<TestModule>().await.unwrap();
        app.enable_versioning(versioning);
        let server = app.bind("127.0.0.1:0").await.unwrap();
        let client = TestClient::new(server.local_addr());
        (server, client)
    }

    #[tokio::test]
    async fn when_using_uri_versioning() {
        let (_server, client) =
            create_app_with_versioning(Versioning::uri().default_version(VERSION_NEUTRAL)).await;
        expect(&client, "/v1/versioned", 200, VERSIONED_VALUE).await;
    }

    #[tokio::test]
    async fn when_using_header_versioning() {
        let (_server, client) = create_app_with_versioning(Versioning::header("version")).await;
        let request = nest_tests::get_with_headers("/versioned", &[("version", "1")]);
        let response = client.request(request).await.unwrap();
        assert_eq!(
            (response.status.as_u16(), response.text().as_str()),
            (200, VERSIONED_VALUE)
        );
    }

    #[tokio::test]
    async fn when_using_media_type_versioning() {
        let (_server, client) = create_app_with_versioning(
            Versioning::media_type("v").default_version(VERSION_NEUTRAL),
        )
        .await;
        expect(&client, "/versioned", 200, VERSIONED_VALUE).await;
    }

    #[tokio::test]
    async fn when_using_custom_versioning() {
        let (_server, client) =
            create_app_with_versioning(Versioning::custom(|_| vec!["1".to_owned()])).await;
        expect(&client, "/versioned", 200, VERSIONED_VALUE).await;
    }
}
