//! Guards (NestJS's `CanActivate`): they run before the handler and before anything is written,
//! on event streams too; `false` answers NestJS's 403 body, an error its own; global guards run
//! before controller guards, which run before route guards; route metadata (`#[roles]`) is read
//! through the `ExecutionContext`.

use nest_core::pipeline::{CanActivate, ExecutionContext, GuardFuture};
use nest_core::prelude::*;
use nest_core::{UnauthorizedException, testing::TestClient};
use nest_tests::get_with_headers as get;

fn header<'a>(context: &'a ExecutionContext<'a>, name: &str) -> Option<&'a str> {
    context
        .request()
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
}

/// Lets a request through when it carries `x-token: secret`.
#[derive(Default)]
struct TokenGuard;

impl CanActivate for TokenGuard {
    fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
        Box::pin(async move { Ok(header(context, "x-token") == Some("secret")) })
    }
}

/// Compares `x-role` with the route's `#[roles(...)]`.
#[derive(Default)]
struct RolesGuard;

impl CanActivate for RolesGuard {
    fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
        Box::pin(async move {
            let Some(roles) = context.metadata("roles") else {
                return Ok(true);
            };
            Ok(header(context, "x-role").is_some_and(|role| roles.contains(&role)))
        })
    }
}

/// Fails with its own exception when asked to, naming where it sits.
#[derive(Default)]
struct ControllerLevelGuard;

impl CanActivate for ControllerLevelGuard {
    fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
        Box::pin(async move {
            match header(context, "x-fail") {
                Some("controller") => Err(UnauthorizedException::new(format!(
                    "controller guard of {}::{}",
                    context.class_name(),
                    context.handler_name()
                ))),
                _ => Ok(true),
            }
        })
    }
}

#[derive(Default)]
struct RouteLevelGuard;

impl CanActivate for RouteLevelGuard {
    fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
        Box::pin(async move {
            match header(context, "x-fail") {
                Some("controller" | "route") => Err(UnauthorizedException::new("route guard")),
                _ => Ok(true),
            }
        })
    }
}

struct GlobalGuard;

impl CanActivate for GlobalGuard {
    fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
        Box::pin(async move {
            match header(context, "x-fail") {
                Some(_) if header(context, "x-global") == Some("deny") => {
                    Err(UnauthorizedException::new("global guard"))
                }
                _ => Ok(true),
            }
        })
    }
}

#[derive(Default)]
struct CatsController;

#[controller("cats")]
#[use_guards(ControllerLevelGuard)]
impl CatsController {
    #[get]
    fn open(&self) -> &'static str {
        "open"
    }

    #[get("secret")]
    #[use_guards(TokenGuard)]
    fn secret(&self) -> &'static str {
        "secret"
    }

    #[post]
    #[use_guards(RolesGuard)]
    #[roles("admin")]
    fn create(&self) -> &'static str {
        "created"
    }

    #[get("ordered")]
    #[use_guards(RouteLevelGuard)]
    fn ordered(&self) -> &'static str {
        "ordered"
    }

    #[sse("events")]
    #[use_guards(TokenGuard)]
    fn events(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter(["guarded event"]).map(MessageEvent::from)
    }
}

async fn start() -> nest_core::RunningApp {
    let mut app = NestApplication::builder()
        .controller(CatsController)
        .build()
        .unwrap();
    app.use_global_guard(GlobalGuard);
    app.bind("127.0.0.1:0").await.unwrap()
}

const FORBIDDEN: &str = r#"{"message":"Forbidden resource","error":"Forbidden","statusCode":403}"#;

#[tokio::test]
async fn a_guard_that_says_no_gives_nest_403() {
    let server = start().await;
    let client = TestClient::new(server.local_addr());
    assert_eq!(client.get("/cats").await.unwrap().text(), "open");
    let denied = client.get("/cats/secret").await.unwrap();
    assert_eq!(denied.status, 403);
    assert_eq!(denied.text(), FORBIDDEN);
    let allowed = client
        .request(get("/cats/secret", &[("x-token", "secret")]))
        .await
        .unwrap();
    assert_eq!(allowed.text(), "secret");
}

#[tokio::test]
async fn roles_metadata_is_read_through_the_context() {
    let server = start().await;
    let client = TestClient::new(server.local_addr());
    let post = |role: &'static str| {
        http::Request::post("/cats")
            .header("host", "localhost")
            .header("x-role", role)
            .body(http_body_util::Full::new(bytes::Bytes::new()))
            .unwrap()
    };
    assert_eq!(client.request(post("user")).await.unwrap().status, 403);
    let admin = client.request(post("admin")).await.unwrap();
    assert_eq!(
        (admin.status.as_u16(), admin.text().as_str()),
        (201, "created")
    );
}

#[tokio::test]
async fn guards_run_global_then_controller_then_route() {
    let server = start().await;
    let client = TestClient::new(server.local_addr());
    let route = client
        .request(get("/cats/ordered", &[("x-fail", "route")]))
        .await
        .unwrap();
    assert_eq!(
        route.text(),
        r#"{"message":"route guard","error":"Unauthorized","statusCode":401}"#
    );
    let controller = client
        .request(get("/cats/ordered", &[("x-fail", "controller")]))
        .await
        .unwrap();
    assert_eq!(
        controller.text(),
        r#"{"message":"controller guard of CatsController::ordered","error":"Unauthorized","statusCode":401}"#,
        "the controller's guard runs before the route's"
    );
    let global = client
        .request(get(
            "/cats/ordered",
            &[("x-fail", "controller"), ("x-global", "deny")],
        ))
        .await
        .unwrap();
    assert_eq!(
        global.text(),
        r#"{"message":"global guard","error":"Unauthorized","statusCode":401}"#,
        "the global guard runs first"
    );
}

#[tokio::test]
async fn a_guarded_event_stream_answers_403_json_before_opening() {
    let server = start().await;
    let client = TestClient::new(server.local_addr());
    let denied = client.get("/cats/events").await.unwrap();
    assert_eq!(denied.status, 403);
    assert_eq!(
        denied.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(denied.text(), FORBIDDEN);
    let events = client
        .sse_request(get(
            "/cats/events",
            &[("x-token", "secret"), ("accept", "text/event-stream")],
        ))
        .await
        .unwrap()
        .collect_events()
        .await;
    assert_eq!(events[0].data, "guarded event");
}
