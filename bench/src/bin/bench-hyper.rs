//! The benchmark contract (`shared/bench/CONTRACT.md`) served by hand-written hyper 1 and
//! hyper-util: the ceiling the frameworks are measured against.
//!
//! Events are encoded by hand (`id: …\ndata: …\n\n`, integers with `itoa`) into one buffer, and
//! every event that is ready when hyper polls the body goes out as one body frame. A published
//! message is encoded once and shared (`Bytes`) by all subscribers.
//!
//! ```text
//! PORT=3000 cargo run --release -p nest-bench --bin bench-hyper
//! BENCH_HYPER_AUTO=1 PORT=3000 cargo run --release -p nest-bench --bin bench-hyper  # HTTP/1 + HTTP/2 detection
//! ```

use std::{
    convert::Infallible,
    pin::Pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use bytes::{BufMut, Bytes, BytesMut};
use http::{Method, Request, Response, StatusCode, header};
use http_body::{Body, Frame};
use hyper::{body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::conn::auto,
};
use tokio::sync::mpsc;

/// The most bytes one body frame of `/firehose` carries (nest-rs flushes at the same size).
const FRAME_BYTES: usize = 32 * 1024;

/// Everything shared by the connections: the `/fanout` subscribers and the next `seq`.
#[derive(Default)]
struct Broadcast {
    subscribers: Mutex<Vec<mpsc::UnboundedSender<Bytes>>>,
    next_seq: AtomicU64,
}

/// The response bodies, each polled by hyper for its next frame.
enum SseBody {
    /// `/firehose`: the events `next..end` still to send.
    Firehose { next: u64, end: u64 },
    /// `/fanout`: frames published to this subscriber, not yet sent.
    Fanout {
        receiver: mpsc::UnboundedReceiver<Bytes>,
        ready: Vec<Bytes>,
    },
    /// `/sse`: a tick a second.
    Ticks {
        interval: tokio::time::Interval,
        id: u64,
    },
    /// `/idle`: never a frame.
    Idle,
    /// A small complete body (the `/publish` answer, errors).
    Full(Option<Bytes>),
}

fn put_event(out: &mut BytesMut, id: u64, data: &[&[u8]]) {
    out.put_slice(b"id: ");
    out.put_slice(itoa::Buffer::new().format(id).as_bytes());
    out.put_slice(b"\ndata: ");
    for part in data {
        out.put_slice(part);
    }
    out.put_slice(b"\n\n");
}

impl Body for SseBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let frame = match self.get_mut() {
            Self::Firehose { next, end } => {
                if next == end {
                    return Poll::Ready(None);
                }
                let mut out = BytesMut::with_capacity(FRAME_BYTES + 64);
                let mut digits = itoa::Buffer::new();
                while next < end && out.len() < FRAME_BYTES {
                    put_event(
                        &mut out,
                        *next + 1,
                        &[b"{\"seq\":", digits.format(*next).as_bytes(), b"}"],
                    );
                    *next += 1;
                }
                out.freeze()
            }
            Self::Fanout { receiver, ready } => {
                match receiver.poll_recv_many(cx, ready, usize::MAX) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(0) => return Poll::Ready(None),
                    Poll::Ready(1) => ready.pop().expect("one frame was received"),
                    Poll::Ready(_) => {
                        let mut out = BytesMut::with_capacity(ready.iter().map(Bytes::len).sum());
                        for frame in ready.drain(..) {
                            out.put_slice(&frame);
                        }
                        out.freeze()
                    }
                }
            }
            Self::Ticks { interval, id } => {
                if interval.poll_tick(cx).is_pending() {
                    return Poll::Pending;
                }
                *id += 1;
                let mut out = BytesMut::with_capacity(64);
                put_event(&mut out, *id, &[b"{\"hello\":\"world\"}"]);
                out.freeze()
            }
            Self::Idle => return Poll::Pending,
            Self::Full(bytes) => {
                return Poll::Ready(bytes.take().map(|bytes| Ok(Frame::data(bytes))));
            }
        };
        Poll::Ready(Some(Ok(Frame::data(frame))))
    }
}

