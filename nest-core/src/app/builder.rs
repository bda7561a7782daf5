//! [`AppBuilder`]: collects controllers, checks their routes, logs the mapping.

use std::{any::TypeId, fmt, io, sync::Arc};

use super::{Module, NestApplication, module::ModuleBuilder};
use crate::{
    controller::Controller,
    di::{Container, ModuleNode, Resolver},
};

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
    controllers: Vec<crate::controller::ControllerRoutes>,
    modules: Vec<TypeId>,
    container: Container,
    /// Controllers of modules, built once every module is known.
    pending: Vec<(TypeId, PendingController)>,
}

type PendingController =
    Box<dyn FnOnce(&mut Resolver<'_>) -> Result<crate::controller::ControllerRoutes, StartupError>>;

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
        self.controllers.push(Arc::new(controller).__nest_routes());
        self
    }

    /// Adds module `M` (its imports, providers and controllers). A module imported twice is
    /// added once, as in NestJS.
    pub fn import<M: Module>(&mut self) -> &mut Self {
        let id = TypeId::of::<M>();
        if !self.modules.contains(&id) {
            self.modules.push(id);
            self.node(id).name = M::NAME;
            M::configure(&mut ModuleBuilder { app: self, id });
        }
        self
    }

    pub(super) fn node(&mut self, module: TypeId) -> &mut ModuleNode {
        self.container.modules.entry(module).or_default()
    }

    pub(super) fn pending_controller(
        &mut self,
        module: TypeId,
        build: impl FnOnce(
            &mut Resolver<'_>,
        ) -> Result<crate::controller::ControllerRoutes, StartupError>
        + 'static,
    ) {
        self.pending.push((module, Box::new(build)));
    }

    /// Builds every provider and controller (a missing provider or a cycle is an error in
    /// NestJS's words), checks that the routes can all be matched, and builds the application.
    /// The routes are logged (`Mapped {/sse, GET} route`) when it starts serving, with its
    /// global prefix and versions applied.
    pub fn build(&mut self) -> Result<NestApplication, StartupError> {
        // Every provider is a singleton built at start-up, as in NestJS, so that a missing
        // dependency is reported now even if no controller uses it.
        let providers: Vec<(TypeId, TypeId)> = self
            .container
            .modules
            .iter()
            .flat_map(|(module, node)| {
                node.providers
                    .keys()
                    .map(move |provider| (*module, *provider))
            })
            .collect();
        for (module, provider) in providers {
            self.container.resolver(module).build_provider(provider)?;
        }
        for (module, build) in std::mem::take(&mut self.pending) {
            let routes = build(&mut self.container.resolver(module))?;
            self.controllers.push(routes);
        }
        let routes: Vec<_> = std::mem::take(&mut self.controllers)
            .into_iter()
            .flat_map(crate::controller::ControllerRoutes::into_routes)
            .collect();
        // Versioned routes are told apart by their versions (checked again, as served, when
        // the application starts).
        let global = super::mount::Global {
            guards: &[],
            interceptors: &[],
        };
        super::mount::mount(
            &routes,
            None,
            Some(&super::Versioning::uri()),
            global,
            false,
        )?;
        Ok(NestApplication::new(routes))
    }
}

/// Why an application could not be built (two routes that cannot both be matched, …).
///
/// Converts into `std::io::Error`, so `main` can return `std::io::Result<()>` and use `?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartupError {
    message: String,
}

impl fmt::Display for StartupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StartupError {}

impl StartupError {
    pub(crate) fn new(message: String) -> Self {
        Self { message }
    }
}

impl From<StartupError> for io::Error {
    fn from(error: StartupError) -> Self {
        Self::other(error)
    }
}
