//! Any event, encoded by nest-rs, is read back by a WHATWG-conforming parser
//! (`eventsource-stream`) as the same data, type and id: nothing in user data forges a field.

#![no_main]

use arbitrary::Arbitrary;
use bytes::BytesMut;
use futures::{StreamExt, executor::block_on, stream};
use libfuzzer_sys::fuzz_target;
use nest_core::{MessageEvent, sse::SseEncoder};

#[derive(Debug, Arbitrary)]
struct Input {
    data: String,
    event: Option<String>,
    id: Option<String>,
    comment: Option<String>,
    retry: Option<u32>,
}

fuzz_target!(|input: Input| {
    let mut event = MessageEvent::new(input.data.clone());
    if let Some(name) = &input.event {
        event = event.event(name.clone());
    }
    if let Some(id) = &input.id {
        event = event.id(id.clone());
    }
    if let Some(comment) = &input.comment {
        event = event.comment(comment.clone());
    }
    if let Some(retry) = input.retry {
        event = event.retry(u64::from(retry));
    }
    let mut out = BytesMut::new();
    SseEncoder::default()
        .encode(&event, &mut out)
        .expect("text data always encodes");
    let bytes = out.freeze();
    let parsed: Vec<_> = block_on(
        eventsource_stream::Eventsource::eventsource(stream::iter([Ok::<_, std::io::Error>(
            bytes.clone(),
        )]))
        .collect(),
    );
    assert_eq!(parsed.len(), 1, "exactly one event from {bytes:?}");
    let parsed = parsed.into_iter().next().unwrap().expect("a well-formed stream");
    let strip = |text: &str| text.replace(['\r', '\n'], "");
    assert_eq!(
        parsed.data,
        input.data.replace("\r\n", "\n").replace('\r', "\n"),
        "data from {bytes:?}"
    );
    let kind = input
        .event
        .as_deref()
        .map(strip)
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "message".to_owned());
    assert_eq!(parsed.event, kind, "type from {bytes:?}");
    let id = input
        .id
        .as_deref()
        .map_or_else(|| "1".to_owned(), |id| strip(id).replace('\0', ""));
    assert_eq!(parsed.id, id, "id from {bytes:?}");
});
