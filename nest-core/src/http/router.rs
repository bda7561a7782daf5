//! The router: NestJS paths (`/cats/:id`, `/files/*path`) matched with `matchit`, then by
//! method; anything unmatched gets NestJS's 404.

use std::{fmt, future::Future, pin::Pin, sync::Arc};

use http::Method;

use crate::context::AppContext;

use super::{
    exception::{BadRequestException, HttpException},
    request::{Request, percent_decode},
    response::Response,
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

    /// How specific the method is: an exact method beats a `GET` serving `HEAD`, which beats `ALL`.
    fn rank(self, method: &Method) -> u8 {
        match self {
            Self::All => 0,
            Self::Get if method == Method::HEAD => 1,
            _ => 2,
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
}

struct Endpoint {
    path: String,
    routes: Vec<Route>,
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

#[derive(Default)]
pub(crate) struct Router {
    tree: matchit::Router<usize>,
    endpoints: Vec<Endpoint>,
    /// The global exception filters, for requests no route takes.
    pub(crate) filters: Vec<Arc<dyn crate::pipeline::ExceptionFilter>>,
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.endpoints.iter().flat_map(|endpoint| {
                endpoint
                    .routes
                    .iter()
                    .map(move |route| format!("{} {}", route.method, endpoint.path))
            }))
            .finish()
    }
}

impl Router {
    /// Adds a route; an identical method and path, or paths `matchit` cannot tell apart, are an
    /// error that names both handlers.
    pub(crate) fn add(&mut self, route: Route) -> Result<(), RouteConflict> {
        let pattern = matchit_pattern(&route.path).map_err(|error| RouteConflict {
            message: format!(
                "route {{{}, {}}} of {}: {error}",
                route.path, route.method, route.name
            ),
        })?;
        if let Ok(found) = self.tree.at(&pattern) {
            let endpoint = &mut self.endpoints[*found.value];
            if endpoint.path == route.path {
                if let Some(existing) = endpoint.routes.iter().find(|r| r.method == route.method) {
                    return Err(RouteConflict {
                        message: format!(
                            "duplicate route {{{}, {}}}: mapped by both {} and {}",
                            route.path, route.method, existing.name, route.name
                        ),
                    });
                }
                endpoint.routes.push(route);
                return Ok(());
            }
        }
        match self.tree.insert(pattern, self.endpoints.len()) {
            Ok(()) => {
                self.endpoints.push(Endpoint {
                    path: route.path.clone(),
                    routes: vec![route],
                });
                Ok(())
            }
            Err(error) => Err(RouteConflict {
                message: format!(
                    "route {{{}, {}}} of {} conflicts with another route: {error}",
                    route.path, route.method, route.name
                ),
            }),
        }
    }

    /// Finds the handler for a request and runs it.
    pub(crate) fn dispatch(
        &self,
        parts: http::request::Parts,
        body: Option<hyper::body::Incoming>,
        context: &Arc<AppContext>,
    ) -> BoxFuture {
        // Answered as Node answers it, before routing: no exception filter sees it.
        if let Some(refused) = super::framing::check(&parts) {
            return Box::pin(std::future::ready(refused));
        }
        let (route, params) = match self.find(&parts.method, parts.uri.path()) {
            Lookup::Route(route, params) => (route, params),
            Lookup::NotFound => return self.unrouted(&parts, not_found(&parts)),
            Lookup::BadParam(raw) => {
                let error = BadRequestException::new(format!("Failed to decode param '{raw}'"));
                return self.unrouted(&parts, error.into_response());
            }
        };
        (route.handler)(Request::new(parts, params, Arc::clone(context), body))
    }

    /// The route for `method` and `path`, with its parameters percent-decoded.
    pub(crate) fn find(&self, method: &Method, path: &str) -> Lookup<'_> {
        // Express's non-strict routing: `/cats/` is `/cats`.
        let lookup = match path.strip_suffix('/') {
            Some(trimmed) if !trimmed.is_empty() => trimmed,
            _ => path,
        };
        let Ok(found) = self.tree.at(lookup) else {
            return Lookup::NotFound;
        };
        let endpoint = &self.endpoints[*found.value];
        let Some(route) = endpoint
            .routes
            .iter()
            .filter(|route| route.method.matches(method))
            .max_by_key(|route| route.method.rank(method))
        else {
            return Lookup::NotFound;
        };
        let mut params = Vec::with_capacity(found.params.len());
        for (name, raw) in found.params.iter() {
            let Some(value) = percent_decode(raw) else {
                return Lookup::BadParam(raw.to_owned());
            };
            params.push((name.to_owned(), value));
        }
        Lookup::Route(route, params)
    }

    /// The answer to a request no handler takes, through the global exception filters.
    fn unrouted(&self, parts: &http::request::Parts, response: Response) -> BoxFuture {
        if self.filters.is_empty() {
            return Box::pin(std::future::ready(response));
        }
        let head = super::RequestHead {
            method: parts.method.clone(),
            uri: parts.uri.clone(),
            version: parts.version,
            headers: parts.headers.clone(),
            ip: parts
                .extensions
                .get::<super::request::RemoteAddr>()
                .map(|addr| addr.0.ip().to_canonical()),
        };
        let host = crate::pipeline::ArgumentsHost {
            request: &head,
            controller: "",
            handler: "",
        };
        let response = crate::pipeline::apply_filters(&self.filters, response, &host);
        Box::pin(std::future::ready(response))
    }

    /// Every route as `(method, path, handler name)`, in the order they were added.
    pub(crate) fn routes(&self) -> impl Iterator<Item = &Route> {
        self.endpoints
            .iter()
            .flat_map(|endpoint| endpoint.routes.iter())
    }
}

