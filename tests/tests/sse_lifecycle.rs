//! The life of an `#[sse]` response: async handlers, streams that borrow the controller,
//! POST routes, and the stream being dropped when the client goes away.

use std::{sync::Mutex, time::Duration};

use nest_core::prelude::*;
use nest_core::{RunningApp, sse::SseSignal, testing::TestClient};
use tokio::sync::mpsc;

/// Sends on its channel when dropped: the stream's teardown.
struct DropSignal(mpsc::UnboundedSender<&'static str>, &'static str);

impl Drop for DropSignal {
    fn drop(&mut self) {
        let _ = self.0.send(self.1);
    }
}

struct LifecycleController {
    names: Vec<String>,
    dropped: mpsc::UnboundedSender<&'static str>,
    calls: Mutex<u32>,
}

#[controller("life")]
impl LifecycleController {
    /// NestJS's `Promise<Observable>` (§5.9): the handler awaits before returning its stream.
    #[sse("delayed")]
    async fn delayed(&self) -> impl Stream<Item = MessageEvent> {
        tokio::time::sleep(Duration::from_millis(20)).await;
        *self.calls.lock().unwrap() += 1;
        stream::iter(["after setup"]).map(MessageEvent::from)
    }

    /// A stream that borrows the controller (`&self`) for its whole life.
    #[sse("borrowed")]
    fn borrowed(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter(
            self.names
                .iter()
                .map(|name| MessageEvent::new(name.as_str())),
        )
    }

    /// An endless stream whose teardown reports to the test.
    #[sse("endless")]
    fn endless(&self) -> impl Stream<Item = MessageEvent> {
        let guard = DropSignal(self.dropped.clone(), "endless");
        interval(Duration::from_millis(10)).map(move |n| {
            let _keep = &guard;
            MessageEvent::new(n.to_string())
        })
    }

    /// A stream that never yields, torn down on disconnect too.
    #[sse("idle")]
    fn idle(&self) -> impl Stream<Item = MessageEvent> {
        let guard = DropSignal(self.dropped.clone(), "idle");
        stream::pending::<MessageEvent>().map(move |event| {
            let _keep = &guard;
            event
        })
    }

    /// `@SseSignal()`: reports when the stream's life ends.
    #[sse("signal/:mode")]
    fn signal(
        &self,
        #[param("mode")] mode: String,
        signal: SseSignal,
    ) -> impl Stream<Item = MessageEvent> {
        let dropped = self.dropped.clone();
        tokio::spawn(async move {
            signal.aborted().await;
            let _ = dropped.send("signal");
        });
        let events = stream::iter([MessageEvent::new("one")]);
        if mode == "complete" {
            events.boxed()
        } else {
            events.chain(stream::pending()).boxed()
        }
    }

    /// NestJS's `signal/promise-delayed`: a slow async setup that checks the signal.
    #[sse("setup")]
    async fn setup(&self, signal: SseSignal) -> impl Stream<Item = MessageEvent> {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let _ = self.dropped.send(if signal.is_aborted() {
            "setup saw abort"
        } else {
            "setup done"
        });
        stream::iter(["ready"]).map(MessageEvent::from)
    }

    /// `@Sse('post', { method: RequestMethod.POST })` (§5.5): 201.
    #[sse("post", method = "POST")]
    fn post(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter([MessageEvent::json(&json!({ "content": "chunk-0" }))])
    }
}

async fn start() -> (RunningApp, mpsc::UnboundedReceiver<&'static str>) {
    let (dropped, drops) = mpsc::unbounded_channel();
    let controller = LifecycleController {
        names: vec!["Tom".into(), "Kitty".into()],
        dropped,
        calls: Mutex::new(0),
    };
    (nest_tests::serve(controller).await, drops)
}

#[tokio::test]
async fn async_handler_streams_after_its_setup() {
    let (server, _drops) = start().await;
    let events = TestClient::new(server.local_addr())
        .sse("/life/delayed")
        .await
        .unwrap()
        .collect_events()
        .await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].id.as_str(), events[0].data.as_str()),
        ("1", "after setup")
    );
}

#[tokio::test]
async fn stream_may_borrow_the_controller() {
    let (server, _drops) = start().await;
    let events = TestClient::new(server.local_addr())
        .sse("/life/borrowed")
        .await
        .unwrap()
        .collect_events()
        .await;
    let data: Vec<&str> = events.iter().map(|event| event.data.as_str()).collect();
    assert_eq!(data, ["Tom", "Kitty"]);
}

