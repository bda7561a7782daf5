//! What runs around a handler, as NestJS's request pipeline: guards decide whether a request
//! reaches its handler at all.

mod guards;

pub use guards::{CanActivate, ExecutionContext, GuardFuture};
pub(crate) use guards::{Guards, run_guards};