/// What [`Router::find`] found.
pub(crate) enum Lookup<'a> {
    /// The route and its decoded parameters.
    Route(&'a Route, Vec<(String, String)>),
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

/// `/cats/:id/*rest` → `/cats/{id}/{*rest}`; a bare `*` becomes `{*path}`.
fn matchit_pattern(path: &str) -> Result<String, String> {
    let valid_name = |name: &str| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let mut out = String::with_capacity(path.len() + 4);
    for segment in path.split('/').filter(|segment| !segment.is_empty()) {
        out.push('/');
        if let Some(name) = segment.strip_prefix(':') {
            if !valid_name(name) {
                return Err(format!("invalid parameter name `:{name}`"));
            }
            out.push('{');
            out.push_str(name);
            out.push('}');
        } else if let Some(name) = segment.strip_prefix('*') {
            let name = if name.is_empty() { "path" } else { name };
            if !valid_name(name) {
                return Err(format!("invalid wildcard name `*{name}`"));
            }
            out.push_str("{*");
            out.push_str(name);
            out.push('}');
        } else {
            // Braces are matchit's parameter syntax: in a literal segment they are text.
            for c in segment.chars() {
                match c {
                    '{' => out.push_str("{{"),
                    '}' => out.push_str("}}"),
                    c => out.push(c),
                }
            }
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    // matchit panics past 26 parameters in one route (found by the `router` fuzz target).
    let params = path
        .split('/')
        .filter(|segment| segment.starts_with(':') || segment.starts_with('*'))
        .count();
    if params > MAX_PARAMS {
        return Err(format!(
            "{params} parameters; a route has at most {MAX_PARAMS}"
        ));
    }
    Ok(out)
}

/// The most parameters one route may declare.
const MAX_PARAMS: usize = 16;

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

    use super::*;

    #[test]
    fn matchit_patterns() {
        let pattern = |path| matchit_pattern(path).unwrap();
        assert_eq!(pattern("/"), "/");
        assert_eq!(pattern("/cats/:id"), "/cats/{id}");
        assert_eq!(pattern("/files/*"), "/files/{*path}");
        assert_eq!(pattern("/files/*rest"), "/files/{*rest}");
        // Found by the `router` fuzz target: braces in a literal were read as a parameter.
        assert_eq!(pattern("/a{b}"), "/a{{b}}");
        assert!(matchit_pattern("/:{x}").is_err());
        assert!(matchit_pattern("/:").is_err());
        let many: String = (0..30).map(|i| format!("/:p{i}")).collect();
        assert!(matchit_pattern(&many).is_err());
    }
}
