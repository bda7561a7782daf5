//! The SSE wire format: [`SseEncoder`] turns [`MessageEvent`]s into `text/event-stream` bytes.
//!
//! The bytes match NestJS 12.5.1 (`SseStream.formatMessage` and `writeMessage`): fields in the
//! order `event`, `id`, `retry`, comment lines, data lines, then a blank line; a space after every
//! colon; automatic ids per connection from 1.

use bytes::{BufMut, BytesMut};
use serde::Serialize;

use super::event::{Data, MessageEvent};

/// The first bytes of every event stream: one blank line, which `EventSource` ignores (NestJS
/// 9+ sends the same).
pub(crate) const PREAMBLE: &[u8] = b"\n";

/// Encodes events for one connection, numbering those without an id.
///
/// One encoder serves one response: its automatic ids start at 1, as NestJS's do for every
/// request (and every reconnect).
///
/// # Example
/// ```
/// use bytes::BytesMut;
/// use nest_core::MessageEvent;
/// use nest_core::sse::SseEncoder;
///
/// let mut encoder = SseEncoder::new();
/// let mut out = BytesMut::new();
/// encoder.encode(&MessageEvent::new("hello\nworld"), &mut out).unwrap();
/// encoder.encode(&MessageEvent::comment_only("ping"), &mut out).unwrap();
/// encoder.encode(&MessageEvent::new("again").event("tea\ntime"), &mut out).unwrap();
/// assert_eq!(
///     &out[..],
///     b"id: 1\ndata: hello\ndata: world\n\n: ping\n\nevent: teatime\nid: 2\ndata: again\n\n"
/// );
/// ```
#[derive(Debug, Clone)]
pub struct SseEncoder {
    last_id: u64,
    /// `last_id` in decimal, in `digits[..len]`. It is kept in step with `last_id`, so that
    /// the next automatic id is one increment of this text instead of a formatting.
    digits: [u8; 20],
    len: u8,
}

impl Default for SseEncoder {
    fn default() -> Self {
        Self::starting_after(0)
    }
}

/// An event whose data could not be serialised ([`MessageEvent::json`] failed); nothing was
/// written for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodeError {
    message: String,
}

impl std::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "event data could not be serialised to JSON: {}",
            self.message
        )
    }
}

impl std::error::Error for EncodeError {}

impl EncodeError {
    /// The error [`SseEncoder::encode`] would give for `event`, without encoding it: whether
    /// its JSON data could not be serialised.
    pub(crate) fn check(event: &MessageEvent) -> Result<(), Self> {
        match &event.data {
            Some(Data::Invalid(message)) => Err(Self {
                message: message.clone(),
            }),
            _ => Ok(()),
        }
    }
}

impl SseEncoder {
    /// An encoder whose first automatic id is `1`.
    pub fn new() -> Self {
        Self::default()
    }

    /// An encoder whose first automatic id is `last_id + 1`: ids continue from a reconnecting
    /// client's `Last-Event-ID` instead of restarting at 1.
    ///
    /// ```
    /// # use bytes::BytesMut;
    /// # use nest_core::{MessageEvent, sse::SseEncoder};
    /// let mut out = BytesMut::new();
    /// SseEncoder::starting_after(41).encode(&"x".into(), &mut out).unwrap();
    /// assert_eq!(&out[..], b"id: 42\ndata: x\n\n");
    /// ```
    pub fn starting_after(last_id: u64) -> Self {
        let mut digits = [b'0'; 20];
        let mut formatted = itoa::Buffer::new();
        let text = formatted.format(last_id).as_bytes();
        digits[..text.len()].copy_from_slice(text);
        Self {
            last_id,
            digits,
            len: text.len() as u8,
        }
    }

