//! [`MessageEvent`]: one Server-Sent Event, shaped like NestJS's `MessageEvent`.

use std::fmt;

use serde::Serialize;

/// One Server-Sent Event, the Rust twin of NestJS's
/// `MessageEvent { data, id, type, retry, comment }`.
///
/// Every field is optional, as in NestJS. The encoder writes them in NestJS's fixed order
/// (`event`, `id`, `retry`, comment lines, data lines, blank line), so a browser's
/// `EventSource` dispatches exactly what it dispatches from NestJS 12.
///
/// | NestJS | nest-rs | what the browser's `EventSource` does with it |
/// | --- | --- | --- |
/// | `{ data: 'text' }` | `MessageEvent::new("text")`, `"text".into()` | `event.data` |
/// | `{ data: { a: 1 } }` | `MessageEvent::json(&json!({"a": 1}))` | `event.data` (compact JSON) |
/// | `{ type: 'tick' }` | `.event("tick")` | the event name: `addEventListener('tick', …)` instead of `onmessage` |
/// | `{ id: '7' }` | `.id("7")` | `event.lastEventId`, sent back as `Last-Event-ID` on reconnect |
/// | `{ retry: 3000 }` | `.retry(3000)` | reconnection delay in milliseconds |
/// | `{ comment: 'x' }` | `.comment("x")` / `MessageEvent::comment_only("x")` | nothing: comments are ignored (heartbeats) |
///
/// # Ids
/// An event without an id gets the connection's next automatic id (`1`, `2`, …), as in NestJS.
/// A comment-only event (a comment and no data, event or retry) gets none. An explicit id is
/// sent unchanged and does not move the counter.
///
/// # Line breaks and injection
/// `data` and `comment` may span lines: they are split on `\r\n`, `\r` and `\n` (each one break)
/// and every line gets its own `data: ` / `: ` prefix, so the browser sees the same text with
/// `\n` breaks. A CR or LF inside `event` or `id` could forge a new field, so the encoder
/// **removes** them (NestJS 12 does the same since CVE-2026-35515); it never panics.
///
/// # Example
/// ```
/// use nest_core::MessageEvent;
/// use serde_json::json;
///
/// let plain: MessageEvent = "hello".into();
/// let typed = MessageEvent::json(&json!({ "hello": "world" }))
///     .event("greeting")
///     .id("42")
///     .retry(3000);
/// assert_eq!(typed.data(), Some(r#"{"hello":"world"}"#));
/// assert_eq!(plain.data(), Some("hello"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct MessageEvent {
    pub(crate) data: Option<Data>,
    pub(crate) event: Option<String>,
    pub(crate) id: Option<String>,
    pub(crate) retry: Option<u64>,
    pub(crate) comment: Option<String>,
}

/// The `data` of an event, already turned into text.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Data {
    /// Text that may hold line breaks: split on CR, LF and CRLF when encoded.
    Text(String),
    /// Compact JSON without a raw line break, so it is written as one line. (Compact JSON only
    /// holds one when a `serde_json::value::RawValue` carries it as whitespace: such a text is
    /// kept as [`Data::Text`] and split into lines like any other.)
    Json(JsonText),
    /// A value that could not be serialised: the stream reports it as an error.
    Invalid(String),
}

/// How many bytes of compact JSON an event holds without allocating.
const INLINE_JSON: usize = 46;

/// Compact JSON text. Short texts (most event payloads: `{"seq":1}`, `{"hello":"world"}`)
/// live inside the event, so that [`MessageEvent::json`] costs no allocation; longer ones
/// live in a `String`.
#[derive(Clone)]
pub(crate) enum JsonText {
    /// The first `len` bytes of `bytes`: valid UTF-8, as serde_json wrote it.
    Inline { len: u8, bytes: [u8; INLINE_JSON] },
    /// A longer text.
    Heap(String),
}

