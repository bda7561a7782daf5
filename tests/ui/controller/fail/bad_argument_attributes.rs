use nest_core::prelude::*;

#[derive(Default)]
struct CatsController;

#[controller("cats")]
impl CatsController {
    #[get("a")]
    fn a(&self, #[query(1)] n: u32) -> String {
        n.to_string()
    }

    #[get("b")]
    fn b(&self, #[req("head")] all: String) -> String {
        all
    }

    #[post("c")]
    fn c(&self, #[ip("v4")] name: String) -> String {
        name
    }

    #[get("d/:id")]
    fn d(&self, #[param("id")] #[query("id")] id: String) -> String {
        id
    }
}

fn main() {}
