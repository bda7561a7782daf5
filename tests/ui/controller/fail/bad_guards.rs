use nest_core::prelude::*;

#[derive(Default)]
struct CatsController;

#[controller("cats")]
impl CatsController {
    #[get("b")]
    #[use_guards()]
    fn b(&self) {}

    #[get("c")]
    #[set_metadata()]
    fn c(&self) {}
}

fn main() {}
