//! `src/orders/listeners/order-created.listener.ts`.

use nest_core::{Injectable, provider};

use crate::orders::OrderCreatedEvent;

/// `@Injectable() export class OrderCreatedListener`.
#[derive(Injectable, Default)]
pub(crate) struct OrderCreatedListener;

#[provider]
impl OrderCreatedListener {
    /// `@OnEvent('order.created')`: handle and process the event.
    #[on_event("order.created")]
    pub(crate) fn handle_order_created_event(&self, event: &OrderCreatedEvent) {
        println!("{event:?}");
    }
}

/// `order-created.listener.spec.ts`: with `EventEmitterModule.forRoot()` and the listener,
/// `emitAsync('order.created')` reaches it. NestJS calls the listener with `undefined` and
/// resolves to `[undefined]`; a payload of another type than the listener's does not reach it
/// here, so the test emits an `OrderCreatedEvent`.
#[cfg(test)]
mod tests {
    use nest_core::event_emitter::{EventEmitter, EventEmitterModule};
    use nest_core::module;
    use nest_core::testing::Test;

    use super::OrderCreatedListener;
    use crate::orders::OrderCreatedEvent;

    #[module(imports = [EventEmitterModule::for_root()], providers = [OrderCreatedListener])]
    struct TestModule;

    #[tokio::test]
    async fn handles_the_order_created_event() {
        let app = Test::create_testing_module::<TestModule>()
            .compile()
            .await
            .unwrap()
            .create_nest_application();
        app.init().await;
        let emitter = app.get::<EventEmitter>().unwrap();
        let event = OrderCreatedEvent {
            name: "Order #1".into(),
            description: "x".into(),
        };
        assert_eq!(emitter.emit_async("order.created", event).await, Ok(1));
    }
}
