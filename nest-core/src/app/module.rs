//! [`Module`]: what `#[module]` implements, as NestJS's `@Module()`, and the [`ModuleBuilder`]
//! its generated code fills.

use std::{any::TypeId, fmt, sync::Arc};

use super::{AppBuilder, builder::PendingController, consumer::NestModule};
use crate::{
    controller::Controller,
    di::{FactoryFn, Injectable, ModuleId, Pick, Provider, Token, provider::short_name},
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
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a module",
    label = "`imports` takes modules (`#[module]` types) and dynamic modules (`ConfigModule::for_root(...)`)",
    note = "add `#[module(...)]` to `{Self}`, or import the `DynamicModule` one of its functions returns"
)]
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
    pub(super) id: ModuleId,
}

impl ModuleBuilder<'_> {
    /// Imports module `M`: its exported providers become available here.
    pub fn import<M: Module>(&mut self) -> &mut Self {
        self.app.import::<M>();
        self.app.node(self.id).imports.push(ModuleId::of::<M>());
        self
    }

    /// Imports a dynamic module (NestJS's `imports: [ConfigModule.forRoot({ ... })]`): its
    /// exported providers become available here. `#[module(imports = [...])]` calls this for
    /// every entry that is not a plain path.
    ///
    /// ```
    /// use nest_core::{prelude::*, DynamicModule, ModuleBuilder};
    ///
    /// struct Greeting(&'static str);
    ///
    /// #[module]
    /// struct GreetingModule;
    ///
    /// struct AppModule;
    /// impl Module for AppModule {
    ///     const NAME: &'static str = "AppModule";
    ///     fn configure(module: &mut ModuleBuilder<'_>) {
    ///         module.import_dynamic(
    ///             DynamicModule::new::<GreetingModule>()
    ///                 .provide_value(Greeting("hello"))
    ///                 .export::<Greeting>(),
    ///         );
    ///     }
    /// }
    /// let app = NestApplication::builder().import::<AppModule>().build().unwrap();
    /// assert_eq!(app.get::<Greeting>().unwrap().0, "hello");
    /// ```
    pub fn import_dynamic(&mut self, module: DynamicModule) -> &mut Self {
        let id = module.id;
        self.app.import_dynamic(module);
        self.app.node(self.id).imports.push(id);
        self
    }

    /// Makes the module global (NestJS `@Global()`): its exports are available everywhere.
    pub fn global(&mut self) -> &mut Self {
        self.app.node(self.id).global = true;
        self
    }

    /// Exports provider `T` (a type or a token) to the modules that import this one; when `T`
    /// is a module this one imports, every provider that module exports is re-exported (NestJS's
    /// `exports: [CommonModule]`).
    pub fn export<T: 'static>(&mut self) -> &mut Self {
        self.app.node(self.id).exports.push(TypeId::of::<T>());
        self
    }

    fn provide(&mut self, key: TypeId, provider: Provider) -> &mut Self {
        self.app.node(self.id).providers.insert(key, provider);
        self
    }

    /// Provides `T` built by the injector (a `#[derive(Injectable)]` type), as NestJS's
    /// `providers: [T]`. A type named in `#[module(providers = [...])]` also has its lifecycle
    /// hooks registered; one given here has none.
    pub fn provider<T: Injectable>(&mut self) -> &mut Self {
        self.provide(TypeId::of::<T>(), Provider::injected::<T>())
    }

    /// Adds controller `C`, built by the injector (a `#[derive(Injectable)]` controller), as
    /// NestJS's `controllers: [C]`.
    pub fn controller<C: Controller + Injectable>(&mut self) -> &mut Self {
        self.__controller_injected::<C>();
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

/// One step of a [`DynamicModule`]'s declarations.
type Step = Arc<dyn Fn(&mut ModuleBuilder<'_>) + Send + Sync>;

/// A module configured where it is imported, as NestJS's dynamic modules: the
/// `{ module, global, imports, providers, exports, controllers }` a static method such as
/// `ConfigModule.forRoot(options)` returns.
///
/// [`DynamicModule::new::<M>()`](Self::new) starts from everything `M`'s own `#[module]`
/// declares, and the builder methods add to it (a provider given here replaces one of the same
/// key that `M` declares). Import it with `#[module(imports = [M::for_root(options)])]`: an
/// entry of `imports` that is a path is a static import, any other expression a dynamic one.
///
/// Identity: a static import of `M` is one module however often it is imported; each
/// `DynamicModule` value is a module of its own (two `for_feature` calls give two modules,
/// each with its own providers and instances), shared by its clones. Errors name it as NestJS
/// does, by its type (`... available in the ConfigModule context.`).
///
/// ```
/// use nest_core::{prelude::*, DynamicModule};
///
/// pub struct DatabaseOptions { pub url: String }
///
/// #[derive(Injectable)]
/// pub struct Database { options: Arc<DatabaseOptions> }
///
/// #[module(providers = [Database], exports = [Database])]
/// pub struct DatabaseModule;
///
/// impl DatabaseModule {
///     pub fn for_root(url: &str) -> DynamicModule {
///         DynamicModule::new::<Self>()
///             .global()
///             .provide_value(DatabaseOptions { url: url.to_owned() })
///     }
/// }
///
/// #[module(imports = [DatabaseModule::for_root("postgres://localhost/cats")])]
/// struct AppModule;
///
/// let app = NestApplication::builder().import::<AppModule>().build().unwrap();
/// assert_eq!(app.get::<Database>().unwrap().options.url, "postgres://localhost/cats");
/// ```
#[derive(Clone)]
#[must_use = "a DynamicModule does nothing until it is imported"]
pub struct DynamicModule {
    pub(super) id: ModuleId,
    pub(super) name: &'static str,
    pub(super) global: bool,
    /// `M::configure`: what the module's own `#[module]` declares.
    pub(super) declare: fn(&mut ModuleBuilder<'_>),
    pub(super) steps: Vec<Step>,
}

impl fmt::Debug for DynamicModule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynamicModule")
            .field("module", &self.name)
            .field("global", &self.global)
            .field("declarations", &self.steps.len())
            .finish_non_exhaustive()
    }
}

impl DynamicModule {
    /// A new dynamic module of type `M` (NestJS's `{ module: M }`), with everything `M`'s own
    /// `#[module]` declares.
    pub fn new<M: Module>() -> Self {
        Self {
            id: ModuleId::new_dynamic::<M>(),
            name: M::NAME,
            global: false,
            declare: M::configure,
            steps: Vec::new(),
        }
    }

    /// The module's name (its type's), as errors show it.
    ///
    /// ```
    /// use nest_core::{prelude::*, DynamicModule};
    /// #[module]
    /// struct ConfigModule;
    /// assert_eq!(DynamicModule::new::<ConfigModule>().name(), "ConfigModule");
    /// ```
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether it is global.
    pub fn is_global(&self) -> bool {
        self.global
    }

    /// Declares more with a closure over the module's [`ModuleBuilder`], as a hand-written
    /// [`Module::configure`] does; every other builder method is one such step.
    ///
    /// ```
    /// use nest_core::{prelude::*, DynamicModule, di::SyncFactory};
    /// struct Port(u16);
    /// #[module]
    /// struct ServerModule;
    /// let module = DynamicModule::new::<ServerModule>().configure(|module| {
    ///     module.provide_factory::<Port, _>(SyncFactory(|| Port(3000))).export::<Port>();
    /// });
    /// # let _ = module;
    /// ```
    pub fn configure(
        mut self,
        step: impl Fn(&mut ModuleBuilder<'_>) + Send + Sync + 'static,
    ) -> Self {
        self.steps.push(Arc::new(step));
        self
    }

    /// Makes it global (NestJS's `global: true`): its exports are available in every module.
    pub fn global(mut self) -> Self {
        self.global = true;
        self
    }

    /// Sets whether it is global (`global: options.is_global`).
    pub fn set_global(mut self, global: bool) -> Self {
        self.global = global;
        self
    }

    /// Imports module `N` into it.
    pub fn import<N: Module>(self) -> Self {
        self.configure(|module| {
            module.import::<N>();
        })
    }

    /// Imports another dynamic module into it.
    pub fn import_dynamic(self, imported: Self) -> Self {
        self.configure(move |module| {
            module.import_dynamic(imported.clone());
        })
    }

    /// Provides `value` as a `T` (`{ provide: T, useValue: value }`).
    pub fn provide_value<T: Send + Sync + 'static>(self, value: T) -> Self {
        self.with_provider(
            TypeId::of::<T>(),
            Provider::value(short_name::<T>(), Arc::new(value)),
        )
    }

    /// Provides what `factory` makes as a `T`, its arguments injected from this module's
    /// reach (`{ provide: T, useFactory, inject }`); see [`ModuleBuilder::provide_factory`].
    pub fn provide_factory<T: Send + Sync + 'static, Args>(
        self,
        factory: impl FactoryFn<Args, T>,
    ) -> Self {
        self.with_provider(
            TypeId::of::<T>(),
            Provider::factory(short_name::<T>(), factory),
        )
    }

    /// Provides `value` under token `K`.
    pub fn provide_token_value<K: Token>(self, value: K::Value) -> Self {
        self.with_provider(TypeId::of::<K>(), Provider::value(K::NAME, Arc::new(value)))
    }

    /// Provides what `factory` makes under token `K`.
    pub fn provide_token_factory<K: Token, Args>(
        self,
        factory: impl FactoryFn<Args, K::Value>,
    ) -> Self {
        self.with_provider(TypeId::of::<K>(), Provider::factory(K::NAME, factory))
    }

    /// Provides `T`, built by the injector (see [`ModuleBuilder::provider`]).
    pub fn provider<T: Injectable>(self) -> Self {
        self.configure(|module| {
            module.provider::<T>();
        })
    }

    /// Adds controller `C` (see [`ModuleBuilder::controller`]).
    pub fn controller<C: Controller + Injectable>(self) -> Self {
        self.configure(|module| {
            module.controller::<C>();
        })
    }

    /// Exports provider `T`, or re-exports module `T` (see [`ModuleBuilder::export`]).
    pub fn export<T: 'static>(self) -> Self {
        self.configure(|module| {
            module.export::<T>();
        })
    }

    fn with_provider(self, key: TypeId, provider: Provider) -> Self {
        self.configure(move |module| {
            module.provide(key, provider.clone());
        })
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
