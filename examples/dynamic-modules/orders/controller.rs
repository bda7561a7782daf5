//! `src/orders/orders.controller.ts`.

use std::sync::Arc;

use nest_core::prelude::*;

use super::{Order, OrdersService};

/// `constructor(private readonly ordersService: OrdersService) {}`
#[derive(Injectable)]
pub(crate) struct OrdersController {
    orders_service: Arc<OrdersService>,
}

#[controller("orders")]
impl OrdersController {
    /// `@Post() create(@Body('product') product: string): Order`
    #[post]
    fn create(&self, #[body("product")] product: String) -> Order {
        self.orders_service.create(product)
    }

    /// `@Get() findAll(): Order[]`
    #[get]
    fn find_all(&self) -> Vec<Order> {
        self.orders_service.find_all()
    }
}