    /// Takes the next automatic id: adds one to `last_id` and to its decimal text.
    #[inline]
    fn advance(&mut self) {
        let Some(next) = self.last_id.checked_add(1) else {
            // Past `u64::MAX` (never in practice): wrap to 0, as the number does.
            *self = Self::starting_after(0);
            return;
        };
        self.last_id = next;
        let len = usize::from(self.len);
        let mut at = len;
        while at > 0 {
            at -= 1;
            if self.digits[at] != b'9' {
                self.digits[at] += 1;
                return;
            }
            self.digits[at] = b'0';
        }
        // Every digit was a 9 and is now a 0: a 1 in front makes one digit more (`next` has
        // at most 20 digits, so there is room).
        self.digits[0] = b'1';
        self.digits[len] = b'0';
        self.len += 1;
    }

    /// `last_id` in decimal.
    #[cfg(test)]
    fn id_digits(&self) -> &[u8] {
        &self.digits[..usize::from(self.len)]
    }

    /// Takes the next automatic id and appends `id: <id>\n`.
    #[inline]
    fn put_auto_id(&mut self, out: &mut BytesMut) {
        self.advance();
        out.reserve(b"id: \n".len() + self.digits.len());
        out.put_slice(b"id: ");
        // All 20 bytes, then cut to the digits: a copy of known size, which the compiler
        // inlines, costs less than a `memcpy` call for the few digits alone.
        let digits = out.len();
        out.put_slice(&self.digits);
        out.truncate(digits + usize::from(self.len));
        out.put_u8(b'\n');
    }

    /// The last automatic id given (0 before the first).
    pub(crate) fn last_id(&self) -> u64 {
        self.last_id
    }

    /// Appends one event to `out`.
    ///
    /// Returns an error, and writes nothing, if the event's JSON data could not be serialised.
    pub fn encode(&mut self, event: &MessageEvent, out: &mut BytesMut) -> Result<(), EncodeError> {
        // The usual event: JSON data and nothing else, numbered automatically. Its frame is
        // `id: <n>\ndata: <json>\n\n`, exactly what the general path below writes for it.
        if let MessageEvent {
            data: Some(Data::Json(json)),
            event: None,
            id: None,
            retry: None,
            comment: None,
        } = event
        {
            let json = json.as_bytes();
            out.reserve(b"id: \ndata: \n\n".len() + 20 + json.len());
            self.put_auto_id(out);
            out.put_slice(b"data: ");
            out.put_slice(json);
            out.put_slice(b"\n\n");
            return Ok(());
        }
        EncodeError::check(event)?;
        // NestJS checks `type` for truthiness before removing line breaks.
        if let Some(name) = event.event.as_deref().filter(|name| !name.is_empty()) {
            put_field(out, b"event: ", name);
        }
        match event.id.as_deref() {
            // A browser ignores an id that contains NUL (WHATWG §9.2.6), which would silently
            // break resuming: NUL is removed from ids.
            Some(id) if id.contains('\0') => put_field(out, b"id: ", &id.replace('\0', "")),
            Some(id) => put_field(out, b"id: ", id),
            None if !event.is_comment_only() => self.put_auto_id(out),
            None => {}
        }
        if let Some(retry) = event.retry {
            out.put_slice(b"retry: ");
            out.put_slice(itoa::Buffer::new().format(retry).as_bytes());
            out.put_u8(b'\n');
        }
        if let Some(comment) = &event.comment {
            put_lines(out, b": ", comment);
        }
        match &event.data {
            Some(Data::Text(text)) => put_lines(out, b"data: ", text),
            Some(Data::Json(json)) => put_line(out, b"data: ", json.as_bytes()),
            Some(Data::Invalid(_)) | None => {}
        }
        out.put_u8(b'\n');
        Ok(())
    }

