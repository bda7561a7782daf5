//! [`HttpException`] and NestJS's built-in exceptions, with NestJS's exact JSON bodies.
//!
//! | NestJS | nest-rs | body |
//! | --- | --- | --- |
//! | `new HttpException('x', 418)` | `HttpException::new("x", 418)` | `{"statusCode":418,"message":"x"}` |
//! | `new NotFoundException()` | `NotFoundException.into()` | `{"message":"Not Found","statusCode":404}` |
//! | `new NotFoundException('x')` | `NotFoundException::new("x")` | `{"message":"x","error":"Not Found","statusCode":404}` |
//! | `new HttpException({...}, 409)` | `HttpException::from_body(json!({...}), 409)` | the object, unchanged |
//! | `throw new Error('x')` | `Err(io_error)?` (any `std::error::Error`) | `{"statusCode":500,"message":"Internal server error"}` |

use std::{error::Error as StdError, fmt};

use http::{StatusCode, header};
use serde::Serialize;

use super::response::{Body, Response};

/// An error with an HTTP status and a JSON body, as NestJS's `HttpException`.
///
/// Return it from a handler (`Result<T, HttpException>`) and the client gets its status and
/// body. On an `#[sse]` route it becomes a normal JSON error response when it happens before the
/// first event, and an `event: error` frame carrying [`HttpException::message`] after.
///
/// Any `std::error::Error` converts into it with `?`, as a `500` whose body hides the cause
/// (`{"statusCode":500,"message":"Internal server error"}`), as NestJS does with an unknown
/// error; the cause is kept for the log. That conversion is why `HttpException` itself does not
/// implement `std::error::Error`, as with `anyhow::Error`.
///
/// # Example
/// ```
/// use nest_core::{HttpException, NotFoundException};
///
/// fn find(id: u32) -> Result<&'static str, HttpException> {
///     match id {
///         1 => Ok("Tom"),
///         _ => Err(NotFoundException::new(format!("cat {id} not found"))),
///     }
/// }
/// let error = find(2).unwrap_err();
/// assert_eq!(error.status().as_u16(), 404);
/// assert_eq!(error.body_json(), r#"{"message":"cat 2 not found","error":"Not Found","statusCode":404}"#);
///
/// let parse: Result<u32, HttpException> = "x".parse::<u32>().map_err(Into::into);
/// assert_eq!(parse.unwrap_err().body_json(), r#"{"statusCode":500,"message":"Internal server error"}"#);
/// ```
pub struct HttpException {
    status: StatusCode,
    body: ExceptionBody,
    cause: Option<Box<dyn StdError + Send + Sync>>,
    /// Answered with `Connection: close`: the rest of the request cannot be read (a body that
    /// timed out), so the connection cannot serve another one.
    close: bool,
}

enum ExceptionBody {
    /// `new HttpException('x', s)`: `{statusCode, message}`.
    Plain(String),
    /// A built-in exception given no message (`new NotFoundException()`): `{message,
    /// statusCode}`, the message being the status's description.
    Bare(&'static str),
    /// A built-in exception given a message: `{message, error, statusCode}`.
    Described {
        message: String,
        error: &'static str,
    },
    /// A built-in exception given a list of messages (NestJS's `ValidationPipe`):
    /// `{message: [...], error, statusCode}`.
    Messages {
        messages: Vec<String>,
        error: &'static str,
    },
    /// `new HttpException(object, s)`: the object as it is.
    Custom(serde_json::Value),
}

#[derive(Serialize)]
struct PlainBody<'a> {
    #[serde(rename = "statusCode")]
    status_code: u16,
    message: &'a str,
}

#[derive(Serialize)]
struct BareBody<'a> {
    message: &'a str,
    #[serde(rename = "statusCode")]
    status_code: u16,
}

#[derive(Serialize)]
struct MessagesBody<'a> {
    message: &'a [String],
    error: &'a str,
    #[serde(rename = "statusCode")]
    status_code: u16,
}

