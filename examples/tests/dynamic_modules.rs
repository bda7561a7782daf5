//! `e2e/app/app.e2e-spec.ts` of NestJS's `sample/25-dynamic-modules`, ported: the example
//! binary started as a user would, called over TCP. Users get `usr_` identifiers and orders
//! `ord_` ones (one dynamic module registered twice), and `GET /` answers the greeting of
//! `config/development.env`.

mod common;

use std::{
    net::SocketAddr,
    process::{Command, Stdio},
};

use common::{Running, free_port, json_request, wait_until_listening};
use nest_core::testing::TestClient;
use serde_json::{Value, json};

/// The example on a free port, reading `development.env` (no `NODE_ENV`).
fn start() -> (Running, SocketAddr) {
    let binary = env!("CARGO_BIN_EXE_dynamic-modules");
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let child = Command::new(binary)
        .env("PORT", addr.port().to_string())
        .env_remove("NODE_ENV")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the example starts");
    let mut running = Running::from(child);
    wait_until_listening(&mut running, addr, binary);
    (running, addr)
}

/// `expect.stringMatching(/^<prefix>_[0-9a-f-]{36}$/)`
fn assert_id(id: &Value, prefix: &str) {
    let id = id.as_str().expect("a string id");
    let uuid = id
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('_'))
        .unwrap_or_else(|| panic!("{id} does not start with {prefix}_"));
    assert_eq!(uuid.len(), 36, "{id}");
    assert!(
        uuid.chars()
            .all(|c| matches!(c, '0'..='9' | 'a'..='f' | '-')),
        "{id}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_modules_e2e() {
    let (_app, addr) = start();
    let client = TestClient::new(addr);

    // it('should create users with "usr_" identifiers')
    let user = client
        .request(json_request("POST", "/users", &json!({ "name": "Kamil" })))
        .await
        .unwrap();
    assert_eq!(user.status, 201);
    let body = user.json().unwrap();
    assert_id(&body["id"], "usr");
    assert_eq!(body, json!({ "id": body["id"], "name": "Kamil" }));

    // it('should create orders with "ord_" identifiers')
    let order = client
        .request(json_request(
            "POST",
            "/orders",
            &json!({ "product": "T-shirt" }),
        ))
        .await
        .unwrap();
    assert_eq!(order.status, 201);
    let body = order.json().unwrap();
    assert_id(&body["id"], "ord");
    assert_eq!(body, json!({ "id": body["id"], "product": "T-shirt" }));

    // Each module keeps its own list.
    let users = client.get("/users").await.unwrap().json().unwrap();
    assert_eq!(users.as_array().map(Vec::len), Some(1));
    assert_eq!(users[0]["name"], "Kamil");

    // The greeting `ConfigModule.register({ folder: './config' })` read.
    let hello = client.get("/").await.unwrap();
    assert_eq!(
        (hello.status.as_u16(), hello.text()),
        (200, "Hello there, world!".to_owned())
    );
}
