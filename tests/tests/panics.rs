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
