//! Decorator composition (`Decorators`, `#[apply_decorators]`) against the bytes NestJS sends:
//! every case of `tests/fixtures/nestjs-decorators/cases.json` (captured from NestJS 12.6.3,
//! Express 5.3.0, Node 20.20.2, by the app and script beside it) is sent over TCP to the same
//! routes written with nest-rs; the status, body, `Content-Type` and `Cache-Control` must be
//! equal. The cases cover the chapter's `@Auth('admin')` (403 without the role, 200 with it),
//! the order guards run in when a composition and `@UseGuards` sit on one method (TypeScript
//! applies decorators from the lowest up), which metadata wins, `HttpCode` and `Header`
//! through a composition, compositions of compositions, and a composition on a controller.

use nest_core::HttpException;
use nest_core::pipeline::{
    ArgumentsHost, CanActivate, Decorators, ExceptionFilter, ExecutionContext, GuardFuture,
    NestInterceptor, Reflector,
};
use nest_core::prelude::*;
use nest_core::{UnauthorizedException, testing::TestClient};
use serde::Deserialize;

fn header<'a>(context: &'a ExecutionContext<'a>, name: &str) -> Option<&'a str> {
    context
        .request()
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
}

/// Every guard fails with its own exception when `x-deny` names it: with several named, the
/// one that answers is the first to run.
fn deny(context: &ExecutionContext<'_>, name: &str) -> Result<(), HttpException> {
    if header(context, "x-deny").is_some_and(|names| names.split(',').any(|n| n == name)) {
        return Err(UnauthorizedException::new(format!("{name} denied")));
    }
    Ok(())
}

#[derive(Injectable)]
struct AuthGuard;

impl CanActivate for AuthGuard {
    fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
        Box::pin(async move {
            deny(context, "AuthGuard")?;
            Ok(header(context, "x-user").is_some())
        })
    }
}

#[derive(Injectable)]
struct RolesGuard {
    reflector: Arc<Reflector>,
}

impl CanActivate for RolesGuard {
    fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
        Box::pin(async move {
            deny(context, "RolesGuard")?;
            let Some(roles) = self.reflector.get_all_and_override("roles", context) else {
                return Ok(true);
            };
            Ok(header(context, "x-role").is_some_and(|role| roles.contains(&role)))
        })
    }
}

#[derive(Default)]
struct XGuard;

impl CanActivate for XGuard {
    fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
        Box::pin(async move {
            deny(context, "XGuard")?;
            Ok(true)
        })
    }
}

#[derive(Default)]
struct YGuard;

impl CanActivate for YGuard {
    fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
        Box::pin(async move {
            deny(context, "YGuard")?;
            Ok(true)
        })
    }
}

/// The chapter's example: `applyDecorators(SetMetadata('roles', roles), UseGuards(AuthGuard,
/// RolesGuard))`.
fn auth(roles: &[&'static str]) -> Decorators {
    Decorators::new()
        .roles(roles)
        .use_guards::<AuthGuard>()
        .use_guards::<RolesGuard>()
}

fn no_content() -> Decorators {
    Decorators::new()
        .http_code(204)
        .header("Cache-Control", "none")
}

/// A composition of compositions.
fn admin_no_content() -> Decorators {
    Decorators::new()
        .apply(auth(&["admin"]))
        .apply(no_content())
}

#[derive(Default)]
struct UsersController;

#[controller]
impl UsersController {
    #[get("users")]
    #[apply_decorators(auth(&["admin"]))]
    fn find_all_users(&self) -> &'static str {
        "This action returns all users"
    }

    #[get("auth-then-x")]
    #[apply_decorators(auth(&["admin"]))]
    #[use_guards(XGuard)]
    fn auth_then_x(&self) -> &'static str {
        "auth-then-x"
    }

    #[get("x-then-auth")]
    #[use_guards(XGuard)]
    #[apply_decorators(auth(&["admin"]))]
    fn x_then_auth(&self) -> &'static str {
        "x-then-auth"
    }

    #[get("stacked")]
    #[use_guards(XGuard)]
    #[use_guards(YGuard)]
    fn stacked(&self) -> &'static str {
        "stacked"
    }

    #[get("composed-order")]
    #[apply_decorators(Decorators::new().use_guard(XGuard), Decorators::new().use_guard(YGuard))]
    fn composed_order(&self) -> &'static str {
        "composed-order"
    }

    #[get("metadata-top")]
    #[set_metadata("roles", "user")]
    #[apply_decorators(auth(&["admin"]))]
    fn metadata_top(&self) -> &'static str {
        "metadata-top"
    }

    #[post("ping")]
    #[apply_decorators(no_content())]
    fn ping(&self) -> &'static str {
        "pong"
    }

    #[post("admin-ping")]
    #[apply_decorators(admin_no_content())]
    fn admin_ping(&self) -> &'static str {
        "pong"
    }
}

