//! `src/orders/entities/order.entity.ts`.

/// `export class Order { id: number; name: string; description: string; }`
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Order {
    pub(crate) id: usize,
    pub(crate) name: String,
    pub(crate) description: String,
}