fn query_n(request: &Request<Incoming>) -> Option<u64> {
    request
        .uri()
        .query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix("n="))?
        .parse()
        .ok()
}

fn event_stream(body: SseBody) -> Response<SseBody> {
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(body)
        .expect("valid static headers")
}

fn handle(request: &Request<Incoming>, broadcast: &Broadcast) -> Response<SseBody> {
    match (request.method(), request.uri().path()) {
        (&Method::GET, "/firehose") => event_stream(SseBody::Firehose {
            next: 0,
            end: query_n(request).unwrap_or(0),
        }),
        (&Method::GET, "/fanout") => {
            let (sender, receiver) = mpsc::unbounded_channel();
            let mut subscribers = broadcast.subscribers.lock().expect("never poisoned");
            // Without publishes, closed subscribers would pile up: sweep them whenever the
            // list doubles (amortised O(1) per subscribe).
            if subscribers.len() >= 1024 && subscribers.len().is_power_of_two() {
                subscribers.retain(|subscriber| !subscriber.is_closed());
            }
            subscribers.push(sender);
            drop(subscribers);
            event_stream(SseBody::Fanout {
                receiver,
                ready: Vec::new(),
            })
        }
        (&Method::POST, "/publish") => {
            let mut subscribers = broadcast.subscribers.lock().expect("never poisoned");
            for _ in 0..query_n(request).unwrap_or(1) {
                let seq = broadcast.next_seq.fetch_add(1, Ordering::Relaxed);
                let ts = nest_bench::contract::unix_nanos();
                let mut out = BytesMut::with_capacity(80);
                let mut digits = itoa::Buffer::new();
                let mut nanos = itoa::Buffer::new();
                put_event(
                    &mut out,
                    seq + 1,
                    &[
                        b"{\"seq\":",
                        digits.format(seq).as_bytes(),
                        b",\"ts\":",
                        nanos.format(ts).as_bytes(),
                        b"}",
                    ],
                );
                let frame = out.freeze();
                subscribers.retain(|subscriber| subscriber.send(frame.clone()).is_ok());
            }
            // Drop the subscribers whose connection closed since the last publish.
            subscribers.retain(|subscriber| !subscriber.is_closed());
            let body = format!("{{\"subscribers\":{}}}", subscribers.len());
            Response::builder()
                .header(header::CONTENT_TYPE, "application/json")
                .body(SseBody::Full(Some(Bytes::from(body))))
                .expect("valid static headers")
        }
        (&Method::GET, "/sse") => event_stream(SseBody::Ticks {
            interval: tokio::time::interval(Duration::from_secs(1)),
            id: 0,
        }),
        (&Method::GET, "/idle") => event_stream(SseBody::Idle),
        _ => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(SseBody::Full(Some(Bytes::from_static(b"not found"))))
            .expect("valid static headers"),
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    nest_bench::contract::raise_fd_limit();
    let broadcast = Arc::new(Broadcast::default());
    // `BENCH_HYPER_AUTO=1`: serve with hyper-util's HTTP/1 + HTTP/2 `auto::Builder` (as
    // nest-rs and axum do) instead of `http1::Builder`, to tell the protocol detection's cost
    // per connection from the framework's.
    let auto_protocol = std::env::var_os("BENCH_HYPER_AUTO").is_some_and(|value| value == "1");
    let listener =
        tokio::net::TcpListener::bind(("127.0.0.1", nest_bench::contract::port())).await?;
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            // Out of descriptors or similar: wait and go on, as servers do.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let broadcast = Arc::clone(&broadcast);
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<Incoming>| {
                let response = handle(&request, &broadcast);
                async move { Ok::<_, Infallible>(response) }
            });
            if auto_protocol {
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            } else {
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            }
        });
    }
}
