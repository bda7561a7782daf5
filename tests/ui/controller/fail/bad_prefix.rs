use nest_core::prelude::*;

#[derive(Default)]
struct CatsController;

// A prefix may hold parameters (`:server/cats`), but NestJS 10's custom patterns are refused.
#[controller("cats/:id(\\d+)")]
impl CatsController {
    #[get]
    fn find_all(&self) -> &'static str {
        "cats"
    }
}

#[derive(Default)]
struct DogsController;

#[controller("dogs{/:id")]
impl DogsController {
    #[get]
    fn find_all(&self) -> &'static str {
        "dogs"
    }
}

fn main() {}
