use nest_core::prelude::*;

#[derive(Default)]
struct CatsController;

#[controller("cats")]
impl CatsController {
    #[get("none")]
    #[use_pipes()]
    fn none(&self) -> String {
        String::new()
    }
}

fn main() {}
