//! [`Request`]: what a handler's generated code reads its arguments from, and [`FromParam`],
//! the conversion of a `:name` path segment into a typed argument.

use std::sync::Arc;

use http::{HeaderMap, Method, Uri, Version, request::Parts};

use super::exception::{BadRequestException, HttpException};
use crate::context::AppContext;

/// A request as routed to a handler: its head and its decoded `:name` path parameters.
///
/// Handlers rarely see it: `#[param("id")]` arguments are read from it by the code
/// `#[controller]` generates.
///
/// ```
/// use nest_core::Request;
/// let request = Request::from_parts(
///     http::Request::get("/cats/7").body(()).unwrap().into_parts().0,
///     vec![("id".into(), "7".into())],
/// );
/// assert_eq!(request.param("id"), Some("7"));
/// assert_eq!(request.uri().path(), "/cats/7");
/// ```
#[derive(Debug)]
pub struct Request {
    parts: Parts,
    params: Vec<(String, String)>,
    context: Arc<AppContext>,
    body: Option<hyper::body::Incoming>,
    /// The body once read by `#[body]`, for the next `#[body("field")]`.
    read_body: Option<bytes::Bytes>,
}

/// What `#[req] req: RequestHead` gives a handler: the request's method, URI, version, headers
/// and client address (NestJS's `@Req()`, without the body, which `#[body]` reads).
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::RequestHead;
///
/// #[derive(Default)]
/// struct EchoController;
///
/// #[controller]
/// impl EchoController {
///     #[get("echo")]
///     fn echo(&self, #[req] req: RequestHead) -> String {
///         format!("{} {}", req.method, req.uri)
///     }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct RequestHead {
    /// The method.
    pub method: Method,
    /// The URI as sent (path and query).
    pub uri: Uri,
    /// The HTTP version.
    pub version: Version,
    /// The headers.
    pub headers: HeaderMap,
    /// The client's IP address, if known.
    pub ip: Option<std::net::IpAddr>,
}

impl RequestHead {
    /// The head of a request not routed yet, copied.
    pub(crate) fn of(parts: &Parts) -> Self {
        Self {
            method: parts.method.clone(),
            uri: parts.uri.clone(),
            version: parts.version,
            headers: parts.headers.clone(),
            ip: parts
                .extensions
                .get::<RemoteAddr>()
                .map(|addr| addr.0.ip().to_canonical()),
        }
    }
}

/// The client's address, attached to each request by the server (for `#[ip]`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RemoteAddr(pub(crate) std::net::SocketAddr);

/// The parameters of the host pattern the request matched (`#[host_param]`), raw as NestJS
/// gives them; attached by the router.
#[derive(Debug, Clone)]
pub(crate) struct HostParams(pub(crate) Vec<(String, String)>);

impl Request {
    /// A request from its head and its path parameters (already percent-decoded), outside any
    /// running application (default settings).
    pub fn from_parts(parts: Parts, params: Vec<(String, String)>) -> Self {
        Self::new(parts, params, Arc::default(), None)
    }

    pub(crate) fn new(
        parts: Parts,
        params: Vec<(String, String)>,
        context: Arc<AppContext>,
        body: Option<hyper::body::Incoming>,
    ) -> Self {
        Self {
            parts,
            params,
            context,
            body,
            read_body: None,
        }
    }

    /// The parameter `name` of the controller's host pattern (`#[host_param("account")]`,
    /// NestJS's `@HostParam('account')`), as the `Host` header has it (not percent-decoded).
    ///
    /// ```
    /// use nest_core::Request;
    /// let request = Request::from_parts(http::Request::get("/").body(()).unwrap().into_parts().0, vec![]);
    /// assert_eq!(request.host_param("account"), None);
    /// ```
    pub fn host_param(&self, name: &str) -> Option<&str> {
        self.host_params()
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Every parameter of the controller's host pattern, in order (`#[host_param]`).
    pub fn host_params(&self) -> &[(String, String)] {
        self.parts
            .extensions
            .get::<HostParams>()
            .map_or(&[], |params| params.0.as_slice())
    }

    /// The client's IP address (`#[ip]`, NestJS's `@Ip()`), if the server knows it.
    pub fn ip(&self) -> Option<std::net::IpAddr> {
        self.parts
            .extensions
            .get::<RemoteAddr>()
            .map(|addr| addr.0.ip().to_canonical())
    }

    /// The decoded query parameters, in order (`?a=1&b=x y`).
    pub fn query_pairs(&self) -> Result<Vec<(String, String)>, HttpException> {
        serde_urlencoded::from_str(self.parts.uri.query().unwrap_or_default())
            .map_err(|error| BadRequestException::new(format!("Invalid query string: {error}")))
    }

    /// The body, read at most once (up to the application's body limit) and kept for the next
    /// `#[body]` argument.
    pub(crate) fn read_body_cache(&mut self) -> &mut Option<bytes::Bytes> {
        &mut self.read_body
    }

    /// The method, URI, version and headers, copied (`#[req]`, NestJS's `@Req()`).
    pub fn head(&self) -> RequestHead {
        RequestHead::of(&self.parts)
    }

    /// Takes the request body (once; later calls get `None`).
    pub fn take_body(&mut self) -> Option<hyper::body::Incoming> {
        self.body.take()
    }

    /// The running application's shared settings and signals.
    pub(crate) fn context(&self) -> &Arc<AppContext> {
        &self.context
    }

    /// Replaces the path parameters (a middleware's are those of the path it is mounted at).
    pub(crate) fn set_params(&mut self, params: Vec<(String, String)>) {
        self.params = params;
    }

    /// The head and the body (if still there), to route the request again.
    pub(crate) fn into_parts(self) -> (Parts, Option<hyper::body::Incoming>) {
        (self.parts, self.body)
    }

    /// The value of the path parameter `name` (`:name` in the route path), percent-decoded.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Every path parameter, `(name, value)`, in path order.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// The request method.
    pub fn method(&self) -> &Method {
        &self.parts.method
    }

    /// The request URI.
    pub fn uri(&self) -> &Uri {
        &self.parts.uri
    }

    /// The HTTP version.
    pub fn version(&self) -> Version {
        self.parts.version
    }

    /// The request headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.parts.headers
    }

