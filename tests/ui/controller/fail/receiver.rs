use nest_core::prelude::*;

#[derive(Default)]
struct AppController;

#[controller]
impl AppController {
    #[get("mutable")]
    fn mutable(&mut self) -> &'static str {
        "no"
    }

    #[get("owned")]
    fn owned(self) -> &'static str {
        "no"
    }

    #[get("none")]
    fn none() -> &'static str {
        "no"
    }
}

fn main() {}
