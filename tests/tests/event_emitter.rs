//! The event emitter over real TCP: a route emits, `#[on_event]` listeners of `#[provider]`
//! blocks receive (sync and async, `&T` and `Arc<T>`), wildcards as EventEmitter2's (off by
//! default), `emit_async` and errors, and an `#[sse]` route fed by the emitter's stream.

use std::sync::Mutex;

use nest_core::event_emitter::{EventEmitter, EventEmitterModule, EventEmitterOptions};
use nest_core::prelude::*;
use nest_core::testing::TestClient;

#[derive(Debug, Clone, serde::Serialize)]
struct OrderCreatedEvent {
    name: String,
}

/// What the listeners saw, in order.
#[derive(Injectable, Default)]
struct Seen {
    log: Mutex<Vec<String>>,
}

impl Seen {
    fn push(&self, entry: String) {
        self.log.lock().unwrap().push(entry);
    }

    fn all(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

#[derive(Injectable)]
struct OrderListener {
    seen: Arc<Seen>,
}

#[provider]
impl OrderListener {
    #[on_event("order.created")]
    fn sync_ref(&self, event: &OrderCreatedEvent) {
        self.seen.push(format!("sync {}", event.name));
    }

    #[on_event("order.created")]
    async fn async_arc(&self, event: Arc<OrderCreatedEvent>) {
        tokio::task::yield_now().await;
        self.seen.push(format!("async {}", event.name));
    }

    #[on_event("order.created", prepend_listener)]
    fn first(&self) {
        self.seen.push("first".to_owned());
    }

    #[on_event("order.*")]
    fn any_order(&self, event: &OrderCreatedEvent) {
        self.seen.push(format!("order.* {}", event.name));
    }

    #[on_event("order.created")]
    fn other_type(&self, _: &u32) {
        self.seen.push("u32".to_owned());
    }

    #[on_event("order.failing")]
    fn panics(&self) {
        panic!("listener panicked");
    }

    #[on_event("order.failing")]
    fn fails(&self) -> Result<(), String> {
        Err("listener failed".to_owned())
    }

    #[on_event("order.failing")]
    fn after_failures(&self) {
        self.seen.push("after failures".to_owned());
    }

    #[on_event("app.bootstrapped")]
    fn bootstrapped(&self, by: &&'static str) {
        self.seen.push(format!("bootstrapped by {by}"));
    }

    #[on_event("order.strict", suppress_errors = false)]
    async fn strict(&self) -> Result<(), String> {
        Err("strict listener failed".to_owned())
    }
}

/// Emits from its `OnApplicationBootstrap` hook: listeners are registered before it runs.
#[derive(Injectable)]
struct Bootstrapper {
    emitter: Arc<EventEmitter>,
}

impl nest_core::lifecycle::OnApplicationBootstrap for Bootstrapper {
    async fn on_application_bootstrap(&self) {
        self.emitter.emit("app.bootstrapped", "Bootstrapper");
    }
}

#[derive(Injectable)]
struct OrdersController {
    emitter: Arc<EventEmitter>,
    seen: Arc<Seen>,
}

#[controller("orders")]
impl OrdersController {
    #[post(":event")]
    fn emit(&self, #[param("event")] event: String, #[body] order: serde_json::Value) -> String {
        let name = order["name"].as_str().unwrap_or_default().to_owned();
        self.emitter
            .emit(&event, OrderCreatedEvent { name })
            .to_string()
    }

    #[post("async/:event")]
    async fn emit_async(&self, #[param("event")] event: String) -> String {
        // A listener of another payload type than the one emitted is not called nor counted.
        match self
            .emitter
            .emit_async(&event, OrderCreatedEvent { name: "x".into() })
            .await
        {
            Ok(count) => format!("ok {count}"),
            Err(error) => format!("error {error}"),
        }
    }

    #[get("seen")]
    fn seen(&self) -> Vec<String> {
        self.seen.all()
    }

    #[sse("stream")]
    fn stream(&self) -> impl Stream<Item = MessageEvent> {
        self.emitter
            .stream::<OrderCreatedEvent>("order.created")
            .map(|order| MessageEvent::json(&*order))
    }
}

#[module(
    imports = [EventEmitterModule::for_root()],
    controllers = [OrdersController],
    providers = [Seen, OrderListener, Bootstrapper]
)]
struct AppModule;

/// The same application with wildcards on.
#[module(
    imports = [EventEmitterModule::for_root_with(EventEmitterOptions::default().wildcard(true))],
    controllers = [OrdersController],
    providers = [Seen, OrderListener]
)]
struct WildcardModule;

async fn start<M: Module>() -> (RunningApp, TestClient) {
    let app = NestFactory::create::<M>().await.unwrap();
    let running = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(running.local_addr());
    (running, client)
}

use nest_core::RunningApp;