#[derive(Serialize)]
struct DescribedBody<'a> {
    message: &'a str,
    error: &'a str,
    #[serde(rename = "statusCode")]
    status_code: u16,
}

const INTERNAL_SERVER_ERROR: &str = "Internal server error";

impl HttpException {
    /// `new HttpException(message, status)`: body `{"statusCode":status,"message":message}`.
    ///
    /// A status outside 100..=999 becomes 500.
    ///
    /// ```
    /// # use nest_core::HttpException;
    /// let teapot = HttpException::new("early", 418);
    /// assert_eq!(teapot.body_json(), r#"{"statusCode":418,"message":"early"}"#);
    /// ```
    pub fn new(message: impl Into<String>, status: u16) -> Self {
        Self {
            status: status_or_500(status),
            body: ExceptionBody::Plain(message.into()),
            cause: None,
            close: false,
        }
    }

    /// `new HttpException({ ... }, status)`: the JSON value is the body, unchanged.
    ///
    /// ```
    /// # use nest_core::HttpException;
    /// let error = HttpException::from_body(serde_json::json!({"code": "E1"}), 409);
    /// assert_eq!(error.body_json(), r#"{"code":"E1"}"#);
    /// ```
    pub fn from_body(body: serde_json::Value, status: u16) -> Self {
        Self {
            status: status_or_500(status),
            body: ExceptionBody::Custom(body),
            cause: None,
            close: false,
        }
    }

