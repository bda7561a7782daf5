//! `test/cats/cats.e2e-spec.ts`, ported: the application built from a testing module (with the
//! service overridden), served on a real port, called over TCP; plus the guard, pipe, filter
//! and validation cases of the sample.

use nest_core::testing::{Test, TestClient, TestResponse};
use nest_core::{NestApplication, RunningApp, ValidationPipe};
use serde_json::{Value, json};

use crate::app_module::AppModule;
use crate::cats::{Cat, CatsModule, CatsService};
use crate::common::HttpExceptionFilter;

/// `app = moduleRef.createNestApplication(); await app.init();`, with the global filter of
/// `main.rs`.
async fn serve(mut app: NestApplication) -> (RunningApp, TestClient) {
    app.use_global_pipes(ValidationPipe::new())
        .use_global_filters(HttpExceptionFilter);
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(server.local_addr());
    (server, client)
}

async fn app() -> (RunningApp, TestClient) {
    let module = Test::create_testing_module::<AppModule>()
        .compile()
        .await
        .unwrap();
    serve(module.create_nest_application()).await
}

fn post(
    path: &str,
    roles: Option<&str>,
    body: &Value,
) -> http::Request<http_body_util::Full<bytes::Bytes>> {
    let mut request = http::Request::post(path)
        .header("host", "localhost")
        .header("content-type", "application/json");
    if let Some(roles) = roles {
        request = request.header("x-roles", roles);
    }
    request
        .body(http_body_util::Full::new(bytes::Bytes::from(
            body.to_string(),
        )))
        .unwrap()
}

/// The filter's body: `{ statusCode, timestamp, path }`, the timestamp an ISO string.
fn assert_filtered(response: &TestResponse, status: u16, path: &str) {
    assert_eq!(response.status, status, "{}", response.text());
    let body = response.json().unwrap();
    assert_eq!(body["statusCode"], status);
    assert_eq!(body["path"], path);
    let timestamp = body["timestamp"].as_str().unwrap();
    assert!(
        timestamp.len() == 24 && timestamp.ends_with('Z') && timestamp.as_bytes()[10] == b'T',
        "{timestamp}"
    );
}

/// `it('/GET cats')`: with `CatsService` overridden (`{ findAll: () => ['test'] }`), the
/// answer is `{ data: catsService.findAll() }`.
#[tokio::test]
async fn get_cats_answers_the_overridden_service_wrapped_in_data() {
    let cat = Cat {
        name: "test".to_owned(),
        age: 1,
        breed: "test".to_owned(),
    };
    let module = Test::create_testing_module::<CatsModule>()
        .override_provider::<CatsService>()
        .use_value(CatsService::with(vec![cat]))
        .compile()
        .await
        .unwrap();
    let (_server, client) = serve(module.create_nest_application()).await;
    let response = client.get("/cats").await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(
        response.json().unwrap(),
        json!({ "data": [{ "name": "test", "age": 1, "breed": "test" }] })
    );
}

#[tokio::test]
async fn creating_a_cat_needs_the_admin_role() {
    let (_server, client) = app().await;
    let cat = json!({ "name": "Pixel", "age": 2, "breed": "Bombay" });
    let refused = client.request(post("/cats", None, &cat)).await.unwrap();
    assert_filtered(&refused, 403, "/cats");
    let refused = client
        .request(post("/cats", Some("user"), &cat))
        .await
        .unwrap();
    assert_filtered(&refused, 403, "/cats");

    let created = client
        .request(post("/cats", Some("user, admin"), &cat))
        .await
        .unwrap();
    assert_eq!(created.status, 201);
    assert_eq!(created.text(), "{}", "`{{ data: undefined }}`");
    assert_eq!(
        client.get("/cats").await.unwrap().json().unwrap(),
        json!({ "data": [cat] })
    );
    assert_eq!(
        client.get("/cats/0").await.unwrap().json().unwrap(),
        json!({ "data": cat })
    );
}

#[tokio::test]
async fn an_invalid_body_is_refused_before_the_handler() {
    let (_server, client) = app().await;
    for body in [
        json!({ "name": 5, "age": 2, "breed": "Bombay" }),
        json!({ "name": "Pixel", "age": "two", "breed": "Bombay" }),
        json!({ "name": "Pixel", "age": 2 }),
    ] {
        let refused = client
            .request(post("/cats", Some("admin"), &body))
            .await
            .unwrap();
        assert_filtered(&refused, 400, "/cats");
    }
    assert_eq!(
        client.get("/cats").await.unwrap().json().unwrap(),
        json!({ "data": [] }),
        "nothing was created"
    );
}

#[tokio::test]
async fn parse_int_pipe_and_missing_cats_go_through_the_filter() {
    let (_server, client) = app().await;
    assert_filtered(&client.get("/cats/abc").await.unwrap(), 400, "/cats/abc");
    assert_filtered(&client.get("/cats/5").await.unwrap(), 404, "/cats/5");
    assert_filtered(&client.get("/dogs?x=1").await.unwrap(), 404, "/dogs?x=1");
}

/// Without the sample's filter, a refused `CreateCatDto` is answered with the bytes NestJS
/// 12.6.3's `ValidationPipe` (class-validator 0.15.1) sends for the sample's DTO.
#[tokio::test]
async fn dto_errors_are_class_validators() {
    let module = Test::create_testing_module::<AppModule>()
        .compile()
        .await
        .unwrap();
    let mut app = module.create_nest_application();
    app.use_global_pipes(ValidationPipe::new());
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(server.local_addr());
    for (body, expected) in [
        (
            json!({}),
            r#"{"message":["name must be a string","age must be an integer number","breed must be a string"],"error":"Bad Request","statusCode":400}"#,
        ),
        (
            json!({ "name": "Pixel", "age": "two" }),
            r#"{"message":["age must be an integer number","breed must be a string"],"error":"Bad Request","statusCode":400}"#,
        ),
        (
            json!({ "name": "Pixel", "age": 2.5, "breed": null }),
            r#"{"message":["age must be an integer number","breed must be a string"],"error":"Bad Request","statusCode":400}"#,
        ),
    ] {
        let refused = client
            .request(post("/cats", Some("admin"), &body))
            .await
            .unwrap();
        assert_eq!(
            (refused.status.as_u16(), refused.text().as_str()),
            (400, expected),
            "{body}"
        );
    }
}
