use nest_core::prelude::*;
use nest_core::Request;

fn user(_: Option<&str>, _: &Request) -> String {
    String::new()
}

#[derive(Default)]
struct CatsController;

#[controller("cats")]
impl CatsController {
    // A misspelt attribute of ours is not taken for a custom one.
    #[get("c/:id")]
    fn c(&self, #[params("id")] id: String) -> String {
        id
    }

    // Two sources.
    #[get("d")]
    fn d(&self, #[user] #[query("q")] q: String) -> String {
        q
    }
}

fn main() {}
