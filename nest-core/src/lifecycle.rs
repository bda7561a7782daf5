//! Lifecycle hooks, as NestJS's: a provider or controller that implements one of these traits
//! is called at that point of the application's life.
//!
//! | when | hook | order |
//! | --- | --- | --- |
//! | `app.init()` (or `listen`), after every instance is built | [`OnModuleInit`] | module by module, imported modules first |
//! | then | `#[on_event]` listeners and `#[cron]`/`#[interval]`/`#[timeout]` jobs of `#[provider]` blocks are registered | same |
//! | then, before serving | [`OnApplicationBootstrap`] (the scheduler starts its jobs in its own) | same |
//! | `app.close()`, or SIGINT/SIGTERM after `enable_shutdown_hooks()` | [`OnModuleDestroy`] | same |
//! | then | [`BeforeApplicationShutdown`] (with the signal; the scheduler stops its jobs) | same; connections are still open |
//! | after the server has stopped | [`OnApplicationShutdown`] (with the signal) | same |
//!
//! Hooks run on singletons (request-scoped and transient instances have none, as in NestJS).
//! A hook that can fail should do its fallible work in an async factory provider instead
//! (`use_async_factory`), whose error stops the start-up with a message.
//!
//! ```
//! use nest_core::prelude::*;
//! use nest_core::lifecycle::{OnApplicationShutdown, OnModuleInit};
//! use std::sync::atomic::{AtomicBool, Ordering};
//!
//! #[derive(Injectable, Default)]
//! struct Database {
//!     connected: AtomicBool,
//! }
//!
//! impl OnModuleInit for Database {
//!     async fn on_module_init(&self) {
//!         self.connected.store(true, Ordering::SeqCst);
//!     }
//! }
//!
//! impl OnApplicationShutdown for Database {
//!     async fn on_application_shutdown(&self, signal: Option<&str>) {
//!         println!("closing the database ({signal:?})");
//!         self.connected.store(false, Ordering::SeqCst);
//!     }
//! }
//!
//! #[module(providers = [Database])]
//! struct AppModule;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let app = NestFactory::create::<AppModule>().await.unwrap();
//! app.init().await;
//! assert!(app.get::<Database>().unwrap().connected.load(Ordering::SeqCst));
//! # }
//! ```

use std::{
    any::{Any, TypeId},
    future::Future,
    sync::Arc,
};

use crate::di::provider::{AnyArc, BoxFuture};

/// Called once the module's providers and controllers are built (NestJS `onModuleInit`).
///
/// ```
/// use nest_core::{Injectable, lifecycle::OnModuleInit};
/// #[derive(Injectable, Default)]
/// struct Database;
/// impl OnModuleInit for Database {
///     async fn on_module_init(&self) { println!("connected"); }
/// }
/// ```
pub trait OnModuleInit: Send + Sync + 'static {
    /// The hook; the application calls it for every singleton that implements it, as:
    ///
    /// ```
    /// # use nest_core::{Injectable, lifecycle::OnModuleInit};
    /// # #[derive(Injectable, Default)] struct Database;
    /// # impl OnModuleInit for Database { async fn on_module_init(&self) {} }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// Database.on_module_init().await;
    /// # }
    /// ```
    fn on_module_init(&self) -> impl Future<Output = ()> + Send;
}

/// Called once every module is initialised, before the application serves
/// (NestJS `onApplicationBootstrap`).
///
/// ```
/// use nest_core::{Injectable, lifecycle::OnApplicationBootstrap};
/// #[derive(Injectable, Default)]
/// struct Database;
/// impl OnApplicationBootstrap for Database {
///     async fn on_application_bootstrap(&self) { println!("ready"); }
/// }
/// ```
pub trait OnApplicationBootstrap: Send + Sync + 'static {
    /// The hook; the application calls it for every singleton that implements it, as:
    ///
    /// ```
    /// # use nest_core::{Injectable, lifecycle::OnApplicationBootstrap};
    /// # #[derive(Injectable, Default)] struct Database;
    /// # impl OnApplicationBootstrap for Database { async fn on_application_bootstrap(&self) {} }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// Database.on_application_bootstrap().await;
    /// # }
    /// ```
    fn on_application_bootstrap(&self) -> impl Future<Output = ()> + Send;
}

/// Called first when the application closes (NestJS `onModuleDestroy`).
///
/// ```
/// use nest_core::{Injectable, lifecycle::OnModuleDestroy};
/// #[derive(Injectable, Default)]
/// struct Database;
/// impl OnModuleDestroy for Database {
///     async fn on_module_destroy(&self) { println!("closing"); }
/// }
/// ```
pub trait OnModuleDestroy: Send + Sync + 'static {
    /// The hook; the application calls it for every singleton that implements it, as:
    ///
    /// ```
    /// # use nest_core::{Injectable, lifecycle::OnModuleDestroy};
    /// # #[derive(Injectable, Default)] struct Database;
    /// # impl OnModuleDestroy for Database { async fn on_module_destroy(&self) {} }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// Database.on_module_destroy().await;
    /// # }
    /// ```
    fn on_module_destroy(&self) -> impl Future<Output = ()> + Send;
}

