//! Property: any sequence of `MessageEvent`s, encoded as a response body, is dispatched by a
//! WHATWG-conforming parser (`eventsource-stream`) as the same data, event type and id, however
//! the bytes are split into chunks. CR and LF never escape the field they belong to.

use bytes::BytesMut;
use eventsource_stream::Eventsource;
use futures_util::{StreamExt, stream};
use nest_core::{MessageEvent, sse::SseEncoder};
use proptest::prelude::*;

/// Text with the characters that matter to the wire format over-represented.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => any::<char>(),
            2 => Just('\n'),
            2 => Just('\r'),
            1 => Just(' '),
            1 => Just(':'),
            1 => Just('\0'),
        ],
        0..12,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn event() -> impl Strategy<Value = MessageEvent> {
    (
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(any::<u64>()),
        prop::option::of(text()),
    )
        .prop_map(|(data, name, id, retry, comment)| {
            let mut event = MessageEvent::default();
            if let Some(data) = data {
                event = event.data_text(data);
            }
            if let Some(name) = name {
                event = event.event(name);
            }
            if let Some(id) = id {
                event = event.id(id);
            }
            if let Some(retry) = retry {
                event = event.retry(retry);
            }
            if let Some(comment) = comment {
                event = event.comment(comment);
            }
            event
        })
}

/// What the WHATWG algorithm dispatches for `events`: `(type, data, last event id)`.
fn expected(events: &[MessageEvent]) -> Vec<(String, String, String)> {
    let strip = |text: &str| text.replace(['\r', '\n'], "");
    let mut auto_id = 0u64;
    let mut last_id = String::new();
    let mut dispatched = Vec::new();
    for event in events {
        let comment_only = event.comment_text().is_some()
            && event.data().is_none()
            && event.event_name().is_none()
            && event.retry_ms().is_none();
        let id = match event.id_text() {
            // NUL is removed from ids (a parser would ignore an id holding it).
            Some(id) => Some(strip(id).replace('\0', "")),
            None if !comment_only => {
                auto_id += 1;
                Some(auto_id.to_string())
            }
            None => None,
        };
        if let Some(id) = id {
            last_id = id;
        }
        if let Some(data) = event.data() {
            let kind = event
                .event_name()
                .map(strip)
                .filter(|name| !name.is_empty());
            let data = data.replace("\r\n", "\n").replace('\r', "\n");
            dispatched.push((
                kind.unwrap_or_else(|| "message".into()),
                data,
                last_id.clone(),
            ));
        }
    }
    dispatched
}

fn parse(bytes: Vec<u8>, splits: &[usize]) -> Vec<(String, String, String)> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut cuts: Vec<usize> = splits.iter().map(|cut| cut % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    for cut in cuts {
        chunks.push(Ok::<_, std::convert::Infallible>(
            bytes[start..cut].to_vec(),
        ));
        start = cut;
    }
    chunks.push(Ok(bytes[start..].to_vec()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        stream::iter(chunks)
            .eventsource()
            .map(|event| {
                let event = event.expect("the parser accepts every encoded stream");
                (event.event, event.data, event.id)
            })
            .collect()
            .await
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_event_round_trips_through_a_spec_parser(
        events in prop::collection::vec(event(), 0..8),
        splits in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        let mut encoder = SseEncoder::new();
        let mut body = BytesMut::from(&b"\n"[..]);
        for event in &events {
            encoder.encode(event, &mut body).unwrap();
        }
        prop_assert_eq!(parse(body.to_vec(), &splits), expected(&events));
    }

    #[test]
    fn json_data_round_trips(value in proptest_json()) {
        let event = MessageEvent::json(&value);
        let mut body = BytesMut::new();
        SseEncoder::new().encode(&event, &mut body).unwrap();
        let parsed = parse(body.to_vec(), &[]);
        prop_assert_eq!(parsed.len(), 1);
        let back: serde_json::Value = serde_json::from_str(&parsed[0].1).unwrap();
        prop_assert_eq!(back, value);
    }
}

fn proptest_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        text().prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(text(), inner, 0..4)
                .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
}
