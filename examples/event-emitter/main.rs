//! NestJS's `sample/30-event-emitter`, ported file for file: `POST /orders` creates an order
//! and emits `order.created` through the injected `EventEmitter` (NestJS's `EventEmitter2`);
//! `OrderCreatedListener` handles it with `#[on_event("order.created")]`.
//! `EventEmitterModule::for_root()` is imported by the root module. Its unit and e2e tests are
//! ported too (`cargo test -p nest-examples --bin event-emitter`).
//!
//! | NestJS file | here |
//! | --- | --- |
//! | `src/main.ts` | `main.rs` |
//! | `src/app.module.ts` | `app_module.rs` |
//! | `src/orders/orders.module.ts` | `orders/mod.rs` |
//! | `src/orders/orders.controller.ts` | `orders/controller.rs` |
//! | `src/orders/orders.service.ts` | `orders/service.rs` |
//! | `src/orders/dto/create-order.dto.ts` | `orders/dto.rs` |
//! | `src/orders/entities/order.entity.ts` | `orders/entities.rs` |
//! | `src/orders/events/order-created.event.ts` | `orders/events.rs` |
//! | `src/orders/listeners/order-created.listener.ts` (+ `.spec.ts`) | `orders/listeners/order_created.rs` |
//! | `e2e/orders/orders.e2e-spec.ts`, `test/app.e2e-spec.ts` | `e2e.rs` |
//!
//! ```text
//! cargo run -p nest-examples --bin event-emitter
//! curl -X POST localhost:3000/orders -H 'content-type: application/json' -d '{"name":"Order #3","description":"New test order"}'
//! ```
//!
//! The listener prints the event as NestJS's `console.log(event)` does (Rust's `Debug`
//! format). The sample's `src/app.controller.ts` names an `AppService` the sample does not
//! have and no module lists it; it is not ported. `PORT` picks another port than 3000.

#[path = "../support.rs"]
mod support;

mod app_module;
#[cfg(test)]
mod e2e;
mod orders;

use nest_core::NestFactory;

use app_module::AppModule;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    support::init_logging();
    let mut app = NestFactory::create::<AppModule>().await?;
    app.enable_shutdown_hooks();
    app.listen(support::port()).await
}