    /// A 500 that hides `cause` from the client and keeps it for the log.
    ///
    /// ```
    /// # use nest_core::HttpException;
    /// let error = HttpException::internal(std::io::Error::other("disk on fire"));
    /// assert_eq!(error.message(), "Internal server error");
    /// assert!(error.cause().unwrap().to_string().contains("disk on fire"));
    /// ```
    pub fn internal(cause: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            body: ExceptionBody::Plain(INTERNAL_SERVER_ERROR.to_owned()),
            cause: Some(cause.into()),
            close: false,
        }
    }

    /// A built-in exception without a message: `{message: description, statusCode}`.
    fn bare(status: StatusCode, description: &'static str) -> Self {
        Self {
            status,
            body: ExceptionBody::Bare(description),
            cause: None,
            close: false,
        }
    }

    /// A built-in exception with a message: `{message, error: description, statusCode}`.
    fn described(status: StatusCode, error: &'static str, message: String) -> Self {
        Self {
            status,
            body: ExceptionBody::Described { message, error },
            cause: None,
            close: false,
        }
    }

    /// `new BadRequestException(['a', 'b'])`: `{"message":["a","b"],"error":"Bad Request","statusCode":400}`,
    /// the body NestJS's `ValidationPipe` answers with.
    ///
    /// ```
    /// # use nest_core::HttpException;
    /// let error = HttpException::bad_request_messages(vec!["name should not be empty".into()]);
    /// assert_eq!(
    ///     error.body_json(),
    ///     r#"{"message":["name should not be empty"],"error":"Bad Request","statusCode":400}"#
    /// );
    /// ```
    pub fn bad_request_messages(messages: Vec<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            body: ExceptionBody::Messages {
                messages,
                error: "Bad Request",
            },
            cause: None,
            close: false,
        }
    }

    /// The HTTP status.
    ///
    /// ```
    /// # use nest_core::{HttpException, ForbiddenException};
    /// assert_eq!(HttpException::from(ForbiddenException).status().as_u16(), 403);
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message NestJS exposes as `exception.message`: the text an `#[sse]` stream sends in
    /// its `event: error` frame. For a custom body, its `"message"` string if it has one, else the
    /// status's reason phrase.
    ///
    /// ```
    /// # use nest_core::{BadRequestException, HttpException};
    /// assert_eq!(BadRequestException::new("Nope").message(), "Nope");
    /// assert_eq!(HttpException::from(BadRequestException).message(), "Bad Request");
    /// ```
    pub fn message(&self) -> &str {
        match &self.body {
            ExceptionBody::Plain(message) | ExceptionBody::Described { message, .. } => message,
            ExceptionBody::Bare(message) => message,
            ExceptionBody::Messages { error, .. } => error,
            ExceptionBody::Custom(value) => value
                .get("message")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_else(|| self.status.canonical_reason().unwrap_or("Error")),
        }
    }

    /// The hidden cause of an internal error, if any (for logs, never sent).
    pub fn cause(&self) -> Option<&(dyn StdError + Send + Sync + 'static)> {
        self.cause.as_deref()
    }

    /// The JSON body the client receives.
    pub fn body_json(&self) -> String {
        let status_code = self.status.as_u16();
        let json = match &self.body {
            ExceptionBody::Plain(message) => serde_json::to_string(&PlainBody {
                status_code,
                message,
            }),
            ExceptionBody::Bare(message) => serde_json::to_string(&BareBody {
                message,
                status_code,
            }),
            ExceptionBody::Described { message, error } => serde_json::to_string(&DescribedBody {
                message,
                error,
                status_code,
            }),
            ExceptionBody::Messages { messages, error } => serde_json::to_string(&MessagesBody {
                message: messages,
                error,
                status_code,
            }),
            ExceptionBody::Custom(value) => {
                crate::json::to_vec(value).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            }
        };
        // Serialising strings, integers and a `Value` cannot fail.
        json.unwrap_or_default()
    }

    /// The response NestJS's exception filter sends: the status and the JSON body.
    pub fn into_response(self) -> Response {
        if let Some(cause) = &self.cause {
            tracing::error!(target: "ExceptionsHandler", "{cause}");
        }
        let mut response = http::Response::builder()
            .status(self.status)
            .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
            .body(Body::from(self.body_json()))
            .unwrap_or_else(|_| Response::new(Body::empty()));
        if self.close {
            close_connection(&mut response);
        }
        // Kept for the exception filters.
        response
            .extensions_mut()
            .insert(Thrown(std::sync::Arc::new(self)));
        response
    }

    /// This exception, answered with `Connection: close` so that the server closes the
    /// connection after it (an exception filter's response gets the header too).
    pub(crate) fn closing_connection(mut self) -> Self {
        self.close = true;
        self
    }

    /// Whether the connection is closed after this exception's answer.
    pub(crate) fn closes_connection(&self) -> bool {
        self.close
    }

    /// Whether this is the 500 of an unknown error or a panic (what `HttpException::internal`
    /// makes), rather than an exception raised on purpose.
    ///
    /// ```
    /// use nest_core::{HttpException, NotFoundException};
    /// assert!(HttpException::internal("disk full").is_unknown_error());
    /// assert!(!NotFoundException::new("no cat").is_unknown_error());
    /// ```
    pub fn is_unknown_error(&self) -> bool {
        self.cause.is_some() && self.status == StatusCode::INTERNAL_SERVER_ERROR
    }
}

fn status_or_500(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl fmt::Debug for HttpException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpException")
            .field("status", &self.status)
            .field("body", &self.body_json())
            .field("cause", &self.cause)
            .finish()
    }
}

impl fmt::Display for HttpException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message())?;
        if let Some(cause) = &self.cause {
            write!(f, ": {cause}")?;
        }
        Ok(())
    }
}

/// Any error becomes a 500 that hides its text, as an unknown error does in NestJS; except a
/// hub whose Redis is unavailable, or that holds its limit of topics, a `503 Service
/// Unavailable` (the client may retry).
impl<E: StdError + Send + Sync + 'static> From<E> for HttpException {
    fn from(error: E) -> Self {
        let any: &dyn std::any::Any = &error;
        match any.downcast_ref() {
            Some(crate::sse::hub::error::HubError::Unavailable(_)) => Self {
                cause: Some(Box::new(error)),
                close: false,
                ..Self::described(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Service Unavailable",
                    "The event hub is unavailable, try again later".to_owned(),
                )
            },
            // NestJS's `new ServiceUnavailableException()`; no cause, so no log line per
            // request (the hub logs reaching the limit once).
            Some(crate::sse::hub::error::HubError::TooManyTopics { .. }) => Self::from_body(
                serde_json::json!({"message": "Service Unavailable", "statusCode": 503}),
                503,
            ),
            _ => Self::internal(error),
        }
    }
}

