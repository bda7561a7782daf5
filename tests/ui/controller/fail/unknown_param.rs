use nest_core::prelude::*;

#[derive(Default)]
struct CatsController;

#[controller("cats")]
impl CatsController {
    #[get(":id")]
    fn find_one(&self, #[param("name")] name: String) -> String {
        name
    }
}

fn main() {}
