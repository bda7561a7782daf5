use nest_core::prelude::*;

#[derive(Default)]
struct CatsController;

#[controller("cats", scope = "request")]
impl CatsController {
    #[get]
    fn a(&self) {}
}

#[derive(Default)]
struct DogsController;

#[controller("dogs", version = "1/2")]
impl DogsController {
    #[get]
    #[version("2", "")]
    fn a(&self) {}

    #[get]
    #[version("3")]
    fn b(&self) {}

    #[get]
    #[version("3")]
    fn c(&self) {}
}

fn main() {}
