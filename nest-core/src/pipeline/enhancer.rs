//! Guards, interceptors, exception filters and pipes named in `#[use_guards]`,
//! `#[use_interceptors]`, `#[use_filters]` and `#[use_pipes]` are built by the injector in the
//! controller's module, as NestJS builds them: an `Injectable` one gets its `Arc<T>` fields, a
//! `Default` one is built with `Default`.

use std::{any::TypeId, fmt, sync::Arc};

use crate::{
    di::{Container, Dependency, Injectable, ModuleId, Pick, Resolver},
    error::StartupError,
};

use super::{AnyPipe, CanActivate, ExceptionFilter, NestInterceptor, PipeTransform};

/// A guard, interceptor or filter before the injector built it.
#[doc(hidden)]
pub enum Enhancer<T: ?Sized> {
    /// Already built (`ControllerRoutes::guard(instance)`, a global one).
    Ready(Arc<T>),
    /// Built in the controller's module.
    Injected {
        /// Its type's name, for errors.
        name: &'static str,
        /// Its type.
        id: fn() -> TypeId,
        /// What it depends on.
        dependencies: fn() -> Vec<Dependency>,
        /// Builds it.
        build: fn(&mut Resolver) -> Result<Arc<T>, StartupError>,
    },
}

impl<T: ?Sized> Clone for Enhancer<T> {
    fn clone(&self) -> Self {
        match self {
            Self::Ready(value) => Self::Ready(Arc::clone(value)),
            Self::Injected {
                name,
                id,
                dependencies,
                build,
            } => Self::Injected {
                name,
                id: *id,
                dependencies: *dependencies,
                build: *build,
            },
        }
    }
}

impl<T: ?Sized> fmt::Debug for Enhancer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ready(_) => f.write_str("Enhancer::Ready"),
            Self::Injected { name, .. } => write!(f, "Enhancer::Injected({name})"),
        }
    }
}

impl<T: ?Sized + Send + Sync + 'static> Enhancer<T> {
    /// Checks its dependencies against `module` (missing providers, request scope).
    pub(crate) fn check(
        &self,
        container: &Container,
        module: ModuleId,
    ) -> Result<(), StartupError> {
        let Self::Injected {
            name, dependencies, ..
        } = self
        else {
            return Ok(());
        };
        if container.check(module, name, &dependencies(), &mut vec![*name])? {
            return Err(StartupError::new(format!(
                "{name} depends on a request-scoped provider: guards, interceptors and filters are built once, at start-up"
            )));
        }
        Ok(())
    }

    /// Builds it in `module` (once per module: the instance is shared by its routes).
    pub(crate) async fn build(
        &self,
        container: &Container,
        module: ModuleId,
    ) -> Result<Arc<T>, StartupError> {
        match self {
            Self::Ready(value) => Ok(Arc::clone(value)),
            Self::Injected {
                name,
                id,
                dependencies,
                build,
            } => {
                let key = (module, id());
                if let Some(built) = container.enhancer(key) {
                    if let Ok(built) = built.downcast::<Arc<T>>() {
                        return Ok(Arc::clone(&built));
                    }
                }
                let dependencies = dependencies();
                let mut resolver = container.resolve(module, name, &dependencies, None).await?;
                let built = build(&mut resolver)?;
                container.set_enhancer(key, Arc::new(Arc::clone(&built)));
                Ok(built)
            }
        }
    }
}

/// `Arc<G>` as the trait object it is used as (`Arc<dyn CanActivate>`, …).
#[diagnostic::on_unimplemented(
    message = "`{G}` cannot be used here: it does not implement the trait behind `{Self}`",
    label = "`#[use_guards]` takes `CanActivate` types, `#[use_interceptors]` `NestInterceptor` types, `#[use_filters]` `ExceptionFilter` types, `#[use_pipes]` `PipeTransform<Value, Value>` types"
)]
#[doc(hidden)]
pub trait Upcast<G>: Send + Sync + 'static {
    /// The conversion.
    fn upcast(value: Arc<G>) -> Arc<Self>;
}

impl<G: CanActivate> Upcast<G> for dyn CanActivate {
    fn upcast(value: Arc<G>) -> Arc<Self> {
        value
    }
}

impl<G: NestInterceptor> Upcast<G> for dyn NestInterceptor {
    fn upcast(value: Arc<G>) -> Arc<Self> {
        value
    }
}

impl<G: ExceptionFilter> Upcast<G> for dyn ExceptionFilter {
    fn upcast(value: Arc<G>) -> Arc<Self> {
        value
    }
}

/// An argument's pipe named by its type is kept as its own type.
impl<G: Send + Sync + 'static> Upcast<G> for G {
    fn upcast(value: Arc<G>) -> Arc<Self> {
        value
    }
}

impl<G: PipeTransform<serde_json::Value, serde_json::Value> + 'static> Upcast<G> for AnyPipe {
    fn upcast(value: Arc<G>) -> Arc<Self> {
        value
    }
}

fn build_injected<G: Injectable, T: ?Sized + Upcast<G>>(
    resolver: &mut Resolver,
) -> Result<Arc<T>, StartupError> {
    G::inject(resolver).map(|value| T::upcast(Arc::new(value)))
}

fn build_default<G: Default + Send + Sync + 'static, T: ?Sized + Upcast<G>>(
    _: &mut Resolver,
) -> Result<Arc<T>, StartupError> {
    Ok(T::upcast(Arc::new(G::default())))
}

/// An `Injectable` guard, interceptor or filter (autoref: preferred over `Default`).
#[doc(hidden)]
pub trait ViaInjectableEnhancer {
    /// The enhancer.
    fn __nest_enhancer<T>(self) -> Enhancer<T>
    where
        T: ?Sized + Send + Sync + 'static + Upcast<Self::Type>;
    /// The named type.
    type Type;
}

impl<G: Injectable> ViaInjectableEnhancer for &&Pick<G> {
    type Type = G;

    fn __nest_enhancer<T>(self) -> Enhancer<T>
    where
        T: ?Sized + Send + Sync + 'static + Upcast<G>,
    {
        Enhancer::Injected {
            name: G::NAME,
            id: TypeId::of::<G>,
            dependencies: G::dependencies,
            build: build_injected::<G, T>,
        }
    }
}

/// A `Default` guard, interceptor or filter.
#[doc(hidden)]
pub trait ViaDefaultEnhancer {
    /// The enhancer.
    fn __nest_enhancer<T>(self) -> Enhancer<T>
    where
        T: ?Sized + Send + Sync + 'static + Upcast<Self::Type>;
    /// The named type.
    type Type;
}

impl<G: Default + Send + Sync + 'static> ViaDefaultEnhancer for &Pick<G> {
    type Type = G;

    fn __nest_enhancer<T>(self) -> Enhancer<T>
    where
        T: ?Sized + Send + Sync + 'static + Upcast<G>,
    {
        Enhancer::Injected {
            name: crate::di::provider::short_name::<G>(),
            id: TypeId::of::<G>,
            dependencies: Vec::new,
            build: build_default::<G, T>,
        }
    }
}
