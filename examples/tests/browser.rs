//! The NestJS docs example in a real browser: the `sse` binary is started as a user starts it
//! (with `PORT`), headless Chromium opens its page, and the page's `EventSource` must list at
//! least three `{"hello":"world"}` messages. `./scripts/test.sh` installs Chromium when missing.

mod common;

use common::{Browser, start_example};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_eventsource_lists_hello_world_messages() {
    let (_app, addr) = start_example(env!("CARGO_BIN_EXE_sse"));
    let browser = Browser::start().await;
    browser.open(&format!("http://{addr}/")).await;
    let messages = browser
        .wait_for(
            "return Array.from(document.querySelectorAll('li'), li => li.innerText)",
            |items| items.as_array().is_some_and(|items| items.len() >= 3),
        )
        .await;
    browser.quit().await;
    let messages: Vec<String> = serde_json::from_value(messages).unwrap();
    assert!(messages.len() >= 3, "the page listed {messages:?}");
    for message in &messages {
        assert_eq!(message, r#"New message: {"hello":"world"}"#);
    }
}
