//! `src/orders/orders.module.ts`: imports `IdGeneratorModule` registered with the `ord` prefix.

mod controller;
mod service;

use nest_core::module;

use crate::id_generator::{IdGeneratorModule, IdGeneratorModuleOptions};
pub(crate) use controller::OrdersController;
pub(crate) use service::{Order, OrdersService};

/// `@Module({ imports: [IdGeneratorModule.register({ prefix: 'ord' })], controllers: [OrdersController], providers: [OrdersService] })`
#[module(
    imports = [IdGeneratorModule::register(IdGeneratorModuleOptions { prefix: "ord".to_owned() })],
    controllers = [OrdersController],
    providers = [OrdersService],
)]
pub(crate) struct OrdersModule;
