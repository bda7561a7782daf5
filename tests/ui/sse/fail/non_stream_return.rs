use nest_core::prelude::*;

#[derive(Default)]
struct AppController;

#[controller]
impl AppController {
    #[sse("sse")]
    fn sse(&self) -> String {
        String::from("not a stream")
    }
}

fn main() {}