    /// Appends one event whose data is `value` as compact JSON, numbered automatically: the same
    /// bytes as [`encode`](Self::encode) writes for `MessageEvent::json(value)`, serialised
    /// straight into `out`, with no event in between.
    ///
    /// Returns an error, and writes nothing, if `value` cannot be serialised.
    ///
    /// ```
    /// # use bytes::BytesMut;
    /// # use nest_core::sse::SseEncoder;
    /// #[derive(serde::Serialize)]
    /// struct Tick { seq: u64 }
    /// let mut encoder = SseEncoder::new();
    /// let mut out = BytesMut::new();
    /// encoder.encode_json(&Tick { seq: 7 }, &mut out).unwrap();
    /// assert_eq!(&out[..], b"id: 1\ndata: {\"seq\":7}\n\n");
    /// ```
    pub fn encode_json<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
        out: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        let start = out.len();
        let last_id = self.last_id;
        self.put_auto_id(out);
        out.put_slice(b"data: ");
        let data = out.len();
        match write_json(BufWriter(out), value) {
            Ok(false) => out.put_slice(b"\n\n"),
            Ok(true) => {
                // A `RawValue` put a raw line break in the JSON (as whitespace): like any
                // text, the data is then sent as one `data:` line per line.
                let json = out.split_off(data);
                out.truncate(data - b"data: ".len());
                put_lines(out, b"data: ", &String::from_utf8_lossy(&json));
                out.put_u8(b'\n');
            }
            Err(error) => {
                out.truncate(start);
                // Nothing was sent: the id is not spent.
                *self = Self::starting_after(last_id);
                return Err(EncodeError {
                    message: error.to_string(),
                });
            }
        }
        Ok(())
    }

    /// Appends the `event: error` frame NestJS sends when a stream fails after it started:
    /// it takes an automatic id, and its data is `message` (already made safe by the caller).
    pub(crate) fn encode_error(&mut self, message: &str, out: &mut BytesMut) {
        out.put_slice(b"event: error\n");
        self.put_auto_id(out);
        put_lines(out, b"data: ", message);
        out.put_u8(b'\n');
    }
}

/// Writes `value` as compact JSON (the bytes of `serde_json::to_writer`, with JavaScript's
/// numbers: `1000`, not `1000.0`) and tells whether they
/// hold a raw CR or LF, which would end the `data:` line.
///
/// serde_json escapes both in strings; the only text it copies unescaped is a `RawValue`'s,
/// whose JSON may hold line breaks as whitespace. So only raw fragments are searched, and the
/// usual value costs no search at all.
pub(crate) fn write_json<W: std::io::Write, T: Serialize + ?Sized>(
    writer: W,
    value: &T,
) -> Result<bool, serde_json::Error> {
    let mut line_break = false;
    value.serialize(&mut serde_json::Serializer::with_formatter(
        writer,
        CompactJson {
            line_break: &mut line_break,
        },
    ))?;
    Ok(line_break)
}

/// serde_json's compact format, noting a line break in a raw fragment.
struct CompactJson<'a> {
    line_break: &'a mut bool,
}

impl serde_json::ser::Formatter for CompactJson<'_> {
    fn write_f64<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        value: f64,
    ) -> std::io::Result<()> {
        crate::json::write_f64(writer, value)
    }

    fn write_f32<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        value: f32,
    ) -> std::io::Result<()> {
        serde_json::ser::Formatter::write_f32(&mut crate::json::JsFormatter, writer, value)
    }

    fn write_raw_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        *self.line_break |= memchr::memchr2(b'\r', b'\n', fragment.as_bytes()).is_some();
        writer.write_all(fragment.as_bytes())
    }
}

/// serde_json's output, appended to a `BytesMut`.
struct BufWriter<'a>(&'a mut BytesMut);

/// Appends `bytes`, byte by byte when there are at most 8 of them: cheaper than the `memcpy`
/// call that copying a slice of unknown length costs (an id's digits, or serde_json's small
/// pieces: `{`, `"`, a key, `:`, a number). It saves about 8% of the `/firehose` server's CPU
/// per event (`perf stat`).
#[inline]
fn put_short(out: &mut BytesMut, bytes: &[u8]) {
    if bytes.len() <= 8 {
        out.reserve(bytes.len());
        for &byte in bytes {
            out.put_u8(byte);
        }
    } else {
        out.extend_from_slice(bytes);
    }
}

