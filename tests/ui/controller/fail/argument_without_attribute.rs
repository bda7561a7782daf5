use nest_core::prelude::*;

#[derive(Default)]
struct CatsController;

#[controller("cats")]
impl CatsController {
    #[get(":id")]
    fn find_one(&self, id: String) -> String {
        id
    }
}

fn main() {}
