use nest_core::pipeline::ParseBoolPipe;
use nest_core::prelude::*;

#[derive(Default)]
struct CatsController;

#[controller("cats")]
impl CatsController {
    #[get]
    fn find_all(&self, #[query(ParseBoolPipe)] all: bool) -> String {
        all.to_string()
    }
}

fn main() {}
