//! The NestJS docs example in a real browser: the `sse` binary is started as a user starts it
//! (with `PORT`), headless Chromium (Debian's `chromium`, driven through `chromedriver` over
//! WebDriver) opens its page, and the page's `EventSource` must list at least three
//! `{"hello":"world"}` messages. `./scripts/test.sh` installs Chromium when it is missing.

use std::{
    net::{SocketAddr, TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use nest_core::testing::TestClient;
use serde_json::{Value, json};

/// Kills the child process when dropped, so a failing test leaves nothing running.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(addr: SocketAddr, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(addr).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} did not start listening on {addr}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn find(program: &str) -> PathBuf {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!("`{program}` is not installed: run ./scripts/test.sh, which installs Debian's chromium and chromium-driver")
        })
}

async fn webdriver(client: &TestClient, method: &str, path: &str, body: Value) -> Value {
    let request = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "localhost")
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(bytes::Bytes::from(
            body.to_string(),
        )))
        .unwrap();
    let response = client.request(request).await.expect("chromedriver answers");
    let value = response.json().expect("chromedriver answers JSON");
    assert!(response.status.is_success(), "{method} {path}: {value}");
    value["value"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_eventsource_lists_hello_world_messages() {
    let chromium = find("chromium");
    let chromedriver = find("chromedriver");

    let app_addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let _app = Running(
        Command::new(env!("CARGO_BIN_EXE_sse"))
            .env("PORT", app_addr.port().to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the sse example starts"),
    );
    wait_for_port(app_addr, "the sse example");

    let driver_addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let _driver = Running(
        Command::new(chromedriver)
            .arg(format!("--port={}", driver_addr.port()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    wait_for_port(driver_addr, "chromedriver");
    let driver = TestClient::new(driver_addr);

    let capabilities = json!({
        "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync"
                ]
            }
        }}
    });
    let session = webdriver(&driver, "POST", "/session", capabilities).await;
    let session = session["sessionId"]
        .as_str()
        .expect("a session id")
        .to_owned();
    let page = format!("http://{app_addr}/");
    webdriver(
        &driver,
        "POST",
        &format!("/session/{session}/url"),
        json!({ "url": page }),
    )
    .await;

    let script = json!({
        "script": "return Array.from(document.querySelectorAll('li'), li => li.innerText)",
        "args": []
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let messages = loop {
        let items = webdriver(
            &driver,
            "POST",
            &format!("/session/{session}/execute/sync"),
            script.clone(),
        )
        .await;
        let items: Vec<String> = serde_json::from_value(items).unwrap();
        if items.len() >= 3 || Instant::now() > deadline {
            break items;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    webdriver(&driver, "DELETE", &format!("/session/{session}"), json!({})).await;

    assert!(messages.len() >= 3, "the page listed {messages:?}");
    for message in &messages {
        assert_eq!(message, r#"New message: {"hello":"world"}"#);
    }
}
