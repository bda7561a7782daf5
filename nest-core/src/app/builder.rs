//! [`AppBuilder`]: collects modules and controllers, builds every provider and controller
//! through the injector, checks the routes.

use std::{any::TypeId, fmt, sync::Arc};

use super::{
    Module, NestApplication,
    consumer::{self, MiddlewareConsumer},
    module::{DynamicModule, ModuleBuilder},
};
use crate::{
    controller::{Controller, ControllerInstance, ControllerRoutes},
    di::{
        Container, Dependency, Injectable, ModuleId, ModuleNode, Provider, RequestScope, Resolver,
        provider::{AnyArc, BoxFuture},
    },
    http::{HttpException, Request, router::join_path},
};
use crate::{error::StartupError, pipeline::Reflector};

/// Assembles a [`NestApplication`] from modules and controllers.
///
/// ```
/// use nest_core::prelude::*;
/// # #[derive(Default)] struct AppController;
/// # #[controller] impl AppController { #[get] fn hello(&self) -> &'static str { "hi" } }
/// let app = NestApplication::builder().controller(AppController).build().unwrap();
/// assert_eq!(app.routes().len(), 1);
/// ```
#[derive(Default)]
#[must_use = "an AppBuilder does nothing until `build` is called"]
pub struct AppBuilder {
    /// Controllers given as instances.
    controllers: Vec<ControllerRoutes>,
    /// Modules in the order they were added (the root first).
    modules: Vec<ModuleId>,
    pub(super) container: Container,
    /// Controllers of modules, built once every module is known.
    pending: Vec<PendingController>,
    /// Providers that replace others wherever they are provided (tests).
    overrides: Vec<(TypeId, Provider)>,
    /// The `NestModule::configure` of each module that binds middleware.
    middleware: Vec<(ModuleId, Configure)>,
    /// `RouterModule::register`: the path of each module's controllers, by module type.
    module_paths: std::collections::HashMap<TypeId, String>,
}

/// A module's `NestModule::configure`.
type Configure = fn(&mut MiddlewareConsumer);

/// A controller of a module, before the injector builds it.
pub(super) struct PendingController {
    module: ModuleId,
    name: &'static str,
    id: TypeId,
    dependencies: Vec<Dependency>,
    build: fn(&mut Resolver) -> Result<AnyArc, StartupError>,
    routes: fn(Built) -> ControllerRoutes,
}

/// Builds a request-scoped controller for one request, type-erased.
type BuildPerRequest =
    Arc<dyn Fn(&Request) -> BoxFuture<'static, Result<AnyArc, HttpException>> + Send + Sync>;

/// A built controller, before its type is restored.
enum Built {
    Shared(AnyArc),
    PerRequest(BuildPerRequest),
}

impl PendingController {
    /// A controller built by the injector.
    pub(super) fn injected<C: Controller + Injectable>(module: ModuleId) -> Self {
        Self {
            module,
            name: C::NAME,
            id: TypeId::of::<C>(),
            dependencies: C::dependencies(),
            build: |resolver| C::inject(resolver).map(|controller| Arc::new(controller) as AnyArc),
            routes: routes::<C>,
        }
    }

    /// A controller built with `Default`.
    pub(super) fn default<C: Controller + Default>(module: ModuleId) -> Self {
        Self {
            module,
            name: crate::di::provider::short_name::<C>(),
            id: TypeId::of::<C>(),
            dependencies: Vec::new(),
            build: |_| Ok(Arc::new(C::default()) as AnyArc),
            routes: routes::<C>,
        }
    }
}

/// The routes of controller `C`, from its type-erased instance.
fn routes<C: Controller>(built: Built) -> ControllerRoutes {
    let instance = match built {
        Built::Shared(instance) => match instance.downcast::<C>() {
            Ok(instance) => ControllerInstance::Shared(instance),
            Err(_) => unreachable!("a controller is built as its own type"),
        },
        Built::PerRequest(build) => ControllerInstance::PerRequest(Arc::new(move |request| {
            let built = build(request);
            Box::pin(async move {
                built
                    .await?
                    .downcast::<C>()
                    .map_err(|_| HttpException::internal("a controller was built as another type"))
            })
        })),
    };
    C::__nest_routes(instance)
}

impl fmt::Debug for AppBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppBuilder")
            .field(
                "controllers",
                &(self.controllers.len() + self.pending.len()),
            )
            .field("modules", &self.modules.len())
            .finish_non_exhaustive()
    }
}

impl AppBuilder {
    /// An empty application.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a controller instance.
    pub fn controller<C: Controller>(&mut self, controller: C) -> &mut Self {
        self.controllers
            .push(C::__nest_routes(ControllerInstance::Shared(Arc::new(
                controller,
            ))));
        self
    }

