//! Heap bytes a nest-rs server holds per connection, in three states (connected with nothing
//! sent, kept alive after one answered GET, holding an idle event stream), counted by a
//! tracking allocator: `cargo run --release -p nest-bench --bin conn-memory`. The clients are
//! raw TCP streams in the same process; their own cost is measured first (against a plain
//! listener) and subtracted. Heap bytes are allocated, not necessarily touched: RSS (M3 in
//! `bench-all`) can be lower.

use std::{alloc::System, time::Duration};

use cap::Cap;
use nest_core::prelude::*;
use tokio::{io::AsyncWriteExt, net::TcpStream};

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

const CONNECTIONS: usize = 2_000;

#[derive(Default)]
struct IdleController;

#[controller]
impl IdleController {
    #[get("hello")]
    fn hello(&self) -> &'static str {
        "hello"
    }

    #[sse("idle")]
    fn idle(&self) -> impl Stream<Item = MessageEvent> {
        stream::pending()
    }
}

async fn settle() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    rlimit::increase_nofile_limit(10 * CONNECTIONS as u64).ok();
    let app = NestApplication::builder()
        .controller(IdleController)
        .build()?;
    let server = app.bind("127.0.0.1:0").await?;
    let addr = server.local_addr();
    let request = b"GET /idle HTTP/1.1\r\nHost: x\r\n\r\n";

    // A listener that accepts and holds connections: the client side's own cost.
    let sink = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let sink_addr = sink.local_addr()?;
    let held = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = sink.accept().await {
            held.push(stream);
        }
    });
    settle().await;
    let before = ALLOCATOR.allocated();
    let mut baseline = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        let mut stream = TcpStream::connect(sink_addr).await?;
        stream.write_all(request).await?;
        baseline.push(stream);
    }
    settle().await;
    let client_cost = (ALLOCATOR.allocated() - before) as f64 / CONNECTIONS as f64;

    let mut clients = Vec::with_capacity(3 * CONNECTIONS);
    for (what, bytes, wanted_streams) in [
        ("connected, nothing sent", &b""[..], 0),
        (
            "after one answered GET (kept alive)",
            &b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"[..],
            0,
        ),
        ("idle event stream", &request[..], CONNECTIONS),
    ] {
        let before = ALLOCATOR.allocated();
        for _ in 0..CONNECTIONS {
            let mut stream = TcpStream::connect(addr).await?;
            stream.write_all(bytes).await?;
            clients.push(stream);
        }
        while server.stats().open_streams < wanted_streams {
            settle().await;
        }
        settle().await;
        let total = (ALLOCATOR.allocated() - before) as f64 / CONNECTIONS as f64;
        println!(
            "{what}: {:.0} bytes of heap per connection on the server",
            total - client_cost
        );
    }
    drop((clients, baseline));
    held.abort();
    server.close().await;
    Ok(())
}
