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
    /// Compact JSON: never holds a raw line break, so it is written as one line.
    Json(String),
    /// A value that could not be serialised: the stream reports it as an error.
    Invalid(String),
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
        let data = match serde_json::to_string(value) {
            Ok(json) => Data::Json(json),
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
            data: Some(Data::Json(serde_json::to_string(value)?)),
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
            Data::Text(text) | Data::Json(text) => Some(text),
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
            Some(Data::Json(json)) => out.field("data", &format_args!("json {json}")),
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
            other => Self {
                data: Some(Data::Json(other.to_string())),
                ..Self::default()
            },
        }
    }
}
