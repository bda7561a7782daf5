//! The benchmark contract (`shared/bench/CONTRACT.md`) served by axum 0.8 with
//! `axum::response::sse`, and a `tokio::sync::broadcast` channel for the broadcast, as axum's
//! users write it.
//!
//! ```text
//! PORT=3000 cargo run --release -p nest-bench --bin bench-axum
//! ```

use std::{
    convert::Infallible,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use axum::{
    Json, Router,
    extract::{Query, State},
    response::sse::{Event, Sse},
    routing::{get, post},
    serve::ListenerExt,
};
use futures_util::{Stream, StreamExt, stream};
use serde_json::json;
use tokio::sync::broadcast;

#[derive(Clone)]
struct AppState {
    sender: broadcast::Sender<Event>,
    next_seq: Arc<AtomicU64>,
}

#[derive(serde::Deserialize)]
struct Count {
    n: Option<u64>,
}

async fn sse() -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let ticks = stream::unfold(
        tokio::time::interval(Duration::from_secs(1)),
        |mut interval| async move {
            interval.tick().await;
            Some((
                Ok(Event::default()
                    .json_data(json!({ "hello": "world" }))
                    .expect("a JSON object always serialises")),
                interval,
            ))
        },
    );
    Sse::new(ticks)
}

async fn firehose(
    Query(count): Query<Count>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    // The same bytes as nest-rs sends: an id counting from 1, then the JSON data.
    Sse::new(stream::iter(0..count.n.unwrap_or(0)).map(|seq| {
        Ok(Event::default()
            .id((seq + 1).to_string())
            .json_data(json!({ "seq": seq }))
            .expect("a JSON object always serialises"))
    }))
}

async fn fanout(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = state.sender.subscribe();
    Sse::new(stream::unfold(receiver, |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(event) => return Some((Ok(event), receiver)),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }))
}

async fn publish(
    State(state): State<AppState>,
    Query(count): Query<Count>,
) -> Json<serde_json::Value> {
    for _ in 0..count.n.unwrap_or(1) {
        let seq = state.next_seq.fetch_add(1, Ordering::Relaxed);
        let ts = nest_bench::contract::unix_nanos();
        let event = Event::default()
            .id((seq + 1).to_string())
            .json_data(json!({ "seq": seq, "ts": ts }))
            .expect("a JSON object always serialises");
        // No subscriber is not an error here.
        let _ = state.sender.send(event);
    }
    Json(json!({ "subscribers": state.sender.receiver_count() }))
}

async fn idle() -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    Sse::new(stream::pending())
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    nest_bench::contract::raise_fd_limit();
    let (sender, _) = broadcast::channel(1024);
    let state = AppState {
        sender,
        next_seq: Arc::new(AtomicU64::new(0)),
    };
    let app = Router::new()
        .route("/sse", get(sse))
        .route("/firehose", get(firehose))
        .route("/fanout", get(fanout))
        .route("/publish", post(publish))
        .route("/idle", get(idle))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", nest_bench::contract::port()))
        .await?
        // nest-rs sets TCP_NODELAY on every connection; so does this.
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    axum::serve(listener, app).await
}
