//! Reading Redis's replies (RESP2 or RESP3 shapes) for the stream commands the hub sends, and
//! turning a stream entry into the frame subscribers receive.

use bytes::{Bytes, BytesMut};
use redis::Value;

use super::super::{HubError, HubId};
use crate::sse::{encoder::SseEncoder, event::MessageEvent};

/// A stream entry: its id and its fields.
pub(super) type Entry = (HubId, Vec<(String, String)>);

/// The frame of an entry, with its id: fields `data`, `event`, `retry` and `comment` (others,
/// written by other producers, are ignored).
pub(super) fn encode(id: HubId, fields: Vec<(String, String)>) -> Result<Bytes, HubError> {
    let mut event = MessageEvent::default();
    for (name, value) in fields {
        event = match name.as_str() {
            "data" => event.data_text(value),
            "event" => event.event(value),
            "retry" => match value.parse() {
                Ok(retry) => event.retry(retry),
                Err(_) => event,
            },
            "comment" => event.comment(value),
            _ => event,
        };
    }
    let mut frame = BytesMut::new();
    SseEncoder::new().encode(&event.id(id.to_string()), &mut frame)?;
    Ok(frame.freeze())
}

/// Entries as frames.
pub(super) fn frames(entries: Vec<Entry>) -> Result<Vec<(HubId, Bytes)>, HubError> {
    entries
        .into_iter()
        .map(|(id, fields)| Ok((id, encode(id, fields)?)))
        .collect()
}

fn malformed(what: &str) -> HubError {
    HubError::Redis(format!("unexpected reply from Redis: {what}"))
}

/// A string (bytes that are not UTF-8, from another producer, are decoded lossily).
fn text(value: Value) -> Result<String, HubError> {
    match value {
        Value::BulkString(bytes) => Ok(String::from_utf8(bytes)
            .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())),
        Value::SimpleString(text) | Value::VerbatimString { text, .. } => Ok(text),
        _ => Err(malformed("a field that is not a string")),
    }
}

fn list(value: Value) -> Result<Vec<Value>, HubError> {
    match value {
        Value::Array(items) | Value::Set(items) => Ok(items),
        Value::Nil => Ok(Vec::new()),
        _ => Err(malformed("not a list")),
    }
}

/// `[[id, [field, value, …]], …]` (XRANGE, one stream of XREAD).
pub(super) fn entries(value: Value) -> Result<Vec<Entry>, HubError> {
    list(value)?
        .into_iter()
        .map(|entry| {
            let mut parts = list(entry)?.into_iter();
            let id: HubId = text(
                parts
                    .next()
                    .ok_or_else(|| malformed("an entry without id"))?,
            )?
            .parse()
            .map_err(|_| malformed("an entry id"))?;
            let mut fields = Vec::new();
            let mut flat = list(parts.next().unwrap_or(Value::Nil))?.into_iter();
            while let (Some(name), Some(value)) = (flat.next(), flat.next()) {
                fields.push((text(name)?, text(value)?));
            }
            Ok((id, fields))
        })
        .collect()
}

/// XREAD's `[[key, entries], …]` (RESP2) or `{key: entries}` (RESP3); nil on timeout.
pub(super) fn streams(value: Value) -> Result<Vec<(String, Vec<Entry>)>, HubError> {
    match value {
        Value::Map(pairs) => pairs
            .into_iter()
            .map(|(key, value)| Ok((text(key)?, entries(value)?)))
            .collect(),
        value => list(value)?
            .into_iter()
            .map(|stream| {
                let mut parts = list(stream)?.into_iter();
                let key = text(
                    parts
                        .next()
                        .ok_or_else(|| malformed("a stream without key"))?,
                )?;
                Ok((key, entries(parts.next().unwrap_or(Value::Nil))?))
            })
            .collect(),
    }
}

