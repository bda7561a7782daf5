//! NestJS's `RouterModule`: a path for every controller of a module (and of its children),
//! registered once where the application is assembled.

use std::any::TypeId;

use super::{Module, ModuleBuilder, module::DynamicModule};
use crate::http::router::join_path;

/// `RouterModule::register(routes)`: the controllers of each module of `routes` are served
/// under its path, children under their parent's, as NestJS's `RouterModule`. The modules are
/// imported as usual; this only gives them their paths.
///
/// A route's path is built as NestJS builds it: the global prefix, the version (URI
/// versioning), the module's path, the controller's, the route's (`/api/v1/admin/users/:id`).
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::app::{RouteTree, RouterModule};
///
/// #[derive(Default)]
/// struct UsersController;
///
/// #[controller("users")]
/// impl UsersController {
///     #[get]
///     fn all(&self) -> &'static str { "[]" }
/// }
///
/// #[module(controllers = [UsersController])]
/// struct UsersModule;
///
/// #[module(imports = [UsersModule])]
/// struct AdminModule;
///
/// #[module(imports = [
///     AdminModule,
///     RouterModule::register([
///         RouteTree::new::<AdminModule>("admin").children([
///             RouteTree::new::<UsersModule>("accounts"),
///         ]),
///     ]),
/// ])]
/// struct AppModule;
///
/// let app = NestApplication::builder().import::<AppModule>().build().unwrap();
/// let paths: Vec<String> = app.routes().into_iter().map(|(_, path)| path).collect();
/// assert_eq!(paths, ["/admin/accounts/users"]);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RouterModule;

impl Module for RouterModule {
    const NAME: &'static str = "RouterModule";

    fn configure(_: &mut ModuleBuilder<'_>) {}
}

impl RouterModule {
    /// The paths of `routes`' modules (NestJS's `RouterModule.register(routes)`).
    pub fn register(routes: impl IntoIterator<Item = RouteTree>) -> DynamicModule {
        let mut paths = Vec::new();
        for route in routes {
            route.flatten("", &mut paths);
        }
        DynamicModule::new::<Self>().configure(move |module| {
            for (id, name, path) in &paths {
                module.app.set_module_path(*id, name, path);
            }
        })
    }
}

/// One entry of [`RouterModule::register`], as NestJS's `RouteTree`: a path, the module served
/// under it, and its children, whose paths follow it.
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::app::RouteTree;
/// #[module] struct AdminModule;
/// #[module] struct DashboardModule;
/// #[module] struct MetricsModule;
/// let tree = RouteTree::new::<AdminModule>("admin").children([
///     RouteTree::new::<DashboardModule>("dashboard"),
///     // NestJS's `children: [MetricsModule]`: the parent's path.
///     RouteTree::module::<MetricsModule>(),
/// ]);
/// # let _ = tree;
/// ```
#[derive(Debug, Clone)]
#[must_use = "a RouteTree does nothing until given to RouterModule::register"]
pub struct RouteTree {
    path: String,
    module: Option<(TypeId, &'static str)>,
    children: Vec<Self>,
}

impl RouteTree {
    /// `{ path, module: M }`.
    pub fn new<M: Module>(path: &str) -> Self {
        Self {
            path: path.to_owned(),
            module: Some((TypeId::of::<M>(), M::NAME)),
            children: Vec::new(),
        }
    }

    /// `{ path, children }`: a path that only groups its children.
    pub fn path(path: &str) -> Self {
        Self {
            path: path.to_owned(),
            module: None,
            children: Vec::new(),
        }
    }

    /// A module given as a child without a path (NestJS's `children: [M]`): served at its
    /// parent's path.
    pub fn module<M: Module>() -> Self {
        Self::new::<M>("")
    }

    /// The routes under this one (NestJS's `children`).
    pub fn children(mut self, children: impl IntoIterator<Item = Self>) -> Self {
        self.children.extend(children);
        self
    }

    fn flatten(self, parent: &str, out: &mut Vec<(TypeId, &'static str, String)>) {
        let path = join_path(parent, &self.path);
        if let Some((id, name)) = self.module {
            out.push((id, name, path.clone()));
        }
        for child in self.children {
            child.flatten(&path, out);
        }
    }
}
