//! The router: NestJS paths (`/cats/:id`, `/files/*path`, see [`PathPattern`]) matched in
//! registration order as Express matches them, then by method, host and version; anything
//! unmatched gets NestJS's 404.

use std::{collections::HashMap, fmt, future::Future, pin::Pin, sync::Arc};

use http::Method;

use crate::{
    app::versioning::{RouteVersion, Versioning},
    context::AppContext,
    http::{
        exception::{BadRequestException, HttpException},
        path_pattern::PathPattern,
        request::{HostParams, Request, percent_decode},
        response::Response,
    },
};

/// The HTTP method a route answers, named as NestJS's `RequestMethod` enum.
///
/// ```
/// use nest_core::RequestMethod;
/// assert_eq!(RequestMethod::Get.as_str(), "GET");
/// assert!(RequestMethod::All.matches(&http::Method::DELETE));
/// assert!(RequestMethod::Get.matches(&http::Method::HEAD));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestMethod {
    /// `GET` (also answers `HEAD`, with headers only).
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `DELETE`.
    Delete,
    /// `PATCH`.
    Patch,
    /// `OPTIONS`.
    Options,
    /// `HEAD`.
    Head,
    /// Every method.
    All,
}

impl RequestMethod {
    /// The method's name as NestJS logs it (`GET`, …, `ALL`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
            Self::Patch => "PATCH",
            Self::Options => "OPTIONS",
            Self::Head => "HEAD",
            Self::All => "ALL",
        }
    }

    /// Whether a request with `method` is routed here. `HEAD` falls back to `GET` routes, as in
    /// Express.
    pub fn matches(self, method: &Method) -> bool {
        match self {
            Self::All => true,
            Self::Get => method == Method::GET || method == Method::HEAD,
            Self::Post => method == Method::POST,
            Self::Put => method == Method::PUT,
            Self::Delete => method == Method::DELETE,
            Self::Patch => method == Method::PATCH,
            Self::Options => method == Method::OPTIONS,
            Self::Head => method == Method::HEAD,
        }
    }
}

impl fmt::Display for RequestMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub(crate) type BoxFuture = Pin<Box<dyn Future<Output = Response> + Send>>;
pub(crate) type Handler = Arc<dyn Fn(Request) -> BoxFuture + Send + Sync>;

/// One route, as collected from the controllers.
#[derive(Clone)]
pub(crate) struct Route {
    pub(crate) method: RequestMethod,
    /// The full NestJS-style path, e.g. `/cats/:id`.
    pub(crate) path: String,
    /// `Controller::method`, for logs and errors.
    pub(crate) name: String,
    pub(crate) handler: Handler,
    /// `#[controller(host = ...)]`: the hosts the route answers (any when empty).
    pub(crate) hosts: &'static [&'static str],
    /// The versions a request must carry (header, media type and custom versioning; `None`:
    /// any request).
    pub(crate) version: Option<RouteVersion>,
    /// What the OpenAPI document says about it (`#[controller]` writes it).
    pub(crate) doc: Option<crate::openapi::route::DescribeFn>,
}

impl Route {
    /// A route answering any host and version.
    pub(crate) fn new(method: RequestMethod, path: String, name: String, handler: Handler) -> Self {
        Self {
            method,
            path,
            name,
            handler,
            hosts: &[],
            version: None,
            doc: None,
        }
    }
}

/// A route as the router keeps it: parsed.
struct Entry {
    route: Route,
    pattern: PathPattern,
    hosts: Vec<PathPattern>,
}

/// An error found while building the routes: two routes that cannot both be matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteConflict {
    message: String,
}

impl fmt::Display for RouteConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RouteConflict {}

