//! The benchmark contract (`shared/bench/CONTRACT.md`) served by nest-rs, written as a user
//! would write it: one `#[controller]` with `#[sse]` routes and a [`Hub`] for the broadcast.
//!
//! ```text
//! PORT=3000 cargo run --release -p nest-bench --bin bench-nest
//! ```

use std::sync::atomic::{AtomicU64, Ordering};

use nest_core::prelude::*;
use nest_core::sse::Hub;
use serde::Serialize;

/// One `/firehose` event's data: `{"seq":i}`.
#[derive(Serialize)]
struct Seq {
    seq: u64,
}

#[derive(Default)]
struct BenchController {
    /// The process-wide broadcast behind `/fanout` and `/publish`.
    hub: Hub,
    /// The `seq` of the next published message.
    next_seq: AtomicU64,
}

#[controller]
impl BenchController {
    /// The NestJS docs example: `{"hello":"world"}` every second.
    #[sse("sse")]
    fn sse(&self) -> impl Stream<Item = MessageEvent> {
        interval(Duration::from_secs(1)).map(|_| MessageEvent::json(&json!({ "hello": "world" })))
    }

    /// `n` events `{"seq":i}` as fast as the client takes them, then the end of the response.
    /// Each `Json` item is an event with an automatic id, serialised straight into the
    /// response's buffer.
    #[sse("firehose")]
    fn firehose(&self, #[query("n")] n: Option<u64>) -> impl Stream<Item = Json<Seq>> {
        stream::iter(0..n.unwrap_or(0)).map(|seq| Json(Seq { seq }))
    }

    /// Every message published from now on.
    #[sse("fanout")]
    fn fanout(&self) -> impl Stream<Item = nest_core::sse::HubFrame> {
        self.hub.subscribe(None)
    }

    /// Publishes `n` messages `{"seq":S,"ts":T}` to every `/fanout` subscriber.
    #[post("publish")]
    #[http_code(200)]
    async fn publish(&self, #[query("n")] n: Option<u64>) -> Json<serde_json::Value> {
        for _ in 0..n.unwrap_or(1) {
            let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
            let ts = nest_bench::contract::unix_nanos();
            self.hub
                .publish(MessageEvent::json(&json!({ "seq": seq, "ts": ts })))
                .await
                .expect("a JSON object always serialises");
        }
        Json(json!({ "subscribers": self.hub.stats().subscribers }))
    }

    /// A stream that never yields (nest-rs sends its keep-alive comment every 15 s).
    #[sse("idle")]
    fn idle(&self) -> impl Stream<Item = MessageEvent> {
        stream::pending()
    }
}

#[module(controllers = [BenchController])]
struct AppModule;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    nest_bench::contract::raise_fd_limit();
    let mut app = NestFactory::create::<AppModule>().await?;
    // `NEST_BENCH_METRICS=1`: the same server with Prometheus metrics on (`/metrics`), to
    // measure what counting costs.
    if std::env::var_os("NEST_BENCH_METRICS").is_some() {
        app.enable_metrics("/metrics");
    }
    app.listen(nest_bench::contract::port()).await
}