#[tokio::test]
async fn disconnect_drops_a_busy_stream_within_a_second() {
    let (server, mut drops) = start().await;
    let mut connection = TestClient::new(server.local_addr())
        .sse("/life/endless")
        .await
        .unwrap();
    assert_eq!(connection.next_event().await.unwrap().data, "0");
    assert!(
        drops.try_recv().is_err(),
        "the stream is alive while the client reads"
    );
    drop(connection);
    let dropped = tokio::time::timeout(Duration::from_secs(1), drops.recv()).await;
    assert_eq!(
        dropped,
        Ok(Some("endless")),
        "the stream's Drop must run within a second"
    );
}

#[tokio::test]
async fn disconnect_drops_an_idle_stream_within_a_second() {
    let (server, mut drops) = start().await;
    let connection = TestClient::new(server.local_addr())
        .sse("/life/idle")
        .await
        .unwrap();
    assert_eq!(connection.status, 200);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        drops.try_recv().is_err(),
        "the stream is alive while the client is connected"
    );
    drop(connection);
    let dropped = tokio::time::timeout(Duration::from_secs(1), drops.recv()).await;
    assert_eq!(
        dropped,
        Ok(Some("idle")),
        "the stream's Drop must run within a second"
    );
}

async fn signal_after(
    server: &RunningApp,
    drops: &mut mpsc::UnboundedReceiver<&'static str>,
    mode: &str,
    close: bool,
) {
    let mut connection = TestClient::new(server.local_addr())
        .sse(&format!("/life/signal/{mode}"))
        .await
        .unwrap();
    assert_eq!(connection.next_event().await.unwrap().data, "one");
    if close {
        drop(connection);
    } else {
        while connection.next_event().await.is_some() {}
    }
    let fired = tokio::time::timeout(Duration::from_secs(5), drops.recv()).await;
    assert_eq!(fired, Ok(Some("signal")), "{mode}: the signal fires");
}

#[tokio::test]
async fn sse_signal_fires_on_disconnect() {
    let (server, mut drops) = start().await;
    signal_after(&server, &mut drops, "endless", true).await;
}

#[tokio::test]
async fn sse_signal_fires_on_completion() {
    let (server, mut drops) = start().await;
    signal_after(&server, &mut drops, "complete", false).await;
}

#[tokio::test]
async fn sse_signal_fires_on_shutdown() {
    let (server, mut drops) = start().await;
    let mut connection = TestClient::new(server.local_addr())
        .sse("/life/signal/endless")
        .await
        .unwrap();
    assert_eq!(connection.next_event().await.unwrap().data, "one");
    server.close().await;
    let fired = tokio::time::timeout(Duration::from_secs(5), drops.recv()).await;
    assert_eq!(fired, Ok(Some("signal")));
    assert!(connection.next_event().await.is_none());
}

#[tokio::test]
async fn a_client_gone_during_setup_never_gets_a_stream_started() {
    let (server, mut drops) = start().await;
    let mut raw =
        nest_tests::RawStream::open(server.local_addr(), &nest_tests::get_stream("/life/setup"))
            .await
            .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    raw.read_for(Duration::from_millis(1)).await;
    drop(raw);
    // The setup future is dropped with the connection, so it never reports; the control request
    // below shows what it reports when the client stays.
    let control = TestClient::new(server.local_addr())
        .sse("/life/setup")
        .await
        .unwrap();
    let events = control.collect_events().await;
    assert_eq!(events[0].data, "ready");
    let first = tokio::time::timeout(Duration::from_secs(5), drops.recv()).await;
    assert_eq!(first, Ok(Some("setup done")));
    // Both setups would be over by now; only the one whose client stayed ran to its end.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        drops.try_recv().is_err(),
        "the abandoned setup was dropped, not run to its end"
    );
}

#[tokio::test]
async fn post_sse_route_answers_201_with_the_stream() {
    let (server, _drops) = start().await;
    let client = TestClient::new(server.local_addr());
    let request = http::Request::post("/life/post")
        .header("host", "localhost")
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.status, 201);
    assert_eq!(response.header("content-type"), Some("text/event-stream"));
    assert!(
        response.text().contains("data: {\"content\":\"chunk-0\"}"),
        "{}",
        response.text()
    );
    let get = client.get("/life/post").await.unwrap();
    assert_eq!(get.status, 404, "a POST route does not answer GET");
}
