//! Errors on `#[sse]` routes, as NestJS 12.5.1 answers them (shared/nestjs-sse.md §5.2, §5.3,
//! §6.1): before the first event a normal JSON error with its status; after it one
//! `event: error` frame with a safe message, then the end of the stream.

use std::{io, time::Duration};

use nest_core::prelude::*;
use nest_core::{RunningApp, testing::TestClient};
use nest_tests::{get_and_close, raw_exchange};

type Events = stream::Iter<std::vec::IntoIter<Result<MessageEvent, HttpException>>>;

#[derive(Default)]
struct ErrorsController;

#[controller("errors")]
impl ErrorsController {
    /// `throwError(() => new HttpException('early', 418))`, returned as the handler's `Err`.
    #[sse("handler")]
    async fn handler(&self) -> Result<impl Stream<Item = MessageEvent>, HttpException> {
        Err::<stream::Empty<MessageEvent>, _>(HttpException::new("early", 418))
    }

    /// The stream's first item is an error: still before the first byte.
    #[sse("first-item")]
    fn first_item(&self) -> Events {
        stream::iter(vec![Err(HttpException::new("early", 418))])
    }

    /// A plain error before the first event: 500 with NestJS's body, the text only logged.
    #[sse("plain-early")]
    fn plain_early(&self) -> impl Stream<Item = Result<MessageEvent, io::Error>> {
        stream::iter([Err(io::Error::other("secret early"))])
    }

    /// §5.2: one event, then `Error('secret boom')`.
    #[sse("after-one")]
    fn after_one(&self) -> impl Stream<Item = Result<&'static str, io::Error>> {
        stream::iter([Ok("one"), Err(io::Error::other("secret boom"))])
    }

    /// §5.2 with `HttpException('Nope', 403)`: its message is safe to send.
    #[sse("after-one-http")]
    fn after_one_http(&self) -> Events {
        stream::iter(vec![Ok("one".into()), Err(ForbiddenException::new("Nope"))])
    }

    /// An event whose JSON cannot be serialised, after one event.
    #[sse("bad-json")]
    fn bad_json(&self) -> impl Stream<Item = MessageEvent> {
        let bad: std::collections::BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
        stream::iter([MessageEvent::new("one"), MessageEvent::json(&bad)])
    }

    /// The error comes later, once the stream has been pending (headers already sent).
    #[sse("later")]
    fn later(&self) -> impl Stream<Item = Result<MessageEvent, HttpException>> {
        stream::once(async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            Err(NotFoundException::new("gone"))
        })
    }

    /// A typed path parameter: `abc` is NestJS's ParseIntPipe 400.
    #[sse("rooms/:n")]
    fn rooms(&self, #[param("n")] n: u32) -> impl Stream<Item = MessageEvent> {
        stream::iter([MessageEvent::new(n.to_string())])
    }
}

async fn start() -> RunningApp {
    nest_tests::serve(ErrorsController).await
}

#[tokio::test]
async fn handler_error_is_a_json_response_with_its_status() {
    let server = start().await;
    let response = TestClient::new(server.local_addr())
        .get("/errors/handler")
        .await
        .unwrap();
    assert_eq!(response.status, 418);
    assert_eq!(
        response.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(response.text(), r#"{"statusCode":418,"message":"early"}"#);
}

#[tokio::test]
async fn first_item_error_is_a_json_response_with_its_status() {
    let server = start().await;
    let response = TestClient::new(server.local_addr())
        .get("/errors/first-item")
        .await
        .unwrap();
    assert_eq!(response.status, 418);
    assert_eq!(response.text(), r#"{"statusCode":418,"message":"early"}"#);
}

#[tokio::test]
async fn plain_error_before_the_stream_is_nest_500_and_hides_its_text() {
    let server = start().await;
    let response = TestClient::new(server.local_addr())
        .get("/errors/plain-early")
        .await
        .unwrap();
    assert_eq!(response.status, 500);
    assert_eq!(
        response.text(),
        r#"{"statusCode":500,"message":"Internal server error"}"#
    );
}

#[tokio::test]
async fn plain_error_after_the_first_event_is_one_safe_error_frame() {
    let server = start().await;
    let response = raw_exchange(server.local_addr(), &get_and_close("/errors/after-one"))
        .await
        .unwrap();
    assert_eq!(response.status_line(), "HTTP/1.1 200 OK");
    assert_eq!(
        response.text(),
        "\nid: 1\ndata: one\n\nevent: error\nid: 2\ndata: Internal server error\n\n"
    );
}

#[tokio::test]
async fn http_exception_after_the_first_event_sends_its_message() {
    let server = start().await;
    let response = raw_exchange(
        server.local_addr(),
        &get_and_close("/errors/after-one-http"),
    )
    .await
    .unwrap();
    assert_eq!(
        response.text(),
        "\nid: 1\ndata: one\n\nevent: error\nid: 2\ndata: Nope\n\n"
    );
}

#[tokio::test]
async fn unserialisable_event_after_the_first_is_an_error_frame() {
    let server = start().await;
    let response = raw_exchange(server.local_addr(), &get_and_close("/errors/bad-json"))
        .await
        .unwrap();
    assert_eq!(
        response.text(),
        "\nid: 1\ndata: one\n\nevent: error\nid: 2\ndata: Internal server error\n\n"
    );
}

#[tokio::test]
async fn error_after_headers_went_out_is_an_error_frame() {
    let server = start().await;
    let mut connection = TestClient::new(server.local_addr())
        .sse("/errors/later")
        .await
        .unwrap();
    assert_eq!(connection.status, 200);
    let event = connection.next_event().await.unwrap();
    assert_eq!(
        (event.event.as_str(), event.id.as_str(), event.data.as_str()),
        ("error", "1", "gone")
    );
    assert!(
        connection.next_event().await.is_none(),
        "the stream ends after the error"
    );
}

#[tokio::test]
async fn bad_path_parameter_is_nest_parse_int_400() {
    let server = start().await;
    let client = TestClient::new(server.local_addr());
    let response = client.get("/errors/rooms/abc").await.unwrap();
    assert_eq!(response.status, 400);
    assert_eq!(
        response.text(),
        r#"{"message":"Validation failed (numeric string is expected)","error":"Bad Request","statusCode":400}"#
    );
    let events = client
        .sse("/errors/rooms/42")
        .await
        .unwrap()
        .collect_events()
        .await;
    assert_eq!(events[0].data, "42");
}