/// The routes in registration order, matched as Express matches them: the first route whose
/// path, method, host and version fit serves the request. Static paths are found through an
/// index (their positions in the order), the others by trying each in order.
#[derive(Default)]
pub(crate) struct Router {
    entries: Vec<Entry>,
    /// Lowercase static path → the entries with that path, in order.
    statics: HashMap<String, Vec<usize>>,
    /// The entries with a non-static path, in order.
    dynamic: Vec<usize>,
    /// Header, media type or custom versioning: how a request's version is read.
    pub(crate) versioning: Option<Versioning>,
    /// The global exception filters, for requests no route takes.
    pub(crate) filters: Vec<Arc<dyn crate::pipeline::ExceptionFilter>>,
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.entries
                    .iter()
                    .map(|entry| format!("{} {}", entry.route.method, entry.route.path)),
            )
            .finish()
    }
}

impl Router {
    /// Adds a route after the others. A path that does not parse, or a route that can never
    /// be reached because an earlier one has the same method, path (parameter names aside),
    /// hosts and versions, is an error that names both handlers.
    pub(crate) fn add(&mut self, route: Route) -> Result<(), RouteConflict> {
        let invalid = |route: &Route, error: String| RouteConflict {
            message: format!(
                "route {{{}, {}}} of {}: {error}",
                route.path, route.method, route.name
            ),
        };
        let pattern = PathPattern::parse(&route.path).map_err(|error| invalid(&route, error))?;
        let hosts = route
            .hosts
            .iter()
            .map(|host| PathPattern::parse_host(host))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| invalid(&route, format!("host: {error}")))?;
        let shape = pattern.shape();
        if let Some(existing) = self.entries.iter().find(|entry| {
            entry.route.method == route.method
                && entry.pattern.shape() == shape
                && entry.route.hosts == route.hosts
                && entry.route.version == route.version
        }) {
            return Err(RouteConflict {
                message: format!(
                    "duplicate route {{{}, {}}}: mapped by both {} and {}",
                    route.path, route.method, existing.route.name, route.name
                ),
            });
        }
        let index = self.entries.len();
        match pattern.static_path() {
            Some(path) => self.statics.entry(path.to_owned()).or_default().push(index),
            None => self.dynamic.push(index),
        }
        self.entries.push(Entry {
            route,
            pattern,
            hosts,
        });
        Ok(())
    }

    /// Finds the handler for a request and runs it.
    pub(crate) fn dispatch(
        &self,
        mut parts: http::request::Parts,
        body: Option<hyper::body::Incoming>,
        context: &Arc<AppContext>,
    ) -> BoxFuture {
        // Answered as Node answers it, before routing: no exception filter sees it.
        if let Some(refused) = super::framing::check(&parts) {
            return Box::pin(std::future::ready(refused));
        }
        let (route, params, host_params) =
            match self.find(&parts.method, parts.uri.path(), Some(&parts)) {
                Lookup::Route(route, params, host_params) => (route, params, host_params),
                Lookup::NotFound => return self.unrouted(&parts, not_found(&parts)),
                Lookup::BadParam(raw) => {
                    let error = BadRequestException::new(format!("Failed to decode param '{raw}'"));
                    return self.unrouted(&parts, error.into_response());
                }
            };
        if !host_params.is_empty() {
            parts.extensions.insert(HostParams(host_params));
        }
        (route.handler)(Request::new(parts, params, Arc::clone(context), body))
    }

    /// The first route, in registration order, for `method` and `path` (and for the host
    /// and versions of `parts`, when given), with its parameters percent-decoded and its host
    /// parameters (raw, as NestJS gives them).
    pub(crate) fn find(
        &self,
        method: &Method,
        path: &str,
        parts: Option<&http::request::Parts>,
    ) -> Lookup<'_> {
        let statics: &[usize] = self
            .statics
            .get(PathPattern::static_key(path).as_ref())
            .map_or(&[], Vec::as_slice);
        let mut statics = statics.iter().copied().peekable();
        let mut dynamic = self.dynamic.iter().copied().peekable();
        let mut extracted = None;
        let mut hostname = None;
        loop {
            // The next candidate in registration order, from either list.
            let index = match (statics.peek(), dynamic.peek()) {
                (Some(&s), Some(&d)) if s < d => statics.next(),
                (Some(_), None) => statics.next(),
                (_, Some(_)) => dynamic.next(),
                (None, None) => None,
            };
            let Some(index) = index else {
                return Lookup::NotFound;
            };
            let entry = &self.entries[index];
            let Some(raw) = entry.pattern.matches(path) else {
                continue;
            };
            // Express decodes a matching route's parameters before it checks the method: a
            // malformed one is a 400 even when the method is not this route's.
            let mut params = Vec::with_capacity(raw.len());
            for (name, value) in raw {
                let Some(decoded) = percent_decode(&value) else {
                    return Lookup::BadParam(value);
                };
                params.push((name, decoded));
            }
            if !entry.route.method.matches(method) {
                continue;
            }
            if let (Some(version), Some(versioning)) = (&entry.route.version, &self.versioning) {
                let extracted = extracted.get_or_insert_with(|| versioning.extract(parts));
                if !extracted.accepts(version) {
                    continue;
                }
            }
            let mut host_params = Vec::new();
            if !entry.hosts.is_empty() {
                let hostname = hostname.get_or_insert_with(|| parts.map(request_hostname));
                let hostname = hostname.as_ref().map_or("", |host| host.as_str());
                match entry.hosts.iter().find_map(|host| host.matches(hostname)) {
                    Some(found) => host_params = found,
                    None => continue,
                }
            }
            return Lookup::Route(&entry.route, params, host_params);
        }
    }

    /// The answer to a request no handler takes, through the global exception filters.
    fn unrouted(&self, parts: &http::request::Parts, response: Response) -> BoxFuture {
        if self.filters.is_empty() {
            return Box::pin(std::future::ready(response));
        }
        let head = super::RequestHead::of(parts);
        let host = crate::pipeline::ArgumentsHost {
            request: &head,
            controller: "",
            handler: "",
        };
        let response = crate::pipeline::apply_filters(&self.filters, response, &host);
        Box::pin(std::future::ready(response))
    }

    /// Every route, in the order they were added.
    pub(crate) fn routes(&self) -> impl Iterator<Item = &Route> {
        self.entries.iter().map(|entry| &entry.route)
    }
}

