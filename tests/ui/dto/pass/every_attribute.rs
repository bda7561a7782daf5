#![deny(warnings)]

use nest_core::Dto;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Role {
    Admin,
    User,
}

#[derive(Deserialize, Dto)]
struct ChildDto {
    #[is_string]
    name: String,
}

#[derive(Deserialize, Dto)]
#[serde(rename_all = "camelCase")]
struct EveryDto {
    #[is_defined]
    #[is_string(message = "$property: $value")]
    #[is_not_empty(groups = ["admin"], always)]
    user_name: String,
    #[is_email]
    email: String,
    #[min_length(3)]
    #[max_length(8)]
    nick: String,
    #[is_int]
    #[min(-1)]
    #[max(10.5)]
    count: i32,
    #[is_number]
    ratio: f64,
    #[is_boolean]
    active: bool,
    #[is_enum(Role)]
    role: Role,
    #[is_uuid]
    #[is_uuid(4)]
    #[is_uuid("4")]
    id: String,
    #[is_date_string]
    born: String,
    #[is_array]
    #[array_min_size(1)]
    #[array_max_size(3)]
    #[is_in("a", 1, true, each)]
    tags: Vec<serde_json::Value>,
    #[matches("^[a-z]+$")]
    #[is_url]
    site: String,
    #[validate_nested]
    child: ChildDto,
    #[validate_nested(each)]
    children: Vec<ChildDto>,
    #[is_optional]
    #[validate_nested]
    maybe: Option<Box<ChildDto>>,
    #[allowed]
    #[serde(rename = "x-extra")]
    extra: Option<String>,
}

fn main() {
    let _ = <EveryDto as nest_core::Dto>::schema();
}
