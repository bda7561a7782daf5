//! NestJS's `ValidationPipe`: a DTO's rules are checked before the handler runs, and a failure
//! answers `{"message":[...],"error":"Bad Request","statusCode":400}` with one message per
//! failed rule.

use nest_core::prelude::*;
use nest_core::{Valid, testing::TestClient};
use serde::{Deserialize, Serialize};
use validator::Validate;

#[derive(Debug, Serialize, Deserialize, Validate)]
struct CreateCatDto {
    #[validate(length(min = 1, max = 20))]
    name: String,
    #[validate(range(min = 0, max = 30))]
    age: u8,
    #[validate(email)]
    owner: String,
}

#[derive(Debug, Deserialize, Validate)]
struct ListQuery {
    #[validate(range(min = 1, max = 100))]
    limit: u32,
}

#[derive(Default)]
struct CatsController;

#[controller("cats")]
impl CatsController {
    #[post]
    fn create(&self, #[body] dto: Valid<CreateCatDto>) -> Json<CreateCatDto> {
        Json(dto.into_inner())
    }

    #[get]
    fn list(&self, #[query] query: Valid<ListQuery>) -> String {
        format!("limit {}", query.limit)
    }

    #[sse("events")]
    fn events(&self, #[query] query: Valid<ListQuery>) -> impl Stream<Item = MessageEvent> {
        stream::iter(0..query.limit).map(|n| MessageEvent::new(n.to_string()))
    }
}

fn post(body: &str) -> http::Request<http_body_util::Full<bytes::Bytes>> {
    nest_tests::request_with_body("POST", "/cats", "application/json", body)
}

#[tokio::test]
async fn dto_rules_are_checked_with_nest_messages() {
    let server = nest_tests::serve(CatsController).await;
    let client = TestClient::new(server.local_addr());

    let ok = client
        .request(post(r#"{"name":"Tom","age":3,"owner":"ann@example.com"}"#))
        .await
        .unwrap();
    assert_eq!(ok.status, 201);

    let bad = client
        .request(post(r#"{"name":"","age":31,"owner":"nope"}"#))
        .await
        .unwrap();
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.text(),
        r#"{"message":["age must not be greater than 30","name must be between 1 and 20 characters","owner must be an email"],"error":"Bad Request","statusCode":400}"#
    );

    let query = client.get("/cats?limit=0").await.unwrap();
    assert_eq!(
        query.text(),
        r#"{"message":["limit must not be less than 1"],"error":"Bad Request","statusCode":400}"#
    );
    assert_eq!(client.get("/cats?limit=5").await.unwrap().text(), "limit 5");

    // shared/nestjs-sse.md §10.3 case 2: a validation error on an SSE route is a 400 with JSON,
    // before the stream opens.
    let sse = client.get("/cats/events?limit=0").await.unwrap();
    assert_eq!(sse.status, 400);
    assert_eq!(
        sse.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let events = client
        .sse("/cats/events?limit=2")
        .await
        .unwrap()
        .collect_events()
        .await;
    assert_eq!(events.len(), 2);
}
