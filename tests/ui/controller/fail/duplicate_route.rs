use nest_core::prelude::*;

#[derive(Default)]
struct CatsController;

#[controller("cats")]
impl CatsController {
    #[get(":id")]
    fn find_one(&self, #[param("id")] id: String) -> String {
        id
    }

    #[get("/:name/")]
    fn find_by_name(&self, #[param("name")] name: String) -> String {
        name
    }
}

fn main() {}