impl std::io::Write for BufWriter<'_> {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        put_short(self.0, buf);
        Ok(buf.len())
    }

    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        put_short(self.0, buf);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A `retry: <milliseconds>` line.
pub(crate) fn put_retry(out: &mut BytesMut, retry: std::time::Duration) {
    out.put_slice(b"retry: ");
    out.put_slice(itoa::Buffer::new().format(retry.as_millis()).as_bytes());
    out.put_u8(b'\n');
}

/// `name` + `value` with every CR and LF removed + LF: a single-line field that cannot forge
/// another field.
fn put_field(out: &mut BytesMut, name: &[u8], value: &str) {
    out.put_slice(name);
    for part in value
        .as_bytes()
        .split(|&byte| byte == b'\r' || byte == b'\n')
    {
        out.put_slice(part);
    }
    out.put_u8(b'\n');
}

/// One `prefix` line per line of `text`, breaking on CRLF, CR and LF (each one break, as a
/// WHATWG parser reads them). Empty text gives one empty line.
fn put_lines(out: &mut BytesMut, prefix: &[u8], text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0;
    for index in memchr::memchr2_iter(b'\r', b'\n', bytes) {
        if index < start {
            // The LF of a CRLF pair, already consumed with its CR.
            continue;
        }
        put_line(out, prefix, &bytes[start..index]);
        start = index + 1;
        if bytes[index] == b'\r' && bytes.get(start) == Some(&b'\n') {
            start += 1;
        }
    }
    put_line(out, prefix, &bytes[start..]);
}