/// Adds `Connection: close` to `response`, which makes hyper close the connection after it.
pub(crate) fn close_connection(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CONNECTION, http::HeaderValue::from_static("close"));
}

macro_rules! define_exceptions {
    ($($(#[$doc:meta])* $name:ident => $status:ident, $description:literal;)*) => {$(
        $(#[$doc])*
        ///
        /// `Name.into()` (or `Err(Name)?`) gives the body without a message,
        #[doc = concat!("`{\"message\":\"", $description, "\",\"statusCode\":", stringify!($status), "}`;")]
        /// `Name::new("text")` gives `{"message":"text","error":"…","statusCode":…}`, as NestJS.
        ///
        /// ```
        #[doc = concat!("use nest_core::{HttpException, ", stringify!($name), "};")]
        #[doc = concat!("let error: HttpException = ", stringify!($name), "::new(\"why\");")]
        #[doc = concat!("assert_eq!(error.body_json(), format!(r#\"{{\"message\":\"why\",\"error\":\"{}\",\"statusCode\":{}}}\"#, \"", $description, "\", error.status().as_u16()));")]
        /// ```
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        #[allow(
            clippy::new_ret_no_self,
            reason = "`NotFoundException::new(msg)` reads as NestJS's `new NotFoundException(msg)`, and the value is an HttpException"
        )]
        impl $name {
            /// This exception with `message`: `{"message":message,"error":<description>,"statusCode":<status>}`.
            pub fn new(message: impl Into<String>) -> HttpException {
                HttpException::described(StatusCode::$status, $description, message.into())
            }
        }

        impl ExceptionType for $name {
            fn matches(exception: &HttpException) -> bool {
                exception.status() == StatusCode::$status && !exception.is_unknown_error()
            }
        }

        impl From<$name> for HttpException {
            fn from(_: $name) -> Self {
                HttpException::bare(StatusCode::$status, $description)
            }
        }
    )*};
}

