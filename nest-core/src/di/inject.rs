//! What a type says to be built by the injector: [`Injectable`], its [`Dependency`] list, the
//! field types that are injected ([`InjectField`]: `Arc<T>`, `Option<Arc<T>>`, [`Inject<K>`]),
//! tokens and scopes.

use std::{
    any::{Any, TypeId},
    fmt,
    ops::Deref,
    sync::Arc,
};

use crate::error::StartupError;

/// A type the injector can build: `#[derive(Injectable)]` implements it, injecting every
/// `Arc<T>`, `Option<Arc<T>>` (optional, NestJS's `@Optional()`) and [`Inject<Token>`] field and
/// taking the others from the struct's own `Default` if it has one, else from each field's.
///
/// ```
/// use std::sync::Arc;
/// use nest_core::Injectable;
///
/// #[derive(Injectable, Default)]
/// struct CatsRepository;
///
/// #[derive(Injectable)]
/// struct CatsService {
///     repository: Arc<CatsRepository>,
/// }
/// # let _ = |service: CatsService| service.repository;
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be injected",
    label = "add `#[derive(Injectable)]` (or `Default`) to `{Self}`",
    note = "providers and controllers are built by the injector: derive `Injectable` to inject their `Arc<T>` fields"
)]
pub trait Injectable: Sized + Send + Sync + 'static {
    /// The type's name, for error messages.
    const NAME: &'static str;

    /// How many instances exist: one per application (the default), one per consumer, or one
    /// per request (`#[injectable(scope = "transient")]`, `#[injectable(scope = "request")]`).
    const SCOPE: Scope = Scope::Singleton;

    /// What it depends on, in field order.
    fn dependencies() -> Vec<Dependency>;

    /// Builds the value from its resolved dependencies.
    fn inject(resolver: &mut Resolver) -> Result<Self, StartupError>;
}

/// How many instances of a provider exist, as NestJS's `Scope`.
///
/// ```
/// use nest_core::di::Scope;
/// assert_eq!(Scope::default(), Scope::Singleton);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Scope {
    /// One instance for the whole application, built at start-up (NestJS `Scope.DEFAULT`).
    #[default]
    Singleton,
    /// A new instance for each provider or controller that depends on it (`Scope.TRANSIENT`).
    Transient,
    /// A new instance for each request, shared within the request (`Scope.REQUEST`). A
    /// controller or provider that depends on one becomes request-scoped too, as in NestJS.
    Request,
}

/// One dependency of an [`Injectable`]: what the injector looks for.
#[derive(Clone, Copy)]
pub struct Dependency {
    /// The name shown in errors (`CatsService`).
    pub name: &'static str,
    /// The provider's key: the type, or the token type for [`Inject<K>`].
    pub id: fn() -> TypeId,
    /// Whether a missing provider is `None` instead of an error (NestJS `@Optional()`).
    pub optional: bool,
}

impl fmt::Debug for Dependency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dependency")
            .field("name", &self.name)
            .field("optional", &self.optional)
            .finish()
    }
}

/// A field or factory argument the injector fills: `Arc<T>` (the provider `T`), `Option<Arc<T>>`
/// (`None` when no module in reach provides `T`), [`Inject<K>`] (the provider of token `K`) and
/// `Option<Inject<K>>`.
pub trait InjectField: Sized + Send + 'static {
    /// The dependency this field stands for.
    fn dependency() -> Dependency;

    /// Takes the resolved value at `index` (the injector resolved it already).
    fn take(resolver: &mut Resolver, index: usize) -> Result<Self, StartupError>;
}

impl<T: Send + Sync + 'static> InjectField for Arc<T> {
    fn dependency() -> Dependency {
        Dependency {
            name: super::provider::short_name::<T>(),
            id: TypeId::of::<T>,
            optional: false,
        }
    }

    fn take(resolver: &mut Resolver, index: usize) -> Result<Self, StartupError> {
        resolver.get::<T>(index)
    }
}

impl<T: Send + Sync + 'static> InjectField for Option<Arc<T>> {
    fn dependency() -> Dependency {
        Dependency {
            optional: true,
            ..<Arc<T>>::dependency()
        }
    }

    fn take(resolver: &mut Resolver, index: usize) -> Result<Self, StartupError> {
        Ok(resolver.optional::<T>(index))
    }
}

