use nest_core::Dto;
use serde::Deserialize;

#[derive(Deserialize, Dto)]
struct CreateCatDto {
    #[min_length]
    name: String,
    #[is_string(3)]
    breed: String,
    #[is_uuid(9)]
    id: String,
    #[is_int(eech)]
    age: u8,
    #[max_length(8, mesage = "too long")]
    nick: String,
    #[matches("(unclosed")]
    slug: String,
}

fn main() {}
