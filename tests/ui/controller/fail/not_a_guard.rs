use nest_core::prelude::*;

#[derive(Default)]
struct NotAGuard;

#[derive(Default)]
struct CatsController;

#[controller("cats")]
impl CatsController {
    #[get]
    #[use_guards(NotAGuard)]
    fn a(&self) {}
}

fn main() {}
