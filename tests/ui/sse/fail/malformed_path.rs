use nest_core::prelude::*;

#[derive(Default)]
struct AppController;

#[controller]
impl AppController {
    #[sse("rooms/:")]
    fn rooms(&self) -> impl Stream<Item = MessageEvent> {
        stream::empty()
    }

    #[sse("rooms/:id+")]
    fn braces(&self) -> impl Stream<Item = MessageEvent> {
        stream::empty()
    }
}

fn main() {}
