use nest_core::prelude::*;

#[on_event("order.created")]
fn listener() {}

#[derive(Default)]
struct AppController;

#[controller]
impl AppController {
    #[get]
    #[cron("* * * * * *")]
    fn hello(&self) -> &'static str {
        "hi"
    }
}

#[provider]
struct NotAnImpl;

fn main() {}