async fn post(client: &TestClient, path: &str, body: &str) -> String {
    let body = if body.is_empty() { "{}" } else { body };
    let request = http::Request::post(path)
        .header("host", "localhost")
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(bytes::Bytes::from(
            body.to_owned(),
        )))
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.status, 201, "{}", response.text());
    response.text()
}

/// The log, once it holds `entry` (async listeners run in tasks of their own).
async fn seen_with(client: &TestClient, entry: &str) -> Vec<String> {
    for _ in 0..1_000 {
        let seen: Vec<String> =
            serde_json::from_value(client.get("/orders/seen").await.unwrap().json().unwrap())
                .unwrap();
        if seen.iter().any(|seen| seen == entry) {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no listener logged {entry:?}");
}

#[tokio::test]
async fn listeners_receive_what_a_route_emits() {
    let (running, client) = start::<AppModule>().await;
    let emitted = post(&client, "/orders/order.created", r#"{"name":"Order #3"}"#).await;
    assert_eq!(emitted, "true");
    let seen = seen_with(&client, "async Order #3").await;
    assert_eq!(seen[0], "bootstrapped by Bootstrapper");
    let seen = &seen[1..];
    // The prepended listener first, then the synchronous ones in order, during `emit`; the
    // `u32` listener is skipped (another payload type); wildcards are off by default, so
    // `order.*` is a plain name.
    assert_eq!(
        seen,
        ["first", "sync Order #3", "async Order #3"],
        "{seen:?}"
    );
    assert_eq!(post(&client, "/orders/nobody.listens", "{}").await, "false");
    // `emit_async` returns once the async listener has run: no waiting needed.
    assert_eq!(
        post(&client, "/orders/async/order.created", "").await,
        "ok 3"
    );
    let seen: Vec<String> =
        serde_json::from_value(client.get("/orders/seen").await.unwrap().json().unwrap()).unwrap();
    assert_eq!(seen.last().map(String::as_str), Some("async x"), "{seen:?}");
    running.close().await;
}

#[tokio::test]
async fn wildcards_when_turned_on() {
    let (running, client) = start::<WildcardModule>().await;
    post(&client, "/orders/order.created", r#"{"name":"Order #4"}"#).await;
    let seen = seen_with(&client, "async Order #4").await;
    assert!(seen.contains(&"order.* Order #4".to_owned()), "{seen:?}");
    post(&client, "/orders/order.shipped", r#"{"name":"Order #5"}"#).await;
    let seen = seen_with(&client, "order.* Order #5").await;
    assert!(!seen.contains(&"sync Order #5".to_owned()), "{seen:?}");
    running.close().await;
}

#[tokio::test]
async fn failing_listeners_are_logged_and_the_others_run() {
    let (running, client) = start::<AppModule>().await;
    assert_eq!(post(&client, "/orders/order.failing", "{}").await, "true");
    seen_with(&client, "after failures").await;
    // emit_async waits for every listener; errors are suppressed by default...
    assert_eq!(
        post(&client, "/orders/async/order.failing", "").await,
        "ok 3"
    );
    // ...and returned with `suppress_errors = false`.
    assert_eq!(
        post(&client, "/orders/async/order.strict", "").await,
        "error listener OrderListener.strict of event \"order.strict\" failed: strict listener failed"
    );
    running.close().await;
}

#[tokio::test]
async fn an_sse_route_streams_emitted_events() {
    let (running, client) = start::<AppModule>().await;
    let mut events = client.sse("/orders/stream").await.unwrap();
    assert_eq!(events.status, 200);
    post(&client, "/orders/order.created", r#"{"name":"Order #6"}"#).await;
    post(&client, "/orders/order.created", r#"{"name":"Order #7"}"#).await;
    // A generous bound, so that a stream that never delivers fails instead of hanging.
    let within = Duration::from_secs(30);
    let first = tokio::time::timeout(within, events.next_event())
        .await
        .expect("an event")
        .unwrap();
    let second = tokio::time::timeout(within, events.next_event())
        .await
        .expect("an event")
        .unwrap();
    assert_eq!(first.data, r#"{"name":"Order #6"}"#);
    assert_eq!(second.data, r#"{"name":"Order #7"}"#);
    drop(events);
    running.close().await;
}

#[tokio::test]
async fn a_stream_that_falls_behind_drops_new_events_and_counts_them() {
    let emitter = EventEmitter::new(EventEmitterOptions::default().stream_capacity(2));
    let mut stream = emitter.stream::<u32>("tick");
    for n in 0..5_u32 {
        emitter.emit("tick", n);
    }
    assert_eq!(stream.missed(), 3);
    assert_eq!(*stream.next().await.unwrap(), 0);
    assert_eq!(*stream.next().await.unwrap(), 1);
    emitter.emit("tick", 9_u32);
    assert_eq!(*stream.next().await.unwrap(), 9);
    // Dropping the stream removes its listener.
    assert_eq!(emitter.listener_count("tick"), 1);
    drop(stream);
    assert_eq!(emitter.listener_count("tick"), 0);
}
