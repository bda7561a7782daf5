//! Pipes on arguments, as NestJS's: the built-ins with NestJS's 400 messages, chains
//! (`DefaultValuePipe` then a parser), custom pipes, and `ValidationPipe` on a body.

use nest_core::pipeline::{
    ArgumentMetadata, DefaultValuePipe, ParseBoolPipe, ParseEnumPipe, ParseFloatPipe, ParseIntPipe,
    ParseUUIDPipe, PipeTransform, ValidationPipe,
};
use nest_core::prelude::*;
use nest_core::testing::TestClient;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Color {
    Red,
    Black,
}

/// Upper-cases the value, and names where it came from (named by its type in the attributes,
/// so built by the injector: `Default`).
#[derive(Default)]
struct ShoutPipe;

impl PipeTransform<Option<String>, String> for ShoutPipe {
    fn transform(
        &self,
        value: Option<String>,
        metadata: &ArgumentMetadata,
    ) -> Result<String, HttpException> {
        let value = value.ok_or_else(|| BadRequestException::new("nothing to shout"))?;
        Ok(format!(
            "{}:{}={}",
            metadata.kind,
            metadata.data.unwrap_or_default(),
            value.to_uppercase()
        ))
    }
}

#[derive(Debug, Deserialize, nest_core::Dto)]
struct CreateCatDto {
    #[is_string]
    #[is_not_empty]
    name: String,
}

#[derive(Default)]
struct CatsController;

#[controller("cats")]
impl CatsController {
    #[get(":id")]
    fn find_one(&self, #[param("id", ParseIntPipe)] id: i64) -> String {
        format!("cat {id}")
    }

    #[get]
    fn list(
        &self,
        #[query("page", DefaultValuePipe::new(1), ParseIntPipe)] page: u32,
        #[query("active", DefaultValuePipe::new(false), ParseBoolPipe)] active: bool,
        #[query("weight", ParseFloatPipe)] weight: Option<f64>,
    ) -> String {
        format!("page {page} active {active} weight {weight:?}")
    }

    #[get("by-uuid/:uuid")]
    fn by_uuid(&self, #[param("uuid", ParseUUIDPipe::version(4))] uuid: String) -> String {
        uuid
    }

    #[get("by-color/:color")]
    fn by_color(&self, #[param("color", ParseEnumPipe)] color: Color) -> String {
        format!("{color:?}")
    }

    #[get("shout/:word")]
    fn shout(
        &self,
        #[param("word", ShoutPipe)] word: String,
        #[headers("x-extra", ShoutPipe)] extra: String,
    ) -> String {
        format!("{word} {extra}")
    }

    #[post]
    fn create(&self, #[body(ValidationPipe::new())] dto: CreateCatDto) -> String {
        dto.name
    }
}

async fn client() -> (nest_core::RunningApp, TestClient) {
    let server = nest_tests::serve(CatsController).await;
    let client = TestClient::new(server.local_addr());
    (server, client)
}

async fn get(client: &TestClient, path: &str) -> (u16, String) {
    let response = client.get(path).await.unwrap();
    (response.status.as_u16(), response.text())
}

fn bad_request(message: &str) -> (u16, String) {
    (
        400,
        format!(r#"{{"message":"{message}","error":"Bad Request","statusCode":400}}"#),
    )
}

#[tokio::test]
async fn parse_int_pipe_converts_or_answers_nestjs_400() {
    let (_server, client) = client().await;
    assert_eq!(get(&client, "/cats/42").await, (200, "cat 42".to_owned()));
    assert_eq!(
        get(&client, "/cats/abc").await,
        bad_request("Validation failed (numeric string is expected)")
    );
    // NestJS's ParseIntPipe takes `-?\d+` only: no sign `+`, no spaces, no exponent.
    for refused in ["/cats/%20+12%20", "/cats/+12", "/cats/1e3", "/cats/%2012"] {
        assert_eq!(
            get(&client, refused).await,
            bad_request("Validation failed (numeric string is expected)"),
            "{refused}"
        );
    }
    assert_eq!(get(&client, "/cats/-7").await, (200, "cat -7".to_owned()));
    assert_eq!(
        get(&client, "/cats/1.5").await,
        bad_request("Validation failed (numeric string is expected)")
    );
}

#[tokio::test]
async fn default_value_pipe_fills_in_before_the_parser() {
    let (_server, client) = client().await;
    assert_eq!(
        get(&client, "/cats").await,
        (200, "page 1 active false weight None".to_owned())
    );
    assert_eq!(
        get(&client, "/cats?page=3&active=true&weight=4.5").await,
        (200, "page 3 active true weight Some(4.5)".to_owned())
    );
    assert_eq!(
        get(&client, "/cats?active=yes").await,
        bad_request("Validation failed (boolean string is expected)")
    );
    assert_eq!(
        get(&client, "/cats?page=-1").await,
        bad_request("Validation failed (numeric string is expected)"),
        "a u32 argument refuses negative numbers"
    );
}

#[tokio::test]
async fn uuid_and_enum_pipes() {
    let (_server, client) = client().await;
    let v4 = "6f1c8a4e-2b7d-4c39-9a51-0d2e3f4a5b6c";
    assert_eq!(
        get(&client, &format!("/cats/by-uuid/{v4}")).await,
        (200, v4.to_owned())
    );
    assert_eq!(
        get(
            &client,
            "/cats/by-uuid/6f1c8a4e-2b7d-1c39-9a51-0d2e3f4a5b6c"
        )
        .await,
        bad_request("Validation failed (uuid v 4 is expected)"),
        "a version 1 UUID is not a v4"
    );
    assert_eq!(
        get(&client, "/cats/by-color/black").await,
        (200, "Black".to_owned())
    );
    assert_eq!(
        get(&client, "/cats/by-color/blue").await,
        bad_request("Validation failed (enum string is expected)")
    );
}

#[tokio::test]
async fn custom_pipes_see_where_the_value_comes_from() {
    let (_server, client) = client().await;
    let response = client
        .request(nest_tests::get_with_headers(
            "/cats/shout/meow",
            &[("x-extra", "purr")],
        ))
        .await
        .unwrap();
    assert_eq!(response.text(), "param:word=MEOW header:x-extra=PURR");
    assert_eq!(
        get(&client, "/cats/shout/meow").await,
        bad_request("nothing to shout")
    );
}

#[tokio::test]
async fn validation_pipe_checks_the_body() {
    let (_server, client) = client().await;
    let created = client
        .request(nest_tests::request_with_body(
            "POST",
            "/cats",
            "application/json",
            r#"{"name":"Tom"}"#,
        ))
        .await
        .unwrap();
    assert_eq!(
        (created.status.as_u16(), created.text()),
        (201, "Tom".to_owned())
    );
    let refused = client
        .request(nest_tests::request_with_body(
            "POST",
            "/cats",
            "application/json",
            r#"{"name":""}"#,
        ))
        .await
        .unwrap();
    assert_eq!(
        (refused.status.as_u16(), refused.text()),
        (
            400,
            r#"{"message":["name should not be empty"],"error":"Bad Request","statusCode":400}"#
                .to_owned()
        )
    );
}
