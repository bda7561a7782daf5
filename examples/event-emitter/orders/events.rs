//! `src/orders/events/order-created.event.ts`.

/// `export class OrderCreatedEvent { name: string; description: string; }`
#[derive(Debug, Clone)]
#[allow(
    dead_code,
    reason = "the listener prints the event whole (`Debug`), as the sample's `console.log(event)`"
)]
pub(crate) struct OrderCreatedEvent {
    pub(crate) name: String,
    pub(crate) description: String,
}
