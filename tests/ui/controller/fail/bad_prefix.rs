use nest_core::prelude::*;

#[derive(Default)]
struct CatsController;

#[controller("cats/:id")]
impl CatsController {
    #[get]
    fn find_all(&self) -> &'static str {
        "cats"
    }
}

fn main() {}
