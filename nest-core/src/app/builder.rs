//! [`AppBuilder`]: collects controllers, checks their routes, logs the mapping.

use std::{any::TypeId, fmt, io, sync::Arc};

use super::{Module, NestApplication};
use crate::{controller::Controller, http::router::Router};

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
}

impl fmt::Debug for AppBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppBuilder")
            .field("controllers", &self.controllers.len())
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

    /// Adds module `M` (its imports, then its controllers). A module imported twice is added
    /// once, as in NestJS.
    pub fn import<M: Module>(&mut self) -> &mut Self {
        let id = TypeId::of::<M>();
        if !self.modules.contains(&id) {
            self.modules.push(id);
            M::configure(self);
        }
        self
    }

    /// Checks the routes and builds the application, logging each mapped route as NestJS does.
    pub fn build(&mut self) -> Result<NestApplication, StartupError> {
        let mut router = Router::default();
        for controller in std::mem::take(&mut self.controllers) {
            tracing::info!(target: "RoutesResolver", "{} {{{}}}:", controller.name, crate::http::join_path(controller.prefix, ""));
            for route in controller.into_routes() {
                let mapped = format!("Mapped {{{}, {}}} route", route.path, route.method);
                router.add(route).map_err(|conflict| StartupError {
                    message: conflict.to_string(),
                })?;
                tracing::info!(target: "RouterExplorer", "{mapped}");
            }
        }
        Ok(NestApplication::new(router))
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

impl From<StartupError> for io::Error {
    fn from(error: StartupError) -> Self {
        Self::other(error)
    }
}
