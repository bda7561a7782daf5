//! nest-rs's SSE encoding against axum's `Event` formatting, on four kinds of events: a short
//! text, a JSON object, ten lines of text and a 64 KiB text.
//!
//! Each side is measured from the user's value to the bytes a response body hands to hyper:
//! * `nest-rs`: `MessageEvent::new` / `MessageEvent::json`, then `SseEncoder::encode` into the
//!   connection's buffer, and `split().freeze()` as the body does;
//! * `nest-rs Json item` (JSON only): `SseEncoder::encode_json`, what a `Json(value)` stream
//!   item costs: the value serialised straight into the buffer, no `MessageEvent`;
//! * `nest-rs encode only`: `SseEncoder::encode` of an event built once (the encoder alone;
//!   axum has no counterpart, its `Event` is consumed); `new buffer`: into a fresh `BytesMut`
//!   each time instead of the connection's reused one;
//! * `axum`: `Event::default().data` / `json_data`, then one frame polled from the body of an
//!   `Sse` response (axum's `Event::finalize` is private; the frame is the public way to get
//!   its bytes).
//!
//! Both sides write an id (`id: 1`… from nest-rs's automatic ids; `.id()` on axum), so both
//! produce the same bytes.

use std::{convert::Infallible, hint::black_box};

use axum::response::{
    IntoResponse,
    sse::{Event, Sse},
};
use bytes::{Bytes, BytesMut};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use futures_util::{FutureExt, stream};
use http_body_util::BodyExt;
use nest_core::{MessageEvent, sse::SseEncoder};
use serde_json::json;

/// One kind of event: its text (for text events) or JSON value.
#[derive(Clone)]
enum Input {
    Text(String),
    Json(serde_json::Value),
}

fn inputs() -> Vec<(&'static str, Input)> {
    let lines: Vec<String> = (0..10)
        .map(|line| format!("line {line} of a multi-line message"))
        .collect();
    let large: String = "0123456789abcdef".repeat(64 * 1024 / 16);
    vec![
        ("small", Input::Text("hello world".to_owned())),
        (
            "json",
            Input::Json(json!({
                "seq": 123_456,
                "ts": 1_790_000_000_000_000_000u64,
                "user": "alice",
                "text": "a message of a few words",
                "tags": ["news", "sports"],
            })),
        ),
        ("multi-line", Input::Text(lines.join("\n"))),
        ("large-64KiB", Input::Text(large)),
    ]
}

fn nest_event(input: &Input) -> MessageEvent {
    match input {
        Input::Text(text) => MessageEvent::new(text.as_str()),
        Input::Json(value) => MessageEvent::json(value),
    }
}

fn axum_event(input: &Input, id: u64) -> Event {
    let event = Event::default().id(id.to_string());
    match input {
        Input::Text(text) => event.data(text),
        Input::Json(value) => event.json_data(value).expect("serialisable"),
    }
}

fn encode(c: &mut Criterion) {
    for (name, input) in inputs() {
        let mut group = c.benchmark_group(format!("encode/{name}"));
        let mut probe = BytesMut::new();
        SseEncoder::new()
            .encode(&nest_event(&input), &mut probe)
            .expect("encodable");
        group.throughput(Throughput::Bytes(probe.len() as u64));
        // Both sides produce the same bytes for the same event.
        let mut axum_body = Sse::new(stream::iter([Ok::<_, Infallible>(axum_event(&input, 1))]))
            .into_response()
            .into_body();
        let axum_bytes = axum_body
            .frame()
            .now_or_never()
            .and_then(|frame| frame?.ok()?.into_data().ok())
            .expect("one frame");
        assert_eq!(
            axum_bytes,
            probe.freeze(),
            "{name}: the two encodings differ"
        );

        let mut encoder = SseEncoder::new();
        let mut buf = BytesMut::with_capacity(128 * 1024);
        group.bench_function(BenchmarkId::from_parameter("nest-rs"), |b| {
            b.iter(|| {
                let event = nest_event(black_box(&input));
                encoder.encode(&event, &mut buf).expect("encodable");
                black_box(buf.split().freeze())
            });
        });

        if let Input::Json(value) = &input {
            // What a `Json` stream item costs: serialised straight into the buffer.
            let mut direct = BytesMut::new();
            SseEncoder::new()
                .encode_json(value, &mut direct)
                .expect("encodable");
            assert_eq!(direct, axum_bytes, "{name}: encode_json differs");
            group.bench_function(BenchmarkId::from_parameter("nest-rs Json item"), |b| {
                b.iter(|| {
                    encoder
                        .encode_json(black_box(value), &mut buf)
                        .expect("encodable");
                    black_box(buf.split().freeze())
                });
            });
        }

        let prebuilt = nest_event(&input);
        group.bench_function(BenchmarkId::from_parameter("nest-rs encode only"), |b| {
            b.iter(|| {
                encoder
                    .encode(black_box(&prebuilt), &mut buf)
                    .expect("encodable");
                black_box(buf.split().freeze())
            });
        });

        group.bench_function(
            BenchmarkId::from_parameter("nest-rs encode only, new buffer"),
            |b| {
                b.iter(|| {
                    let mut fresh = BytesMut::new();
                    SseEncoder::new()
                        .encode(black_box(&prebuilt), &mut fresh)
                        .expect("encodable");
                    black_box(fresh.freeze())
                });
            },
        );

        let owned = input.clone();
        let mut id = 0u64;
        let events = stream::iter(std::iter::repeat_with(move || {
            id += 1;
            Ok::<_, Infallible>(axum_event(black_box(&owned), id))
        }));
        let mut body = Sse::new(events).into_response().into_body();
        group.bench_function(BenchmarkId::from_parameter("axum"), |b| {
            b.iter(|| {
                let frame = body
                    .frame()
                    .now_or_never()
                    .expect("always ready")
                    .expect("endless")
                    .expect("infallible");
                black_box(frame.into_data().unwrap_or_else(|_| Bytes::new()))
            });
        });
        group.finish();
    }
}

criterion_group!(benches, encode);
criterion_main!(benches);
