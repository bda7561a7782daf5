//! `src/app.module.ts`: `@Module({ imports: [CatsModule] })`, with the logger middleware of the
//! NestJS docs' middleware chapter bound to the cats' routes.

use nest_core::app::{MiddlewareConsumer, NestModule, RouteInfo};
use nest_core::module;

use crate::cats::{CatsController, CatsModule};
use crate::common::LoggerMiddleware;

/// The application's root module.
#[module(imports = [CatsModule])]
pub(crate) struct AppModule;

/// `configure(consumer: MiddlewareConsumer) { consumer.apply(LoggerMiddleware).forRoutes(CatsController); }`
impl NestModule for AppModule {
    fn configure(consumer: &mut MiddlewareConsumer) {
        consumer
            .apply::<LoggerMiddleware>()
            .for_routes(RouteInfo::controller::<CatsController>());
    }
}
