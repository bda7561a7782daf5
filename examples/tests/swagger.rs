//! NestJS's `11-swagger` sample in a real browser: the `swagger` binary is started as a user
//! starts it, headless Chromium opens `/api`, and Swagger UI (served from the files the
//! `swagger-ui-redist` crate ships) must list the cats operations read from `/api-json`.

mod common;

use common::{Browser, start_example};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_swagger_ui_lists_the_operations() {
    let (_app, addr) = start_example(env!("CARGO_BIN_EXE_swagger"));
    let browser = Browser::start().await;
    browser.open(&format!("http://{addr}/api")).await;
    let operations = browser
        .wait_for(
            "return Array.from(document.querySelectorAll('.opblock-summary'), op => op.innerText.replace(/\\s+/g, ' ').trim())",
            |items| items.as_array().is_some_and(|items| items.len() >= 2),
        )
        .await;
    let title = browser
        .wait_for(
            "return (document.querySelector('.info .title') || {}).innerText || ''",
            |title| {
                title
                    .as_str()
                    .is_some_and(|title| title.contains("Cats example"))
            },
        )
        .await;
    browser.quit().await;
    let operations: Vec<String> = serde_json::from_value(operations).unwrap();
    assert_eq!(operations.len(), 2, "{operations:?}");
    assert!(operations[0].starts_with("POST /cats"), "{operations:?}");
    assert!(operations[0].contains("Create cat"), "{operations:?}");
    assert!(
        operations[1].starts_with("GET /cats/{id}"),
        "{operations:?}"
    );
    assert!(title.as_str().unwrap().contains("Cats example"));
}
