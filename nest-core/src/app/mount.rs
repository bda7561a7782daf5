//! Mounting: the routes as the application serves them, with the global prefix
//! (`app.set_global_prefix("api")`) and URI versioning (`app.enable_versioning(...)`) applied,
//! logged as NestJS logs them.

use std::sync::Arc;

use crate::{
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

    fn applies_to(&self, method: RequestMethod, path: &str) -> bool {
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

/// NestJS's `enableVersioning({ type: VersioningType.URI, defaultVersion, prefix })`: a route
/// with `#[version("1")]` (or in a controller with `version = "1"`) is served at `/v1/...`.
///
/// ```
/// use nest_core::app::Versioning;
/// let versioning = Versioning::uri().default_version("1");
/// # let _ = versioning;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioning {
    prefix: String,
    default_version: Option<String>,
}

impl Versioning {
    /// URI versioning with the `v` prefix and no default version.
    pub fn uri() -> Self {
        Self {
            prefix: "v".to_owned(),
            default_version: None,
        }
    }

    /// The version of routes that name none (NestJS `defaultVersion`).
    #[must_use]
    pub fn default_version(mut self, version: &str) -> Self {
        self.default_version = Some(version.to_owned());
        self
    }

    /// The text before the version number (`v` by default; NestJS `prefix`).
    #[must_use]
    pub fn prefix(mut self, prefix: &str) -> Self {
        prefix.clone_into(&mut self.prefix);
        self
    }
}

/// Builds the router for `routes`, logging each controller and route when `log` is set.
pub(super) fn mount(
    routes: &[MappedRoute],
    prefix: Option<&GlobalPrefix>,
    versioning: Option<&Versioning>,
    global: Global<'_>,
    log: bool,
) -> Result<Router, StartupError> {
    let mut router = Router::default();
    router.filters = global.filters.to_vec();
    let mut controller = "";
    for mapped in routes {
        if log && mapped.controller != controller {
            controller = mapped.controller;
            tracing::info!(target: "RoutesResolver", "{controller} {{{}}}:", mapped.controller_path);
        }
        let route = &guarded(mapped, global);
        let global = prefix
            .filter(|prefix| prefix.applies_to(route.method, &route.path))
            .map_or("", |prefix| prefix.prefix.as_str());
        let versions: Vec<Option<&str>> = match versioning {
            Some(_) if !mapped.versions.is_empty() => mapped
                .versions
                .iter()
                .map(|version| Some(*version))
                .collect(),
            Some(versioning) => vec![versioning.default_version.as_deref()],
            None => vec![None],
        };
        for version in versions {
            let path = match (version, versioning) {
                (Some(version), Some(versioning)) => join_path(
                    global,
                    &join_path(&format!("{}{version}", versioning.prefix), &route.path),
                ),
                _ => join_path(global, &route.path),
            };
            let mut mounted = route.clone();
            mounted.path = path;
            let line = match version {
                Some(version) => format!(
                    "Mapped {{{}, {}}} (version: {version}) route",
                    mounted.path, mounted.method
                ),
                None => format!("Mapped {{{}, {}}} route", mounted.path, mounted.method),
            };
            router
                .add(mounted)
                .map_err(|conflict| StartupError::new(conflict.to_string()))?;
            if log {
                tracing::info!(target: "RouterExplorer", "{line}");
            }
        }
    }
    Ok(router)
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
    let pipeline = Arc::new(pipeline);
    let handler = route.handler;
    route.handler = Arc::new(move |mut request| {
        let pipeline = Arc::clone(&pipeline);
        let handler = Arc::clone(&handler);
        if let Some(mappers) = &mappers {
            request.extensions_mut().insert(mappers.clone());
        }
        Box::pin(async move {
            // The filters need the request after the handler took it.
            let head = (!pipeline.filters.is_empty()).then(|| request.head());
            let response = crate::panic::catch(pipeline.handler, async {
                if let Some(early) = run_guards(&pipeline, &request).await {
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
