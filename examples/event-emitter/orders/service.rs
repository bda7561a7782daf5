//! `src/orders/orders.service.ts`: keeps the orders and emits `order.created`.

use std::sync::{Arc, Mutex};

use nest_core::Injectable;
use nest_core::event_emitter::EventEmitter;

use super::{dto::CreateOrderDto, entities::Order, events::OrderCreatedEvent};

/// `@Injectable() export class OrdersService`, with `constructor(private eventEmitter: EventEmitter2)`.
#[derive(Injectable)]
pub(crate) struct OrdersService {
    event_emitter: Arc<EventEmitter>,
    orders: Mutex<Vec<Order>>,
}

impl Default for OrdersService {
    /// The sample's two orders.
    fn default() -> Self {
        Self {
            event_emitter: Arc::default(),
            orders: Mutex::new(vec![
                Order {
                    id: 1,
                    name: "Order #1".into(),
                    description: "Description order #1".into(),
                },
                Order {
                    id: 2,
                    name: "Order #2".into(),
                    description: "Description order #2".into(),
                },
            ]),
        }
    }
}

impl OrdersService {
    /// Adds the order and emits `order.created` with an `OrderCreatedEvent`.
    pub(crate) fn create(&self, create_order_dto: CreateOrderDto) -> Order {
        let order = {
            let mut orders = self.orders.lock().unwrap();
            let order = Order {
                id: orders.len() + 1,
                name: create_order_dto.name,
                description: create_order_dto.description,
            };
            orders.push(order.clone());
            order
        };

        let order_created_event = OrderCreatedEvent {
            name: order.name.clone(),
            description: order.description.clone(),
        };
        self.event_emitter
            .emit("order.created", order_created_event);

        order
    }
}
