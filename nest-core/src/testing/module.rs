//! [`Test::create_testing_module`]: an application built from a module with some providers
//! replaced, as `@nestjs/testing`'s `Test.createTestingModule(...).overrideProvider(...)`.

use std::{any::TypeId, marker::PhantomData, sync::Arc};

use crate::{
    app::{AppBuilder, Module, NestApplication},
    di::{FactoryFn, Provider, provider::short_name},
    error::StartupError,
};

/// The entry point of a test, as NestJS's `Test`.
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::testing::Test;
///
/// #[derive(Injectable, Default)]
/// struct CatsService { names: Vec<String> }
///
/// #[derive(Injectable)]
/// struct CatsController { cats: Arc<CatsService> }
///
/// #[controller("cats")]
/// impl CatsController {
///     #[get]
///     fn find_all(&self) -> Vec<String> { self.cats.names.clone() }
/// }
///
/// #[module(controllers = [CatsController], providers = [CatsService])]
/// struct CatsModule;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), nest_core::StartupError> {
/// let module = Test::create_testing_module::<CatsModule>()
///     .override_provider::<CatsService>()
///     .use_value(CatsService { names: vec!["test".into()] })
///     .compile()
///     .await?;
/// assert_eq!(module.get::<CatsService>().unwrap().names, ["test"]);
/// let app = module.create_nest_application();
/// # drop(app);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Test;

impl Test {
    /// A testing module built from module `M` (NestJS's `Test.createTestingModule({ imports: [M] })`).
    pub fn create_testing_module<M: Module>() -> TestingModuleBuilder {
        let mut builder = AppBuilder::new();
        builder.import::<M>();
        TestingModuleBuilder { builder }
    }
}

/// A testing module before [`compile`](Self::compile).
#[derive(Debug)]
#[must_use = "a testing module is built by `compile`"]
pub struct TestingModuleBuilder {
    builder: AppBuilder,
}

impl TestingModuleBuilder {
    /// Replaces the provider `T` wherever a module provides it (NestJS's
    /// `.overrideProvider(T)`); say with what next.
    pub fn override_provider<T: Send + Sync + 'static>(self) -> OverrideBy<T> {
        OverrideBy {
            builder: self,
            key: PhantomData,
        }
    }

    /// Builds every provider and controller, overrides included (NestJS's `.compile()`).
    pub async fn compile(mut self) -> Result<TestingModule, StartupError> {
        let app = self.builder.build_async().await?;
        Ok(TestingModule { app })
    }
}

/// What replaces a provider ([`TestingModuleBuilder::override_provider`]).
#[derive(Debug)]
#[must_use = "say what replaces the provider: `use_value` or `use_factory`"]
pub struct OverrideBy<T> {
    builder: TestingModuleBuilder,
    key: PhantomData<fn() -> T>,
}

impl<T: Send + Sync + 'static> OverrideBy<T> {
    /// This value replaces the provider (NestJS's `.useValue(value)`).
    pub fn use_value(mut self, value: T) -> TestingModuleBuilder {
        self.builder.builder.override_provider(
            Provider::value(short_name::<T>(), Arc::new(value)),
            key::<T>(),
        );
        self.builder
    }

    /// What `factory` makes replaces the provider, its arguments injected (NestJS's
    /// `.useFactory({ factory, inject })`); wrap it in [`SyncFactory`](crate::di::SyncFactory)
    /// or [`AsyncFactory`](crate::di::AsyncFactory).
    pub fn use_factory<Args>(mut self, factory: impl FactoryFn<Args, T>) -> TestingModuleBuilder {
        self.builder
            .builder
            .override_provider(Provider::factory(short_name::<T>(), factory), key::<T>());
        self.builder
    }
}

fn key<T: 'static>() -> TypeId {
    TypeId::of::<T>()
}

/// A compiled testing module (NestJS's `TestingModule`): its providers, and the application.
#[derive(Debug)]
pub struct TestingModule {
    app: NestApplication,
}

impl TestingModule {
    /// The provider `T` (NestJS's `moduleRef.get(T)`).
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        self.app.get::<T>()
    }

    /// The application, to `bind` and call over real TCP (NestJS's
    /// `moduleRef.createNestApplication()`).
    pub fn create_nest_application(self) -> NestApplication {
        self.app
    }
}
