//! [`Decorators`]: NestJS's `applyDecorators`, several route options and enhancers composed
//! into one value, applied to a route or a controller with `#[apply_decorators(...)]`.

use std::{
    any::TypeId,
    collections::HashSet,
    sync::{Arc, Mutex, OnceLock},
};

use http::{HeaderName, HeaderValue, StatusCode};

use super::{CanActivate, Enhancer, ExceptionFilter, NestInterceptor, Upcast};
use crate::{di::Injectable, lock::lock};

/// Route options and enhancers composed into one value, as NestJS's `applyDecorators`: a
/// function returning `Decorators` is a custom decorator, applied to a route or to a whole
/// controller with `#[apply_decorators(...)]`.
///
/// Each method mirrors an attribute: [`set_metadata`](Self::set_metadata) (`#[set_metadata]`),
/// [`roles`](Self::roles) (`#[roles]`), [`use_guards`](Self::use_guards) (`#[use_guards]`),
/// [`use_interceptors`](Self::use_interceptors), [`use_filters`](Self::use_filters),
/// [`http_code`](Self::http_code) and [`header`](Self::header); [`apply`](Self::apply)
/// composes another `Decorators`. They are applied in the order they were added, as
/// `applyDecorators` applies its arguments.
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::pipeline::{CanActivate, Decorators, ExecutionContext, GuardFuture, Reflector};
///
/// #[derive(Injectable)]
/// struct AuthGuard;
///
/// impl CanActivate for AuthGuard {
///     fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
///         Box::pin(async move { Ok(context.request().headers().contains_key("authorization")) })
///     }
/// }
///
/// #[derive(Injectable)]
/// struct RolesGuard {
///     reflector: Arc<Reflector>,
/// }
///
/// impl CanActivate for RolesGuard {
///     fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
///         Box::pin(async move {
///             let Some(roles) = self.reflector.get("roles", context) else { return Ok(true) };
///             let role = context.request().headers().get("x-role").and_then(|v| v.to_str().ok());
///             Ok(role.is_some_and(|role| roles.contains(&role)))
///         })
///     }
/// }
///
/// /// `@Auth('admin')`: the roles, and the guards that check them.
/// fn auth(roles: &[&'static str]) -> Decorators {
///     Decorators::new()
///         .roles(roles)
///         .use_guards::<AuthGuard>()
///         .use_guards::<RolesGuard>()
/// }
///
/// #[derive(Default)]
/// struct UsersController;
///
/// #[controller]
/// impl UsersController {
///     #[get("users")]
///     #[apply_decorators(auth(&["admin"]))]
///     fn find_all_users(&self) -> &'static str {
///         "This action returns all users"
///     }
/// }
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct Decorators {
    items: Vec<Decorator>,
}