impl Data {
    /// `value` as compact JSON, as `JSON.stringify` writes it.
    fn json<T: Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        let (json, line_break) = JsonText::serialize(value)?;
        if line_break {
            return Ok(Self::Text(json.as_str().to_owned()));
        }
        Ok(Self::Json(json))
    }
}

impl JsonText {
    /// `value` as compact JSON, as `JSON.stringify` writes it, and whether it
    /// holds a raw line break.
    fn serialize<T: Serialize + ?Sized>(value: &T) -> Result<(Self, bool), serde_json::Error> {
        let mut writer = JsonWriter {
            bytes: [0; INLINE_JSON],
            len: 0,
            spill: None,
        };
        let line_break = super::encoder::write_json(&mut writer, value)?;
        let json = match writer.spill {
            None => Self::Inline {
                len: u8::try_from(writer.len).expect("INLINE_JSON fits in a u8"),
                bytes: writer.bytes,
            },
            Some(spill) => Self::Heap(
                String::from_utf8(spill)
                    .map_err(|_| serde::ser::Error::custom("serde_json wrote invalid UTF-8"))?,
            ),
        };
        Ok((json, line_break))
    }

    /// The JSON text's bytes.
    #[inline]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Self::Heap(text) => text.as_bytes(),
        }
    }

    /// The JSON text.
    fn as_str(&self) -> &str {
        match self {
            // serde_json writes UTF-8, and only a complete text is kept inline.
            Self::Inline { .. } => std::str::from_utf8(self.as_bytes()).unwrap_or_default(),
            Self::Heap(text) => text,
        }
    }
}

