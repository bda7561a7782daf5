//! Dependency injection: providers built once per module and handed to the controllers and
//! providers that name them, as NestJS's injector does.
//!
//! A provider is a type with `#[derive(Injectable)]` (its `Arc<T>` fields are injected), any
//! `Default` type, a value (`{ provide: Config, use_value: ... }`), or what a factory function
//! returns (`{ provide: Pool, use_factory: make_pool }`, `use_async_factory` for an async one),
//! stored under its type or under an injection [`Token`]. A module lists its `providers`, may `export` some of them to the modules that
//! import it, and may be `global`. A provider or controller can use the providers of its own
//! module, those exported by the modules it imports, and those exported by global modules.
//! A missing provider or a cycle is an error from `NestFactory::create`, worded as NestJS words
//! it.
//!
//! ```
//! use nest_core::prelude::*;
//!
//! #[derive(Injectable, Default)]
//! struct CatsService;
//!
//! #[derive(Injectable)]
//! struct CatsController {
//!     cats: Arc<CatsService>,
//! }
//! # #[controller] impl CatsController { #[get] fn all(&self) -> &'static str { "cats" } }
//!
//! // CatsService is not provided: a start-up error in NestJS's words.
//! #[module(controllers = [CatsController])]
//! struct AppModule;
//!
//! let error = NestApplication::builder().import::<AppModule>().build().unwrap_err();
//! assert!(error.to_string().starts_with("Nest can't resolve dependencies of the CatsController (?)"));
//! ```

pub(crate) mod build;
mod container;
mod inject;
pub(crate) mod pick;
pub(crate) mod provider;

pub(crate) use container::{Container, ModuleId, ModuleNode, RequestScope};
pub use inject::{Dependency, Inject, InjectField, Injectable, Resolver, Scope, Token};
pub(crate) use pick::Pick;
pub(crate) use provider::Provider;
pub use provider::{AsyncFactory, FactoryFn, IntoProvided, SyncFactory};
