use nest_core::prelude::*;
use nest_core::Request;

/// Not JSON: a custom attribute's value must be `Serialize`.
struct Opaque;

fn opaque(_: Option<&str>, _: &Request) -> Opaque {
    Opaque
}

#[derive(Default)]
struct CatsController;

#[controller("cats")]
impl CatsController {
    // A function that does not exist.
    #[get("a")]
    fn a(&self, #[usr] name: String) -> String {
        name
    }

    // A value that is not JSON.
    #[get("b")]
    fn b(&self, #[opaque] value: String) -> String {
        value
    }
}

fn main() {}
