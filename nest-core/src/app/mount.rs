//! Mounting: the routes as the application serves them, with the global prefix
//! (`app.set_global_prefix("api")`) and versioning (`app.enable_versioning(...)`, see
//! [`super::versioning`]) applied, logged as NestJS logs them.

use std::sync::Arc;

use crate::{
    app::versioning::{VERSION_NEUTRAL, Versioning},
    controller::MappedRoute,
    http::router::{self, RequestMethod, Router, join_path},
    pipeline::{
        ArgumentsHost, CallHandler, EventMappers, Global, Pipeline, apply_filters, run_guards,
    },
};

use crate::error::StartupError;

/// NestJS's `setGlobalPrefix(prefix, { exclude })`.
///
/// ```
/// use nest_core::{RequestMethod, app::GlobalPrefix};
/// let prefix = GlobalPrefix::new("api").exclude("health").exclude_route(RequestMethod::Get, "status");
/// # let _ = prefix;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GlobalPrefix {
    prefix: String,
    exclude: Vec<(Option<RequestMethod>, String)>,
}

impl GlobalPrefix {
    /// Every route's path starts with `prefix`.
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: join_path(prefix, ""),
            exclude: Vec::new(),
        }
    }

    /// Routes at `path` (any method; the full path without the prefix) keep their path.
    #[must_use]
    pub fn exclude(mut self, path: &str) -> Self {
        self.exclude.push((None, join_path(path, "")));
        self
    }

    /// The route `method path` keeps its path.
    #[must_use]
    pub fn exclude_route(mut self, method: RequestMethod, path: &str) -> Self {
        self.exclude.push((Some(method), join_path(path, "")));
        self
    }

    /// The prefix as a path (`/api`), empty for none.
    pub(crate) fn path(&self) -> &str {
        if self.prefix == "/" { "" } else { &self.prefix }
    }

    pub(crate) fn applies_to(&self, method: RequestMethod, path: &str) -> bool {
        !self.exclude.iter().any(|(excluded_method, excluded)| {
            excluded == path && excluded_method.is_none_or(|excluded| excluded == method)
        })
    }
}

/// `app.set_global_prefix("api")`: the prefix, excluding nothing.
impl From<&str> for GlobalPrefix {
    fn from(prefix: &str) -> Self {
        Self::new(prefix)
    }
}

/// Builds the router for `routes`, in their order (NestJS's: modules, then each module's
/// controllers, then each controller's methods), logging each controller and route when `log`
/// is set.
pub(super) fn mount(
    routes: &[MappedRoute],
    prefix: Option<&GlobalPrefix>,
    versioning: Option<&Versioning>,
    global: Global<'_>,
    log: bool,
    observe: bool,
) -> Result<Router, StartupError> {
    let mut router = Router::default();
    router.filters = global.filters.to_vec();
    router.versioning = versioning
        .filter(|versioning| versioning.uri_prefix().is_none())
        .cloned();
    let mut controller = "";
    for mapped in routes {
        // The controller's version is its own, else the default one (NestJS's
        // `getVersionMetadata`); a route's is its own, else its controller's.
        let controller_version = versioning.and_then(|versioning| {
            mapped
                .controller_version
                .as_ref()
                .or_else(|| versioning.default())
        });
        let version = versioning.and_then(|_| mapped.version.as_ref().or(controller_version));
        if log && mapped.controller != controller {
            controller = mapped.controller;
            let path = prefix.map_or_else(
                || mapped.controller_path.clone(),
                |prefix| join_path(&prefix.prefix, &mapped.controller_path),
            );
            match controller_version {
                Some(version) => tracing::info!(
                    target: "RoutesResolver",
                    "{controller} {{{path}}} (version: {}):",
                    version.display()
                ),
                None => tracing::info!(target: "RoutesResolver", "{controller} {{{path}}}:"),
            }
        }
        let route = &guarded(mapped, global);
        let global = prefix
            .filter(|prefix| prefix.applies_to(route.method, &route.path))
            .map_or("", |prefix| prefix.prefix.as_str());
        // URI versioning: one path per version (none for VERSION_NEUTRAL); the other types
        // keep the path and filter requests by their version.
        let paths: Vec<String> = match (version, versioning.and_then(Versioning::uri_prefix)) {
            (Some(version), Some(uri_prefix)) => version
                .all()
                .iter()
                .map(|version| {
                    if version == VERSION_NEUTRAL {
                        join_path(global, &route.path)
                    } else {
                        join_path(
                            global,
                            &join_path(&format!("{uri_prefix}{version}"), &route.path),
                        )
                    }
                })
                .collect(),
            _ => vec![join_path(global, &route.path)],
        };
        let filter = match versioning {
            Some(versioning) if versioning.uri_prefix().is_none() => version.cloned(),
            _ => None,
        };
        for path in paths {
            let mut mounted = route.clone();
            mounted.path = path;
            mounted.version.clone_from(&filter);
            if observe {
                named(&mut mounted);
            }
            router
                .add(mounted)
                .map_err(|conflict| StartupError::new(conflict.to_string()))?;
        }
        if log {
            let path = join_path(global, &route.path);
            match version {
                Some(version) => tracing::info!(
                    target: "RouterExplorer",
                    "Mapped {{{path}, {}}} (version: {}) route",
                    route.method,
                    version.display()
                ),
                None => tracing::info!(
                    target: "RouterExplorer",
                    "Mapped {{{path}, {}}} route",
                    route.method
                ),
            }
        }
    }
    Ok(router)
}

