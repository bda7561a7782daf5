//! Shared by the example tests: start an example binary as a user would, and drive headless
//! Chromium (Debian's `chromium`) through `chromedriver` over WebDriver.

#![allow(dead_code, reason = "each test binary uses a part of these helpers")]

use std::{
    net::{SocketAddr, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use nest_core::testing::TestClient;
use serde_json::{Value, json};

/// Sends an empty-bodied `method path` with `headers` (and `Host: localhost` unless they name
/// one): the status and the body text.
pub(crate) async fn send(
    client: &TestClient,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, String) {
    let mut request = http::Request::builder().method(method).uri(path);
    if !headers.iter().any(|(name, _)| *name == "host") {
        request = request.header("host", "localhost");
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = client
        .request(
            request
                .body(http_body_util::Full::new(bytes::Bytes::new()))
                .expect("a valid request"),
        )
        .await
        .expect("an answer");
    (response.status.as_u16(), response.text())
}

/// Kills the child process when dropped, so a failing test leaves nothing running.
pub(crate) struct Running(Child);

impl Running {
    /// Sends SIGTERM, as a process manager does on a deploy.
    pub(crate) fn terminate(&self) {
        let status = Command::new("sh")
            .arg("-c")
            .arg(format!("kill -TERM {}", self.0.id()))
            .status()
            .expect("sh runs");
        assert!(status.success(), "kill -TERM failed");
    }

    /// Kills it with SIGKILL, as a crash or the OOM killer would, and reaps it.
    pub(crate) fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }

    /// Waits up to `timeout` for the process to exit; its status, if it did.
    pub(crate) fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.0.try_wait() {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl From<Child> for Running {
    fn from(child: Child) -> Self {
        Self(child)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) use nest_tests::free_port;

/// Waits until `running` listens on `addr`; fails at once, with its exit status, if it exits
/// first (a port taken meanwhile, say) instead of waiting out the deadline.
pub(crate) fn wait_until_listening(running: &mut Running, addr: SocketAddr, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(addr).is_err() {
        if let Ok(Some(status)) = running.0.try_wait() {
            panic!("{what} exited ({status}) before listening on {addr}");
        }
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

/// Starts an example binary with `PORT` set to a free port, and waits until it listens.
pub(crate) fn start_example(binary: &str) -> (Running, SocketAddr) {
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let child = Command::new(binary)
        .env("PORT", addr.port().to_string())
        // The chat example would keep its rooms in this Redis instead of in memory.
        .env_remove("REDIS_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the example starts");
    let mut running = Running(child);
    wait_until_listening(&mut running, addr, binary);
    (running, addr)
}

/// Starts one instance of the `cluster` example (the chat app) on a free port with its hub on
/// `redis_url` (keeping `capacity` events per room locally, if given), and waits until it
/// listens.
pub(crate) fn start_cluster_instance(
    binary: &str,
    redis_url: &str,
    capacity: Option<usize>,
) -> (Running, SocketAddr) {
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let mut command = Command::new(binary);
    if let Some(capacity) = capacity {
        command.env("HUB_CAPACITY", capacity.to_string());
    }
    let child = command
        .arg("instance")
        .env("PORT", addr.port().to_string())
        .env("REDIS_URL", redis_url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("the instance starts");
    let mut running = Running(child);
    wait_until_listening(&mut running, addr, binary);
    (running, addr)
}

/// Starts an example binary as [`start_example`] does, with its logs written to the file whose
/// path it returns.
pub(crate) fn start_example_logged(binary: &str) -> (Running, SocketAddr, PathBuf) {
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let log = std::env::temp_dir().join(format!("nest-example-{}.log", addr.port()));
    let file = std::fs::File::create(&log).expect("a log file");
    let child = Command::new(binary)
        .env("PORT", addr.port().to_string())
        .env("NO_COLOR", "1")
        .stdout(file.try_clone().expect("the log file"))
        .stderr(file)
        .spawn()
        .expect("the example starts");
    let mut running = Running(child);
    wait_until_listening(&mut running, addr, binary);
    (running, addr, log)
}

/// A headless Chromium session.
pub(crate) struct Browser {
    _driver: Running,
    client: TestClient,
    session: String,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session.
    pub(crate) async fn start() -> Self {
        let chromium = find("chromium");
        let chromedriver = find("chromedriver");
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let mut driver = Running(
            Command::new(chromedriver)
                .arg(format!("--port={}", addr.port()))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver starts"),
        );
        wait_until_listening(&mut driver, addr, "chromedriver");
        let client = TestClient::new(addr);
        let capabilities = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": chromium,
                    "args": [
                        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        "--ignore-certificate-errors"
                    ]
                }
            }}
        });
        let session = call(&client, "POST", "/session", capabilities).await;
        let session = session["sessionId"]
            .as_str()
            .expect("a session id")
            .to_owned();
        Self {
            _driver: driver,
            client,
            session,
        }
    }

    /// Opens `url`.
    pub(crate) async fn open(&self, url: &str) {
        let path = format!("/session/{}/url", self.session);
        call(&self.client, "POST", &path, json!({ "url": url })).await;
    }

    /// Runs `script` in the page and returns its value.
    pub(crate) async fn eval(&self, script: &str) -> Value {
        let path = format!("/session/{}/execute/sync", self.session);
        call(
            &self.client,
            "POST",
            &path,
            json!({ "script": script, "args": [] }),
        )
        .await
    }

    /// Evaluates `script` every 100 ms until `done` accepts its value (at most 20 s); returns
    /// the last value.
    pub(crate) async fn wait_for(&self, script: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let value = self.eval(script).await;
            if done(&value) || Instant::now() > deadline {
                return value;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Ends the session.
    pub(crate) async fn quit(self) {
        let path = format!("/session/{}", self.session);
        call(&self.client, "DELETE", &path, json!({})).await;
    }
}

async fn call(client: &TestClient, method: &str, path: &str, body: Value) -> Value {
    let response = client
        .request(json_request(method, path, &body))
        .await
        .expect("chromedriver answers");
    let value = response.json().expect("chromedriver answers JSON");
    assert!(response.status.is_success(), "{method} {path}: {value}");
    value["value"].clone()
}

/// A request with a JSON body.
pub(crate) fn json_request(
    method: &str,
    path: &str,
    body: &Value,
) -> http::Request<http_body_util::Full<bytes::Bytes>> {
    http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "localhost")
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(bytes::Bytes::from(
            body.to_string(),
        )))
        .unwrap()
}