fn put_line(out: &mut BytesMut, prefix: &[u8], line: &[u8]) {
    out.reserve(prefix.len() + line.len() + 1);
    out.put_slice(prefix);
    out.put_slice(line);
    out.put_u8(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode_all(events: &[MessageEvent]) -> String {
        let mut encoder = SseEncoder::new();
        let mut out = BytesMut::from(PREAMBLE);
        for event in events {
            encoder.encode(event, &mut out).unwrap();
        }
        String::from_utf8(out.to_vec()).unwrap()
    }

    // The cases of NestJS's `packages/core/test/router/sse-stream.spec.ts` (shared/nestjs-sse.md
    // §10.1), input → expected, with its `\n` preamble.

    #[test]
    fn nest_multiline_data_is_split_and_ids_count_from_one() {
        assert_eq!(
            encode_all(&["hello\nworld".into(), "bonjour\nmonde".into()]),
            "\nid: 1\ndata: hello\ndata: world\n\nid: 2\ndata: bonjour\ndata: monde\n\n"
        );
    }

    #[test]
    fn nest_object_data_is_compact_json() {
        assert_eq!(
            encode_all(&[MessageEvent::json(&serde_json::json!({"hello": "world"}))]),
            "\nid: 1\ndata: {\"hello\":\"world\"}\n\n"
        );
    }

    #[test]
    fn nest_all_fields_in_order() {
        let event = MessageEvent::new("hello")
            .event("tea-time")
            .id("the-id")
            .retry(222);
        assert_eq!(
            encode_all(&[event]),
            "\nevent: tea-time\nid: the-id\nretry: 222\ndata: hello\n\n"
        );
    }

    #[test]
    fn nest_retry_zero_is_written() {
        let event = MessageEvent::new("hello").id("the-id").retry(0);
        assert_eq!(
            encode_all(&[event]),
            "\nid: the-id\nretry: 0\ndata: hello\n\n"
        );
    }

    #[test]
    fn nest_comment_only_messages_get_no_auto_id() {
        let events = [
            MessageEvent::comment_only("comment-only"),
            MessageEvent::comment_only("with-type").event("notice"),
            MessageEvent::comment_only("with-retry").retry(1000),
            MessageEvent::new("hello").comment("with-data"),
        ];
        assert_eq!(
            encode_all(&events),
            "\n: comment-only\n\nevent: notice\nid: 1\n: with-type\n\nid: 2\nretry: 1000\n: with-retry\n\nid: 3\n: with-data\ndata: hello\n\n"
        );
    }

    #[test]
    fn nest_comments_split_on_every_line_break() {
        let events = [
            MessageEvent::comment_only(""),
            MessageEvent::comment_only("first\r\nsecond\rthird\n\nfourth"),
        ];
        assert_eq!(
            encode_all(&events),
            "\n: \n\n: first\n: second\n: third\n: \n: fourth\n\n"
        );
    }

    #[test]
    fn nest_empty_data_is_written() {
        assert_eq!(encode_all(&["".into()]), "\nid: 1\ndata: \n\n");
    }

    #[test]
    fn nest_explicit_id_zero_is_preserved() {
        assert_eq!(
            encode_all(&[MessageEvent::new("first").id("0")]),
            "\nid: 0\ndata: first\n\n"
        );
        assert!(
            encode_all(&[MessageEvent::new("hello").id("0").event("ping")]).contains("id: 0\n")
        );
    }

    // shared/nestjs-sse.md §5.1: the bytes captured from NestJS 12.5.1 for one Observable.
    #[test]
    fn nest_captured_wire_bytes() {
        let events = [
            "hello\r\nworld\nthird".into(),
            MessageEvent::json(&serde_json::json!({"a": 1, "b": [1, 2]})),
            "plain".into(),
            MessageEvent::new("d")
                .event("tea\ntime")
                .id("x\ny")
                .retry(0),
            MessageEvent::comment_only("c1\nc2"),
            serde_json::json!(5).into(),
            "".into(),
            MessageEvent::new("zero").id("0"),
            "after explicit".into(),
            MessageEvent::default(),
        ];
        assert_eq!(
            encode_all(&events),
            concat!(
                "\n",
                "id: 1\ndata: hello\ndata: world\ndata: third\n\n",
                "id: 2\ndata: {\"a\":1,\"b\":[1,2]}\n\n",
                "id: 3\ndata: plain\n\n",
                "event: teatime\nid: xy\nretry: 0\ndata: d\n\n",
                ": c1\n: c2\n\n",
                "id: 4\ndata: 5\n\n",
                "id: 5\ndata: \n\n",
                "id: 0\ndata: zero\n\n",
                "id: 6\ndata: after explicit\n\n",
                "id: 7\n\n",
            )
        );
    }

    #[test]
    fn error_frame_takes_an_auto_id() {
        let mut encoder = SseEncoder::new();
        let mut out = BytesMut::new();
        encoder.encode(&"one".into(), &mut out).unwrap();
        encoder.encode_error("Internal server error", &mut out);
        assert_eq!(
            &out[..],
            b"id: 1\ndata: one\n\nevent: error\nid: 2\ndata: Internal server error\n\n"
        );
    }

    #[test]
    fn unserialisable_json_writes_nothing_and_reports() {
        let bad: std::collections::BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
        let mut encoder = SseEncoder::new();
        let mut out = BytesMut::new();
        let error = encoder
            .encode(&MessageEvent::json(&bad), &mut out)
            .unwrap_err();
        assert!(error.to_string().contains("serialised"), "{error}");
        assert!(out.is_empty());
        encoder.encode(&"next".into(), &mut out).unwrap();
        assert_eq!(
            &out[..],
            b"id: 1\ndata: next\n\n",
            "no id was spent on the failed event"
        );
    }

    #[test]
    fn empty_event_name_is_omitted_but_line_breaks_alone_are_not() {
        assert_eq!(
            encode_all(&[MessageEvent::new("x").event("")]),
            "\nid: 1\ndata: x\n\n"
        );
        assert_eq!(
            encode_all(&[MessageEvent::new("x").event("\r\n")]),
            "\nevent: \nid: 1\ndata: x\n\n"
        );
    }

    /// Values whose JSON goes through every path of serde_json's compact writer: escapes of
    /// CR, LF and NUL in strings, non-ASCII text, nesting, numbers, empty containers.
    fn json_samples() -> Vec<serde_json::Value> {
        vec![
            serde_json::json!({ "seq": 0 }),
            serde_json::json!({ "text": "two\nlines\r\nand\rmore\u{0}", "é": "ü\u{2028}" }),
            serde_json::json!([1, -2.5, null, true, { "a": [] }, {}]),
            serde_json::json!("a string"),
            serde_json::json!(u64::MAX),
            serde_json::json!({ "long": "x".repeat(200) }),
        ]
    }

    #[test]
    fn automatic_ids_count_in_decimal_across_every_carry() {
        for first in [
            0,
            8,
            98,
            999,
            99_998,
            9_999_999_999,
            u64::MAX / 10,
            u64::MAX - 3,
        ] {
            let mut encoder = SseEncoder::starting_after(first);
            for id in first + 1..=first.saturating_add(3000) {
                encoder.advance();
                assert_eq!(
                    encoder.id_digits(),
                    id.to_string().as_bytes(),
                    "after {first}"
                );
                assert_eq!(encoder.last_id(), id);
            }
        }
        let mut encoder = SseEncoder::starting_after(u64::MAX);
        encoder.advance();
        assert_eq!(encoder.id_digits(), b"0", "wraps as the number does");
        encoder.advance();
        assert_eq!(encoder.id_digits(), b"1");
    }

    #[test]
    fn encode_json_writes_the_bytes_of_message_event_json() {
        let mut direct = SseEncoder::starting_after(9);
        let mut via_event = SseEncoder::starting_after(9);
        let (mut left, mut right) = (BytesMut::new(), BytesMut::new());
        for value in json_samples() {
            direct.encode_json(&value, &mut left).unwrap();
            via_event
                .encode(&MessageEvent::json(&value), &mut right)
                .unwrap();
            assert_eq!(left, right, "{value}");
        }
        assert!(left.starts_with(b"id: 10\ndata: {\"seq\":0}\n\n"));
        assert_eq!(direct.last_id(), 9 + json_samples().len() as u64);
    }

    #[test]
    fn encode_json_of_an_unserialisable_value_writes_nothing_and_spends_no_id() {
        let bad: std::collections::BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
        let mut encoder = SseEncoder::new();
        let mut out = BytesMut::from(&b"kept"[..]);
        let error = encoder.encode_json(&bad, &mut out).unwrap_err();
        assert_eq!(
            error,
            EncodeError::check(&MessageEvent::json(&bad)).unwrap_err()
        );
        assert_eq!(&out[..], b"kept");
        encoder.encode_json(&1, &mut out).unwrap();
        assert_eq!(&out[..], b"keptid: 1\ndata: 1\n\n");
    }

    #[test]
    fn a_raw_value_with_line_breaks_cannot_forge_fields_or_end_the_event() {
        // JSON allows CR and LF as whitespace, and a `RawValue` is copied as it is: written on
        // one `data:` line, its breaks would end the line and a blank line would end the event.
        let raw =
            serde_json::value::RawValue::from_string("{\"a\":\r\n\r\n1,\n\"b\":\r2}".to_owned())
                .unwrap();
        let value = std::collections::BTreeMap::from([("wrapped", &*raw)]);
        let expected = "\
id: 1\ndata: {\"a\":\ndata: \ndata: 1,\ndata: \"b\":\ndata: 2}\n\n\
id: 2\ndata: {\"wrapped\":{\"a\":\ndata: \ndata: 1,\ndata: \"b\":\ndata: 2}}\n\n";
        let mut direct = SseEncoder::new();
        let mut out = BytesMut::new();
        direct.encode_json(&raw, &mut out).unwrap();
        direct.encode_json(&value, &mut out).unwrap();
        assert_eq!(std::str::from_utf8(&out).unwrap(), expected);
        let mut via_event = SseEncoder::new();
        let mut out = BytesMut::new();
        for event in [MessageEvent::json(&raw), MessageEvent::json(&value)] {
            via_event.encode(&event, &mut out).unwrap();
        }
        assert_eq!(std::str::from_utf8(&out).unwrap(), expected);
    }
}