define_exceptions! {
    /// `400 Bad Request` (NestJS `BadRequestException`).
    BadRequestException => BAD_REQUEST, "Bad Request";
    /// `401 Unauthorized` (NestJS `UnauthorizedException`).
    UnauthorizedException => UNAUTHORIZED, "Unauthorized";
    /// `403 Forbidden` (NestJS `ForbiddenException`).
    ForbiddenException => FORBIDDEN, "Forbidden";
    /// `404 Not Found` (NestJS `NotFoundException`).
    NotFoundException => NOT_FOUND, "Not Found";
    /// `405 Method Not Allowed` (NestJS `MethodNotAllowedException`).
    MethodNotAllowedException => METHOD_NOT_ALLOWED, "Method Not Allowed";
    /// `406 Not Acceptable` (NestJS `NotAcceptableException`).
    NotAcceptableException => NOT_ACCEPTABLE, "Not Acceptable";
    /// `408 Request Timeout` (NestJS `RequestTimeoutException`).
    RequestTimeoutException => REQUEST_TIMEOUT, "Request Timeout";
    /// `409 Conflict` (NestJS `ConflictException`).
    ConflictException => CONFLICT, "Conflict";
    /// `410 Gone` (NestJS `GoneException`).
    GoneException => GONE, "Gone";
    /// `412 Precondition Failed` (NestJS `PreconditionFailedException`).
    PreconditionFailedException => PRECONDITION_FAILED, "Precondition Failed";
    /// `413 Payload Too Large` (NestJS `PayloadTooLargeException`).
    PayloadTooLargeException => PAYLOAD_TOO_LARGE, "Payload Too Large";
    /// `415 Unsupported Media Type` (NestJS `UnsupportedMediaTypeException`).
    UnsupportedMediaTypeException => UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type";
    /// `418 I'm a teapot` (NestJS `ImATeapotException`).
    ImATeapotException => IM_A_TEAPOT, "I'm a teapot";
    /// `421 Misdirected` (NestJS `MisdirectedException`).
    MisdirectedException => MISDIRECTED_REQUEST, "Misdirected";
    /// `422 Unprocessable Entity` (NestJS `UnprocessableEntityException`).
    UnprocessableEntityException => UNPROCESSABLE_ENTITY, "Unprocessable Entity";
    /// `500 Internal Server Error` (NestJS `InternalServerErrorException`).
    InternalServerErrorException => INTERNAL_SERVER_ERROR, "Internal Server Error";
    /// `501 Not Implemented` (NestJS `NotImplementedException`).
    NotImplementedException => NOT_IMPLEMENTED, "Not Implemented";
    /// `502 Bad Gateway` (NestJS `BadGatewayException`).
    BadGatewayException => BAD_GATEWAY, "Bad Gateway";
    /// `503 Service Unavailable` (NestJS `ServiceUnavailableException`).
    ServiceUnavailableException => SERVICE_UNAVAILABLE, "Service Unavailable";
    /// `504 Gateway Timeout` (NestJS `GatewayTimeoutException`).
    GatewayTimeoutException => GATEWAY_TIMEOUT, "Gateway Timeout";
    /// `505 HTTP Version Not Supported` (NestJS `HttpVersionNotSupportedException`).
    HttpVersionNotSupportedException => HTTP_VERSION_NOT_SUPPORTED, "HTTP Version Not Supported";
}

/// The exception behind an error response, kept on it for the filters.
#[derive(Clone, Debug)]
pub(crate) struct Thrown(pub(crate) std::sync::Arc<HttpException>);

/// A type named in `#[catch(...)]`: which exceptions it stands for.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an exception type",
    label = "`#[catch(...)]` takes `HttpException` or a built-in exception such as `NotFoundException`"
)]
pub trait ExceptionType {
    /// Whether `exception` is one of these.
    fn matches(exception: &HttpException) -> bool;
}

/// Every exception raised on purpose (not the 500 of an unknown error or a panic).
impl ExceptionType for HttpException {
    fn matches(exception: &HttpException) -> bool {
        !exception.is_unknown_error()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_without_message_puts_message_first() {
        // NestJS 12.6.3: `throw new NotFoundException()`.
        let error: HttpException = NotFoundException.into();
        assert_eq!(
            error.body_json(),
            r#"{"message":"Not Found","statusCode":404}"#
        );
        assert_eq!(error.message(), "Not Found");
    }

    #[test]
    fn a_hub_past_its_topic_limit_is_a_503_without_a_log_line() {
        let error: HttpException =
            crate::sse::hub::error::HubError::TooManyTopics { max_topics: 1 }.into();
        assert_eq!(error.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            error.body_json(),
            r#"{"message":"Service Unavailable","statusCode":503}"#
        );
        assert!(error.cause().is_none());
    }

    #[test]
    fn built_in_with_message_names_the_error() {
        assert_eq!(
            ForbiddenException::new("Forbidden resource").body_json(),
            r#"{"message":"Forbidden resource","error":"Forbidden","statusCode":403}"#
        );
    }

    #[test]
    fn custom_body_message_is_read_for_sse() {
        let with = HttpException::from_body(serde_json::json!({"message": "m"}), 400);
        let without = HttpException::from_body(serde_json::json!({"x": 1}), 400);
        assert_eq!(with.message(), "m");
        assert_eq!(without.message(), "Bad Request");
    }

    #[test]
    fn out_of_range_status_is_500() {
        assert_eq!(
            HttpException::new("x", 42).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
