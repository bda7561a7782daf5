//! A server out of file descriptors is not locked out by silent sockets: the `sse` example,
//! started with only 64 descriptors, still serves a real client while 200 sockets that never
//! send a byte are open (the oldest connection without a request head is closed to make room).

mod common;

use std::{
    net::SocketAddr,
    process::{Command, Stdio},
    time::Duration,
};

use common::{Running, free_port, wait_until_listening};
use nest_core::testing::TestClient;

#[tokio::test]
async fn silent_sockets_cannot_exhaust_the_file_descriptors() {
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let child = Command::new("prlimit")
        .arg("--nofile=64:64")
        .arg(env!("CARGO_BIN_EXE_sse"))
        .env("PORT", addr.port().to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prlimit (util-linux) starts the example");
    let mut running = Running::from(child);
    wait_until_listening(&mut running, addr, "the sse example");

    let mut silent = Vec::new();
    for _ in 0..200 {
        silent.push(tokio::net::TcpStream::connect(addr).await.unwrap());
    }
    // Give the server time to accept what it can and run out of descriptors.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let response = tokio::time::timeout(Duration::from_secs(5), TestClient::new(addr).get("/"))
        .await
        .expect("a real client is served, not locked out")
        .unwrap();
    assert_eq!(response.status, 200);
    assert!(response.text().contains("EventSource"));
    drop(silent);
}
