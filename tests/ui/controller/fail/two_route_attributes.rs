use nest_core::prelude::*;

#[derive(Default)]
struct AppController;

#[controller]
impl AppController {
    #[get("page")]
    #[sse("sse")]
    fn both(&self) -> impl Stream<Item = MessageEvent> {
        stream::empty()
    }
}

fn main() {}
