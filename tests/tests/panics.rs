//! A panic in a handler or inside an event stream ends that request, as NestJS answers an
//! unknown error, and nothing else: the server keeps serving.

use nest_core::prelude::*;
use nest_core::{RunningApp, testing::TestClient};
use nest_tests::{get_and_close, raw_exchange};

#[derive(Default)]
struct PanickyController;

#[controller("panic")]
impl PanickyController {
    #[get("sync")]
    fn sync(&self) -> String {
        panic!("secret sync failure")
    }

    #[get("async")]
    async fn in_async(&self) -> String {
        tokio::task::yield_now().await;
        panic!("secret async failure")
    }

    #[sse("setup")]
    async fn setup(&self) -> impl Stream<Item = MessageEvent> {
        tokio::task::yield_now().await;
        if self.always() {
            panic!("secret setup failure");
        }
        stream::empty()
    }

    #[sse("stream")]
    fn in_stream(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter([1, 2]).then(|n| async move {
            if n == 2 {
                tokio::task::yield_now().await;
                panic!("secret stream failure");
            }
            MessageEvent::new("one")
        })
    }

    /// Three events ready at once, then a panic in the same poll: before the stream opened.
    #[sse("burst")]
    fn burst(&self) -> impl Stream<Item = MessageEvent> {
        burst_then_panic()
    }

    /// One event, a pause (the stream is open), then three events and a panic in one poll.
    #[sse("later-burst")]
    fn later_burst(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter([MessageEvent::new("first")])
            .chain(stream::once(async {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                MessageEvent::new("after a pause")
            }))
            .chain(burst_then_panic())
    }

    #[get("ok")]
    fn ok(&self) -> &'static str {
        "still serving"
    }
}

impl PanickyController {
    fn always(&self) -> bool {
        true
    }
}

/// A stream that yields `a`, `b` and `c` in one poll each without ever being pending, then
/// panics.
fn burst_then_panic() -> impl Stream<Item = MessageEvent> {
    let mut left = ["c", "b", "a"].to_vec();
    stream::poll_fn(move |_| match left.pop() {
        Some(data) => std::task::Poll::Ready(Some(MessageEvent::new(data))),
        None => panic!("secret burst failure"),
    })
}

async fn start() -> RunningApp {
    nest_tests::serve(PanickyController).await
}

#[tokio::test]
async fn a_panicking_handler_answers_nest_500_and_the_server_keeps_serving() {
    let server = start().await;
    let client = TestClient::new(server.local_addr());
    for path in ["/panic/sync", "/panic/async", "/panic/setup"] {
        let response = client.get(path).await.unwrap();
        assert_eq!(response.status, 500, "{path}");
        assert_eq!(
            response.text(),
            r#"{"statusCode":500,"message":"Internal server error"}"#,
            "{path}"
        );
        let ok = client.get("/panic/ok").await.unwrap();
        assert_eq!(ok.text(), "still serving");
    }
}

#[tokio::test]
async fn a_stream_that_panics_ends_with_an_error_frame() {
    let server = start().await;
    let response = raw_exchange(server.local_addr(), &get_and_close("/panic/stream"))
        .await
        .unwrap();
    assert_eq!(response.status_line(), "HTTP/1.1 200 OK");
    assert_eq!(
        response.text(),
        "\nid: 1\ndata: one\n\nevent: error\nid: 2\ndata: Internal server error\n\n"
    );
    let ok = TestClient::new(server.local_addr())
        .get("/panic/ok")
        .await
        .unwrap();
    assert_eq!(ok.text(), "still serving");
}

#[tokio::test]
async fn events_ready_before_a_panic_are_sent_before_the_error_frame() {
    let server = start().await;
    let response = raw_exchange(server.local_addr(), &get_and_close("/panic/burst"))
        .await
        .unwrap();
    assert_eq!(
        response.status_line(),
        "HTTP/1.1 200 OK",
        "{}",
        response.text()
    );
    assert_eq!(
        response.text(),
        "\nid: 1\ndata: a\n\nid: 2\ndata: b\n\nid: 3\ndata: c\n\n\
         event: error\nid: 4\ndata: Internal server error\n\n"
    );
    let later = raw_exchange(server.local_addr(), &get_and_close("/panic/later-burst"))
        .await
        .unwrap();
    assert_eq!(
        later.text(),
        "\nid: 1\ndata: first\n\nid: 2\ndata: after a pause\n\n\
         id: 3\ndata: a\n\nid: 4\ndata: b\n\nid: 5\ndata: c\n\n\
         event: error\nid: 6\ndata: Internal server error\n\n"
    );
    let ok = TestClient::new(server.local_addr())
        .get("/panic/ok")
        .await
        .unwrap();
    assert_eq!(ok.text(), "still serving");
}

