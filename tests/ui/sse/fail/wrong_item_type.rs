use nest_core::prelude::*;

#[derive(Default)]
struct AppController;

#[controller]
impl AppController {
    #[sse("numbers")]
    fn numbers(&self) -> impl Stream<Item = u32> {
        stream::iter([1, 2, 3])
    }
}

fn main() {}