    /// Adds module `M` (its imports, providers and controllers). A module imported twice is
    /// added once, as in NestJS.
    pub fn import<M: Module>(&mut self) -> &mut Self {
        let id = ModuleId::of::<M>();
        if !self.modules.contains(&id) {
            self.modules.push(id);
            self.node(id).name = M::NAME;
            M::configure(&mut ModuleBuilder { app: self, id });
        }
        self
    }

    /// Adds a dynamic module (its imports, providers and controllers); the same value (or a
    /// clone of it) imported twice is added once.
    ///
    /// ```
    /// use nest_core::{prelude::*, DynamicModule};
    /// struct Greeting(&'static str);
    /// #[module]
    /// struct GreetingModule;
    /// let app = NestApplication::builder()
    ///     .import_dynamic(DynamicModule::new::<GreetingModule>().provide_value(Greeting("hi")))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(app.get::<Greeting>().unwrap().0, "hi");
    /// ```
    pub fn import_dynamic(&mut self, module: DynamicModule) -> &mut Self {
        let id = module.id;
        if !self.modules.contains(&id) {
            self.modules.push(id);
            let node = self.node(id);
            node.name = module.name;
            node.global |= module.global;
            let mut builder = ModuleBuilder { app: self, id };
            (module.declare)(&mut builder);
            for step in &module.steps {
                step(&mut builder);
            }
        }
        self
    }

    pub(super) fn node(&mut self, module: ModuleId) -> &mut ModuleNode {
        self.container.modules.entry(module).or_default()
    }

    /// Replaces provider `key` wherever a module provides it (the testing module's
    /// `override_provider`).
    #[cfg_attr(not(feature = "testing"), allow(dead_code))]
    pub(crate) fn override_provider(&mut self, provider: Provider, key: TypeId) {
        self.overrides.push((key, provider));
    }

    /// Serves the controllers of module `module` under `path` (`RouterModule`).
    pub(super) fn set_module_path(&mut self, module: TypeId, name: &'static str, path: &str) {
        if let Some(known) = self.module_paths.get(&module)
            && known != path
        {
            tracing::warn!(
                target: "RouterModule",
                "{name} is registered at both {known} and {path}; its controllers are served at {path}"
            );
        }
        self.module_paths.insert(module, path.to_owned());
    }

    pub(super) fn add_middleware(&mut self, module: ModuleId, configure: Configure) {
        if !self.middleware.iter().any(|(known, _)| *known == module) {
            self.middleware.push((module, configure));
        }
    }

    pub(super) fn pending_controller(&mut self, controller: PendingController) {
        self.pending.push(controller);
    }

    /// Builds the application, as [`build_async`](Self::build_async), when no provider needs
    /// to wait (no `use_async_factory` that awaits); otherwise an error says to use
    /// `NestFactory::create(...).await`.
    pub fn build(&mut self) -> Result<NestApplication, StartupError> {
        futures_util::FutureExt::now_or_never(self.build_async()).unwrap_or_else(|| {
            Err(StartupError::new(
                "an async provider is still being built: build the application with `NestFactory::create::<AppModule>().await` (or `AppBuilder::build_async().await`)".to_owned(),
            ))
        })
    }

