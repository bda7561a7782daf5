//! What an `#[sse]` handler may return: [`IntoSse`] for the whole return value, [`SseItem`] for
//! each item of its stream.

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use serde::Serialize;

use super::{encoder::SseEncoder, hub::HubFrame};
use crate::{
    http::{HttpException, Json},
    pipeline::EventMappers,
    sse::event::MessageEvent,
};

/// What one item of an `#[sse]` stream becomes: an event to encode, or a frame a
/// [`Hub`](super::Hub) already encoded once for all its subscribers.
#[derive(Debug)]
pub enum SseFrame {
    /// An event, encoded for this connection (automatic id included).
    Event(MessageEvent),
    /// A frame encoded by a hub, written as it is.
    Encoded(HubFrame),
}

/// Markers that let one return type pick its [`IntoSse`] / [`SseItem`] impl; never named by
/// users (the compiler infers them).
#[doc(hidden)]
pub mod marker {
    /// The handler returned the stream itself.
    #[derive(Debug)]
    pub enum Direct {}
    /// The handler returned `Result<stream, error>`.
    #[derive(Debug)]
    pub enum Deferred {}
    /// Items convert into `MessageEvent`.
    #[derive(Debug)]
    pub enum Plain {}
    /// Items are `Result<event, error>`.
    #[derive(Debug)]
    pub enum Fallible {}
    /// Items are frames from a hub.
    #[derive(Debug)]
    pub enum Encoded {}
    /// Items are `Json` values.
    #[derive(Debug)]
    pub enum Json {}
    /// Items are `Result<Json<T>, E>`.
    #[derive(Debug)]
    pub enum FallibleJson {}
}

/// Where an `#[sse]` stream's items are written: the response's encoder and buffer, and the
/// route's interceptors' `map_event` if it has any.
#[doc(hidden)]
pub struct ItemWriter<'a> {
    pub(super) encoder: &'a mut SseEncoder,
    pub(super) buf: &'a mut BytesMut,
    /// Where a hub's frame goes when nothing is buffered: to hyper as it is, with no copy.
    pub(super) frame: &'a mut Option<Bytes>,
    pub(super) mappers: Option<&'a EventMappers>,
}

impl std::fmt::Debug for ItemWriter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemWriter").finish_non_exhaustive()
    }
}

impl ItemWriter<'_> {
    /// Writes one frame: an event through the interceptors and the encoder, a hub's frame as
    /// it is.
    fn frame(&mut self, frame: SseFrame) -> Result<(), HttpException> {
        match frame {
            SseFrame::Event(event) => {
                let event = match self.mappers {
                    Some(mappers) => mappers.apply(event),
                    None => event,
                };
                self.encoder
                    .encode(&event, self.buf)
                    .map_err(HttpException::internal)
            }
            SseFrame::Encoded(frame) => {
                if self.buf.is_empty() && self.frame.is_none() {
                    *self.frame = Some(frame.into_bytes());
                } else {
                    self.buf.extend_from_slice(frame.as_bytes());
                }
                Ok(())
            }
        }
    }

    /// Writes `value` as an event's JSON data: serialised straight into the buffer, unless an
    /// interceptor needs to see the event first.
    fn json<T: Serialize>(&mut self, value: &T) -> Result<(), HttpException> {
        if self.mappers.is_some() {
            return self.frame(SseFrame::Event(MessageEvent::json(value)));
        }
        self.encoder
            .encode_json(value, self.buf)
            .map_err(HttpException::internal)
    }
}

/// One item of an `#[sse]` stream: anything that converts into [`MessageEvent`], or a
/// `Result` of one whose error converts into [`HttpException`].
///
/// An `Err` item ends the stream: before the first event the client gets the error's status and
/// JSON body; after it, one `event: error` frame with the error's safe message.
///
/// ```
/// use nest_core::{MessageEvent, sse::{SseFrame, SseItem}};
/// fn item<M, T: SseItem<M>>(item: T) -> String {
///     match item.into_frame() {
///         Ok(SseFrame::Event(event)) => event.data().unwrap_or_default().to_owned(),
///         _ => String::new(),
///     }
/// }
/// assert_eq!(item("text"), "text");
/// assert_eq!(item(Ok::<_, std::io::Error>(MessageEvent::new("ok"))), "ok");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent as a Server-Sent Event",
    label = "stream items must convert into `MessageEvent`",
    note = "items may be MessageEvent, &str, String, serde_json::Value, Json<T: Serialize>, or Result<one of them, E> with E: Into<HttpException>"
)]
pub trait SseItem<M> {
    /// The frame to send, or the error that ends the stream.
    fn into_frame(self) -> Result<SseFrame, HttpException>;

