//! The chat example in a real browser: the server drops the connection mid-stream, the
//! browser's `EventSource` reconnects by itself with `Last-Event-ID`, and the page shows every
//! message exactly once, including those published while it was disconnected.

mod common;

use common::{Browser, json_request, start_example};
use nest_core::testing::TestClient;
use serde_json::json;

async fn say(client: &TestClient, text: &str) {
    let response = client
        .request(json_request(
            "POST",
            "/rooms/test/messages",
            &json!({ "text": text }),
        ))
        .await
        .unwrap();
    assert_eq!(response.status, 201, "{}", response.text());
}

const MESSAGES: &str =
    "return Array.from(document.querySelectorAll('#messages li'), li => li.textContent)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eventsource_resumes_after_the_server_drops_it() {
    let (_app, addr) = start_example(env!("CARGO_BIN_EXE_chat"));
    let client = TestClient::new(addr);
    let browser = Browser::start().await;
    browser.open(&format!("http://{addr}/?room=test")).await;
    let opened = browser
        .wait_for("return window.opens", |opens| opens == 1)
        .await;
    assert_eq!(opened, 1, "the page's EventSource opened");

    for text in ["m1", "m2", "m3"] {
        say(&client, text).await;
    }
    browser
        .wait_for(MESSAGES, |items| {
            items.as_array().is_some_and(|items| items.len() == 3)
        })
        .await;

    // Drop the browser's connection, then publish while it is away (it waits 500 ms, the
    // route's retry hint, before reconnecting).
    let kicked = client
        .request(json_request("POST", "/rooms/test/disconnect", &json!({})))
        .await
        .unwrap();
    assert_eq!(kicked.json().unwrap()["disconnected"], 1);
    for text in ["m4", "m5", "m6"] {
        say(&client, text).await;
    }

    let opens = browser
        .wait_for("return window.opens", |opens| opens == 2)
        .await;
    assert_eq!(opens, 2, "the EventSource reconnected by itself");
    say(&client, "m7").await;
    let messages = browser
        .wait_for(MESSAGES, |items| {
            items.as_array().is_some_and(|items| items.len() >= 7)
        })
        .await;
    // Nothing more arrives later (no duplicate replay).
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let settled = browser.eval(MESSAGES).await;
    browser.quit().await;
    assert_eq!(messages, settled);
    let messages: Vec<String> = serde_json::from_value(messages).unwrap();
    assert_eq!(messages, ["m1", "m2", "m3", "m4", "m5", "m6", "m7"]);
}
