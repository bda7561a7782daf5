//! `src/common` and `src/core`: the guard, filter and interceptors the cats use.

mod http_exception_filter;
mod interceptors;
mod logger_middleware;
mod roles_guard;

pub(crate) use http_exception_filter::HttpExceptionFilter;
pub(crate) use interceptors::{LoggingInterceptor, TimeoutInterceptor, TransformInterceptor};
pub(crate) use logger_middleware::LoggerMiddleware;
pub(crate) use roles_guard::RolesGuard;
