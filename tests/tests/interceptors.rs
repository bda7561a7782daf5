//! Interceptors: before the handler (a cache that answers instead of it), after it (a
//! NestJS-style `TransformInterceptor` wrapping JSON in `{ data }`), and on each event of a
//! stream, so that the wrapping interceptor leaves event streams working (NestJS's known pain:
//! a global `map(data => ({ data }))` breaks them), and around it (a timeout).

use nest_core::pipeline::{
    CallHandler, ExecutionContext, InterceptFuture, NestInterceptor, ResponseFuture,
};
use nest_core::prelude::*;
use nest_core::{Response, testing::TestClient};

/// NestJS's `TransformInterceptor`: `{ data: <the handler's JSON> }`.
#[derive(Default)]
struct TransformInterceptor;

impl NestInterceptor for TransformInterceptor {
    fn after(&self, response: Response) -> Response {
        let is_json = response
            .headers()
            .get("content-type")
            .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
        let body = response.body().full_bytes();
        match (is_json, body) {
            (true, Some(bytes)) => {
                let data: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
                let status = response.status();
                let mut wrapped = Json(json!({ "data": data })).into_response();
                *wrapped.status_mut() = status;
                wrapped
            }
            _ => response,
        }
    }
}

/// Answers `/cats/cached` itself, without the handler.
#[derive(Default)]
struct CacheInterceptor;

impl NestInterceptor for CacheInterceptor {
    fn before<'a>(&'a self, context: &'a ExecutionContext<'a>) -> InterceptFuture<'a> {
        Box::pin(async move {
            (context.handler_name() == "cached").then(|| Html("from cache").into_response())
        })
    }
}

/// Marks responses and events, to show the order.
#[derive(Default)]
struct RouteStamp;

impl NestInterceptor for RouteStamp {
    fn after(&self, mut response: Response) -> Response {
        response
            .headers_mut()
            .insert("x-order", http::HeaderValue::from_static("route"));
        response
    }

    fn map_event(&self, event: MessageEvent) -> MessageEvent {
        let data = event.data().unwrap_or_default().to_owned();
        event.data_text(format!("{data}+route"))
    }
}

struct GlobalStamp;

impl NestInterceptor for GlobalStamp {
    fn after(&self, mut response: Response) -> Response {
        response
            .headers_mut()
            .insert("x-order", http::HeaderValue::from_static("global"));
        response
    }

    fn map_event(&self, event: MessageEvent) -> MessageEvent {
        let data = event.data().unwrap_or_default().to_owned();
        event.data_text(format!("{data}+global"))
    }
}

#[derive(Default)]
struct CatsController;

#[controller("cats")]
#[use_interceptors(TransformInterceptor)]
impl CatsController {
    #[get]
    fn find_all(&self) -> Vec<&'static str> {
        vec!["Tom"]
    }

    #[get("cached")]
    #[use_interceptors(CacheInterceptor)]
    fn cached(&self) -> &'static str {
        "from the handler"
    }

    #[sse("events")]
    fn events(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter(["a", "b"]).map(MessageEvent::from)
    }

    #[sse("stamped")]
    #[use_interceptors(RouteStamp)]
    fn stamped(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter(["x"]).map(MessageEvent::from)
    }

    /// `Json` items skip the event on the way to the encoder, unless an interceptor maps events.
    #[sse("stamped-json")]
    #[use_interceptors(RouteStamp)]
    fn stamped_json(&self) -> impl Stream<Item = Json<serde_json::Value>> {
        stream::iter([Json(json!({ "n": 1 })), Json(json!([2]))])
    }
}

async fn start(global: bool) -> nest_core::RunningApp {
    let mut app = NestApplication::builder()
        .controller(CatsController)
        .build()
        .unwrap();
    if global {
        app.use_global_interceptor(GlobalStamp);
    }
    app.bind("127.0.0.1:0").await.unwrap()
}