/// Panics in a guard.
#[derive(Default)]
struct PanickyGuard;

impl nest_core::pipeline::CanActivate for PanickyGuard {
    fn can_activate<'a>(
        &'a self,
        _: &'a nest_core::pipeline::ExecutionContext<'a>,
    ) -> nest_core::pipeline::GuardFuture<'a> {
        Box::pin(async { panic!("secret guard failure") })
    }
}

/// Panics around the handler.
#[derive(Default)]
struct PanickyInterceptor;

impl nest_core::pipeline::NestInterceptor for PanickyInterceptor {
    fn intercept<'a>(
        &'a self,
        _: nest_core::pipeline::CallHandler<'a>,
    ) -> nest_core::pipeline::ResponseFuture<'a> {
        Box::pin(async { panic!("secret interceptor failure") })
    }
}

/// Panics on each event.
#[derive(Default)]
struct PanickyEventMapper;

impl nest_core::pipeline::NestInterceptor for PanickyEventMapper {
    fn map_event(&self, _: MessageEvent) -> MessageEvent {
        panic!("secret event mapper failure")
    }
}

/// Panics converting its argument.
#[derive(Default)]
struct PanickyPipe;

impl nest_core::pipeline::PipeTransform<Option<String>, String> for PanickyPipe {
    fn transform(
        &self,
        _: Option<String>,
        _: &nest_core::pipeline::ArgumentMetadata,
    ) -> Result<String, HttpException> {
        panic!("secret pipe failure")
    }
}

#[derive(Default)]
struct PipelineController;

#[controller("pipeline")]
impl PipelineController {
    #[get("guard")]
    #[use_guards(PanickyGuard)]
    fn guarded(&self) -> &'static str {
        "unreachable"
    }

    #[get("interceptor")]
    #[use_interceptors(PanickyInterceptor)]
    fn intercepted(&self) -> &'static str {
        "unreachable"
    }

    #[get("pipe/:value")]
    fn piped(&self, #[param("value", PanickyPipe)] value: String) -> String {
        value
    }

    #[sse("mapped")]
    #[use_interceptors(PanickyEventMapper)]
    fn mapped(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter(["one"]).map(MessageEvent::from)
    }

    /// A stream that stays open, to show other connections are unaffected.
    #[sse("ticks")]
    fn ticks(&self) -> impl Stream<Item = MessageEvent> {
        stream::unfold(0u64, |n| async move {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            Some((MessageEvent::new(n.to_string()), n + 1))
        })
    }
}

#[tokio::test]
async fn panics_in_guards_interceptors_pipes_and_event_mappers_end_only_their_request() {
    let server = nest_tests::serve(PipelineController).await;
    let client = TestClient::new(server.local_addr());
    let mut ticks = client.sse("/pipeline/ticks").await.unwrap();
    let first = ticks.next_event().await.unwrap();
    for path in [
        "/pipeline/guard",
        "/pipeline/interceptor",
        "/pipeline/pipe/x",
    ] {
        let response = client.get(path).await.unwrap();
        assert_eq!(response.status, 500, "{path}");
        assert_eq!(
            response.text(),
            r#"{"statusCode":500,"message":"Internal server error"}"#,
            "{path}: nothing of the panic's message leaks"
        );
    }
    let mapped = raw_exchange(server.local_addr(), &get_and_close("/pipeline/mapped"))
        .await
        .unwrap();
    assert!(
        !mapped.text().contains("secret"),
        "a panicking event mapper leaks nothing: {}",
        mapped.text()
    );
    assert!(
        mapped.text().contains("event: error") || mapped.status_line().contains("500"),
        "the stream ends with an error: {} {}",
        mapped.status_line(),
        mapped.text()
    );
    // The open stream kept going through all of it.
    let later = ticks.next_event().await.unwrap();
    let (first, later): (u64, u64) = (first.data.parse().unwrap(), later.data.parse().unwrap());
    assert!(later > first, "the other stream is unaffected");
}
