//! How one provider is built: by the injector (`#[derive(Injectable)]`), with `Default`, from a
//! value (`use_value`), or by a factory function, sync or async (`use_factory`,
//! `use_async_factory`), whose arguments are injected.

use std::{any::Any, fmt, future::Future, pin::Pin, sync::Arc};

use super::{Dependency, InjectField, Injectable, Resolver, Scope};
use crate::error::StartupError;

pub(crate) type AnyArc = Arc<dyn Any + Send + Sync>;
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Builds one instance from its resolved dependencies.
pub(crate) type Build =
    Arc<dyn Fn(Resolver) -> BoxFuture<'static, Result<AnyArc, StartupError>> + Send + Sync>;

/// One provider of a module.
#[derive(Clone)]
pub(crate) struct Provider {
    pub(crate) name: &'static str,
    pub(crate) scope: Scope,
    pub(crate) dependencies: Vec<Dependency>,
    pub(crate) build: Build,
}

impl fmt::Debug for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Provider")
            .field("name", &self.name)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl Provider {
    /// A provider built by `T::inject`.
    pub(crate) fn injected<T: Injectable>() -> Self {
        Self {
            name: T::NAME,
            scope: T::SCOPE,
            dependencies: T::dependencies(),
            build: Arc::new(|mut resolver| {
                let built = T::inject(&mut resolver).map(|value| Arc::new(value) as AnyArc);
                Box::pin(std::future::ready(built))
            }),
        }
    }

    /// A provider built with `Default`.
    pub(crate) fn default<T: Default + Send + Sync + 'static>() -> Self {
        Self {
            name: short_name::<T>(),
            scope: Scope::Singleton,
            dependencies: Vec::new(),
            build: Arc::new(|_| Box::pin(std::future::ready(Ok(Arc::new(T::default()) as AnyArc)))),
        }
    }

    /// A provider that is this value (NestJS's `useValue`).
    pub(crate) fn value<T: Send + Sync + 'static>(name: &'static str, value: Arc<T>) -> Self {
        Self {
            name,
            scope: Scope::Singleton,
            dependencies: Vec::new(),
            build: Arc::new(move |_| {
                Box::pin(std::future::ready(Ok(Arc::clone(&value) as AnyArc)))
            }),
        }
    }

    /// A provider made by `factory` (NestJS's `useFactory`), its arguments injected.
    pub(crate) fn factory<T, Args, F>(name: &'static str, factory: F) -> Self
    where
        T: Send + Sync + 'static,
        F: FactoryFn<Args, T>,
    {
        let factory = Arc::new(factory);
        Self {
            name,
            scope: Scope::Singleton,
            dependencies: F::dependencies(),
            build: Arc::new(move |mut resolver| {
                let built = factory.call(&mut resolver);
                Box::pin(async move { Ok(Arc::new(built?.await?) as AnyArc) })
            }),
        }
    }
}

/// `my_crate::cats::CatsService` → `CatsService`.
pub(crate) fn short_name<T: ?Sized>() -> &'static str {
    let full = std::any::type_name::<T>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

/// A factory's result: the value itself, or a `Result` whose error stops the start-up.
///
/// ```
/// use nest_core::di::IntoProvided;
/// assert_eq!(IntoProvided::<u8>::into_provided(3u8).unwrap(), 3);
/// let failed: Result<u8, &str> = Err("no database");
/// assert_eq!(IntoProvided::<u8>::into_provided(failed).unwrap_err().to_string(), "no database");
/// ```
pub trait IntoProvided<T> {
    /// The value, or why it could not be made.
    fn into_provided(self) -> Result<T, StartupError>;
}

impl<T> IntoProvided<T> for T {
    fn into_provided(self) -> Result<T, StartupError> {
        Ok(self)
    }
}

impl<T, E: fmt::Display> IntoProvided<T> for Result<T, E> {
    fn into_provided(self) -> Result<T, StartupError> {
        self.map_err(|error| StartupError::new(error.to_string()))
    }
}

/// A function that makes a provider from injected arguments (`Arc<T>`, `Option<Arc<T>>`,
/// `Inject<K>`): `use_factory` takes a sync one returning `T` or `Result<T, E>`,
/// `use_async_factory` an async one. Implemented for functions of up to six such arguments,
/// wrapped in [`SyncFactory`] or [`AsyncFactory`].
///
/// ```
/// use nest_core::di::{FactoryFn, SyncFactory};
/// use std::sync::Arc;
/// fn needs<F: FactoryFn<A, String>, A>(_: F) {}
/// needs(SyncFactory(|prefix: Arc<u32>| format!("{prefix}")));
/// ```
pub trait FactoryFn<Args, T>: Send + Sync + 'static {
    /// The arguments' dependencies.
    fn dependencies() -> Vec<Dependency>;

    /// Calls the function with the resolved arguments; the future gives the value.
    #[allow(clippy::type_complexity, reason = "a boxed future of a result")]
    fn call(
        &self,
        resolver: &mut Resolver,
    ) -> Result<BoxFuture<'static, Result<T, StartupError>>, StartupError>;
}

