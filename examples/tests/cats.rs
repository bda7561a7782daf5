//! The cats sample as a user runs it (`cargo run -p nest-examples --bin cats`): the routes
//! through the guard, pipe, interceptors and filter, the logging interceptor's lines, and the
//! shutdown hooks on SIGTERM (`app.enable_shutdown_hooks()`), and the OpenAPI document and
//! Swagger UI it serves at `/api-json` and `/api`.

mod common;

use std::time::Duration;

use common::{json_request, start_example_logged};
use nest_core::testing::TestClient;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sample_serves_logs_and_runs_its_shutdown_hooks_on_sigterm() {
    let (mut app, addr, log) = start_example_logged(env!("CARGO_BIN_EXE_cats"));
    let client = TestClient::new(addr);

    let cat = json!({ "name": "Pixel", "age": 2, "breed": "Bombay" });
    let refused = client
        .request(json_request("POST", "/cats", &cat))
        .await
        .unwrap();
    assert_eq!(refused.status, 403);
    assert_eq!(refused.json().unwrap()["path"], "/cats");

    let mut admin = json_request("POST", "/cats", &cat);
    admin
        .headers_mut()
        .insert("x-roles", http::HeaderValue::from_static("admin"));
    assert_eq!(client.request(admin).await.unwrap().status, 201);
    assert_eq!(
        client.get("/cats").await.unwrap().json().unwrap(),
        json!({ "data": [cat] })
    );
    assert_eq!(client.get("/cats/x").await.unwrap().status, 400);

    // `SwaggerModule::setup("api", ...)`: the document lists the cats operations, and Swagger
    // UI's page is served next to it.
    let document = client.get("/api-json").await.unwrap();
    assert_eq!(document.status, 200);
    let document = document.json().unwrap();
    assert_eq!(document["info"]["title"], "Cats example");
    let paths = &document["paths"];
    let mut operations: Vec<String> = paths
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .iter()
                .map(move |(method, operation)| {
                    format!(
                        "{method} {path} {}",
                        operation["operationId"].as_str().unwrap()
                    )
                })
        })
        .collect();
    operations.sort();
    assert_eq!(
        operations,
        [
            "get /cats CatsController_find_all",
            "get /cats/{id} CatsController_find_one",
            "post /cats CatsController_create",
        ]
    );
    let find_one = &paths["/cats/{id}"]["get"];
    // `ParseIntPipe` makes the path parameter an integer.
    assert_eq!(
        find_one["parameters"],
        json!([{ "name": "id", "required": true, "in": "path", "schema": { "type": "integer" } }])
    );
    assert_eq!(
        paths["/cats"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/CreateCatDto"
    );
    let ui = client.get("/api").await.unwrap();
    assert_eq!(ui.status, 200);
    assert!(ui.text().contains("swagger-ui"), "{}", ui.text());

    app.terminate();
    let status = app
        .wait_exit(Duration::from_secs(15))
        .expect("the process exits");
    assert!(status.success(), "{status:?}");
    let logs = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    assert!(logs.contains("LoggingInterceptor: Before..."), "{logs}");
    assert!(logs.contains("LoggingInterceptor: After... "), "{logs}");
    assert!(
        logs.contains("CatsService: shutting down (SIGTERM) with 1 cat(s)"),
        "the OnApplicationShutdown hook ran with the signal:\n{logs}"
    );
}
