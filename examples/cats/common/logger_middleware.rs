//! `src/common/middleware/logger.middleware.ts`, bound as the NestJS docs' middleware chapter
//! binds it: `consumer.apply(LoggerMiddleware).forRoutes(CatsController)` in the root module.

use nest_core::Injectable;
use nest_core::Request;
use nest_core::pipeline::{MiddlewareFuture, NestMiddleware, Next};

/// Logs `Request...` for each request it is bound to, then hands it on.
#[derive(Injectable, Default)]
pub(crate) struct LoggerMiddleware;

impl NestMiddleware for LoggerMiddleware {
    fn r#use<'a>(&'a self, req: Request, next: Next) -> MiddlewareFuture<'a> {
        Box::pin(async move {
            // `console.log('Request...'); next();`
            tracing::info!(target: "LoggerMiddleware", "Request... {} {}", req.method(), req.uri());
            Ok(next.run(req).await)
        })
    }
}
