//! `src/orders/orders.module.ts`:
//! `@Module({ controllers: [OrdersController], providers: [OrdersService, OrderCreatedListener] })`.

mod controller;
mod dto;
mod entities;
mod events;
pub(crate) mod listeners;
mod service;

use nest_core::module;

pub(crate) use controller::OrdersController;
pub(crate) use events::OrderCreatedEvent;
pub(crate) use listeners::order_created::OrderCreatedListener;
pub(crate) use service::OrdersService;

/// The orders feature.
#[module(controllers = [OrdersController], providers = [OrdersService, OrderCreatedListener])]
pub(crate) struct OrdersModule;
