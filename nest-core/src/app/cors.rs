//! CORS, as NestJS's `app.enableCors(options)` answers it with the Express `cors` package:
//! the same headers, in the same order, with the same values, on every response (errors, 404s
//! and event streams included), and preflight `OPTIONS` requests answered before routing.

use std::{convert::Infallible, fmt, future::Future, pin::Pin, sync::Arc};

use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use hyper::body::Incoming;
use tower::ServiceExt;

use super::middleware::{HttpService, StoredLayer};
use crate::http::{Body, Response};

/// The methods NestJS's CORS allows by default (the `cors` package's `methods`).
///
/// ```
/// assert_eq!(nest_core::app::DEFAULT_CORS_METHODS, "GET,HEAD,PUT,PATCH,POST,DELETE");
/// ```
pub const DEFAULT_CORS_METHODS: &str = "GET,HEAD,PUT,PATCH,POST,DELETE";

type OriginFuture = Pin<Box<dyn Future<Output = bool> + Send>>;
type OriginPredicate = Arc<dyn Fn(Option<&str>) -> OriginFuture + Send + Sync>;

/// Which origins CORS allows: the `origin` option of NestJS's `enableCors`.
///
/// | `cors` option | nest-rs | `Access-Control-Allow-Origin` |
/// | --- | --- | --- |
/// | `'*'` (the default) | [`CorsOrigin::any`], `"*"` | `*` |
/// | `'https://a.com'` | [`CorsOrigin::exact`], `"https://a.com"` | `https://a.com` (whatever the request's origin), with `Vary: Origin` |
/// | `true` | [`CorsOrigin::reflect`], `true` | the request's `Origin`, with `Vary: Origin` |
/// | `false` | [`CorsOrigin::disabled`], `false` | no CORS header at all |
/// | `/\.a\.com$/` | [`CorsOrigin::regex`], a `Regex` | the request's `Origin` if it matches, with `Vary: Origin` always |
/// | `['https://a.com', /\.b\.com$/]` | [`CorsOrigin::list`] | the request's `Origin` if one matches, with `Vary: Origin` always |
/// | `(origin, cb) => cb(null, allowed)` | [`CorsOrigin::predicate`], [`CorsOrigin::async_predicate`] | as `true` when allowed; no CORS header at all when not |
///
/// ```
/// use nest_core::app::{AllowedOrigin, CorsOrigin};
/// let origin = CorsOrigin::list([
///     AllowedOrigin::from("https://app.example.com"),
///     regex::Regex::new(r"\.example\.com$").unwrap().into(),
/// ]);
/// # drop(origin);
/// ```
#[derive(Clone)]
pub struct CorsOrigin(OriginKind);

#[derive(Clone)]
enum OriginKind {
    Any,
    Exact(String),
    Reflect,
    Disabled,
    List(Vec<AllowedOrigin>),
    Predicate(OriginPredicate),
}

impl fmt::Debug for CorsOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            OriginKind::Any => f.write_str("CorsOrigin::Any"),
            OriginKind::Exact(origin) => f.debug_tuple("CorsOrigin::Exact").field(origin).finish(),
            OriginKind::Reflect => f.write_str("CorsOrigin::Reflect"),
            OriginKind::Disabled => f.write_str("CorsOrigin::Disabled"),
            OriginKind::List(list) => f.debug_tuple("CorsOrigin::List").field(list).finish(),
            OriginKind::Predicate(_) => f.write_str("CorsOrigin::Predicate"),
        }
    }
}

impl CorsOrigin {
    /// Any origin: `Access-Control-Allow-Origin: *` (the default, `origin: '*'`).
    pub fn any() -> Self {
        Self(OriginKind::Any)
    }

    /// This origin, whatever the request's (`origin: 'https://a.com'`). `"*"` is [`any`](Self::any).
    pub fn exact(origin: impl Into<String>) -> Self {
        let origin = origin.into();
        if origin == "*" {
            Self::any()
        } else {
            Self(OriginKind::Exact(origin))
        }
    }

    /// The request's own origin (`origin: true`).
    pub fn reflect() -> Self {
        Self(OriginKind::Reflect)
    }

