//! [`FromRequest`]: handler arguments read from the request by their type alone (no attribute),
//! such as [`LastEventId`], [`SseSignal`](crate::sse::SseSignal) and [`Res`](super::passthrough::Res).

use std::{fmt, str::FromStr};

use serde::de::DeserializeOwned;

use super::{
    exception::{BadRequestException, HttpException},
    request::Request,
};

/// A handler argument read from the request by its type, without an attribute:
/// `fn feed(&self, last: LastEventId<u64>)`.
///
/// ```
/// use nest_core::{FromRequest, HttpException, Request};
///
/// /// The `User-Agent`, or `"unknown"`.
/// struct UserAgent(String);
///
/// impl FromRequest for UserAgent {
///     fn from_request(request: &Request) -> Result<Self, HttpException> {
///         let agent = request.headers().get("user-agent").and_then(|v| v.to_str().ok());
///         Ok(Self(agent.unwrap_or("unknown").to_owned()))
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read from the request",
    label = "an argument without an attribute must implement `FromRequest`",
    note = "mark the argument with where its value comes from, as in `#[param(\"id\")] id: String`, or use an extractor such as `LastEventId<u64>`, `SseSignal` or `Res`"
)]
pub trait FromRequest: Sized {
    /// Reads the value, or the error to answer with.
    fn from_request(request: &Request) -> Result<Self, HttpException>;
}

/// The `Last-Event-ID` header a reconnecting `EventSource` sends: the id of the last event it
/// received. `None` on a first connection.
///
/// `T` is the id's type (`String` by default, or a number). A header that is empty, not text,
/// or does not parse as `T` is taken as absent (`None`): the stream starts as on a first
/// connection. An answer other than `200` would end the client for good, since `EventSource`
/// does not reconnect after one, and NestJS never reads the header (its users read it with
/// `@Headers('last-event-id')`).
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::LastEventId;
///
/// #[derive(Default)]
/// struct TicksController;
///
/// #[controller]
/// impl TicksController {
///     /// Resumes counting after the last tick the browser saw.
///     #[sse("ticks")]
///     fn ticks(&self, last: LastEventId<u64>) -> impl Stream<Item = MessageEvent> {
///         let next = last.0.map_or(0, |id| id + 1);
///         stream::iter(next..next + 3).map(|n| MessageEvent::new(n.to_string()).id(n.to_string()))
///     }
/// }
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct LastEventId<T = String>(pub Option<T>);

impl<T: fmt::Debug> fmt::Debug for LastEventId<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LastEventId").field(&self.0).finish()
    }
}

impl<T: FromStr> FromRequest for LastEventId<T> {
    fn from_request(request: &Request) -> Result<Self, HttpException> {
        let id = request
            .headers()
            .get("last-event-id")
            .and_then(|value| value.to_str().ok())
            .filter(|text| !text.is_empty())
            .and_then(|text| text.parse().ok());
        Ok(Self(id))
    }
}

/// A value read from a JSON body or a query string: any `Deserialize` type, or `Valid<T>`
/// (feature `validation`), which checks its rules too.
#[doc(hidden)]
pub trait FromInput: Sized {
    /// The type deserialised before any check.
    type Raw: DeserializeOwned;

    /// Checks the deserialised value.
    fn check(raw: Self::Raw) -> Result<Self, HttpException>;
}

impl<T: DeserializeOwned> FromInput for T {
    type Raw = T;

    fn check(raw: T) -> Result<Self, HttpException> {
        Ok(raw)
    }
}

/// Reads the request body as JSON into `T`, for `#[body] value: T` arguments (NestJS's `@Body()`).
///
/// An empty body reads as `{}`, as NestJS's body parser gives. Malformed JSON, or JSON that does
/// not fit `T`, is a 400 whose message says why; a body over [`BODY_LIMIT`](crate::BODY_LIMIT) is a 413.
pub(crate) async fn json_body<T: FromInput>(request: &mut Request) -> Result<T, HttpException> {
    let bytes = body_bytes(request).await?;
    let raw =
        super::json_shape::from_slice(json_or_empty_object(&bytes)).map_err(
            |error| match error {
                Ok(message) => BadRequestException::new(message),
                Err(syntax) => json_error(&bytes, &syntax),
            },
        )?;
    T::check(raw)
}

