//! `src/orders/dto/create-order.dto.ts`.

/// `export class CreateOrderDto { name: string; description: string; }`
#[derive(Debug, serde::Deserialize)]
pub(crate) struct CreateOrderDto {
    pub(crate) name: String,
    pub(crate) description: String,
}
