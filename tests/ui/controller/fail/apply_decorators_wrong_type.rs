use nest_core::prelude::*;

#[derive(Default)]
struct CatsController;

#[controller("cats")]
impl CatsController {
    #[get]
    #[apply_decorators("admin")]
    fn find_all(&self) {}
}

fn main() {}
