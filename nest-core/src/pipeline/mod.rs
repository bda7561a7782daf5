//! What runs around a handler, as NestJS's request pipeline: guards decide whether a request
//! reaches its handler at all; interceptors act before it, around it, after it, and on each
//! event of a stream; pipes validate and convert its arguments; exception filters rewrite the
//! response of an exception.
//!
//! ```
//! use nest_core::prelude::*;
//! use nest_core::pipeline::ParseIntPipe;
//! # #[derive(Default)] struct AuthGuard;
//! # impl nest_core::pipeline::CanActivate for AuthGuard {
//! #     fn can_activate<'a>(&'a self, _: &'a nest_core::pipeline::ExecutionContext<'a>) -> nest_core::pipeline::GuardFuture<'a> { Box::pin(async { Ok(true) }) }
//! # }
//! # #[derive(Default)] struct LoggingInterceptor;
//! # impl nest_core::pipeline::NestInterceptor for LoggingInterceptor {}
//! #[derive(Default)]
//! struct CatsController;
//!
//! #[controller("cats")]
//! #[use_guards(AuthGuard)]
//! #[use_interceptors(LoggingInterceptor)]
//! impl CatsController {
//!     #[get(":id")]
//!     fn find_one(&self, #[param("id", ParseIntPipe)] id: i64) -> String { id.to_string() }
//! }
//! ```

#[doc(hidden)]
pub mod args;
mod decorators;
mod enhancer;
mod filters;
mod guards;
pub(crate) mod interceptors;
pub(crate) mod middleware;
mod pipes;

pub use crate::http::ExceptionType;
#[cfg(feature = "validation")]
pub use crate::validation::ValidationPipe;
pub use decorators::Decorators;
pub(crate) use decorators::{Decorator, Metadata};
#[doc(hidden)]
pub use enhancer::{Enhancer, Upcast, ViaDefaultEnhancer, ViaInjectableEnhancer};
pub(crate) use filters::apply as apply_filters;
pub use filters::{ArgumentsHost, ExceptionFilter};
pub use guards::{CanActivate, ExecutionContext, GuardFuture, Reflector};
pub(crate) use guards::{Enhancers, Global, Pipeline, run_guards};
pub(crate) use interceptors::EventMappers;
pub use interceptors::{CallHandler, InterceptFuture, NestInterceptor, ResponseFuture};
pub use middleware::{MiddlewareFuture, NestMiddleware, Next};
pub(crate) use pipes::PipeChain;
#[doc(hidden)]
pub use pipes::run as run_pipe;
pub use pipes::{
    AnyPipe, ArgumentMetadata, ArrayItem, DefaultValuePipe, Numeric, ParseArrayPipe, ParseBoolPipe,
    ParseDatePipe, ParseEnumPipe, ParseFloatPipe, ParseIntPipe, ParseUUIDPipe, PipeOptions,
    PipeTransform, WithStatus,
};
