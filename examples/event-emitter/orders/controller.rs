//! `src/orders/orders.controller.ts`.

use std::sync::Arc;

use nest_core::{Injectable, controller};

use super::{dto::CreateOrderDto, entities::Order, service::OrdersService};

/// `@Controller('orders')`.
#[derive(Injectable)]
pub(crate) struct OrdersController {
    orders_service: Arc<OrdersService>,
}

#[controller("orders")]
impl OrdersController {
    /// `@Post() create(@Body() createOrderDto)`: 201 with the order.
    #[post]
    fn create(&self, #[body] create_order_dto: CreateOrderDto) -> Order {
        self.orders_service.create(create_order_dto)
    }
}
