//! [`Module`]: what `#[module]` implements, as NestJS's `@Module()`, and the [`ModuleBuilder`]
//! its generated code fills.

use std::{any::TypeId, marker::PhantomData, sync::Arc};

use super::AppBuilder;
use crate::{
    controller::Controller,
    di::{Injectable, Provider},
};

/// A group of controllers and providers, as NestJS's
/// `@Module({ imports, controllers, providers, exports })`; implemented by `#[module]`.
///
/// ```
/// use nest_core::prelude::*;
///
/// #[derive(Injectable, Default)]
/// struct CatsService;
///
/// impl CatsService {
///     fn names(&self) -> Vec<&'static str> { vec!["Tom"] }
/// }
///
/// #[derive(Injectable)]
/// struct CatsController {
///     cats: Arc<CatsService>,
/// }
///
/// #[controller("cats")]
/// impl CatsController {
///     #[get]
///     fn find_all(&self) -> Vec<&'static str> { self.cats.names() }
/// }
///
/// #[module(controllers = [CatsController], providers = [CatsService], exports = [CatsService])]
/// struct CatsModule;
///
/// #[module(imports = [CatsModule])]
/// struct AppModule;
///
/// let app = NestApplication::builder().import::<AppModule>().build().unwrap();
/// assert_eq!(app.routes().len(), 1);
/// ```
pub trait Module: 'static {
    /// The module's name, for error messages.
    const NAME: &'static str;

    /// Declares the module's imports, providers, exports and controllers.
    fn configure(module: &mut ModuleBuilder<'_>);
}

/// What a module declares; filled by the code `#[module]` generates.
#[derive(Debug)]
pub struct ModuleBuilder<'a> {
    pub(super) app: &'a mut AppBuilder,
    pub(super) id: TypeId,
}

impl ModuleBuilder<'_> {
    /// Imports module `M`: its exported providers become available here.
    pub fn import<M: Module>(&mut self) -> &mut Self {
        self.app.import::<M>();
        self.app.node(self.id).imports.push(TypeId::of::<M>());
        self
    }

    /// Makes the module global (NestJS `@Global()`): its exports are available everywhere.
    pub fn global(&mut self) -> &mut Self {
        self.app.node(self.id).global = true;
        self
    }

    /// Exports provider `T` to the modules that import this one.
    pub fn export<T: 'static>(&mut self) -> &mut Self {
        self.app.node(self.id).exports.push(TypeId::of::<T>());
        self
    }

    /// Provides `value` itself as a `T` (NestJS's `{ provide: T, useValue: value }`).
    pub fn provide_value<T: Send + Sync + 'static>(&mut self, value: T) -> &mut Self {
        let name = short_name::<T>();
        self.app
            .node(self.id)
            .providers
            .insert(TypeId::of::<T>(), Provider::value(name, Arc::new(value)));
        self
    }

    #[doc(hidden)]
    pub fn __provider_injected<T: Injectable>(&mut self) {
        self.app
            .node(self.id)
            .providers
            .insert(TypeId::of::<T>(), Provider::injected::<T>());
    }

    #[doc(hidden)]
    pub fn __provider_default<T: Default + Send + Sync + 'static>(&mut self) {
        self.app
            .node(self.id)
            .providers
            .insert(TypeId::of::<T>(), Provider::default::<T>(short_name::<T>()));
    }

    #[doc(hidden)]
    pub fn __controller_injected<C: Controller + Injectable>(&mut self) {
        self.app.pending_controller(self.id, |resolver| {
            resolver.enter(C::NAME, C::dependencies());
            let controller = C::inject(resolver);
            resolver.leave();
            Ok(Arc::new(controller?).__nest_routes())
        });
    }

    #[doc(hidden)]
    pub fn __controller_default<C: Controller + Default>(&mut self) {
        self.app
            .pending_controller(self.id, |_| Ok(Arc::new(C::default()).__nest_routes()));
    }
}

/// `my_crate::cats::CatsService` → `CatsService`.
fn short_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

/// A type named in `#[module(providers = [...], controllers = [...])]`, on its way to being
/// registered the way it supports: `Injectable` first, else `Default`.
#[doc(hidden)]
#[derive(Debug)]
pub struct Pick<T>(PhantomData<fn() -> T>);

impl<T> Pick<T> {
    /// The pick for `T`.
    pub fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T> Default for Pick<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Registers an `Injectable` provider or controller.
#[doc(hidden)]
pub trait ViaInjectable {
    /// As a provider.
    fn __nest_provider(self, module: &mut ModuleBuilder<'_>);
}

impl<T: Injectable> ViaInjectable for &&Pick<T> {
    fn __nest_provider(self, module: &mut ModuleBuilder<'_>) {
        module.__provider_injected::<T>();
    }
}

/// Registers a `Default` provider.
#[doc(hidden)]
pub trait ViaDefault {
    /// As a provider.
    fn __nest_provider(self, module: &mut ModuleBuilder<'_>);
}

impl<T: Default + Send + Sync + 'static> ViaDefault for &Pick<T> {
    fn __nest_provider(self, module: &mut ModuleBuilder<'_>) {
        module.__provider_default::<T>();
    }
}

/// Registers an `Injectable` controller.
#[doc(hidden)]
pub trait ViaInjectableController {
    /// As a controller.
    fn __nest_controller(self, module: &mut ModuleBuilder<'_>);
}

impl<T: Controller + Injectable> ViaInjectableController for &&Pick<T> {
    fn __nest_controller(self, module: &mut ModuleBuilder<'_>) {
        module.__controller_injected::<T>();
    }
}

/// Registers a `Default` controller.
#[doc(hidden)]
pub trait ViaDefaultController {
    /// As a controller.
    fn __nest_controller(self, module: &mut ModuleBuilder<'_>);
}

impl<T: Controller + Default> ViaDefaultController for &Pick<T> {
    fn __nest_controller(self, module: &mut ModuleBuilder<'_>) {
        module.__controller_default::<T>();
    }
}