/// One field of the JSON body, for `#[body("field")]` (NestJS's `@Body('field')`): absent is
/// `null`, so an `Option` field reads as `None`.
pub(crate) async fn json_body_field<T: DeserializeOwned>(
    request: &mut Request,
    field: &str,
) -> Result<T, HttpException> {
    let bytes = body_bytes(request).await?;
    let mut object: serde_json::Value = serde_json::from_slice(json_or_empty_object(&bytes))
        .map_err(|error| json_error(&bytes, &error))?;
    let value = object
        .get_mut(field)
        .map(serde_json::Value::take)
        .unwrap_or_default();
    super::json_shape::from_property(value, field).map_err(BadRequestException::new)
}

/// The body as a JSON value, for an argument that pipes or a DTO read: with `express`, as
/// express's `json()` parser gives it (a body of another `Content-Type`, or an empty one, is
/// `{}`; anything but an object or an array is refused in V8's words); without, any body is
/// read as JSON (an empty one as `{}`), as `#[body]` reads it.
pub(crate) async fn body_value(
    request: &mut Request,
    express: bool,
) -> Result<serde_json::Value, HttpException> {
    let bytes = body_bytes(request).await?;
    if !express {
        return serde_json::from_slice(json_or_empty_object(&bytes))
            .map_err(|error| json_error(&bytes, &error));
    }
    if !is_json(request) || bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Object(serde_json::Map::new()));
    }
    let text = String::from_utf8_lossy(&bytes);
    let trimmed = text.trim_start_matches([' ', '\t', '\n', '\r']);
    if let Some(first) = trimmed.chars().next().filter(|c| *c != '{' && *c != '[') {
        let position = text.chars().count() - trimmed.chars().count();
        return Err(BadRequestException::new(format!(
            "Unexpected token '{first}', {} is not valid JSON",
            super::json_syntax::quoted(&text, position)
        )));
    }
    serde_json::from_str(&text)
        .map_err(|error| BadRequestException::new(super::json_syntax::v8_message(&text, &error)))
}

/// Whether express's `json()` parser reads a body of this `Content-Type`.
fn is_json(request: &Request) -> bool {
    request
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            value
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|mime| mime == "application/json" || mime.ends_with("+json"))
}

/// Path or host parameters as a JSON object of strings (NestJS's `@Param()`, `@HostParam()`).
pub(crate) fn params_value(pairs: &[(String, String)]) -> serde_json::Value {
    serde_json::Value::Object(
        pairs
            .iter()
            .map(|(key, value)| (key.clone(), serde_json::Value::String(value.clone())))
            .collect(),
    )
}

/// The query string as a JSON object (NestJS's `@Query()`): each key's text, an array of
/// them when repeated.
pub(crate) fn query_value(request: &Request) -> Result<serde_json::Value, HttpException> {
    use serde_json::Value;
    let mut object = serde_json::Map::new();
    for (key, value) in request.query_pairs()? {
        match object.get_mut(&key) {
            Some(Value::Array(items)) => items.push(Value::String(value)),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, Value::String(value)]);
            }
            None => {
                object.insert(key, Value::String(value));
            }
        }
    }
    Ok(Value::Object(object))
}

/// Malformed JSON gets V8's message, as NestJS answers it; JSON that does not fit the type
/// gets serde's.
fn json_error(bytes: &[u8], error: &serde_json::Error) -> HttpException {
    let message = if error.is_syntax() || error.is_eof() {
        super::json_syntax::v8_message(&String::from_utf8_lossy(bytes), error)
    } else {
        error.to_string()
    };
    BadRequestException::new(message)
}

/// NestJS's body parser gives `{}` for an empty body.
fn json_or_empty_object(bytes: &[u8]) -> &[u8] {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    }
}

