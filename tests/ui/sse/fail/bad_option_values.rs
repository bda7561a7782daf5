use nest_core::prelude::*;

#[derive(Default)]
struct AppController;

#[controller]
impl AppController {
    #[sse("a", keep_alive = "15 seconds")]
    fn a(&self) -> impl Stream<Item = MessageEvent> {
        stream::empty()
    }

    #[sse("b", keep_alive = true)]
    fn b(&self) -> impl Stream<Item = MessageEvent> {
        stream::empty()
    }

    #[sse("c", retry = "3s", retry = "4s")]
    fn c(&self) -> impl Stream<Item = MessageEvent> {
        stream::empty()
    }

    #[sse("d", max_lifetime = "0s")]
    fn d(&self) -> impl Stream<Item = MessageEvent> {
        stream::empty()
    }

    #[sse("e", method = "FETCH")]
    fn e(&self) -> impl Stream<Item = MessageEvent> {
        stream::empty()
    }
}

fn main() {}