/// One decorator of a [`Decorators`].
#[derive(Debug, Clone)]
pub(crate) enum Decorator {
    /// `set_metadata(key, values)`.
    Metadata(&'static str, &'static [&'static str]),
    Guard(Enhancer<dyn CanActivate>),
    Interceptor(Enhancer<dyn NestInterceptor>),
    Filter(Enhancer<dyn ExceptionFilter>),
    /// `http_code(status)`.
    HttpCode(StatusCode),
    /// `header(name, value)`.
    Header(HeaderName, HeaderValue),
}

impl Decorators {
    /// No decorators.
    ///
    /// ```
    /// use nest_core::pipeline::Decorators;
    /// assert!(Decorators::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether it holds no decorator.
    ///
    /// ```
    /// use nest_core::pipeline::Decorators;
    /// assert!(!Decorators::new().http_code(204).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// NestJS's `SetMetadata(key, values)`, as `#[set_metadata("key", "value", ...)]`: guards
    /// read it with [`Reflector::get`](super::Reflector::get) (on a route) or
    /// [`ExecutionContext::class_metadata`](super::ExecutionContext::class_metadata) (on a
    /// controller). Set twice for one key, the decorator written higher wins, as in NestJS.
    ///
    /// ```
    /// use nest_core::pipeline::Decorators;
    /// fn public() -> Decorators {
    ///     Decorators::new().set_metadata("isPublic", &["true"])
    /// }
    /// # let _ = public();
    /// ```
    pub fn set_metadata(mut self, key: &'static str, values: &[&'static str]) -> Self {
        self.items.push(Decorator::Metadata(key, intern(values)));
        self
    }

    /// `#[roles("admin", ...)]`: the metadata key `roles`.
    ///
    /// ```
    /// use nest_core::pipeline::Decorators;
    /// # let _ =
    /// Decorators::new().roles(&["admin", "owner"])
    /// # ;
    /// ```
    pub fn roles(self, roles: &[&'static str]) -> Self {
        self.set_metadata("roles", roles)
    }

    /// NestJS's `UseGuards(G)`, as `#[use_guards(G)]`: a guard built by the injector in the
    /// module of the controller it ends up on, with its `Arc<T>` fields injected (so `G` is
    /// `#[derive(Injectable)]`, which a unit struct can derive too). A guard value you built
    /// yourself goes through [`use_guard`](Self::use_guard).
    ///
    /// ```
    /// use nest_core::prelude::*;
    /// use nest_core::pipeline::{CanActivate, Decorators, ExecutionContext, GuardFuture};
    ///
    /// #[derive(Injectable)]
    /// struct AuthGuard;
    ///
    /// impl CanActivate for AuthGuard {
    ///     fn can_activate<'a>(&'a self, _: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
    ///         Box::pin(async { Ok(true) })
    ///     }
    /// }
    /// # let _ =
    /// Decorators::new().use_guards::<AuthGuard>()
    /// # ;
    /// ```
    pub fn use_guards<G: CanActivate + Injectable>(mut self) -> Self {
        self.items.push(Decorator::Guard(injected::<G, _>()));
        self
    }

    /// NestJS's `UseGuards(new G())`: a guard instance, used as it is.
    ///
    /// ```
    /// use nest_core::pipeline::{CanActivate, Decorators, ExecutionContext, GuardFuture};
    ///
    /// struct HeaderGuard(&'static str);
    ///
    /// impl CanActivate for HeaderGuard {
    ///     fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
    ///         Box::pin(async move { Ok(context.request().headers().contains_key(self.0)) })
    ///     }
    /// }
    /// # let _ =
    /// Decorators::new().use_guard(HeaderGuard("x-api-key"))
    /// # ;
    /// ```
    pub fn use_guard(mut self, guard: impl CanActivate) -> Self {
        self.items
            .push(Decorator::Guard(Enhancer::Ready(Arc::new(guard))));
        self
    }

    /// NestJS's `UseInterceptors(I)`, as `#[use_interceptors(I)]`: built by the injector (`I`
    /// is `#[derive(Injectable)]`); an instance goes through
    /// [`use_interceptor`](Self::use_interceptor).
    ///
    /// ```
    /// use nest_core::prelude::*;
    /// use nest_core::pipeline::{Decorators, NestInterceptor};
    ///
    /// #[derive(Injectable)]
    /// struct LoggingInterceptor;
    /// impl NestInterceptor for LoggingInterceptor {}
    /// # let _ =
    /// Decorators::new().use_interceptors::<LoggingInterceptor>()
    /// # ;
    /// ```
    pub fn use_interceptors<I: NestInterceptor + Injectable>(mut self) -> Self {
        self.items.push(Decorator::Interceptor(injected::<I, _>()));
        self
    }

    /// NestJS's `UseInterceptors(new I())`: an interceptor instance.
    ///
    /// ```
    /// use nest_core::pipeline::{Decorators, NestInterceptor};
    ///
    /// struct LoggingInterceptor;
    /// impl NestInterceptor for LoggingInterceptor {}
    /// # let _ =
    /// Decorators::new().use_interceptor(LoggingInterceptor)
    /// # ;
    /// ```
    pub fn use_interceptor(mut self, interceptor: impl NestInterceptor) -> Self {
        self.items
            .push(Decorator::Interceptor(Enhancer::Ready(Arc::new(
                interceptor,
            ))));
        self
    }

    /// NestJS's `UseFilters(F)`, as `#[use_filters(F)]`: built by the injector (`F` is
    /// `#[derive(Injectable)]`); an instance goes through [`use_filter`](Self::use_filter).
    ///
    /// ```
    /// use nest_core::prelude::*;
    /// use nest_core::pipeline::{ArgumentsHost, Decorators, ExceptionFilter};
    ///
    /// #[derive(Injectable)]
    /// struct PlainFilter;
    ///
    /// impl ExceptionFilter for PlainFilter {
    ///     fn catch(&self, exception: &HttpException, _: &ArgumentsHost<'_>) -> nest_core::Response {
    ///         exception.message().to_owned().into_response()
    ///     }
    /// }
    /// # let _ =
    /// Decorators::new().use_filters::<PlainFilter>()
    /// # ;
    /// ```
    pub fn use_filters<F: ExceptionFilter + Injectable>(mut self) -> Self {
        self.items.push(Decorator::Filter(injected::<F, _>()));
        self
    }

    /// NestJS's `UseFilters(new F())`: an exception filter instance.
    ///
    /// ```
    /// use nest_core::prelude::*;
    /// use nest_core::pipeline::{ArgumentsHost, Decorators, ExceptionFilter};
    ///
    /// struct PlainFilter;
    ///
    /// impl ExceptionFilter for PlainFilter {
    ///     fn catch(&self, exception: &HttpException, _: &ArgumentsHost<'_>) -> nest_core::Response {
    ///         exception.message().to_owned().into_response()
    ///     }
    /// }
    /// # let _ =
    /// Decorators::new().use_filter(PlainFilter)
    /// # ;
    /// ```
    pub fn use_filter(mut self, filter: impl ExceptionFilter) -> Self {
        self.items
            .push(Decorator::Filter(Enhancer::Ready(Arc::new(filter))));
        self
    }

    /// NestJS's `HttpCode(status)`, as `#[http_code(204)]`: the status of the route's
    /// successful responses. A route decorator: applied to a controller, it stops the
    /// application from being built, as NestJS fails on it.
    ///
    /// # Panics
    ///
    /// When `status` is not a status code (100 to 999).
    ///
    /// ```
    /// use nest_core::pipeline::Decorators;
    /// # let _ =
    /// Decorators::new().http_code(204)
    /// # ;
    /// ```
    pub fn http_code(mut self, status: u16) -> Self {
        let status = StatusCode::from_u16(status).unwrap_or_else(|_| {
            panic!("Decorators::http_code({status}): a status code is between 100 and 999")
        });
        self.items.push(Decorator::HttpCode(status));
        self
    }

    /// NestJS's `Header(name, value)`, as `#[header("Cache-Control", "none")]`: a header on
    /// every response of the route. A route decorator, as [`http_code`](Self::http_code).
    ///
    /// # Panics
    ///
    /// When `name` is not a header name or `value` holds control characters.
    ///
    /// ```
    /// use nest_core::pipeline::Decorators;
    /// # let _ =
    /// Decorators::new().header("Cache-Control", "none")
    /// # ;
    /// ```
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let header_name = HeaderName::try_from(name).unwrap_or_else(|_| {
            panic!("Decorators::header({name:?}, ..): invalid header name: use letters, digits and `-`, as in \"Cache-Control\"")
        });
        let header_value = HeaderValue::try_from(value).unwrap_or_else(|_| {
            panic!("Decorators::header({name:?}, {value:?}): a header value cannot hold control characters")
        });
        self.items
            .push(Decorator::Header(header_name, header_value));
        self
    }

    /// Another composition, applied here (decorators compose, as `applyDecorators` calls do).
    ///
    /// ```
    /// use nest_core::pipeline::Decorators;
    ///
    /// fn no_content() -> Decorators {
    ///     Decorators::new().http_code(204).header("Cache-Control", "none")
    /// }
    ///
    /// fn admin_no_content() -> Decorators {
    ///     Decorators::new().roles(&["admin"]).apply(no_content())
    /// }
    /// # let _ = admin_no_content();
    /// ```
    pub fn apply(mut self, other: Self) -> Self {
        self.items.extend(other.items);
        self
    }

    /// The decorators, in the order they apply.
    pub(crate) fn into_items(self) -> Vec<Decorator> {
        self.items
    }
}

impl Decorator {
    /// The name of a route-only decorator, for the error of one applied to a controller.
    pub(crate) fn route_only(&self) -> Option<&'static str> {
        match self {
            Self::HttpCode(_) => Some("http_code"),
            Self::Header(..) => Some("header"),
            _ => None,
        }
    }
}

