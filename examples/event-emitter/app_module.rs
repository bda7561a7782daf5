//! `src/app.module.ts`: `@Module({ imports: [EventEmitterModule.forRoot(), OrdersModule] })`.

use nest_core::event_emitter::EventEmitterModule;
use nest_core::module;

use crate::orders::OrdersModule;

/// The application's root module.
#[module(imports = [EventEmitterModule::for_root(), OrdersModule])]
pub(crate) struct AppModule;
