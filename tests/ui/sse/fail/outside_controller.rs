use nest_core::prelude::*;

#[sse("sse")]
fn sse() -> impl Stream<Item = MessageEvent> {
    stream::empty()
}

fn main() {
    let _ = sse();
}
