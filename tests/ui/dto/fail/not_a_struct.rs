use nest_core::Dto;
use serde::Deserialize;

#[derive(Deserialize, Dto)]
enum Role {
    Admin,
}

#[derive(Deserialize, Dto)]
struct Page<T> {
    #[is_array]
    items: Vec<T>,
}

fn main() {}