/// The request's host name as Express's `req.hostname`: the `Host` header (else the URI's
/// authority, as HTTP/2 sends it) without its port.
fn request_hostname(parts: &http::request::Parts) -> String {
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            parts
                .uri
                .authority()
                .map(|authority| authority.as_str().to_owned())
        })
        .unwrap_or_default();
    // An IPv6 literal keeps its colons: `[::1]:3000` is `[::1]`.
    let offset = if host.starts_with('[') {
        host.find(']').map_or(0, |end| end + 1)
    } else {
        0
    };
    match host[offset..].find(':') {
        Some(colon) => host[..offset + colon].to_owned(),
        None => host,
    }
}

/// What [`Router::find`] found.
pub(crate) enum Lookup<'a> {
    /// The route, its decoded parameters and its host parameters.
    Route(&'a Route, Vec<(String, String)>, Vec<(String, String)>),
    /// No route for this method and path.
    NotFound,
    /// A parameter that does not percent-decode to UTF-8.
    BadParam(String),
}

/// NestJS's answer for an unmatched route: `404 {"message":"Cannot GET /x","error":"Not Found","statusCode":404}`.
fn not_found(parts: &http::request::Parts) -> Response {
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path(), |target| target.as_str());
    HttpException::into_response(super::exception::NotFoundException::new(format!(
        "Cannot {} {target}",
        parts.method
    )))
}

/// Joins a controller prefix and a route path the NestJS way: one leading slash, no empty
/// segments, no trailing slash; an empty path is the prefix itself.
pub(crate) fn join_path(prefix: &str, path: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + path.len() + 2);
    for segment in prefix
        .split('/')
        .chain(path.split('/'))
        .filter(|segment| !segment.is_empty())
    {
        out.push('/');
        out.push_str(segment);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn paths_are_joined_the_nestjs_way() {
        use super::join_path;
        assert_eq!(join_path("cats", ":id"), "/cats/:id");
        assert_eq!(join_path("/cats/", ""), "/cats");
        assert_eq!(join_path("", ""), "/");
        assert_eq!(join_path("//a//", "/b/"), "/a/b");
    }
}
