//! [`Module`]: what `#[module]` implements, as NestJS's `@Module()`, and the [`ModuleBuilder`]
//! its generated code fills.

use std::{any::TypeId, sync::Arc};

use super::{AppBuilder, builder::PendingController, consumer::NestModule};
use crate::{
    controller::Controller,
    di::{FactoryFn, Injectable, Pick, Provider, Token, provider::short_name},
    lifecycle::Hooks,
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

    /// Exports provider `T` (a type or a token) to the modules that import this one.
    pub fn export<T: 'static>(&mut self) -> &mut Self {
        self.app.node(self.id).exports.push(TypeId::of::<T>());
        self
    }

    fn provide(&mut self, key: TypeId, provider: Provider) -> &mut Self {
        self.app.node(self.id).providers.insert(key, provider);
        self
    }

    /// Provides `value` itself as a `T` (NestJS's `{ provide: T, useValue: value }`).
    pub fn provide_value<T: Send + Sync + 'static>(&mut self, value: T) -> &mut Self {
        self.provide(
            TypeId::of::<T>(),
            Provider::value(short_name::<T>(), Arc::new(value)),
        )
    }

    /// Provides what `factory` makes as a `T`, its arguments injected (NestJS's
    /// `{ provide: T, useFactory, inject }`); wrap a sync function in
    /// [`SyncFactory`](crate::di::SyncFactory), an async one in
    /// [`AsyncFactory`](crate::di::AsyncFactory).
    ///
    /// ```
    /// use nest_core::{prelude::*, ModuleBuilder, di::SyncFactory};
    ///
    /// struct Config { port: u16 }
    ///
    /// struct AppModule;
    /// impl Module for AppModule {
    ///     const NAME: &'static str = "AppModule";
    ///     fn configure(module: &mut ModuleBuilder<'_>) {
    ///         module.provide_factory::<Config, _>(SyncFactory(|| Config { port: 3000 }));
    ///     }
    /// }
    /// let app = NestApplication::builder().import::<AppModule>().build().unwrap();
    /// assert_eq!(app.get::<Config>().unwrap().port, 3000);
    /// ```
    pub fn provide_factory<T: Send + Sync + 'static, Args>(
        &mut self,
        factory: impl FactoryFn<Args, T>,
    ) -> &mut Self {
        self.provide(
            TypeId::of::<T>(),
            Provider::factory(short_name::<T>(), factory),
        )
    }

    /// Provides `value` under token `K` (NestJS's `{ provide: 'TOKEN', useValue }`).
    pub fn provide_token_value<K: Token>(&mut self, value: K::Value) -> &mut Self {
        self.provide(TypeId::of::<K>(), Provider::value(K::NAME, Arc::new(value)))
    }

    /// Provides what `factory` makes under token `K` (NestJS's
    /// `{ provide: 'TOKEN', useFactory, inject }`).
    pub fn provide_token_factory<K: Token, Args>(
        &mut self,
        factory: impl FactoryFn<Args, K::Value>,
    ) -> &mut Self {
        self.provide(TypeId::of::<K>(), Provider::factory(K::NAME, factory))
    }

    #[doc(hidden)]
    pub fn __provider_injected<T: Injectable>(&mut self) {
        self.provide(TypeId::of::<T>(), Provider::injected::<T>());
    }

    #[doc(hidden)]
    pub fn __provider_default<T: Default + Send + Sync + 'static>(&mut self) {
        self.provide(TypeId::of::<T>(), Provider::default::<T>());
    }

    #[doc(hidden)]
    pub fn __controller_injected<C: Controller + Injectable>(&mut self) {
        self.app
            .pending_controller(PendingController::injected::<C>(self.id));
    }

    #[doc(hidden)]
    pub fn __controller_default<C: Controller + Default>(&mut self) {
        self.app
            .pending_controller(PendingController::default::<C>(self.id));
    }

    /// The lifecycle hooks `T` implements.
    #[doc(hidden)]
    pub fn __hooks<T: 'static>(&mut self, hooks: Hooks) {
        if !hooks.is_empty() {
            self.app
                .node(self.id)
                .hooks
                .insert(TypeId::of::<T>(), hooks);
        }
    }
}

/// Registers the middleware bindings of a module that implements `NestModule`.
#[doc(hidden)]
pub trait ViaNestModule {
    /// Registers `configure`.
    fn __nest_middleware(self, module: &mut ModuleBuilder<'_>);
}

impl<T: NestModule> ViaNestModule for &&Pick<T> {
    fn __nest_middleware(self, module: &mut ModuleBuilder<'_>) {
        module.app.add_middleware(module.id, T::configure);
    }
}

/// A module without middleware.
#[doc(hidden)]
pub trait ViaPlainModule {
    /// Nothing to register.
    fn __nest_middleware(self, module: &mut ModuleBuilder<'_>);
}

impl<T> ViaPlainModule for &Pick<T> {
    fn __nest_middleware(self, _: &mut ModuleBuilder<'_>) {}
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

/// `{ provide: K, use_value: v }` where `K` is an injection token: `v` is a `K::Value`.
#[doc(hidden)]
pub trait ViaTokenKey {
    /// The provided value's type.
    type Value;
    /// `use_value`.
    fn __nest_use_value(self, module: &mut ModuleBuilder<'_>, value: Self::Value);
    /// `use_factory` / `use_async_factory`.
    fn __nest_use_factory<Args, F: FactoryFn<Args, Self::Value>>(
        self,
        module: &mut ModuleBuilder<'_>,
        factory: F,
    );
}

impl<K: Token> ViaTokenKey for &&Pick<K> {
    type Value = K::Value;

    fn __nest_use_value(self, module: &mut ModuleBuilder<'_>, value: K::Value) {
        module.provide_token_value::<K>(value);
    }

    fn __nest_use_factory<Args, F: FactoryFn<Args, K::Value>>(
        self,
        module: &mut ModuleBuilder<'_>,
        factory: F,
    ) {
        module.provide_token_factory::<K, Args>(factory);
    }
}

/// `{ provide: T, use_value: v }` where `T` is a type: `v` is a `T`.
#[doc(hidden)]
pub trait ViaTypeKey {
    /// The provided value's type.
    type Value;
    /// `use_value`.
    fn __nest_use_value(self, module: &mut ModuleBuilder<'_>, value: Self::Value);
    /// `use_factory` / `use_async_factory`.
    fn __nest_use_factory<Args, F: FactoryFn<Args, Self::Value>>(
        self,
        module: &mut ModuleBuilder<'_>,
        factory: F,
    );
}

impl<T: Send + Sync + 'static> ViaTypeKey for &Pick<T> {
    type Value = T;

    fn __nest_use_value(self, module: &mut ModuleBuilder<'_>, value: T) {
        module.provide_value(value);
    }

    fn __nest_use_factory<Args, F: FactoryFn<Args, T>>(
        self,
        module: &mut ModuleBuilder<'_>,
        factory: F,
    ) {
        module.provide_factory::<T, Args>(factory);
    }
}
