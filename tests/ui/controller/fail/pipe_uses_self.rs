use nest_core::pipeline::ParseIntPipe;
use nest_core::prelude::*;

#[allow(dead_code)]
struct CatsController {
    pipe: ParseIntPipe,
}

#[controller("cats")]
impl CatsController {
    // A pipe is built for each request, before the handler runs: `self` is not available.
    #[get(":id")]
    fn find_one(&self, #[param("id", self.pipe)] id: i64) -> String {
        id.to_string()
    }
}

fn main() {}
