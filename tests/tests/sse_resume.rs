//! Resuming: the typed `LastEventId` extractor and automatic ids that continue from it.

use nest_core::prelude::*;
use nest_core::{RunningApp, testing::TestClient};

#[derive(Default)]
struct ResumeController;

#[controller("resume")]
impl ResumeController {
    /// Echoes the typed header.
    #[sse("typed")]
    fn typed(&self, last: LastEventId<u64>) -> impl Stream<Item = MessageEvent> {
        let text = match last.0 {
            Some(id) => format!("after {id}"),
            None => "first connection".to_owned(),
        };
        stream::iter([MessageEvent::new(text)])
    }

    /// The header as text (the default type).
    #[sse("text")]
    fn text(&self, last: LastEventId) -> impl Stream<Item = MessageEvent> {
        stream::iter([MessageEvent::new(last.0.unwrap_or_default())])
    }

    /// Automatic ids continue from the header.
    #[sse("continue", continue_ids = true)]
    fn continued(&self) -> impl Stream<Item = &'static str> {
        stream::iter(["a", "b"])
    }
}

async fn start() -> RunningApp {
    nest_tests::serve(ResumeController).await
}

fn with_last_event_id(path: &str, id: &str) -> http::Request<http_body_util::Full<bytes::Bytes>> {
    http::Request::get(path)
        .header("host", "localhost")
        .header("accept", "text/event-stream")
        .header("last-event-id", id)
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap()
}

#[tokio::test]
async fn last_event_id_is_typed() {
    let server = start().await;
    let client = TestClient::new(server.local_addr());
    let first = client
        .sse("/resume/typed")
        .await
        .unwrap()
        .collect_events()
        .await;
    assert_eq!(first[0].data, "first connection");
    let again = client
        .sse_request(with_last_event_id("/resume/typed", "41"))
        .await
        .unwrap()
        .collect_events()
        .await;
    assert_eq!(again[0].data, "after 41");
    let text = client
        .sse_request(with_last_event_id("/resume/text", "room-7:12"))
        .await
        .unwrap()
        .collect_events()
        .await;
    assert_eq!(text[0].data, "room-7:12");
}

#[tokio::test]
async fn malformed_last_event_id_is_ignored() {
    // A 400 would end an `EventSource` for good (it does not reconnect after a non-200): a
    // header that does not parse is taken as absent, as on a first connection.
    let server = start().await;
    let client = TestClient::new(server.local_addr());
    for id in ["not-a-number", "", "-1", "18446744073709551616"] {
        let typed = client
            .sse_request(with_last_event_id("/resume/typed", id))
            .await
            .unwrap()
            .collect_events()
            .await;
        assert_eq!(typed[0].data, "first connection", "{id:?}");
        let continued = client
            .sse_request(with_last_event_id("/resume/continue", id))
            .await
            .unwrap()
            .collect_events()
            .await;
        let ids: Vec<&str> = continued.iter().map(|event| event.id.as_str()).collect();
        assert_eq!(ids, ["1", "2"], "{id:?}");
    }
}

#[tokio::test]
async fn automatic_ids_continue_from_last_event_id() {
    let server = start().await;
    let client = TestClient::new(server.local_addr());
    let fresh = client
        .sse("/resume/continue")
        .await
        .unwrap()
        .collect_events()
        .await;
    let ids: Vec<&str> = fresh.iter().map(|event| event.id.as_str()).collect();
    assert_eq!(ids, ["1", "2"]);
    let resumed = client
        .sse_request(with_last_event_id("/resume/continue", "41"))
        .await
        .unwrap()
        .collect_events()
        .await;
    let ids: Vec<&str> = resumed.iter().map(|event| event.id.as_str()).collect();
    assert_eq!(ids, ["42", "43"]);
}