impl<K: Token> InjectField for Inject<K> {
    fn dependency() -> Dependency {
        Dependency {
            name: K::NAME,
            id: TypeId::of::<K>,
            optional: false,
        }
    }

    fn take(resolver: &mut Resolver, index: usize) -> Result<Self, StartupError> {
        resolver.get::<K::Value>(index).map(Inject)
    }
}

impl<K: Token> InjectField for Option<Inject<K>> {
    fn dependency() -> Dependency {
        Dependency {
            optional: true,
            ..<Inject<K>>::dependency()
        }
    }

    fn take(resolver: &mut Resolver, index: usize) -> Result<Self, StartupError> {
        Ok(resolver.optional::<K::Value>(index).map(Inject))
    }
}

/// An injection token, as NestJS's string or symbol tokens (`@Inject('CONNECTION')`): a name
/// for a provider whose type alone does not say which one it is (two `String`s, a pool).
/// Declare one with [`injection_token!`](crate::injection_token), provide it with
/// `{ provide: Connection, use_value: ... }` in `#[module(providers = [...])]`, and ask for it
/// with an [`Inject<Connection>`] field.
pub trait Token: Send + Sync + 'static {
    /// The type of the provided value.
    type Value: Send + Sync + 'static;
    /// The token's name, for error messages.
    const NAME: &'static str;
}

/// Declares an injection [`Token`]: `injection_token!(pub DatabaseUrl: String);`.
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::{di::Inject, injection_token};
///
/// injection_token!(
///     /// Where the database lives.
///     pub DatabaseUrl: String
/// );
///
/// #[derive(Injectable)]
/// struct Database {
///     url: Inject<DatabaseUrl>,
/// }
///
/// #[module(providers = [
///     { provide: DatabaseUrl, use_value: "postgres://localhost/cats".to_owned() },
///     Database,
/// ])]
/// struct AppModule;
/// # let app = NestApplication::builder().import::<AppModule>().build().unwrap();
/// # assert_eq!(app.get::<Database>().unwrap().url.as_str(), "postgres://localhost/cats");
/// ```
#[macro_export]
macro_rules! injection_token {
    ($(#[$meta:meta])* $vis:vis $name:ident : $value:ty) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy)]
        $vis struct $name;

        impl $crate::di::Token for $name {
            type Value = $value;
            const NAME: &'static str = ::core::stringify!($name);
        }
    };
}

/// The provider of token `K`, injected into an [`Injectable`] field (NestJS's
/// `@Inject(TOKEN) value`). Dereferences to the value.
///
/// ```
/// use nest_core::{di::Inject, injection_token};
/// injection_token!(pub Greeting: String);
/// fn shout(greeting: &Inject<Greeting>) -> String { greeting.to_uppercase() }
/// # let _ = shout;
/// ```
pub struct Inject<K: Token>(pub Arc<K::Value>);

impl<K: Token> Deref for Inject<K> {
    type Target = K::Value;

    fn deref(&self) -> &K::Value {
        &self.0
    }
}

impl<K: Token> Clone for Inject<K> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<K: Token> fmt::Debug for Inject<K>
where
    K::Value: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple(K::NAME).field(&self.0).finish()
    }
}

/// The resolved dependencies of the value being built, in [`Injectable::dependencies`] order
/// (see [`Injectable::inject`]).
pub struct Resolver {
    pub(crate) name: &'static str,
    pub(crate) values: Vec<Option<Arc<dyn Any + Send + Sync>>>,
}

impl fmt::Debug for Resolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolver")
            .field("building", &self.name)
            .field("dependencies", &self.values.len())
            .finish()
    }
}

impl Resolver {
    /// The dependency at `index`, a `T` (the injector checked it exists).
    pub fn get<T: Send + Sync + 'static>(&mut self, index: usize) -> Result<Arc<T>, StartupError> {
        self.optional(index).ok_or_else(|| {
            StartupError::new(format!(
                "Nest can't resolve the dependency at index [{index}] of {}: it is not a {}.",
                self.name,
                std::any::type_name::<T>()
            ))
        })
    }

    /// The optional dependency at `index`, if provided.
    pub fn optional<T: Send + Sync + 'static>(&mut self, index: usize) -> Option<Arc<T>> {
        let value = self.values.get(index)?.clone()?;
        value.downcast::<T>().ok()
    }
}