    /// No CORS at all (`origin: false`): requests go on without CORS headers, and `OPTIONS`
    /// goes to the routes.
    pub fn disabled() -> Self {
        Self(OriginKind::Disabled)
    }

    /// The request's origin if it matches this pattern (`origin: /\.a\.com$/`).
    pub fn regex(pattern: regex::Regex) -> Self {
        Self::list([AllowedOrigin::from(pattern)])
    }

    /// The request's origin if it is one of these or matches one of these patterns
    /// (`origin: ['https://a.com', /\.b\.com$/]`).
    pub fn list<I>(origins: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<AllowedOrigin>,
    {
        Self(OriginKind::List(
            origins.into_iter().map(Into::into).collect(),
        ))
    }

    /// The request's origin (`None` without an `Origin` header) if `allow` says so: NestJS's
    /// `origin: (origin, callback) => callback(null, allowed)`. A refused origin gets no CORS
    /// header at all, as the `cors` package gives none.
    ///
    /// ```
    /// use nest_core::app::CorsOrigin;
    /// let origin = CorsOrigin::predicate(|origin| origin.is_some_and(|o| o.ends_with(".example.com")));
    /// # drop(origin);
    /// ```
    pub fn predicate(allow: impl Fn(Option<&str>) -> bool + Send + Sync + 'static) -> Self {
        Self(OriginKind::Predicate(Arc::new(move |origin| {
            Box::pin(std::future::ready(allow(origin)))
        })))
    }

    /// [`predicate`](Self::predicate), answered asynchronously (a database look-up, say).
    ///
    /// ```
    /// use nest_core::app::CorsOrigin;
    /// let origin = CorsOrigin::async_predicate(|origin: Option<String>| async move {
    ///     origin.as_deref() == Some("https://app.example.com")
    /// });
    /// # drop(origin);
    /// ```
    pub fn async_predicate<F, Fut>(allow: F) -> Self
    where
        F: Fn(Option<String>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = bool> + Send + 'static,
    {
        Self(OriginKind::Predicate(Arc::new(move |origin| {
            Box::pin(allow(origin.map(str::to_owned)))
        })))
    }
}

impl Default for CorsOrigin {
    fn default() -> Self {
        Self::any()
    }
}

/// `true` reflects the request's origin, `false` disables CORS.
impl From<bool> for CorsOrigin {
    fn from(allow: bool) -> Self {
        if allow {
            Self::reflect()
        } else {
            Self::disabled()
        }
    }
}

/// `"*"` is any origin; anything else is that origin.
impl From<&str> for CorsOrigin {
    fn from(origin: &str) -> Self {
        Self::exact(origin)
    }
}

/// `"*"` is any origin; anything else is that origin.
impl From<String> for CorsOrigin {
    fn from(origin: String) -> Self {
        Self::exact(origin)
    }
}

impl From<regex::Regex> for CorsOrigin {
    fn from(pattern: regex::Regex) -> Self {
        Self::regex(pattern)
    }
}

impl<T: Into<AllowedOrigin>> From<Vec<T>> for CorsOrigin {
    fn from(origins: Vec<T>) -> Self {
        Self::list(origins)
    }
}

/// One entry of [`CorsOrigin::list`]: an origin, or a pattern an origin matches.
#[derive(Debug, Clone)]
pub struct AllowedOrigin(Allowed);

#[derive(Debug, Clone)]
enum Allowed {
    Exact(String),
    Pattern(regex::Regex),
}

impl From<&str> for AllowedOrigin {
    fn from(origin: &str) -> Self {
        Self(Allowed::Exact(origin.to_owned()))
    }
}

impl From<String> for AllowedOrigin {
    fn from(origin: String) -> Self {
        Self(Allowed::Exact(origin))
    }
}

impl From<regex::Regex> for AllowedOrigin {
    fn from(pattern: regex::Regex) -> Self {
        Self(Allowed::Pattern(pattern))
    }
}

impl AllowedOrigin {
    fn allows(&self, origin: &str) -> bool {
        match &self.0 {
            Allowed::Exact(allowed) => allowed == origin,
            Allowed::Pattern(pattern) => pattern.is_match(origin),
        }
    }
}

/// The options of [`NestApplication::enable_cors_with`](super::NestApplication::enable_cors_with),
/// as NestJS's `CorsOptions` (the `cors` package's): `CorsOptions::default()` is
/// `enableCors()`'s.
///
/// | `cors` option | nest-rs | default |
/// | --- | --- | --- |
/// | `origin` | [`origin`](Self::origin) | any (`*`) |
/// | `methods` | [`methods`](Self::methods) | `GET,HEAD,PUT,PATCH,POST,DELETE` |
/// | `allowedHeaders` | [`allowed_headers`](Self::allowed_headers) | the request's `Access-Control-Request-Headers`, with `Vary: Access-Control-Request-Headers` |
/// | `exposedHeaders` | [`exposed_headers`](Self::exposed_headers) | none |
/// | `credentials` | [`credentials`](Self::credentials) | `false` |
/// | `maxAge` | [`max_age`](Self::max_age) | none |
/// | `preflightContinue` | [`preflight_continue`](Self::preflight_continue) | `false` |
/// | `optionsSuccessStatus` | [`options_success_status`](Self::options_success_status) | `204` |
///
/// ```
/// use nest_core::{NestApplication, app::CorsOptions};
/// let mut app = NestApplication::builder().build().unwrap();
/// app.enable_cors_with(
///     CorsOptions::default()
///         .origin(vec!["https://app.example.com", "https://admin.example.com"])
///         .methods(["GET", "POST"])
///         .allowed_headers(["Content-Type", "Authorization"])
///         .exposed_headers(["X-Total-Count"])
///         .credentials(true)
///         .max_age(600),
/// );
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct CorsOptions {
    origin: CorsOrigin,
    methods: String,
    allowed_headers: Option<String>,
    exposed_headers: Option<String>,
    credentials: bool,
    max_age: Option<u64>,
    preflight_continue: bool,
    options_success_status: StatusCode,
}

impl Default for CorsOptions {
    fn default() -> Self {
        Self {
            origin: CorsOrigin::any(),
            methods: DEFAULT_CORS_METHODS.to_owned(),
            allowed_headers: None,
            exposed_headers: None,
            credentials: false,
            max_age: None,
            preflight_continue: false,
            options_success_status: StatusCode::NO_CONTENT,
        }
    }
}

/// The names, joined with commas, as the `cors` package joins an array.
fn joined<I>(names: I) -> String
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    names
        .into_iter()
        .map(|name| name.as_ref().to_owned())
        .collect::<Vec<_>>()
        .join(",")
}

impl CorsOptions {
    /// The allowed origins (`origin`): `"*"`, an origin, `true`, `false`, a `Regex`, a list,
    /// or a [`CorsOrigin`].
    pub fn origin(mut self, origin: impl Into<CorsOrigin>) -> Self {
        self.origin = origin.into();
        self
    }