/// The whole body, read once up to the application's limit.
pub(crate) async fn body_bytes(request: &mut Request) -> Result<bytes::Bytes, HttpException> {
    use http_body::Body as _;

    if let Some(bytes) = request.read_body_cache() {
        return Ok(bytes.clone());
    }
    let limit = request.context().body_limit;
    // A declared length over the limit is refused before reading anything, as body-parser does.
    let declared = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(super::exception::PayloadTooLargeException::new(
            "request entity too large",
        ));
    }
    let timeouts = request.context().body_timeouts;
    let bytes = match request.take_body() {
        Some(body) if body.is_end_stream() => bytes::Bytes::new(),
        Some(body) => collect_within(
            http_body_util::Limited::new(body, limit),
            timeouts.read,
            timeouts.total,
        )
        .await
        .map_err(|error| match error {
            None => {
                HttpException::from(super::exception::RequestTimeoutException).closing_connection()
            }
            Some(error) if error.is::<http_body_util::LengthLimitError>() => {
                super::exception::PayloadTooLargeException::new("request entity too large")
            }
            Some(_) => BadRequestException::new("Could not read the request body"),
        })?,
        None => bytes::Bytes::new(),
    };
    *request.read_body_cache() = Some(bytes.clone());
    Ok(bytes)
}

/// Reads all of `body`, each frame within `read` of the previous one (or of the start) and the
/// whole within `total`. `Err(None)` past either; `Err(Some(error))` if the body fails.
async fn collect_within<B>(
    body: B,
    read: std::time::Duration,
    total: std::time::Duration,
) -> Result<bytes::Bytes, Option<B::Error>>
where
    B: http_body::Body<Data = bytes::Bytes>,
{
    use bytes::BufMut;
    use http_body_util::BodyExt;
    use tokio::time::{Instant, sleep_until};

    let mut body = std::pin::pin!(body);
    let end = Instant::now() + total;
    let due = |now: Instant| (now + read).min(end);
    // One timer for the whole body, moved on after each frame.
    let mut deadline = std::pin::pin!(sleep_until(due(Instant::now())));
    // A body that comes in one frame is kept as it is, without a copy.
    let mut first = bytes::Bytes::new();
    let mut rest = bytes::BytesMut::new();
    loop {
        let frame = tokio::select! {
            biased;
            frame = body.frame() => frame,
            () = &mut deadline => return Err(None),
        };
        let Some(frame) = frame.transpose().map_err(Some)? else {
            break;
        };
        if let Ok(data) = frame.into_data() {
            if first.is_empty() {
                first = data;
            } else {
                if rest.is_empty() {
                    rest.put(std::mem::take(&mut first));
                }
                rest.put(data);
            }
        }
        deadline.as_mut().reset(due(Instant::now()));
    }
    Ok(if rest.is_empty() {
        first
    } else {
        rest.freeze()
    })
}

/// A value a middleware attached to the request (NestJS's `req.user = user` read back with
/// `@Req() req` as `req.user`): the handler's argument `Extension(user): Extension<User>` is a
/// clone of it, and the request is answered with a 500 when no middleware attached one;
/// `Option<Extension<User>>` is `None` then.
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::{Extension, HttpException, Request, Response};
/// use nest_core::pipeline::Next;
///
/// #[derive(Clone)]
/// struct User(String);
///
/// async fn auth(mut req: Request, next: Next) -> Result<Response, HttpException> {
///     req.extensions_mut().insert(User("ada".into()));
///     Ok(next.run(req).await)
/// }
///
/// #[derive(Default)]
/// struct ProfileController;
///
/// #[controller("profile")]
/// impl ProfileController {
///     #[get]
///     fn me(&self, Extension(user): Extension<User>) -> String {
///         user.0
///     }
/// }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Extension<T>(pub T);

impl<T: Clone + Send + Sync + 'static> FromRequest for Extension<T> {
    fn from_request(request: &Request) -> Result<Self, HttpException> {
        request
            .extensions()
            .get::<T>()
            .cloned()
            .map(Extension)
            .ok_or_else(|| {
                HttpException::internal(format!(
                    "no {} attached to the request: no middleware bound to this route inserted one",
                    std::any::type_name::<T>()
                ))
            })
    }
}

impl<T: Clone + Send + Sync + 'static> FromRequest for Option<Extension<T>> {
    fn from_request(request: &Request) -> Result<Self, HttpException> {
        Ok(request.extensions().get::<T>().cloned().map(Extension))
    }
}
