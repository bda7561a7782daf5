use nest_core::Dto;
use serde::Deserialize;

#[derive(Deserialize)]
struct Child {
    name: String,
}

#[derive(Deserialize, Dto)]
struct Parent {
    #[validate_nested]
    child: Child,
}

fn main() {}