/// `G` built by the injector in the controller's module, as `#[use_guards(G)]` builds an
/// `Injectable` one, used as the trait object `T`.
fn injected<G: Injectable, T: ?Sized + Upcast<G>>() -> Enhancer<T> {
    Enhancer::Injected {
        name: G::NAME,
        id: TypeId::of::<G>,
        dependencies: G::dependencies,
        build: |resolver| G::inject(resolver).map(|value| T::upcast(Arc::new(value))),
    }
}

/// The metadata values of a [`Decorators`], kept for the program's life once per distinct
/// list: routes read them as `&'static` (as the values of `#[set_metadata]` are), and an
/// application built again (a test suite builds many) reuses them.
fn intern(values: &[&'static str]) -> &'static [&'static str] {
    static TABLE: OnceLock<Mutex<HashSet<&'static [&'static str]>>> = OnceLock::new();
    if values.is_empty() {
        return &[];
    }
    let mut table = lock(TABLE.get_or_init(Mutex::default));
    if let Some(found) = table.get(values) {
        return found;
    }
    let leaked: &'static [&'static str] = Box::leak(values.to_vec().into_boxed_slice());
    table.insert(leaked);
    leaked
}

/// Metadata of a route or a controller: one entry per key, the last set wins.
#[derive(Debug, Clone, Default)]
pub(crate) struct Metadata(Vec<(&'static str, &'static [&'static str])>);

impl Metadata {
    /// Sets `key` to `values`, replacing what it held.
    pub(crate) fn set(&mut self, key: &'static str, values: &'static [&'static str]) {
        match self.0.iter_mut().find(|(name, _)| *name == key) {
            Some(entry) => entry.1 = values,
            None => self.0.push((key, values)),
        }
    }

    /// The values under `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&'static [&'static str]> {
        self.0
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, values)| *values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interned_lists_are_shared() {
        let first = intern(&["admin", "owner"]);
        let second = intern(&["admin", "owner"]);
        assert!(std::ptr::eq(first, second));
        assert_eq!(first, ["admin", "owner"]);
        assert!(intern(&[]).is_empty());
    }

    #[test]
    fn metadata_keeps_one_entry_per_key() {
        let mut metadata = Metadata::default();
        metadata.set("roles", &["user"]);
        metadata.set("public", &["true"]);
        metadata.set("roles", &["admin"]);
        assert_eq!(metadata.get("roles"), Some(&["admin"][..]));
        assert_eq!(metadata.get("public"), Some(&["true"][..]));
        assert_eq!(metadata.get("other"), None);
    }

    #[test]
    #[should_panic(expected = "a status code is between 100 and 999")]
    fn http_code_out_of_range() {
        let _ = Decorators::new().http_code(1000);
    }
}
