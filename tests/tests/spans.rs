//! `tracing` spans (`nest_core::request`, `nest_core::stream`) seen by a subscriber: each
//! request's with its route pattern, status and latency, each event stream's with its events
//! and the reason it ended. Alone in its binary: a subscriber set for one thread sees every
//! callsite only when no other test hits them first without one.

use std::{sync::Arc, time::Duration};

use nest_core::prelude::*;
use nest_core::testing::TestClient;
use tracing_subscriber::Layer as _;

#[derive(Default)]
struct SpansController;

#[controller]
impl SpansController {
    #[get("cats/:id")]
    fn cat(&self, #[param("id")] id: String) -> String {
        id
    }

    /// Two events, then the end.
    #[sse("short")]
    fn short(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter(["a", "b"]).map(MessageEvent::from)
    }
}

/// A span's name and fields.
type Span = (String, Vec<(String, String)>);

/// The spans' fields, as recorded, for each span closed: `(name, fields)`.
#[derive(Clone, Default)]
struct Spans {
    open: Arc<std::sync::Mutex<std::collections::HashMap<u64, Span>>>,
    closed: Arc<std::sync::Mutex<Vec<Span>>>,
}

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
}

impl<S> tracing_subscriber::Layer<S> for Spans
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        context: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut fields = Vec::new();
        attrs.record(&mut Fields(&mut fields));
        if let Some(parent) = context.span(id).and_then(|span| span.parent()) {
            fields.push(("parent".to_owned(), parent.name().to_owned()));
        }
        self.open
            .lock()
            .unwrap()
            .insert(id.into_u64(), (attrs.metadata().name().to_owned(), fields));
    }
    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if let Some((_, fields)) = self.open.lock().unwrap().get_mut(&id.into_u64()) {
            values.record(&mut Fields(fields));
        }
    }
    fn on_close(&self, id: tracing::span::Id, _: tracing_subscriber::layer::Context<'_, S>) {
        if let Some(span) = self.open.lock().unwrap().remove(&id.into_u64()) {
            self.closed.lock().unwrap().push(span);
        }
    }
}

impl Spans {
    fn find(&self, name: &str, field: (&str, &str)) -> Option<Vec<(String, String)>> {
        self.closed
            .lock()
            .unwrap()
            .iter()
            .find(|(span, fields)| {
                span == name
                    && fields
                        .iter()
                        .any(|(key, value)| key == field.0 && value == field.1)
            })
            .map(|(_, fields)| fields.clone())
    }
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// With a subscriber that takes `nest_core::request` and `nest_core::stream` at debug level
/// (and without metrics), each request has a span with its route, status and latency, and
/// each stream one with its events and the reason it ended.
#[tokio::test(flavor = "current_thread")]
async fn requests_and_streams_have_spans() {
    use tracing_subscriber::layer::SubscriberExt;
    let spans = Spans::default();
    let subscriber = tracing_subscriber::registry().with(
        spans.clone().with_filter(
            tracing_subscriber::filter::Targets::new()
                .with_target("nest_core::request", tracing::Level::DEBUG)
                .with_target("nest_core::stream", tracing::Level::DEBUG),
        ),
    );
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = NestApplication::builder()
        .controller(SpansController)
        .build()
        .unwrap();
    let running = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(running.local_addr());
    assert_eq!(client.get("/cats/7").await.unwrap().status, 200);
    assert_eq!(
        client
            .sse("/short")
            .await
            .unwrap()
            .collect_events()
            .await
            .len(),
        2
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while spans.find("stream", ("route", "/short")).is_none() {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    running.close().await;

    let request = spans
        .find("request", ("route", "/cats/:id"))
        .unwrap_or_else(|| panic!("{:?}", spans.closed.lock().unwrap()));
    assert_eq!(field(&request, "path"), Some("/cats/7"));
    assert_eq!(field(&request, "method"), Some("GET"));
    assert_eq!(field(&request, "status"), Some("200"));
    assert!(
        field(&request, "latency_us")
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );
    let stream = spans.find("stream", ("route", "/short")).unwrap();
    assert_eq!(field(&stream, "events"), Some("2"));
    assert_eq!(field(&stream, "reason"), Some("completed"));
    // Inside the request that opened it.
    assert_eq!(field(&stream, "parent"), Some("request"));
}