    /// `Access-Control-Allow-Methods` of preflights (`methods`), joined with commas:
    /// `["GET", "POST"]` or `["GET,POST"]`.
    pub fn methods<I>(mut self, methods: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.methods = joined(methods);
        self
    }

    /// `Access-Control-Allow-Headers` of preflights (`allowedHeaders`), instead of the
    /// request's `Access-Control-Request-Headers`. An empty list sends none.
    pub fn allowed_headers<I>(mut self, headers: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.allowed_headers = Some(joined(headers));
        self
    }

    /// `Access-Control-Expose-Headers` (`exposedHeaders`), on every response.
    pub fn exposed_headers<I>(mut self, headers: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.exposed_headers = Some(joined(headers));
        self
    }

    /// `Access-Control-Allow-Credentials: true` (`credentials: true`).
    pub fn credentials(mut self, credentials: bool) -> Self {
        self.credentials = credentials;
        self
    }

    /// `Access-Control-Max-Age` of preflights, in seconds (`maxAge`).
    pub fn max_age(mut self, seconds: u64) -> Self {
        self.max_age = Some(seconds);
        self
    }

    /// Passes preflight `OPTIONS` requests on to the routes, with the CORS headers, instead of
    /// answering them (`preflightContinue: true`).
    pub fn preflight_continue(mut self, preflight_continue: bool) -> Self {
        self.preflight_continue = preflight_continue;
        self
    }