    /// Writes the item into the response (what the `#[sse]` route does with it).
    #[doc(hidden)]
    fn write(self, out: &mut ItemWriter<'_>) -> Result<(), HttpException>
    where
        Self: Sized,
    {
        out.frame(self.into_frame()?)
    }
}

impl<T: Into<MessageEvent>> SseItem<marker::Plain> for T {
    fn into_frame(self) -> Result<SseFrame, HttpException> {
        Ok(SseFrame::Event(self.into()))
    }
}

impl<T: Into<MessageEvent>, E: Into<HttpException>> SseItem<marker::Fallible> for Result<T, E> {
    fn into_frame(self) -> Result<SseFrame, HttpException> {
        self.map(|event| SseFrame::Event(event.into()))
            .map_err(Into::into)
    }
}

/// A `Json` item is an event whose data is the value as compact JSON, with an automatic id:
/// the same bytes as `MessageEvent::json(&value)`, but serialised straight into the
/// response's buffer. The cheapest way to stream typed values.
///
/// ```
/// use nest_core::{Json, sse::{SseFrame, SseItem}};
/// #[derive(serde::Serialize)]
/// struct Tick { seq: u64 }
/// let Ok(SseFrame::Event(event)) = Json(Tick { seq: 1 }).into_frame() else { panic!() };
/// assert_eq!(event.data(), Some(r#"{"seq":1}"#));
/// ```
impl<T: Serialize> SseItem<marker::Json> for Json<T> {
    fn into_frame(self) -> Result<SseFrame, HttpException> {
        Ok(SseFrame::Event(MessageEvent::json(&self.0)))
    }

    fn write(self, out: &mut ItemWriter<'_>) -> Result<(), HttpException> {
        out.json(&self.0)
    }
}

impl<T: Serialize, E: Into<HttpException>> SseItem<marker::FallibleJson> for Result<Json<T>, E> {
    fn into_frame(self) -> Result<SseFrame, HttpException> {
        self.map_err(Into::into)?.into_frame()
    }

    fn write(self, out: &mut ItemWriter<'_>) -> Result<(), HttpException> {
        out.json(&self.map_err(Into::into)?.0)
    }
}

impl SseItem<marker::Encoded> for HubFrame {
    fn into_frame(self) -> Result<SseFrame, HttpException> {
        Ok(SseFrame::Encoded(self))
    }
}

/// The return value of an `#[sse]` handler: a `Stream` of [`SseItem`]s, or a
/// `Result<impl Stream, E>` whose error (with `E: Into<HttpException>`) becomes a normal JSON
/// error response, since nothing has been sent yet.
///
/// `#[controller]` checks this at compile time, at the handler's return type.
///
/// ```
/// use futures_util::stream;
/// use nest_core::{HttpException, MessageEvent, sse::IntoSse};
/// fn check<M, R: IntoSse<M>>(_: R) {}
/// check(stream::iter(["a", "b"]));
/// check(Ok::<_, HttpException>(stream::iter([MessageEvent::new("a")])));
/// check(stream::iter([Ok::<_, std::io::Error>("a")]));
/// ```
#[diagnostic::on_unimplemented(
    message = "an `#[sse]` route must return a Stream of MessageEvent, not `{Self}`",
    label = "this is not a Stream of items that convert into `MessageEvent`",
    note = "return `impl Stream<Item = MessageEvent>`, a Stream of `Result<MessageEvent, E>`, or `Result<impl Stream<Item = MessageEvent>, HttpException>`"
)]
pub trait IntoSse<M> {
    /// The stream of items.
    type Stream: Stream;

    /// The stream, or the error to answer with instead.
    fn into_sse(self) -> Result<Self::Stream, HttpException>;

    /// Writes one item of the stream into the response.
    #[doc(hidden)]
    fn write_item(
        item: <Self::Stream as Stream>::Item,
        out: &mut ItemWriter<'_>,
    ) -> Result<(), HttpException>;
}

impl<S, M> IntoSse<(marker::Direct, M)> for S
where
    S: Stream,
    S::Item: SseItem<M>,
{
    type Stream = S;

    fn into_sse(self) -> Result<S, HttpException> {
        Ok(self)
    }

    fn write_item(item: S::Item, out: &mut ItemWriter<'_>) -> Result<(), HttpException> {
        item.write(out)
    }
}

impl<S, E, M> IntoSse<(marker::Deferred, M)> for Result<S, E>
where
    S: Stream,
    S::Item: SseItem<M>,
    E: Into<HttpException>,
{
    type Stream = S;

    fn into_sse(self) -> Result<S, HttpException> {
        self.map_err(Into::into)
    }

    fn write_item(item: S::Item, out: &mut ItemWriter<'_>) -> Result<(), HttpException> {
        item.write(out)
    }
}