#[derive(Default)]
struct AdminController;

#[controller("admin")]
#[apply_decorators(auth(&["admin"]))]
#[use_guards(XGuard)]
impl AdminController {
    #[get]
    fn index(&self) -> &'static str {
        "admin"
    }

    #[get("users")]
    #[set_metadata("roles", "user")]
    fn for_users(&self) -> &'static str {
        "for users"
    }

    #[get("guarded")]
    #[use_guards(YGuard)]
    fn guarded(&self) -> &'static str {
        "guarded"
    }
}

async fn start() -> nest_core::RunningApp {
    NestApplication::builder()
        .controller(UsersController)
        .controller(AdminController)
        .build()
        .unwrap()
        .bind("127.0.0.1:0")
        .await
        .unwrap()
}

#[derive(Deserialize)]
struct Case {
    name: String,
    method: String,
    path: String,
    headers: std::collections::BTreeMap<String, String>,
    status: u16,
    content_type: Option<String>,
    cache_control: Option<String>,
    body: String,
}

#[tokio::test]
async fn every_case_answers_as_nestjs() {
    let cases: Vec<Case> =
        serde_json::from_str(include_str!("../fixtures/nestjs-decorators/cases.json")).unwrap();
    assert!(cases.len() >= 20, "the fixture lost its cases");
    let server = start().await;
    let client = TestClient::new(server.local_addr());
    let mut failures = Vec::new();
    for case in &cases {
        let mut request = http::Request::builder()
            .method(case.method.as_str())
            .uri(&case.path)
            .header("host", "localhost");
        for (name, value) in &case.headers {
            request = request.header(name, value);
        }
        let request = request
            .body(http_body_util::Full::new(bytes::Bytes::new()))
            .unwrap();
        let response = client.request(request).await.unwrap();
        let got = (
            response.status.as_u16(),
            response.header("content-type").map(str::to_owned),
            response.header("cache-control").map(str::to_owned),
            response.text(),
        );
        let want = (
            case.status,
            case.content_type.clone(),
            case.cache_control.clone(),
            case.body.clone(),
        );
        if got != want {
            failures.push(format!("{}:\n  got  {got:?}\n  want {want:?}", case.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Answers every exception with 418 and the exception's message.
#[derive(Injectable)]
struct TeapotFilter;

impl ExceptionFilter for TeapotFilter {
    fn catch(&self, exception: &HttpException, _: &ArgumentsHost<'_>) -> nest_core::Response {
        let mut response = exception.message().to_owned().into_response();
        *response.status_mut() = http::StatusCode::IM_A_TEAPOT;
        response
    }
}

/// Marks every response.
struct Stamp(&'static str);

impl NestInterceptor for Stamp {
    fn after(&self, mut response: nest_core::Response) -> nest_core::Response {
        response
            .headers_mut()
            .insert("x-stamp", http::HeaderValue::from_static(self.0));
        response
    }
}

fn teapot_and_stamp() -> Decorators {
    Decorators::new()
        .use_filters::<TeapotFilter>()
        .use_interceptor(Stamp("composed"))
}

#[derive(Default)]
struct FiltersController;

#[controller("filters")]
impl FiltersController {
    #[get]
    #[apply_decorators(teapot_and_stamp())]
    fn fail(&self) -> Result<&'static str, HttpException> {
        Err(nest_core::BadRequestException::new("nope"))
    }

    #[get("ok")]
    #[apply_decorators(teapot_and_stamp())]
    fn ok(&self) -> &'static str {
        "ok"
    }
}

#[tokio::test]
async fn filters_and_interceptors_compose_too() {
    let server = NestApplication::builder()
        .controller(FiltersController)
        .build()
        .unwrap()
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let client = TestClient::new(server.local_addr());
    let failed = client.get("/filters").await.unwrap();
    assert_eq!(
        (failed.status.as_u16(), failed.text()),
        (418, "nope".into())
    );
    let ok = client.get("/filters/ok").await.unwrap();
    assert_eq!(ok.text(), "ok");
    assert_eq!(ok.header("x-stamp"), Some("composed"));
}

#[derive(Default)]
struct MisplacedController;

#[controller("misplaced")]
#[apply_decorators(no_content())]
impl MisplacedController {
    #[get]
    fn index(&self) -> &'static str {
        "never served"
    }
}

/// NestJS fails to define a class decorated with `HttpCode`; a composition holding one,
/// applied to a controller, stops the application from being built.
#[test]
#[should_panic(
    expected = "`Decorators::http_code` applies to routes, but it was applied to the controller `MisplacedController`"
)]
fn a_route_decorator_on_a_controller_stops_the_build() {
    let _ = NestApplication::builder().controller(MisplacedController);
}
