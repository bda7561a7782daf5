//! tower middleware around the whole application (NestJS's `app.use(...)` and
//! `app.enableCors()`): the application's CORS (its bytes are `cors.rs`'s), tower-http's
//! compression (which leaves event streams alone), timeouts and request ids work as they do in
//! axum.

use std::time::Duration;

use http::HeaderValue;
use nest_core::prelude::*;
use nest_core::{RunningApp, testing::TestClient};
use nest_tests::get_with_headers as get;
use tower_http::{
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
    timeout::TimeoutLayer,
    trace::TraceLayer,
};

#[derive(Default)]
struct AppController;

#[controller]
impl AppController {
    #[get("cats")]
    fn cats(&self) -> serde_json::Value {
        json!({ "cats": vec!["Tom"; 200] })
    }

    #[sse("sse")]
    fn sse(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter(vec![MessageEvent::json(&json!({ "hello": "world" })); 50])
    }

    #[get("slow")]
    async fn slow(&self) -> &'static str {
        tokio::time::sleep(Duration::from_secs(5)).await;
        "too late"
    }
}

fn app() -> NestApplication {
    NestApplication::builder()
        .controller(AppController)
        .build()
        .unwrap()
}

async fn serve(app: NestApplication) -> (RunningApp, TestClient) {
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(server.local_addr());
    (server, client)
}

#[tokio::test]
async fn enable_cors_answers_preflight_and_marks_responses_and_streams() {
    let mut app = app();
    app.enable_cors();
    let (_server, client) = serve(app).await;
    let origin = [("origin", "http://example.test")];
    let json = client.request(get("/cats", &origin)).await.unwrap();
    assert_eq!(json.header("access-control-allow-origin"), Some("*"));

    let preflight = http::Request::options("/cats")
        .header("host", "localhost")
        .header("origin", "http://example.test")
        .header("access-control-request-method", "POST")
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();
    let preflight = client.request(preflight).await.unwrap();
    // As NestJS 12.6.3 with cors 2.8.6 answers it.
    assert_eq!(preflight.status, 204);
    assert_eq!(
        preflight.header("access-control-allow-methods"),
        Some("GET,HEAD,PUT,PATCH,POST,DELETE")
    );
    assert_eq!(preflight.header("content-length"), Some("0"));

    let stream = client
        .sse_request(get(
            "/sse",
            &[
                ("origin", "http://example.test"),
                ("accept", "text/event-stream"),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(stream.header("access-control-allow-origin"), Some("*"));
    assert_eq!(stream.header("content-type"), Some("text/event-stream"));
    assert_eq!(stream.collect_events().await.len(), 50);
}

#[tokio::test]
async fn compression_compresses_json_and_leaves_event_streams_alone() {
    let mut app = app();
    app.use_layer(CompressionLayer::new());
    let (_server, client) = serve(app).await;
    let gzip = [("accept-encoding", "gzip")];
    let json = client.request(get("/cats", &gzip)).await.unwrap();
    assert_eq!(json.header("content-encoding"), Some("gzip"));
    assert!(
        json.body.len() < 200 * 6,
        "compressed: {} bytes",
        json.body.len()
    );

    let stream = client
        .sse_request(get(
            "/sse",
            &[("accept-encoding", "gzip"), ("accept", "text/event-stream")],
        ))
        .await
        .unwrap();
    assert_eq!(
        stream.header("content-encoding"),
        None,
        "SSE must not be compressed"
    );
    let events = stream.collect_events().await;
    assert_eq!(events.len(), 50);
    assert_eq!(events[0].data, r#"{"hello":"world"}"#);
}

#[tokio::test]
async fn layers_added_first_run_first() {
    let mut app = app();
    app.use_layer(SetResponseHeaderLayer::overriding(
        http::header::HeaderName::from_static("x-layer"),
        HeaderValue::from_static("first"),
    ))
    .use_layer(SetResponseHeaderLayer::overriding(
        http::header::HeaderName::from_static("x-layer"),
        HeaderValue::from_static("second"),
    ));
    let (_server, client) = serve(app).await;
    let response = client.get("/cats").await.unwrap();
    assert_eq!(
        response.header("x-layer"),
        Some("first"),
        "the first layer is outermost: it sees the response last"
    );
}

#[tokio::test]
async fn tracing_timeouts_and_request_ids() {
    let mut app = app();
    app.use_layer(TraceLayer::new_for_http())
        .use_layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .use_layer(PropagateRequestIdLayer::x_request_id())
        .use_layer(TimeoutLayer::with_status_code(
            http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_millis(100),
        ));
    let (_server, client) = serve(app).await;
    let slow = client.get("/slow").await.unwrap();
    assert_eq!(slow.status, 408);
    let fast = client.get("/cats").await.unwrap();
    assert_eq!(fast.status, 200);
    assert_eq!(
        fast.header("x-request-id").map(str::len),
        Some(36),
        "a UUID"
    );
}