impl PartialEq for JsonText {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for JsonText {}

/// Where serde_json writes: into the inline bytes while they last, then into a `Vec`.
struct JsonWriter {
    bytes: [u8; INLINE_JSON],
    len: usize,
    spill: Option<Vec<u8>>,
}

impl JsonWriter {
    /// Moves the text to a `Vec`, then appends `buf`: the text is longer than the inline bytes.
    #[cold]
    #[inline(never)]
    fn spill(&mut self, buf: &[u8]) {
        let mut spill = Vec::with_capacity((2 * (self.len + buf.len())).max(128));
        spill.extend_from_slice(&self.bytes[..self.len]);
        spill.extend_from_slice(buf);
        self.spill = Some(spill);
    }
}

impl std::io::Write for JsonWriter {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(spill) = &mut self.spill {
            spill.extend_from_slice(buf);
            return Ok(());
        }
        let end = self.len + buf.len();
        match self.bytes.get_mut(self.len..end) {
            Some(free) => {
                free.copy_from_slice(buf);
                self.len = end;
            }
            None => self.spill(buf),
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl MessageEvent {
    /// An event whose `data` is `data`, sent as it is (NestJS `{ data: 'text' }`).
    ///
    /// ```
    /// # use nest_core::MessageEvent;
    /// assert_eq!(MessageEvent::new("two\nlines").data(), Some("two\nlines"));
    /// ```
    pub fn new(data: impl Into<String>) -> Self {
        Self {
            data: Some(Data::Text(data.into())),
            ..Self::default()
        }
    }

    /// An event whose `data` is `value` as compact JSON (NestJS `{ data: { … } }`).
    ///
    /// The value is serialised now, straight to text. If it cannot be serialised (a map with
    /// non-string keys, a failing `Serialize` impl), the event carries the error and the stream
    /// reports it as NestJS does: an `event: error` frame once the response has started, a
    /// `500` before. Use [`MessageEvent::try_json`] to handle the error yourself.
    ///
    /// ```
    /// # use nest_core::MessageEvent;
    /// #[derive(serde::Serialize)]
    /// struct Tick { n: u32 }
    /// assert_eq!(MessageEvent::json(&Tick { n: 1 }).data(), Some(r#"{"n":1}"#));
    /// ```
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Self {
        let data = match Data::json(value) {
            Ok(data) => data,
            Err(error) => Data::Invalid(error.to_string()),
        };
        Self {
            data: Some(data),
            ..Self::default()
        }
    }

    /// Like [`MessageEvent::json`], but returns the serialisation error.
    ///
    /// ```
    /// # use nest_core::MessageEvent;
    /// use std::collections::BTreeMap;
    /// let bad: BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
    /// assert!(MessageEvent::try_json(&bad).is_err());
    /// assert!(MessageEvent::try_json(&[1, 2]).is_ok());
    /// ```
    pub fn try_json<T: Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        Ok(Self {
            data: Some(Data::json(value)?),
            ..Self::default()
        })
    }

    /// An event with only a comment (NestJS `{ comment: 'x' }`): the browser dispatches nothing,
    /// and no automatic id is spent on it. Useful as a heartbeat.
    ///
    /// ```
    /// # use nest_core::MessageEvent;
    /// let ping = MessageEvent::comment_only("keep-alive");
    /// assert_eq!(ping.comment_text(), Some("keep-alive"));
    /// assert_eq!(ping.data(), None);
    /// ```
    pub fn comment_only(comment: impl Into<String>) -> Self {
        Self::default().comment(comment)
    }

    /// Sets the event name (NestJS `type`; the SSE `event:` field). An empty name is not sent,
    /// as in NestJS, so the browser dispatches a plain `message`.
    ///
    /// ```
    /// # use nest_core::MessageEvent;
    /// assert_eq!(MessageEvent::new("x").event("tick").event_name(), Some("tick"));
    /// ```
    #[doc(alias = "type")]
    #[must_use]
    pub fn event(mut self, name: impl Into<String>) -> Self {
        self.event = Some(name.into());
        self
    }

    /// Sets the event id (the SSE `id:` field), which the browser echoes as `Last-Event-ID` when it
    /// reconnects. `"0"` and `""` are sent as they are.
    ///
    /// ```
    /// # use nest_core::MessageEvent;
    /// assert_eq!(MessageEvent::new("x").id("0").id_text(), Some("0"));
    /// ```
    #[must_use]
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets the reconnection delay, in milliseconds (the SSE `retry:` field). `0` is sent.
    ///
    /// ```
    /// # use nest_core::MessageEvent;
    /// assert_eq!(MessageEvent::new("x").retry(3000).retry_ms(), Some(3000));
    /// ```
    #[must_use]
    pub fn retry(mut self, milliseconds: u64) -> Self {
        self.retry = Some(milliseconds);
        self
    }

    /// Sets a comment, sent as `: ` lines before the data. Browsers ignore it.
    ///
    /// ```
    /// # use nest_core::MessageEvent;
    /// assert_eq!(MessageEvent::new("x").comment("note").comment_text(), Some("note"));
    /// ```
    #[must_use]
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    /// Replaces the data with `data`, sent as it is.
    ///
    /// ```
    /// # use nest_core::MessageEvent;
    /// let event = MessageEvent::default().event("ping").data_text("now");
    /// assert_eq!(event.data(), Some("now"));
    /// ```
    #[must_use]
    pub fn data_text(mut self, data: impl Into<String>) -> Self {
        self.data = Some(Data::Text(data.into()));
        self
    }

    /// The data as it will be sent (before line splitting), if any and if it could be serialised.
    ///
    /// ```
    /// # use nest_core::MessageEvent;
    /// assert_eq!(MessageEvent::default().data(), None);
    /// ```
    pub fn data(&self) -> Option<&str> {
        match self.data.as_ref()? {
            Data::Text(text) => Some(text),
            Data::Json(json) => Some(json.as_str()),
            Data::Invalid(_) => None,
        }
    }

    /// The event name, if set.
    ///
    /// ```
    /// # use nest_core::MessageEvent;
    /// assert_eq!(MessageEvent::new("x").event_name(), None);
    /// ```
    pub fn event_name(&self) -> Option<&str> {
        self.event.as_deref()
    }

    /// The explicit id, if set. Automatic ids are given by the encoder and never stored here.
    ///
    /// ```
    /// # use nest_core::MessageEvent;
    /// assert_eq!(MessageEvent::new("x").id_text(), None);
    /// ```
    pub fn id_text(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The retry delay in milliseconds, if set.
    ///
    /// ```
    /// # use nest_core::MessageEvent;
    /// assert_eq!(MessageEvent::new("x").retry_ms(), None);
    /// ```
    pub fn retry_ms(&self) -> Option<u64> {
        self.retry
    }

    /// The comment, if set.
    ///
    /// ```
    /// # use nest_core::MessageEvent;
    /// assert_eq!(MessageEvent::new("x").comment_text(), None);
    /// ```
    pub fn comment_text(&self) -> Option<&str> {
        self.comment.as_deref()
    }

    /// A comment and nothing else that a browser would dispatch: such an event gets no auto id.
    pub(crate) fn is_comment_only(&self) -> bool {
        self.comment.is_some()
            && self.data.is_none()
            && self.event.is_none()
            && self.retry.is_none()
    }
}

impl fmt::Debug for MessageEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("MessageEvent");
        match &self.data {
            Some(Data::Text(text)) => out.field("data", text),
            Some(Data::Json(json)) => out.field("data", &format_args!("json {}", json.as_str())),
            Some(Data::Invalid(error)) => out.field("data", &format_args!("invalid ({error})")),
            None => out.field("data", &None::<()>),
        };
        out.field("event", &self.event)
            .field("id", &self.id)
            .field("retry", &self.retry)
            .field("comment", &self.comment)
            .finish()
    }
}

impl From<&str> for MessageEvent {
    fn from(data: &str) -> Self {
        Self::new(data)
    }
}

impl From<String> for MessageEvent {
    fn from(data: String) -> Self {
        Self::new(data)
    }
}

/// NestJS's rule for `data`: a string is sent as it is, any other value as compact JSON.
///
/// ```
/// # use nest_core::MessageEvent;
/// use serde_json::json;
/// assert_eq!(MessageEvent::from(json!("plain")).data(), Some("plain"));
/// assert_eq!(MessageEvent::from(json!({"a": [1, 2]})).data(), Some(r#"{"a":[1,2]}"#));
/// assert_eq!(MessageEvent::from(json!(5)).data(), Some("5"));
/// ```
impl From<serde_json::Value> for MessageEvent {
    fn from(value: serde_json::Value) -> Self {
        match value {
            serde_json::Value::String(text) => Self::new(text),
            other => Self::json(&other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_text_matches_serde_json_on_both_sides_of_the_inline_limit() {
        for len in 0..3 * INLINE_JSON {
            let value = "é\u{2028}x".repeat(len / 6) + &"a".repeat(len % 6);
            let expected = serde_json::to_string(&value).unwrap();
            let event = MessageEvent::json(&value);
            assert_eq!(event.data(), Some(expected.as_str()), "length {len}");
            assert_eq!(event, MessageEvent::try_json(&value).unwrap());
            assert_eq!(
                event,
                MessageEvent {
                    data: Some(Data::Json(JsonText::Heap(expected.clone()))),
                    ..MessageEvent::default()
                },
                "inline and heap texts compare by content"
            );
            assert!(format!("{event:?}").contains(&expected));
        }
    }

    #[test]
    fn short_json_is_kept_inline() {
        let event = MessageEvent::json(&serde_json::json!({ "seq": 123_456 }));
        assert!(matches!(
            event.data,
            Some(Data::Json(JsonText::Inline { .. }))
        ));
        assert_eq!(event.data(), Some(r#"{"seq":123456}"#));
        let long = MessageEvent::json(&"x".repeat(INLINE_JSON));
        assert!(matches!(long.data, Some(Data::Json(JsonText::Heap(_)))));
    }

    #[test]
    fn value_conversion_matches_json() {
        let value = serde_json::json!({ "a": [1, 2], "b": null });
        assert_eq!(
            MessageEvent::from(value.clone()),
            MessageEvent::json(&value)
        );
        assert_eq!(
            MessageEvent::from(value).data(),
            Some(r#"{"a":[1,2],"b":null}"#)
        );
    }
}