/// Called when the application closes, before the server stops: open connections still
/// work (NestJS `beforeApplicationShutdown`). `signal` is `Some("SIGTERM")` when a signal
/// closed it.
///
/// ```
/// use nest_core::{Injectable, lifecycle::BeforeApplicationShutdown};
/// #[derive(Injectable, Default)]
/// struct Database;
/// impl BeforeApplicationShutdown for Database {
///     async fn before_application_shutdown(&self, signal: Option<&str>) { println!("draining ({signal:?})"); }
/// }
/// ```
pub trait BeforeApplicationShutdown: Send + Sync + 'static {
    /// The hook; the application calls it for every singleton that implements it, as:
    ///
    /// ```
    /// # use nest_core::{Injectable, lifecycle::BeforeApplicationShutdown};
    /// # #[derive(Injectable, Default)] struct Database;
    /// # impl BeforeApplicationShutdown for Database { async fn before_application_shutdown(&self, _: Option<&str>) {} }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// Database.before_application_shutdown(Some("SIGTERM")).await;
    /// # }
    /// ```
    fn before_application_shutdown(&self, signal: Option<&str>) -> impl Future<Output = ()> + Send;
}

/// Called last, once the server has stopped (NestJS `onApplicationShutdown`).
///
/// ```
/// use nest_core::{Injectable, lifecycle::OnApplicationShutdown};
/// #[derive(Injectable, Default)]
/// struct Database;
/// impl OnApplicationShutdown for Database {
///     async fn on_application_shutdown(&self, signal: Option<&str>) { println!("bye ({signal:?})"); }
/// }
/// ```
pub trait OnApplicationShutdown: Send + Sync + 'static {
    /// The hook; the application calls it for every singleton that implements it, as:
    ///
    /// ```
    /// # use nest_core::{Injectable, lifecycle::OnApplicationShutdown};
    /// # #[derive(Injectable, Default)] struct Database;
    /// # impl OnApplicationShutdown for Database { async fn on_application_shutdown(&self, _: Option<&str>) {} }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// Database.on_application_shutdown(None).await;
    /// # }
    /// ```
    fn on_application_shutdown(&self, signal: Option<&str>) -> impl Future<Output = ()> + Send;
}

/// One type-erased hook of one instance.
pub(crate) type Hook = fn(AnyArc, Option<&'static str>) -> BoxFuture<'static, ()>;

/// Hands an instance's event listeners and scheduled jobs to the services that run them, found
/// by type among the application's singletons (the emitter, the scheduler registry).
pub(crate) type Discover = fn(AnyArc, &dyn Fn(TypeId) -> Option<AnyArc>);

/// The hooks a type implements (filled by the code `#[module]` generates).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default)]
pub struct Hooks {
    /// Its `#[on_event]` listeners and `#[cron]`/`#[interval]`/`#[timeout]` jobs, registered
    /// between the `OnModuleInit` and `OnApplicationBootstrap` hooks.
    pub(crate) methods: Option<Discover>,
    pub(crate) init: Option<Hook>,
    pub(crate) bootstrap: Option<Hook>,
    pub(crate) destroy: Option<Hook>,
    pub(crate) before_shutdown: Option<Hook>,
    pub(crate) shutdown: Option<Hook>,
}

impl Hooks {
    pub(crate) fn is_empty(&self) -> bool {
        self.methods.is_none()
            && self.init.is_none()
            && self.bootstrap.is_none()
            && self.destroy.is_none()
            && self.before_shutdown.is_none()
            && self.shutdown.is_none()
    }
}

/// Which hook to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Init,
    Bootstrap,
    Destroy,
    BeforeShutdown,
    Shutdown,
}

impl Phase {
    pub(crate) fn of(self, hooks: &Hooks) -> Option<Hook> {
        match self {
            Self::Init => hooks.init,
            Self::Bootstrap => hooks.bootstrap,
            Self::Destroy => hooks.destroy,
            Self::BeforeShutdown => hooks.before_shutdown,
            Self::Shutdown => hooks.shutdown,
        }
    }
}

fn downcast<T: Send + Sync + 'static>(instance: AnyArc) -> Option<Arc<T>> {
    (instance as Arc<dyn Any + Send + Sync>)
        .downcast::<T>()
        .ok()
}

/// Registers the lifecycle hooks of a type named in `#[module]` (autoref: the `&&Pick<T>`
/// impl applies when `T` implements the hook, the `&Pick<T>` one otherwise).
macro_rules! hook_registration {
    ($($field:ident: $trait_:ident::$method:ident($($signal:ident)?) via $via:ident / $none:ident / $register:ident;)*) => {$(
        #[doc(hidden)]
        pub trait $via {
            /// Adds the hook.
            fn $register(self, hooks: &mut Hooks);
        }

        impl<T: $trait_> $via for &&crate::di::Pick<T> {
            fn $register(self, hooks: &mut Hooks) {
                hooks.$field = Some(|instance, given| {
                    let _ = given;
                    $(let $signal = given;)?
                    Box::pin(async move {
                        if let Some(instance) = downcast::<T>(instance) {
                            instance.$method($($signal)?).await;
                        }
                    })
                });
            }
        }

        #[doc(hidden)]
        pub trait $none {
            /// Adds nothing.
            fn $register(self, hooks: &mut Hooks);
        }

        impl<T> $none for &crate::di::Pick<T> {
            fn $register(self, _: &mut Hooks) {}
        }
    )*};
}

hook_registration! {
    init: OnModuleInit::on_module_init() via ViaOnModuleInit / NoOnModuleInit / __nest_hook_init;
    bootstrap: OnApplicationBootstrap::on_application_bootstrap() via ViaOnApplicationBootstrap / NoOnApplicationBootstrap / __nest_hook_bootstrap;
    destroy: OnModuleDestroy::on_module_destroy() via ViaOnModuleDestroy / NoOnModuleDestroy / __nest_hook_destroy;
    before_shutdown: BeforeApplicationShutdown::before_application_shutdown(signal) via ViaBeforeApplicationShutdown / NoBeforeApplicationShutdown / __nest_hook_before_shutdown;
    shutdown: OnApplicationShutdown::on_application_shutdown(signal) via ViaOnApplicationShutdown / NoOnApplicationShutdown / __nest_hook_shutdown;
}
