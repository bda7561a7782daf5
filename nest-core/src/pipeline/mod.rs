//! What runs around a handler, as NestJS's request pipeline: guards decide whether a request
//! reaches its handler at all; interceptors act before it, after it, and on each event of a
//! stream.

mod guards;
mod interceptors;

pub use guards::{CanActivate, ExecutionContext, GuardFuture};
pub(crate) use guards::{Guards, run_guards};
pub(crate) use interceptors::EventMappers;
pub use interceptors::{InterceptFuture, NestInterceptor};
