use nest_core::prelude::*;

#[derive(Default)]
struct CatsController;

#[controller("cats")]
impl CatsController {
    // A route option without a route attribute: the method is not a route.
    #[http_code(204)]
    fn remove(&self) {}
}

fn main() {}