    /// Builds every provider and controller (a missing provider or a cycle is an error in
    /// NestJS's words; singletons are built now, request-scoped ones per request), checks
    /// that the routes can all be matched, and builds the application. The routes are logged
    /// (`Mapped {/sse, GET} route`) when it starts serving, with its global prefix and
    /// versions applied.
    pub async fn build_async(&mut self) -> Result<NestApplication, StartupError> {
        // Controllers added as instances (no module) use an empty module of their own.
        let loose = ModuleId::of::<Self>();
        let root = self.modules.first().copied().unwrap_or(loose);
        if self.modules.is_empty() {
            self.node(loose).name = "application";
        }
        for (key, provider) in std::mem::take(&mut self.overrides) {
            let mut found = false;
            for node in self.container.modules.values_mut() {
                if let Some(slot) = node.providers.get_mut(&key) {
                    *slot = provider.clone();
                    found = true;
                }
            }
            if !found {
                return Err(StartupError::new(format!(
                    "override_provider: no module provides {}",
                    provider.name
                )));
            }
        }
        let mut container = std::mem::take(&mut self.container);
        container.set_order(&self.modules);
        // NestJS's `Reflector` can be injected anywhere.
        container.provide_everywhere::<Reflector>(|| Arc::new(Reflector));
        let container = Arc::new(container);
        // Every singleton is built at start-up, as in NestJS, so that a missing dependency is
        // reported now even if no controller uses it.
        for (module, provider) in container.providers() {
            container.check_provider(module, provider, &mut Vec::new())?;
        }
        for (module, provider) in container.providers() {
            if !container.is_deferred(module, provider) {
                container.instance(module, provider, None).await?;
            }
        }
        let mut built = Vec::new();
        for pending in std::mem::take(&mut self.pending) {
            let module = pending.module;
            let per_request = container.check(
                module,
                pending.name,
                &pending.dependencies,
                &mut vec![pending.name],
            )?;
            let instance = if per_request {
                per_request_controller(&container, pending.module, &pending)
            } else {
                let mut resolver = container
                    .resolve(module, pending.name, &pending.dependencies, None)
                    .await?;
                let instance = (pending.build)(&mut resolver)?;
                container.add_controller(module, pending.id, &instance);
                Built::Shared(instance)
            };
            built.push((module, (pending.routes)(instance)));
        }
        built.extend(
            std::mem::take(&mut self.controllers)
                .into_iter()
                .map(|routes| (root, routes)),
        );
        // Routes are matched in registration order, and NestJS registers the modules' routes
        // in the order it found the modules: the root module's controllers first, then each
        // import's, depth first (`self.modules`' order); a module's controllers keep their
        // order.
        built.sort_by_key(|(module, _)| {
            self.modules
                .iter()
                .position(|known| known == module)
                .unwrap_or(usize::MAX)
        });
        let mut routes = Vec::new();
        for (module, controller) in built {
            let module_path = self.module_paths.get(&module.module);
            for mut route in controller.into_routes() {
                if let Some(path) = module_path {
                    route.route.path = join_path(path, &route.route.path);
                    route.controller_path = join_path(path, &route.controller_path);
                }
                route.enhancers.check(&container, module)?;
                route.enhancers.build(&container, module).await?;
                routes.push(route);
            }
        }
        // Versioned routes are told apart by their versions (checked again, as served, when
        // the application starts).
        let global = crate::pipeline::Global {
            guards: &[],
            interceptors: &[],
            filters: &[],
            pipes: &[],
        };
        super::mount::mount(
            &routes,
            None,
            Some(&super::Versioning::uri()),
            global,
            false,
            false,
        )?;
        // NestJS runs the middleware of global modules first, then by the modules' distance
        // from the root module, each module's bindings in the order `configure` made them.
        let distances = distances(&container, root);
        let mut bound = std::mem::take(&mut self.middleware);
        bound.sort_by_key(|(module, _)| {
            let global = container
                .modules
                .get(module)
                .is_some_and(|node| node.global);
            (
                !global,
                distances.get(module).copied().unwrap_or(usize::MAX),
            )
        });
        let mut middleware = Vec::new();
        for (module, configure) in bound {
            let mut consumer = MiddlewareConsumer::default();
            configure(&mut consumer);
            middleware.extend(consumer::build(&container, module, consumer.into_configs()).await?);
        }
        let mut app = NestApplication::new(routes, container);
        app.middleware = middleware;
        Ok(app)
    }
}

/// A controller built for each request (it depends on a request-scoped provider).
fn per_request_controller(
    container: &Arc<Container>,
    module: ModuleId,
    pending: &PendingController,
) -> Built {
    let container = Arc::clone(container);
    let dependencies: Arc<[Dependency]> = pending.dependencies.clone().into();
    let (name, build) = (pending.name, pending.build);
    Built::PerRequest(Arc::new(move |request: &Request| {
        let container = Arc::clone(&container);
        let dependencies = Arc::clone(&dependencies);
        // A request-scoped middleware may have built this request's instances already.
        let scope = request
            .extensions()
            .get::<Arc<RequestScope>>()
            .cloned()
            .unwrap_or_else(|| Arc::new(RequestScope::new(request.head())));
        Box::pin(async move {
            let mut resolver = container
                .resolve(module, name, &dependencies, Some(&scope))
                .await
                .map_err(HttpException::internal)?;
            build(&mut resolver).map_err(HttpException::internal)
        })
    }))
}

/// How many imports away from `root` each module is (the root is 0).
fn distances(container: &Container, root: ModuleId) -> std::collections::HashMap<ModuleId, usize> {
    let mut distances = std::collections::HashMap::from([(root, 0)]);
    let mut queue = std::collections::VecDeque::from([root]);
    while let Some(module) = queue.pop_front() {
        let distance = distances[&module];
        for import in container
            .modules
            .get(&module)
            .map_or(&[][..], |node| &node.imports)
        {
            if !distances.contains_key(import) {
                distances.insert(*import, distance + 1);
                queue.push_back(*import);
            }
        }
    }
    distances
}
