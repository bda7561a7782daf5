use nest_core::pipeline::ParseBoolPipe;
use nest_core::prelude::*;

#[derive(Default)]
struct CatsController;

#[controller("cats")]
impl CatsController {
    #[get(":id")]
    fn find_one(&self, #[param("id", ParseBoolPipe)] id: u32) -> String {
        id.to_string()
    }
}

fn main() {}