/// Makes the route name itself (its path pattern) in the request's
/// [`MatchedRoute`](crate::metrics::MatchedRoute), for the metrics and the request's span.
pub(super) fn named(route: &mut router::Route) {
    let pattern: Arc<str> = Arc::from(route.path.as_str());
    let handler = Arc::clone(&route.handler);
    route.handler = Arc::new(move |request| {
        if let Some(matched) = request
            .extensions()
            .get::<Arc<crate::metrics::MatchedRoute>>()
        {
            matched.set(&pattern);
        }
        handler(request)
    });
}

/// The route, with its guards, interceptors and filters (global ones included) around its
/// handler.
fn guarded(mapped: &MappedRoute, global: Global<'_>) -> router::Route {
    let mut route = mapped.route.clone();
    let pipeline = Pipeline::new(&mapped.enhancers, &global);
    if pipeline.is_empty() {
        return route;
    }
    let mappers = (!pipeline.interceptors.is_empty())
        .then(|| EventMappers(Arc::new(pipeline.interceptors.clone())));
    let pipes = pipeline.pipes.clone();
    let pipeline = Arc::new(pipeline);
    let handler = route.handler;
    route.handler = Arc::new(move |mut request| {
        let pipeline = Arc::clone(&pipeline);
        let handler = Arc::clone(&handler);
        if let Some(mappers) = &mappers {
            request.extensions_mut().insert(mappers.clone());
        }
        // The arguments' reading runs them (`__private`).
        if let Some(pipes) = &pipes {
            request.extensions_mut().insert(pipes.clone());
        }
        Box::pin(async move {
            let mut request = request;
            // The filters need the request after the handler took it.
            let head = (!pipeline.filters.is_empty()).then(|| request.head());
            let response = crate::panic::catch(pipeline.handler, async {
                if let Some(early) = run_guards(&pipeline, &mut request).await {
                    return early;
                }
                let name = pipeline.handler;
                let mut next =
                    CallHandler::new(Box::pin(crate::panic::catch(name, handler(request))));
                for interceptor in pipeline.interceptors.iter().rev() {
                    next = CallHandler::new(interceptor.intercept(next));
                }
                let response = next.handle().await;
                crate::pipeline::interceptors::after_all(&pipeline.interceptors, response)
            })
            .await;
            match &head {
                Some(head) => apply_filters(
                    &pipeline.filters,
                    response,
                    &ArgumentsHost {
                        request: head,
                        controller: pipeline.controller,
                        handler: pipeline.handler,
                    },
                ),
                None => response,
            }
        })
    });
    route
}