#[tokio::test]
async fn a_wrapping_interceptor_wraps_json_and_leaves_streams_alone() {
    let server = start(false).await;
    let client = TestClient::new(server.local_addr());
    assert_eq!(
        client.get("/cats").await.unwrap().text(),
        r#"{"data":["Tom"]}"#
    );
    let events = client
        .sse("/cats/events")
        .await
        .unwrap()
        .collect_events()
        .await;
    let data: Vec<&str> = events.iter().map(|event| event.data.as_str()).collect();
    assert_eq!(data, ["a", "b"], "events keep their own shape");
}

#[tokio::test]
async fn an_interceptor_can_answer_before_the_handler() {
    let server = start(false).await;
    let text = TestClient::new(server.local_addr())
        .get("/cats/cached")
        .await
        .unwrap()
        .text();
    assert_eq!(text, "from cache");
}

#[tokio::test]
async fn global_interceptors_are_outermost() {
    let server = start(true).await;
    let connection = TestClient::new(server.local_addr())
        .sse("/cats/stamped")
        .await
        .unwrap();
    assert_eq!(
        connection.header("x-order"),
        Some("global"),
        "the global `after` runs last"
    );
    let events = connection.collect_events().await;
    assert_eq!(
        events[0].data, "x+route+global",
        "the route's `map_event` runs first"
    );
}

#[tokio::test]
async fn json_items_go_through_map_event() {
    let server = start(true).await;
    let events = TestClient::new(server.local_addr())
        .sse("/cats/stamped-json")
        .await
        .unwrap()
        .collect_events()
        .await;
    let data: Vec<&str> = events.iter().map(|event| event.data.as_str()).collect();
    assert_eq!(data, [r#"{"n":1}+route+global"#, "[2]+route+global"]);
    assert_eq!(events[1].id, "2");
}

/// NestJS's `TimeoutInterceptor`, around the handler: 408 when it takes too long.
#[derive(Default)]
struct TimeoutInterceptor;

impl NestInterceptor for TimeoutInterceptor {
    fn intercept<'a>(&'a self, next: CallHandler<'a>) -> ResponseFuture<'a> {
        Box::pin(async move {
            tokio::time::timeout(std::time::Duration::from_millis(100), next.handle())
                .await
                .unwrap_or_else(|_| {
                    nest_core::RequestTimeoutException::new("Request Timeout").into_response()
                })
        })
    }
}

/// Records around the handler, to show the nesting (outer first in, last out).
#[derive(Default)]
struct Outer;

impl NestInterceptor for Outer {
    fn intercept<'a>(&'a self, next: CallHandler<'a>) -> ResponseFuture<'a> {
        Box::pin(async move {
            let mut response = next.handle().await;
            let inner = response
                .headers()
                .get("x-trace")
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            response.headers_mut().insert(
                "x-trace",
                http::HeaderValue::from_str(&format!("{inner},outer")).unwrap(),
            );
            response
        })
    }
}

#[derive(Default)]
struct Inner;

impl NestInterceptor for Inner {
    fn intercept<'a>(&'a self, next: CallHandler<'a>) -> ResponseFuture<'a> {
        Box::pin(async move {
            let mut response = next.handle().await;
            response
                .headers_mut()
                .insert("x-trace", http::HeaderValue::from_static("inner"));
            response
        })
    }
}

#[derive(Default)]
struct SlowController;

#[controller("slow")]
#[use_interceptors(TimeoutInterceptor)]
impl SlowController {
    #[get]
    async fn slow(&self) -> &'static str {
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        "too late"
    }

    #[get("fast")]
    #[use_interceptors(Outer, Inner)]
    fn fast(&self) -> &'static str {
        "in time"
    }
}

#[tokio::test]
async fn intercept_wraps_the_handler_and_can_answer_instead_of_waiting() {
    let server = nest_tests::serve(SlowController).await;
    let client = TestClient::new(server.local_addr());
    let slow = client.get("/slow").await.unwrap();
    assert_eq!(slow.status, 408);
    assert_eq!(
        slow.text(),
        r#"{"message":"Request Timeout","error":"Request Timeout","statusCode":408}"#
    );
    let fast = client.get("/slow/fast").await.unwrap();
    assert_eq!(fast.text(), "in time");
    assert_eq!(
        fast.header("x-trace"),
        Some("inner,outer"),
        "the first interceptor listed is the outermost"
    );
}
