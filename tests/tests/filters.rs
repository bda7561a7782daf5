//! Exception filters, as NestJS's: `#[catch(...)]` picks the exceptions a filter handles, the
//! filter nearest the route that catches an exception answers (route, controller, global),
//! and global filters also see unknown routes and panics.

use nest_core::pipeline::{ArgumentsHost, ExceptionFilter};
use nest_core::prelude::*;
use nest_core::testing::TestClient;
use nest_core::{Response, UnauthorizedException};

/// NestJS's sample `HttpExceptionFilter`: `{statusCode, path}` plus who caught it.
#[derive(Default)]
struct HttpExceptionFilter;

#[catch(HttpException)]
impl ExceptionFilter for HttpExceptionFilter {
    fn catch(&self, exception: &HttpException, host: &ArgumentsHost<'_>) -> Response {
        let status = exception.status();
        (
            status,
            Json(json!({
                "statusCode": status.as_u16(),
                "path": host.request().uri.path(),
                "handler": host.handler_name(),
                "caughtBy": "controller",
            })),
        )
            .into_response()
    }
}

/// Handles only 404s, on one route.
#[derive(Default)]
struct NotFoundFilter;

#[catch(NotFoundException)]
impl ExceptionFilter for NotFoundFilter {
    fn catch(&self, _: &HttpException, host: &ArgumentsHost<'_>) -> Response {
        (
            http::StatusCode::NOT_FOUND,
            Html(format!("no cat at {}", host.request().uri.path())),
        )
            .into_response()
    }
}

/// Catches everything, unknown errors and panics included (NestJS's catch-all filter).
#[derive(Default)]
struct AllExceptionsFilter;

#[catch]
impl ExceptionFilter for AllExceptionsFilter {
    fn catch(&self, exception: &HttpException, host: &ArgumentsHost<'_>) -> Response {
        (
            exception.status(),
            Json(json!({
                "statusCode": exception.status().as_u16(),
                "path": host.request().uri.path(),
                "unknown": exception.is_unknown_error(),
                "caughtBy": "global",
            })),
        )
            .into_response()
    }
}

#[derive(Default)]
struct CatsController;

#[controller("cats")]
#[use_filters(HttpExceptionFilter)]
impl CatsController {
    #[get]
    fn find_all(&self) -> Result<String, HttpException> {
        Err(ForbiddenException::new("not today"))
    }

    #[get("broken")]
    fn broken(&self) -> Result<String, std::io::Error> {
        Err(std::io::Error::other("disk on fire"))
    }

    #[get("panic")]
    fn panic(&self) -> String {
        panic!("boom")
    }

    // After `broken` and `panic`: as in Express, the first route that matches serves the
    // request.
    #[get(":id")]
    #[use_filters(NotFoundFilter)]
    fn find_one(&self, #[param("id")] id: u32) -> Result<String, HttpException> {
        match id {
            1 => Ok("Tom".to_owned()),
            2 => Err(UnauthorizedException::new("who are you?")),
            _ => Err(NotFoundException::new("no such cat")),
        }
    }
}

async fn client() -> (nest_core::RunningApp, TestClient) {
    let mut app = NestApplication::builder()
        .controller(CatsController)
        .build()
        .unwrap();
    app.use_global_filters(AllExceptionsFilter);
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(server.local_addr());
    (server, client)
}

async fn get(client: &TestClient, path: &str) -> (u16, String) {
    let response = client.get(path).await.unwrap();
    (response.status.as_u16(), response.text())
}

#[tokio::test]
async fn the_route_filter_handles_what_it_catches() {
    let (_server, client) = client().await;
    assert_eq!(get(&client, "/cats/1").await, (200, "Tom".to_owned()));
    assert_eq!(
        get(&client, "/cats/7").await,
        (404, "no cat at /cats/7".to_owned())
    );
}

#[tokio::test]
async fn what_the_route_filter_does_not_catch_goes_to_the_controller_filter() {
    let (_server, client) = client().await;
    assert_eq!(
        get(&client, "/cats/2").await,
        (
            401,
            r#"{"statusCode":401,"path":"/cats/2","handler":"find_one","caughtBy":"controller"}"#
                .to_owned()
        )
    );
    assert_eq!(
        get(&client, "/cats").await,
        (
            403,
            r#"{"statusCode":403,"path":"/cats","handler":"find_all","caughtBy":"controller"}"#
                .to_owned()
        )
    );
}

#[tokio::test]
async fn unknown_errors_and_panics_skip_http_exception_filters_and_reach_the_catch_all() {
    let (_server, client) = client().await;
    let expected = |path: &str| {
        (
            500,
            format!(r#"{{"statusCode":500,"path":"{path}","unknown":true,"caughtBy":"global"}}"#),
        )
    };
    assert_eq!(get(&client, "/cats/broken").await, expected("/cats/broken"));
    assert_eq!(get(&client, "/cats/panic").await, expected("/cats/panic"));
}

#[tokio::test]
async fn global_filters_see_unknown_routes() {
    let (_server, client) = client().await;
    assert_eq!(
        get(&client, "/dogs").await,
        (
            404,
            r#"{"statusCode":404,"path":"/dogs","unknown":false,"caughtBy":"global"}"#.to_owned()
        )
    );
}

#[tokio::test]
async fn without_filters_errors_keep_nestjs_bodies() {
    let server = nest_tests::serve(PlainController).await;
    let client = TestClient::new(server.local_addr());
    assert_eq!(
        get(&client, "/plain").await,
        (
            404,
            r#"{"message":"no such cat","error":"Not Found","statusCode":404}"#.to_owned()
        )
    );
}

#[derive(Default)]
struct PlainController;

#[controller("plain")]
impl PlainController {
    #[get]
    fn find(&self) -> Result<String, HttpException> {
        Err(NotFoundException::new("no such cat"))
    }
}
