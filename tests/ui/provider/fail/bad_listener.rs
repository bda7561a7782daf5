use nest_core::prelude::*;

struct OrderCreatedEvent;

#[derive(Injectable, Default)]
struct OrderListener;

#[provider]
impl OrderListener {
    #[on_event("order.created")]
    fn by_value(&self, event: OrderCreatedEvent) {}

    #[on_event("order.created")]
    fn two_arguments(&self, event: &OrderCreatedEvent, other: u32) {}

    #[on_event("order.created")]
    fn no_self(event: &OrderCreatedEvent) {}

    #[on_event("order.created", asynchronous)]
    fn unknown_option(&self) {}

    #[on_event]
    fn no_event(&self) {}
}

fn main() {}