    /// The status of answered preflights (`optionsSuccessStatus`, default 204). A number
    /// that is not a status is ignored.
    pub fn options_success_status(mut self, status: u16) -> Self {
        if let Ok(status) = StatusCode::from_u16(status) {
            self.options_success_status = status;
        }
        self
    }

    /// The CORS headers for this request, in the `cors` package's order; `None` when the
    /// origin is refused by a predicate or CORS is disabled (no header at all).
    async fn headers(&self, request: &http::request::Parts) -> Option<CorsHeaders> {
        let request_origin = request.headers.get(header::ORIGIN);
        let mut headers = CorsHeaders::default();
        match &self.origin.0 {
            OriginKind::Disabled => return None,
            OriginKind::Any => headers.set(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            OriginKind::Exact(origin) => {
                headers.set(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
                headers.vary("Origin");
            }
            OriginKind::Reflect => {
                headers.reflect_origin(request_origin);
                headers.vary("Origin");
            }
            OriginKind::List(allowed) => {
                let text = request_origin.and_then(|origin| origin.to_str().ok());
                if text.is_some_and(|text| allowed.iter().any(|allowed| allowed.allows(text))) {
                    headers.reflect_origin(request_origin);
                }
                headers.vary("Origin");
            }
            OriginKind::Predicate(allow) => {
                let text = request_origin.and_then(|origin| origin.to_str().ok());
                if !allow(text).await {
                    return None;
                }
                headers.reflect_origin(request_origin);
                headers.vary("Origin");
            }
        }
        if self.credentials {
            headers.set(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
        if request.method == Method::OPTIONS {
            headers.set(header::ACCESS_CONTROL_ALLOW_METHODS, &self.methods);
            match &self.allowed_headers {
                Some(allowed) => headers.set(header::ACCESS_CONTROL_ALLOW_HEADERS, allowed),
                None => {
                    headers.vary("Access-Control-Request-Headers");
                    let requested = request
                        .headers
                        .get_all(header::ACCESS_CONTROL_REQUEST_HEADERS)
                        .iter()
                        .filter_map(|value| value.to_str().ok())
                        .collect::<Vec<_>>()
                        .join(", ");
                    headers.set(header::ACCESS_CONTROL_ALLOW_HEADERS, &requested);
                }
            }
            if let Some(max_age) = self.max_age {
                headers.set(header::ACCESS_CONTROL_MAX_AGE, &max_age.to_string());
            }
        }
        if let Some(exposed) = &self.exposed_headers {
            headers.set(header::ACCESS_CONTROL_EXPOSE_HEADERS, exposed);
        }
        Some(headers)
    }

    /// Answers `request`: a preflight here, anything else through `inner`, with the CORS
    /// headers in front of the response's own.
    async fn answer(&self, request: http::Request<Incoming>, inner: HttpService) -> Response {
        let (parts, body) = request.into_parts();
        let Some(headers) = self.headers(&parts).await else {
            return pass(inner, http::Request::from_parts(parts, body)).await;
        };
        if parts.method == Method::OPTIONS && !self.preflight_continue {
            // Safari waits for a body without it, says the `cors` package. hyper leaves the
            // length out of a 204 whose body it knows to be empty; of a body of unknown length
            // (that has no byte) it sends the header given.
            let mut response = Response::new(unsized_empty());
            *response.status_mut() = self.options_success_status;
            let mut map = headers.into_map(0);
            map.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
            *response.headers_mut() = map;
            return response;
        }
        let mut response = pass(inner, http::Request::from_parts(parts, body)).await;
        let own = std::mem::take(response.headers_mut());
        *response.headers_mut() = headers.before(own);
        response
    }
}

/// An empty body whose length hyper does not know, so that it sends the `Content-Length: 0`
/// header given (it leaves it out of a 204 otherwise).
fn unsized_empty() -> Body {
    use http_body_util::BodyExt;

    let frames = futures_util::stream::empty::<
        Result<http_body::Frame<bytes::Bytes>, super::middleware::BoxError>,
    >();
    Body::boxed(http_body_util::StreamBody::new(frames).boxed_unsync())
}

/// `request` through the rest of the application.
async fn pass(inner: HttpService, request: http::Request<Incoming>) -> Response {
    match inner.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// CORS headers in the order the `cors` package sets them; the values of `Vary` gathered in
/// one header at the place of the first, as the `vary` package appends them.
#[derive(Default)]
struct CorsHeaders {
    list: Vec<(HeaderName, String)>,
}

impl CorsHeaders {
    /// Sets `name`, unless `value` is empty (the `cors` package skips a falsy value).
    fn set(&mut self, name: HeaderName, value: &str) {
        if !value.is_empty() {
            self.list.push((name, value.to_owned()));
        }
    }

    fn reflect_origin(&mut self, origin: Option<&HeaderValue>) {
        if let Some(origin) = origin.and_then(|origin| origin.to_str().ok()) {
            self.set(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        }
    }

    fn vary(&mut self, field: &str) {
        match self.list.iter_mut().find(|(name, _)| name == header::VARY) {
            Some((_, value)) => {
                value.push_str(", ");
                value.push_str(field);
            }
            None => self.list.push((header::VARY, field.to_owned())),
        }
    }

    fn into_map(self, extra: usize) -> HeaderMap {
        let mut map = HeaderMap::with_capacity(self.list.len() + extra);
        for (name, value) in self.list {
            // A configured value that is not a header value is left out.
            if let Ok(value) = HeaderValue::try_from(value) {
                map.insert(name, value);
            }
        }
        map
    }

    /// These headers, then the response's `own`: one of the same name replaces a CORS header
    /// in its place (as a later `setHeader` does), and a `Vary` adds its fields to ours.
    fn before(self, own: HeaderMap) -> HeaderMap {
        let mut map = self.into_map(own.len());
        let mut last: Option<HeaderName> = None;
        for (name, value) in own {
            let name = match name {
                Some(name) => name,
                None => match &last {
                    Some(name) => {
                        map.append(name.clone(), value);
                        continue;
                    }
                    None => continue,
                },
            };
            if name == header::VARY {
                if let Some(merged) = map.get(header::VARY).and_then(|ours| vary(ours, &value)) {
                    map.insert(header::VARY, merged);
                } else if !map.contains_key(header::VARY) {
                    map.insert(header::VARY, value);
                }
                last = None;
            } else {
                map.insert(name.clone(), value);
                last = Some(name);
            }
        }
        map
    }
}

/// `ours` with the fields of `theirs` it lacks appended (the `vary` package).
fn vary(ours: &HeaderValue, theirs: &HeaderValue) -> Option<HeaderValue> {
    let (ours, theirs) = (ours.to_str().ok()?, theirs.to_str().ok()?);
    let mut merged = ours.to_owned();
    for field in theirs.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        if !ours
            .split(',')
            .any(|known| known.trim().eq_ignore_ascii_case(field))
        {
            merged.push_str(", ");
            merged.push_str(field);
        }
    }
    HeaderValue::try_from(merged).ok()
}

/// The layer [`NestApplication::enable_cors_with`](super::NestApplication::enable_cors_with)
/// adds.
pub(super) fn layer(options: CorsOptions) -> StoredLayer {
    let options = Arc::new(options);
    StoredLayer::new(move |inner| {
        let options = Arc::clone(&options);
        HttpService::new(tower::service_fn(move |request| {
            let options = Arc::clone(&options);
            let inner = inner.clone();
            async move { Ok::<_, Infallible>(options.answer(request, inner).await) }
        }))
    })
}

/// The layer [`NestApplication::enable_cors_with_delegate`](super::NestApplication::enable_cors_with_delegate)
/// adds: the options of each request are the delegate's answer for it.
pub(super) fn delegate_layer<F, Fut>(delegate: F) -> StoredLayer
where
    F: Fn(crate::http::RequestHead) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = CorsOptions> + Send + 'static,
{
    let delegate = Arc::new(delegate);
    StoredLayer::new(move |inner| {
        let delegate = Arc::clone(&delegate);
        HttpService::new(tower::service_fn(
            move |request: http::Request<Incoming>| {
                let delegate = Arc::clone(&delegate);
                let inner = inner.clone();
                async move {
                    let (parts, body) = request.into_parts();
                    let options = delegate(crate::http::RequestHead::of(&parts)).await;
                    let request = http::Request::from_parts(parts, body);
                    Ok::<_, Infallible>(options.answer(request, inner).await)
                }
            },
        ))
    })
}
