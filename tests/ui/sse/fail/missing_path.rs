use nest_core::prelude::*;

#[derive(Default)]
struct AppController;

#[controller]
impl AppController {
    #[sse]
    fn sse(&self) -> impl Stream<Item = MessageEvent> {
        stream::empty()
    }
}

fn main() {}
