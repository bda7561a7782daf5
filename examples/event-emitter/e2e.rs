//! `e2e/orders/orders.e2e-spec.ts` and `test/app.e2e-spec.ts`: `POST /orders` answers 201 with
//! the order, and the listener receives the event (the jest spy is a second listener of
//! `order.created`).

use std::sync::{Arc, Mutex};

use nest_core::RunningApp;
use nest_core::event_emitter::EventEmitter;
use nest_core::testing::{Test, TestClient};
use serde_json::{Value, json};

use crate::app_module::AppModule;
use crate::orders::OrderCreatedEvent;

async fn app() -> (RunningApp, TestClient, Arc<EventEmitter>) {
    let app = Test::create_testing_module::<AppModule>()
        .compile()
        .await
        .unwrap()
        .create_nest_application();
    let emitter = app.get::<EventEmitter>().unwrap();
    let running = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(running.local_addr());
    (running, client, emitter)
}

fn post(body: &Value) -> http::Request<http_body_util::Full<bytes::Bytes>> {
    http::Request::post("/orders")
        .header("host", "localhost")
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(bytes::Bytes::from(
            body.to_string(),
        )))
        .unwrap()
}

#[tokio::test]
async fn post_orders_creates_an_order() {
    let (running, client, _) = app().await;
    let response = client
        .request(post(
            &json!({ "name": "Order #3", "description": "New test order" }),
        ))
        .await
        .unwrap();
    assert_eq!(response.status, 201);
    let body = response.json().unwrap();
    assert!(body["id"].is_number());
    assert_eq!(body["name"], "Order #3");
    assert_eq!(body["description"], "New test order");
    running.close().await;
}

#[tokio::test]
async fn post_orders_triggers_the_event_listener() {
    let (running, client, emitter) = app().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let spy = Arc::clone(&seen);
    emitter.on("order.created", move |event: &OrderCreatedEvent| {
        spy.lock()
            .unwrap()
            .push((event.name.clone(), event.description.clone()));
    });
    let response = client
        .request(post(
            &json!({ "name": "Order #4", "description": "Event test order" }),
        ))
        .await
        .unwrap();
    assert_eq!(response.status, 201);
    // `emit` runs synchronous listeners before it returns, so before the response is sent.
    assert_eq!(
        *seen.lock().unwrap(),
        [("Order #4".to_owned(), "Event test order".to_owned())]
    );
    running.close().await;
}
