use nest_core::prelude::*;
use serde::Deserialize;

#[derive(Deserialize)]
struct CreateCat {
    name: String,
}

#[derive(Deserialize)]
struct Owner {
    name: String,
}

#[derive(Default)]
struct CatsController;

#[controller("cats")]
impl CatsController {
    #[get(":id")]
    fn typo(&self, #[params("id")] id: String) -> String {
        id
    }

    #[get(":id/owner")]
    fn unread(&self) -> &'static str {
        "the :id is never read"
    }

    #[post]
    fn two_bodies(&self, #[body] cat: CreateCat, #[body] owner: Owner) -> String {
        format!("{} {}", cat.name, owner.name)
    }
}

fn main() {}
