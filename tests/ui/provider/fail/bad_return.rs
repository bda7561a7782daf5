use nest_core::prelude::*;

#[derive(Injectable, Default)]
struct OrderListener;

#[provider]
impl OrderListener {
    #[on_event("order.created")]
    fn count(&self) -> u32 {
        1
    }

    #[interval(1000)]
    async fn tick(&self) -> Option<u32> {
        None
    }
}

fn main() {}