/// What `XINFO STREAM` tells of a stream.
#[derive(Debug, Clone, Copy)]
pub(super) struct StreamInfo {
    /// The id of the last entry ever added.
    pub(super) last_generated: HubId,
    /// When entries were trimmed: the id just before the oldest entry kept.
    ///
    /// Redis keeps no record of what it trimmed but how many, so this is the last event that
    /// may have been lost. (Redis cannot tell "the oldest kept came right after the client's
    /// last event" from "events between them were trimmed": a position before this id is
    /// taken as the latter.)
    pub(super) trimmed_through: Option<HubId>,
}

impl StreamInfo {
    pub(super) fn read(info: &Value) -> Self {
        let id = |name: &str| -> Option<HubId> {
            match map_get(info, name)? {
                Value::BulkString(bytes) => std::str::from_utf8(bytes).ok()?.parse().ok(),
                Value::SimpleString(text) => text.parse().ok(),
                _ => None,
            }
        };
        let count = |name: &str| match map_get(info, name) {
            Some(Value::Int(count)) => *count,
            _ => 0,
        };
        let deleted = count("entries-added") > count("length");
        Self {
            last_generated: id("last-generated-id").unwrap_or(HubId::ZERO),
            trimmed_through: id("recorded-first-entry-id")
                .map(HubId::previous)
                .filter(|_| deleted),
        }
    }
}

/// A field of XINFO's reply (a flat list in RESP2, a map in RESP3).
fn map_get<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    let is = |key: &Value| match key {
        Value::BulkString(bytes) => bytes == name.as_bytes(),
        Value::SimpleString(text) => text == name,
        _ => false,
    };
    match value {
        Value::Map(pairs) => pairs
            .iter()
            .find(|(key, _)| is(key))
            .map(|(_, value)| value),
        Value::Array(items) => items
            .chunks(2)
            .find(|pair| pair.len() == 2 && is(&pair[0]))
            .map(|pair| &pair[1]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(text: &str) -> Value {
        Value::BulkString(text.as_bytes().to_vec())
    }

    #[test]
    fn entries_decode_and_encode_as_frames() {
        let reply = Value::Array(vec![Value::Array(vec![
            bulk("5-1"),
            Value::Array(vec![
                bulk("event"),
                bulk("tick"),
                bulk("data"),
                bulk("a\nb"),
            ]),
        ])]);
        let frames = frames(entries(reply).unwrap()).unwrap();
        assert_eq!(frames[0].0, HubId::new(5, 1));
        assert_eq!(
            &frames[0].1[..],
            b"event: tick\nid: 5-1\ndata: a\ndata: b\n\n"
        );
    }

    #[test]
    fn a_field_that_is_not_utf8_is_decoded_lossily() {
        let reply = Value::Array(vec![Value::Array(vec![
            bulk("5-1"),
            Value::Array(vec![bulk("data"), Value::BulkString(vec![b'a', 0xff])]),
        ])]);
        assert_eq!(entries(reply).unwrap()[0].1[0].1, "a\u{fffd}");
    }

    #[test]
    fn xread_replies_in_both_protocols() {
        let entries = || Value::Array(vec![Value::Array(vec![bulk("1-0"), Value::Array(vec![])])]);
        let resp2 = Value::Array(vec![Value::Array(vec![bulk("k"), entries()])]);
        let resp3 = Value::Map(vec![(bulk("k"), entries())]);
        for reply in [resp2, resp3] {
            let streams = streams(reply).unwrap();
            assert_eq!(streams[0].0, "k");
            assert_eq!(streams[0].1[0].0, HubId::new(1, 0));
        }
        assert!(streams(Value::Nil).unwrap().is_empty());
    }

    #[test]
    fn stream_info_tells_what_was_trimmed() {
        let info = Value::Array(vec![
            bulk("length"),
            Value::Int(100),
            bulk("last-generated-id"),
            bulk("9-0"),
            bulk("entries-added"),
            Value::Int(500),
            bulk("recorded-first-entry-id"),
            bulk("7-3"),
        ]);
        let info = StreamInfo::read(&info);
        assert_eq!(info.last_generated, HubId::new(9, 0));
        assert_eq!(info.trimmed_through, Some(HubId::new(7, 2)));
    }
}
