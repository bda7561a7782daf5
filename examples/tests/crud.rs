//! The ported NestJS cats CRUD controller over real TCP, as a client of the NestJS app would see
//! it: the same statuses and the same JSON bodies, error cases included.

mod common;

use common::{json_request, start_example};
use nest_core::testing::TestClient;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crud_with_nest_statuses_and_bodies() {
    let (_app, addr) = start_example(env!("CARGO_BIN_EXE_crud"));
    let client = TestClient::new(addr);

    let created = client
        .request(json_request(
            "POST",
            "/api/cats",
            &json!({"name": "Tom", "age": 3, "breed": "Tabby"}),
        ))
        .await
        .unwrap();
    assert_eq!(created.status, 201);
    assert_eq!(
        created.text(),
        r#"{"id":1,"name":"Tom","age":3,"breed":"Tabby"}"#
    );
    // Set through `Res`, and readable cross-origin: `enableCors({ exposedHeaders: ['Location'] })`.
    assert_eq!(created.header("location"), Some("/api/cats/1"));
    assert_eq!(created.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        created.header("access-control-expose-headers"),
        Some("Location")
    );

    let duplicate = client
        .request(json_request(
            "POST",
            "/api/cats",
            &json!({"name": "Tom", "age": 3, "breed": "Tabby"}),
        ))
        .await
        .unwrap();
    assert_eq!(duplicate.status, 409);
    assert_eq!(
        duplicate.text(),
        r#"{"message":"a cat named Tom exists","error":"Conflict","statusCode":409}"#
    );

    let invalid = client
        .request(json_request(
            "POST",
            "/api/cats",
            &json!({"name": "", "age": 99, "breed": "Tabby"}),
        ))
        .await
        .unwrap();
    assert_eq!(invalid.status, 400);
    assert_eq!(
        invalid.text(),
        r#"{"message":["age must not be greater than 30","name must be between 1 and 50 characters"],"error":"Bad Request","statusCode":400}"#
    );

    let all = client.get("/api/cats?limit=10").await.unwrap();
    assert_eq!(
        all.text(),
        r#"[{"id":1,"name":"Tom","age":3,"breed":"Tabby"}]"#
    );

    let one = client.get("/api/cats/1").await.unwrap();
    assert_eq!(one.json().unwrap()["name"], "Tom");
    let bad_id = client.get("/api/cats/abc").await.unwrap();
    assert_eq!(
        bad_id.text(),
        r#"{"message":"Validation failed (numeric string is expected)","error":"Bad Request","statusCode":400}"#
    );
    let missing = client.get("/api/cats/7").await.unwrap();
    assert_eq!(
        missing.text(),
        r#"{"message":"Cat #7 not found","error":"Not Found","statusCode":404}"#
    );

    let updated = client
        .request(json_request("PATCH", "/api/cats/1", &json!({"age": 4})))
        .await
        .unwrap();
    assert_eq!(updated.status, 200);
    assert_eq!(updated.json().unwrap()["age"], 4);

    let removed = client
        .request(json_request("DELETE", "/api/cats/1", &json!({})))
        .await
        .unwrap();
    assert_eq!((removed.status.as_u16(), removed.body.len()), (204, 0));
    let gone = client
        .request(json_request("DELETE", "/api/cats/1", &json!({})))
        .await
        .unwrap();
    assert_eq!(gone.status, 404);

    let unknown = client.get("/cats").await.unwrap();
    assert_eq!(
        unknown.text(),
        r#"{"message":"Cannot GET /cats","error":"Not Found","statusCode":404}"#,
        "the global prefix applies"
    );
}
