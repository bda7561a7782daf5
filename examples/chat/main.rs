//! A chat with rooms on a [`Hub`](nest_core::sse::Hub): `GET /` is a page whose `EventSource` shows a room's
//! messages, `POST /rooms/:room/messages` publishes one, and a browser that loses its connection
//! resumes with `Last-Event-ID` without losing or repeating a message.
//!
//! ```text
//! cargo run -p nest-examples --bin chat        # then open http://localhost:3000/?room=lobby
//! curl -X POST localhost:3000/rooms/lobby/messages -H 'content-type: application/json' -d '{"text":"hi"}'
//! curl -X POST localhost:3000/rooms/lobby/disconnect   # drop every browser; they resume
//! curl localhost:3000/health                            # terminus's health check
//! curl localhost:3000/metrics                           # Prometheus metrics
//! RUST_LOG=info,nest_core::request=debug,nest_core::stream=debug cargo run -p nest-examples --bin chat
//!                                                       # a span per request and per stream
//! ```
//!
//! `PORT` picks another port; with `REDIS_URL` set, the rooms live in Redis (see the `cluster`
//! example, which runs two of these processes).

#[path = "../support.rs"]
mod support;

mod app;

use nest_core::prelude::*;
use nest_core::sse::SseOptions;

use app::{AppModule, ChatHub};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    support::init_logging();
    let mut app = NestFactory::create::<AppModule>().await?;
    app.set_sse_options(SseOptions::default().keep_alive(Some(Duration::from_secs(15))));
    // Prometheus metrics at /metrics: requests, event streams, connections, and the hub.
    app.enable_metrics("/metrics");
    if let (Some(metrics), Some(hub)) = (app.metrics(), app.get::<ChatHub>()) {
        metrics.observe_hub("chat", &*hub);
    }
    app.listen(support::port()).await
}
