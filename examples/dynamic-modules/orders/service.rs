//! `src/orders/orders.service.ts`.

use std::sync::{Arc, Mutex, PoisonError};

use nest_core::Injectable;
use serde::Serialize;

use crate::id_generator::IdGenerator;

/// `export interface Order { id: string; product: string; }`
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Order {
    pub(crate) id: String,
    pub(crate) product: String,
}

/// `private readonly orders: Order[] = []; constructor(private readonly idGenerator: IdGenerator) {}`
#[derive(Injectable)]
pub(crate) struct OrdersService {
    orders: Mutex<Vec<Order>>,
    id_generator: Arc<IdGenerator>,
}

impl OrdersService {
    /// `create(product: string): Order`
    pub(crate) fn create(&self, product: String) -> Order {
        let order = Order {
            id: self.id_generator.generate(),
            product,
        };
        self.orders
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(order.clone());
        order
    }

    /// `findAll(): Order[]`
    pub(crate) fn find_all(&self) -> Vec<Order> {
        self.orders
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
