use nest_core::pipeline::Decorators;
use nest_core::prelude::*;

fn auth(roles: &[&'static str]) -> Decorators {
    Decorators::new().roles(roles)
}

#[derive(Default)]
struct CatsController;

#[controller("cats")]
#[apply_decorators]
impl CatsController {
    #[get("a")]
    #[apply_decorators()]
    fn a(&self) {}

    #[apply_decorators(auth(&["admin"]))]
    fn not_a_route(&self) {}

    #[get("b")]
    #[apply_decorators(self.decorators())]
    fn b(&self) {}

    fn decorators(&self) -> Decorators {
        auth(&["admin"])
    }
}

fn main() {}