/// A sync factory (`use_factory`), as a [`FactoryFn`]: `SyncFactory(make_clock)`.
///
/// ```
/// use nest_core::{prelude::*, ModuleBuilder, di::SyncFactory};
/// struct Clock(u64);
/// fn make_clock() -> Clock { Clock(7) }
/// struct AppModule;
/// impl Module for AppModule {
///     const NAME: &'static str = "AppModule";
///     fn configure(module: &mut ModuleBuilder<'_>) {
///         module.provide_factory::<Clock, _>(SyncFactory(make_clock));
///     }
/// }
/// let app = NestApplication::builder().import::<AppModule>().build().unwrap();
/// assert_eq!(app.get::<Clock>().unwrap().0, 7);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SyncFactory<F>(pub F);

/// An async factory (`use_async_factory`), as a [`FactoryFn`]: its arguments are injected and
/// its future awaited during `NestFactory::create`.
///
/// ```
/// use nest_core::{prelude::*, ModuleBuilder, di::AsyncFactory};
/// struct Config { url: &'static str }
/// struct Pool { url: &'static str }
/// async fn connect(config: Arc<Config>) -> Result<Pool, std::io::Error> {
///     Ok(Pool { url: config.url })
/// }
/// struct AppModule;
/// impl Module for AppModule {
///     const NAME: &'static str = "AppModule";
///     fn configure(module: &mut ModuleBuilder<'_>) {
///         module.provide_value(Config { url: "db://" });
///         module.provide_factory::<Pool, _>(AsyncFactory(connect));
///     }
/// }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let app = NestFactory::create::<AppModule>().await.unwrap();
/// assert_eq!(app.get::<Pool>().unwrap().url, "db://");
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct AsyncFactory<F>(pub F);

macro_rules! factory_arities {
    ($($arg:ident),*) => {
        impl<T, R, F, $($arg),*> FactoryFn<($($arg,)*), T> for SyncFactory<F>
        where
            T: Send + 'static,
            R: IntoProvided<T>,
            F: Fn($($arg),*) -> R + Send + std::marker::Sync + 'static,
            $($arg: InjectField,)*
        {
            fn dependencies() -> Vec<Dependency> {
                vec![$(<$arg as InjectField>::dependency()),*]
            }

            #[allow(unused_variables, unused_mut, unused_assignments, non_snake_case, reason = "one macro for every arity")]
            fn call(
                &self,
                resolver: &mut Resolver,
            ) -> Result<BoxFuture<'static, Result<T, StartupError>>, StartupError> {
                let mut index = 0;
                $(let $arg = <$arg as InjectField>::take(resolver, index)?; index += 1;)*
                let value = (self.0)($($arg),*).into_provided();
                Ok(Box::pin(std::future::ready(value)))
            }
        }

        impl<T, R, Fut, F, $($arg),*> FactoryFn<($($arg,)*), T> for AsyncFactory<F>
        where
            T: Send + 'static,
            R: IntoProvided<T>,
            Fut: Future<Output = R> + Send + 'static,
            F: Fn($($arg),*) -> Fut + Send + std::marker::Sync + 'static,
            $($arg: InjectField,)*
        {
            fn dependencies() -> Vec<Dependency> {
                vec![$(<$arg as InjectField>::dependency()),*]
            }

            #[allow(unused_variables, unused_mut, unused_assignments, non_snake_case, reason = "one macro for every arity")]
            fn call(
                &self,
                resolver: &mut Resolver,
            ) -> Result<BoxFuture<'static, Result<T, StartupError>>, StartupError> {
                let mut index = 0;
                $(let $arg = <$arg as InjectField>::take(resolver, index)?; index += 1;)*
                let future = (self.0)($($arg),*);
                Ok(Box::pin(async move { future.await.into_provided() }))
            }
        }
    };
}

factory_arities!();
factory_arities!(A1);
factory_arities!(A1, A2);
factory_arities!(A1, A2, A3);
factory_arities!(A1, A2, A3, A4);
factory_arities!(A1, A2, A3, A4, A5);
factory_arities!(A1, A2, A3, A4, A5, A6);
