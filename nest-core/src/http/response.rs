//! Responses: the [`Body`] every route answers with, and [`IntoResponse`] for handler return
//! values ([`Html`], [`Json`], strings, `()`, `Result<T, HttpException>`).

use std::{
    fmt,
    pin::Pin,
    task::{Context, Poll},
};

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use http_body::{Frame, SizeHint};
use serde::Serialize;

use super::exception::HttpException;
use crate::sse::body::SseBody;

/// An HTTP response with nest-rs's [`Body`].
pub type Response = http::Response<Body>;

/// The body of every nest-rs response: a whole buffer, or an event stream.
///
/// ```
/// use nest_core::Body;
/// let body = Body::from("hello");
/// assert!(format!("{body:?}").contains("Full"));
/// ```
pub struct Body {
    kind: BodyKind,
}

enum BodyKind {
    Full(Option<Bytes>),
    Sse(SseBody),
    /// A body transformed by a middleware (compressed, say).
    Boxed(http_body_util::combinators::UnsyncBoxBody<Bytes, BoxError>),
}

/// A boxed error, from a middleware's body.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl Body {
    /// A body with no bytes.
    pub fn empty() -> Self {
        Self {
            kind: BodyKind::Full(None),
        }
    }

    /// The bytes of a body that is whole (not a stream), for an interceptor that rewrites a
    /// response: `None` for an event stream or a middleware's body.
    ///
    /// ```
    /// use nest_core::Body;
    /// assert_eq!(Body::from("hi").full_bytes().as_deref(), Some(&b"hi"[..]));
    /// assert!(Body::empty().full_bytes().is_some_and(|b| b.is_empty()));
    /// ```
    pub fn full_bytes(&self) -> Option<Bytes> {
        match &self.kind {
            BodyKind::Full(bytes) => Some(bytes.clone().unwrap_or_default()),
            BodyKind::Sse(_) | BodyKind::Boxed(_) => None,
        }
    }

    pub(crate) fn sse(body: SseBody) -> Self {
        Self {
            kind: BodyKind::Sse(body),
        }
    }

    /// Whether this is an event stream's body.
    pub(crate) fn is_sse(&self) -> bool {
        matches!(self.kind, BodyKind::Sse(_))
    }

    pub(crate) fn boxed(body: http_body_util::combinators::UnsyncBoxBody<Bytes, BoxError>) -> Self {
        Self {
            kind: BodyKind::Boxed(body),
        }
    }
}

/// An empty body (what CORS preflight answers, for instance).
impl Default for Body {
    fn default() -> Self {
        Self::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            BodyKind::Full(bytes) => f.debug_tuple("Full").field(bytes).finish(),
            BodyKind::Sse(_) => f.write_str("Sse"),
            BodyKind::Boxed(_) => f.write_str("Boxed"),
        }
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Self {
            kind: BodyKind::Full((!bytes.is_empty()).then_some(bytes)),
        }
    }
}

impl From<String> for Body {
    fn from(text: String) -> Self {
        Bytes::from(text).into()
    }
}

impl From<&'static str> for Body {
    fn from(text: &'static str) -> Self {
        Bytes::from_static(text.as_bytes()).into()
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Bytes::from(bytes).into()
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match &mut self.get_mut().kind {
            BodyKind::Full(bytes) => Poll::Ready(bytes.take().map(|bytes| Ok(Frame::data(bytes)))),
            BodyKind::Sse(body) => body.poll_frame(cx).map(|frame| frame.map(Ok)),
            BodyKind::Boxed(body) => Pin::new(body).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            BodyKind::Full(bytes) => bytes.is_none(),
            BodyKind::Sse(body) => body.is_end_stream(),
            BodyKind::Boxed(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            BodyKind::Full(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |bytes| bytes.len() as u64))
            }
            BodyKind::Sse(_) => SizeHint::default(),
            BodyKind::Boxed(body) => body.size_hint(),
        }
    }
}

/// A return value that says how it is sent. A handler may also return any other `Serialize`
/// value, or a `Result` of one, which is sent as JSON, as NestJS sends a returned object.
///
/// | return type | status | `Content-Type` | NestJS/Express equivalent |
/// | --- | --- | --- | --- |
/// | `String`, `&'static str` | 200 | `text/html; charset=utf-8` | returning a string |
/// | [`Html<T>`] | 200 | `text/html; charset=utf-8` | `res.type('text/html').send(…)` |
/// | [`Json<T>`], `serde_json::Value` | 200 | `application/json; charset=utf-8` | returning an object |
/// | `()` | 200 | none, empty body | returning `undefined` |
/// | `Result<T, E>` with `E: Into<HttpException>` | `T`'s, or the error's | | throwing |
/// | [`Response`] | as built | as built | `@Res()` |
///
/// # Example
/// ```
/// use nest_core::{Html, IntoResponse};
/// let response = Html("<h1>hi</h1>").into_response();
/// assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a route handler",
    label = "this type implements neither `IntoResponse` nor `serde::Serialize`",
    note = "a handler returns a type that implements `IntoResponse` (String, Html<T>, Json<T>, serde_json::Value, (), a Response), a type that implements `serde::Serialize` (sent as JSON, like a NestJS handler returning an object), or a `Result<T, E>` of one with `E: Into<HttpException>`"
)]
pub trait IntoResponse {
    /// Turns the value into a response.
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

/// A status with any response: `(StatusCode::ACCEPTED, Json(value))`.
impl<T: IntoResponse> IntoResponse for (StatusCode, T) {
    fn into_response(self) -> Response {
        let (status, inner) = self;
        let mut response = inner.into_response();
        *response.status_mut() = status;
        response
    }
}

impl IntoResponse for () {
    fn into_response(self) -> Response {
        Response::new(Body::empty())
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Response {
        Html(self).into_response()
    }
}

impl IntoResponse for &'static str {
    fn into_response(self) -> Response {
        Html(self).into_response()
    }
}

impl IntoResponse for serde_json::Value {
    fn into_response(self) -> Response {
        Json(self).into_response()
    }
}

impl IntoResponse for HttpException {
    fn into_response(self) -> Response {
        Self::into_response(self)
    }
}

impl<T: IntoResponse, E: Into<HttpException>> IntoResponse for Result<T, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(value) => value.into_response(),
            Err(error) => error.into().into_response(),
        }
    }
}

/// An HTML response (`Content-Type: text/html; charset=utf-8`).
///
/// ```
/// use nest_core::{Html, IntoResponse};
/// let page = Html(include_str!("../../../examples/sse/index.html"));
/// assert_eq!(page.into_response().status(), 200);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[must_use]
pub struct Html<T>(pub T);

impl<T: Into<Body>> IntoResponse for Html<T> {
    fn into_response(self) -> Response {
        with_content_type(self.0.into(), "text/html; charset=utf-8")
    }
}

/// A JSON response (`Content-Type: application/json; charset=utf-8`) of any `Serialize` value.
///
/// A value that fails to serialise gives NestJS's 500 body.
///
/// ```
/// use nest_core::{IntoResponse, Json};
/// #[derive(serde::Serialize)]
/// struct Cat { name: &'static str }
/// let response = Json(Cat { name: "Tom" }).into_response();
/// assert_eq!(response.headers()["content-type"], "application/json; charset=utf-8");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[must_use]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        match crate::json::to_vec(&self.0) {
            Ok(json) => with_content_type(json.into(), "application/json; charset=utf-8"),
            Err(error) => HttpException::internal(error).into_response(),
        }
    }
}

fn with_content_type(body: Body, content_type: &'static str) -> Response {
    let mut response = Response::new(body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
