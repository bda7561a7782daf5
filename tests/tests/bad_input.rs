//! Bad input gets a clear status and body and never takes the server down. Each case here is
//! one row of the table in docs/controllers.md ("Bad input").

use nest_core::prelude::*;
use nest_core::{RunningApp, testing::TestClient};
use nest_tests::raw_exchange;
use serde::Deserialize;

#[derive(Deserialize)]
struct NewCat {
    name: String,
}

#[derive(Default)]
struct CatsController;

#[controller("cats")]
impl CatsController {
    #[post]
    fn create(&self, #[body] cat: NewCat) -> String {
        cat.name
    }

    #[get(":id")]
    fn find(&self, #[param("id")] id: u32, #[query("q")] q: Option<String>) -> String {
        format!("{id} {q:?}")
    }
}

async fn start() -> RunningApp {
    nest_tests::serve(CatsController).await
}

async fn still_serving(server: &RunningApp) {
    let ok = TestClient::new(server.local_addr())
        .get("/cats/1")
        .await
        .unwrap();
    assert_eq!(ok.text(), "1 None", "the server keeps serving");
}

fn post(content_type: &str, body: &str) -> http::Request<http_body_util::Full<bytes::Bytes>> {
    nest_tests::request_with_body("POST", "/cats", content_type, body)
}

#[tokio::test]
async fn malformed_json_is_400() {
    let server = start().await;
    let response = TestClient::new(server.local_addr())
        .request(post("application/json", r#"{"name": "Tom""#))
        .await
        .unwrap();
    assert_eq!(response.status, 400);
    assert_eq!(response.json().unwrap()["error"], "Bad Request");
    still_serving(&server).await;
}

#[tokio::test]
async fn a_body_that_is_not_json_is_400_whatever_its_content_type() {
    let server = start().await;
    let response = TestClient::new(server.local_addr())
        .request(post("text/plain", "Tom"))
        .await
        .unwrap();
    assert_eq!(response.status, 400);
    still_serving(&server).await;
}

#[tokio::test]
async fn deeply_nested_json_is_400() {
    let server = start().await;
    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let response = TestClient::new(server.local_addr())
        .request(post("application/json", &nested))
        .await
        .unwrap();
    assert_eq!(
        response.status, 400,
        "serde_json's recursion limit, not a stack overflow"
    );
    still_serving(&server).await;
}

#[tokio::test]
async fn a_malformed_request_line_is_closed_with_400() {
    let server = start().await;
    let response = raw_exchange(server.local_addr(), "GARBAGE\r\n\r\n")
        .await
        .unwrap();
    assert!(
        response.status_line().starts_with("HTTP/1.1 400"),
        "{}",
        response.head
    );
    still_serving(&server).await;
}

#[tokio::test]
async fn non_ascii_bytes_in_the_path_are_rejected() {
    let server = start().await;
    let response = raw_exchange(
        server.local_addr(),
        "GET /cats/\u{e9} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    assert!(
        response.status_line().starts_with("HTTP/1.1 400"),
        "{}",
        response.head
    );
    still_serving(&server).await;
}

#[tokio::test]
async fn invalid_percent_encoding_and_utf8_in_the_path_are_400() {
    let server = start().await;
    let client = TestClient::new(server.local_addr());
    for path in ["/cats/%zz", "/cats/%ff"] {
        let response = client.get(path).await.unwrap();
        assert_eq!(response.status, 400, "{path}");
        assert_eq!(response.json().unwrap()["statusCode"], 400);
    }
    still_serving(&server).await;
}

#[tokio::test]
async fn invalid_utf8_in_the_query_is_replaced_not_fatal() {
    let server = start().await;
    let response = TestClient::new(server.local_addr())
        .get("/cats/1?q=%ff")
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "1 Some(\"\u{fffd}\")");
}

#[tokio::test]
async fn oversized_headers_are_431() {
    let server = start().await;
    let huge = "x".repeat(512 * 1024);
    nest_tests::assert_head_refused(
        server.local_addr(),
        &format!(
            "GET /cats/1 HTTP/1.1\r\nHost: localhost\r\nX-Huge: {huge}\r\nConnection: close\r\n\r\n"
        ),
    )
    .await;
    still_serving(&server).await;
}
