//! HTTPS and HTTP/2 in a real browser: Chromium opens ten `EventSource`s on one page of the
//! `https` example, more than the six connections HTTP/1.1 allows per origin, and every one of
//! them receives events, over HTTP/2.

mod common;

use common::{Browser, start_example};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_event_sources_share_one_http2_connection() {
    let (_app, addr) = start_example(env!("CARGO_BIN_EXE_https"));
    let browser = Browser::start().await;
    browser
        .open(&format!("https://localhost:{}/", addr.port()))
        .await;
    browser
        .eval(
            "window.counts = Array(10).fill(0);
             for (let i = 0; i < 10; i++) {
               new EventSource('/sse').onmessage = () => { window.counts[i] += 1; };
             }
             return true;",
        )
        .await;
    let counts = browser
        .wait_for("return window.counts", |counts| {
            counts
                .as_array()
                .is_some_and(|counts| counts.iter().all(|count| count.as_u64() >= Some(1)))
        })
        .await;
    let protocol = browser
        .eval("return performance.getEntriesByType('navigation')[0].nextHopProtocol")
        .await;
    browser.quit().await;
    let counts: Vec<u64> = serde_json::from_value(counts).unwrap();
    assert!(
        counts.iter().all(|count| *count >= 1),
        "every EventSource received events: {counts:?}"
    );
    assert_eq!(protocol, "h2", "the page came over HTTP/2");
}
