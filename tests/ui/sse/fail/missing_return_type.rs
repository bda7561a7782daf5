use nest_core::prelude::*;

#[derive(Default)]
struct AppController;

#[controller]
impl AppController {
    #[sse("sse")]
    fn sse(&self) {}
}

fn main() {}