    /// Values attached to the request by the framework or by middleware.
    pub fn extensions(&self) -> &http::Extensions {
        &self.parts.extensions
    }

    /// Values attached to the request, to add one: a middleware attaches what the handler reads
    /// (NestJS's `req.user = ...`), as [`Extension`](crate::Extension).
    pub fn extensions_mut(&mut self) -> &mut http::Extensions {
        &mut self.parts.extensions
    }
}

/// A type a `:name` path segment converts into, for `#[param("name")] value: T` arguments.
///
/// A value that does not convert gives NestJS's `ParseIntPipe`-style 400:
/// `{"message":"Validation failed (numeric string is expected)","error":"Bad Request","statusCode":400}`.
///
/// ```
/// use nest_core::FromParam;
/// assert_eq!(u32::from_param("42").unwrap(), 42);
/// let error = u32::from_param("4x2").unwrap_err();
/// assert_eq!(error.message(), "Validation failed (numeric string is expected)");
/// assert_eq!(String::from_param("any").unwrap(), "any");
/// assert!(bool::from_param("true").unwrap());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read from a path parameter",
    label = "`#[param]` arguments must implement `FromParam`",
    note = "use String, a number type or bool, or implement `nest_core::FromParam`"
)]
pub trait FromParam: Sized {
    /// Converts the decoded value.
    fn from_param(value: &str) -> Result<Self, HttpException>;

    /// The value when it was not sent at all (a query parameter or header): a 400 unless the
    /// type is an `Option`.
    fn from_missing(name: &str) -> Result<Self, HttpException> {
        Err(BadRequestException::new(format!(
            "Validation failed ({name} is required)"
        )))
    }
}

/// Absent is `None`; present must convert.
impl<T: FromParam> FromParam for Option<T> {
    fn from_param(value: &str) -> Result<Self, HttpException> {
        T::from_param(value).map(Some)
    }

    fn from_missing(_name: &str) -> Result<Self, HttpException> {
        Ok(None)
    }
}

impl FromParam for String {
    fn from_param(value: &str) -> Result<Self, HttpException> {
        Ok(value.to_owned())
    }
}

impl FromParam for bool {
    fn from_param(value: &str) -> Result<Self, HttpException> {
        match value {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(BadRequestException::new(
                "Validation failed (boolean string is expected)",
            )),
        }
    }

    fn from_missing(_name: &str) -> Result<Self, HttpException> {
        Self::from_param("")
    }
}

macro_rules! numeric_params {
    ($($ty:ty),*) => {$(
        impl FromParam for $ty {
            fn from_param(value: &str) -> Result<Self, HttpException> {
                value.parse().map_err(|_| {
                    BadRequestException::new("Validation failed (numeric string is expected)")
                })
            }

            /// As NestJS's `ParseIntPipe` on `undefined`.
            fn from_missing(_name: &str) -> Result<Self, HttpException> {
                Self::from_param("")
            }
        }
    )*};
}

numeric_params!(
    u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64
);

/// Decodes `%XX` escapes in a path segment. `None` if an escape is malformed (a `%` not followed
/// by exactly two hex digits) or the result is not UTF-8, as `decodeURIComponent` throws.
pub(crate) fn percent_decode(segment: &str) -> Option<String> {
    if !segment.contains('%') {
        return Some(segment.to_owned());
    }
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let &[high, low] = bytes.get(index + 1..index + 3)? else {
                return None;
            };
            out.push((hex_digit(high)? << 4) | hex_digit(low)?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The value of one hex digit: `0-9`, `a-f` or `A-F`, and nothing else (no sign).
fn hex_digit(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b").as_deref(), Some("a b"));
        assert_eq!(percent_decode("%C3%A9").as_deref(), Some("é"));
        assert_eq!(percent_decode("plain").as_deref(), Some("plain"));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(percent_decode("%FF"), None);
        assert_eq!(percent_decode("%+f"), None);
        assert_eq!(percent_decode("%-1"), None);
        assert_eq!(percent_decode("% f"), None);
        assert_eq!(percent_decode("%af%"), None);
        assert_eq!(percent_decode("%2f%2F%7e").as_deref(), Some("//~"));
    }

    #[test]
    fn bad_numbers_get_nest_message() {
        let error = i64::from_param("1.5").unwrap_err();
        assert_eq!(
            error.body_json(),
            r#"{"message":"Validation failed (numeric string is expected)","error":"Bad Request","statusCode":400}"#
        );
    }
}
