//! The OpenAPI document (`SwaggerModule::create_document`) and Swagger UI
//! (`SwaggerModule::setup`) over real TCP: `/api-json` serves a document that the official
//! OpenAPI 3.1 JSON Schema accepts (tests/fixtures/openapi/README.md), with the operations,
//! parameters and DTO schemas the controllers declare, at the paths they are served on (global
//! prefix, URI versions); `/api` serves Swagger UI and its assets.

use nest_core::Dto;
use nest_core::app::Versioning;
use nest_core::openapi::{DocumentBuilder, OpenApiDocument, SwaggerModule};
use nest_core::pipeline::ParseIntPipe;
use nest_core::prelude::*;
use nest_core::testing::TestClient;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Deserialize, Serialize, Dto)]
struct CreateCatDto {
    #[is_string]
    #[min_length(2)]
    #[max_length(30)]
    name: String,
    #[is_int]
    #[min(0)]
    #[max(40)]
    age: i32,
    #[is_optional]
    #[is_email]
    owner_email: Option<String>,
    #[is_optional]
    #[is_uuid]
    chip: Option<String>,
    #[is_optional]
    #[is_url]
    homepage: Option<String>,
    #[is_optional]
    #[is_date_string]
    born: Option<String>,
    #[is_in("tabby", "siamese")]
    breed: String,
    #[matches("^[A-Z]{2}$")]
    country: String,
    #[is_array]
    #[array_max_size(3)]
    #[is_string(each)]
    #[min_length(1, each)]
    tags: Vec<String>,
    #[validate_nested]
    #[is_optional]
    toy: Option<ToyDto>,
}

#[derive(Debug, Deserialize, Serialize, Dto)]
struct ToyDto {
    #[is_string]
    #[api_property(description = "What the toy is called", example = "mouse")]
    label: String,
}

#[derive(Debug, Deserialize, Serialize, Dto)]
struct ListQuery {
    #[is_optional]
    #[is_int]
    limit: Option<u32>,
    #[is_string]
    sort: String,
}

#[derive(Debug, Serialize)]
struct Untyped {
    anything: bool,
}

#[derive(Default)]
struct CatsController;

#[controller("cats", version = "1")]
#[api_tags("cats")]
impl CatsController {
    /// Create cat
    ///
    /// Adds a cat to the shelter.
    #[post]
    #[api_response(status = 403, description = "Forbidden.")]
    fn create(&self, #[body] dto: CreateCatDto) -> Json<ToyDto> {
        Json(ToyDto { label: dto.name })
    }

    #[get(":id")]
    #[http_code(202)]
    fn find_one(
        &self,
        #[param("id", ParseIntPipe)] id: i64,
        #[query("verbose")] verbose: Option<bool>,
        #[headers("x-trace")] trace: String,
    ) -> String {
        format!("{id} {verbose:?} {trace}")
    }

    #[get]
    #[api_operation(summary = "List cats")]
    fn find_all(&self, #[query] query: ListQuery) -> Vec<String> {
        vec![query.sort]
    }

    #[get("untyped")]
    fn untyped(&self) -> Json<Untyped> {
        Json(Untyped { anything: true })
    }

    #[sse("events")]
    fn events(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter(["hi"]).map(MessageEvent::from)
    }

    #[delete(":id")]
    #[api_exclude_endpoint]
    fn remove(&self, #[param("id")] id: String) -> String {
        id
    }
}

fn app() -> NestApplication {
    let mut app = NestApplication::builder()
        .controller(CatsController)
        .build()
        .unwrap();
    app.set_global_prefix("api")
        .enable_versioning(Versioning::uri());
    app
}

fn document(app: &NestApplication) -> OpenApiDocument {
    let config = DocumentBuilder::new()
        .set_title("Cats example")
        .set_description("The cats API description")
        .set_version("1.0")
        .add_tag("cats", Some("Everything about cats"))
        .add_bearer_auth()
        .build();
    SwaggerModule::create_document(app, &config)
}

/// Validates `document` against the OpenAPI 3.1 schema (2022-10-07), listing every error.
fn validate(document: &Value) -> Result<(), Vec<String>> {
    let schema: Value = serde_json::from_str(include_str!(
        "../fixtures/openapi/oas-3.1-schema-2022-10-07.json"
    ))
    .unwrap();
    let validator = jsonschema::draft202012::new(&schema).expect("the OpenAPI schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

async fn served() -> (nest_core::app::RunningApp, TestClient) {
    let mut app = app();
    let document = document(&app);
    SwaggerModule::setup("api", &mut app, &document);
    let running = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(running.local_addr());
    (running, client)
}

#[tokio::test]
async fn api_json_serves_a_valid_openapi_3_1_document() {
    let (running, client) = served().await;
    let response = client.get("/api-json").await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let document = response.json().unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["info"]["title"], "Cats example");
    if let Err(errors) = validate(&document) {
        panic!(
            "the document is not valid OpenAPI 3.1:\n{}",
            errors.join("\n")
        );
    }
    // The routes keep answering beside the document.
    let cats = client.get("/api/v1/cats?sort=name").await.unwrap();
    assert_eq!(cats.status, 200);
    running.close().await;
}

#[test]
fn the_validator_rejects_a_broken_document() {
    let mut broken = document(&app()).into_value();
    broken["paths"]["/api/v1/cats/{id}"]["get"]["parameters"][0]["in"] = json!("body");
    broken["info"].as_object_mut().unwrap().remove("version");
    let errors = validate(&broken).expect_err("a broken document is refused");
    assert!(errors.len() >= 2, "{errors:?}");
}

#[test]
fn paths_are_served_paths_with_templates() {
    let document = document(&app()).into_value();
    let paths: Vec<&String> = document["paths"].as_object().unwrap().keys().collect();
    assert_eq!(
        paths,
        [
            "/api/v1/cats",
            "/api/v1/cats/{id}",
            "/api/v1/cats/untyped",
            "/api/v1/cats/events"
        ]
    );
    // `#[api_exclude_endpoint]`.
    assert!(
        document["paths"]["/api/v1/cats/{id}"]
            .get("delete")
            .is_none()
    );
}

#[test]
fn operations_describe_parameters_bodies_and_responses() {
    let document = document(&app()).into_value();
    let create = &document["paths"]["/api/v1/cats"]["post"];
    assert_eq!(
        create,
        &json!({
            "operationId": "CatsController_create",
            "summary": "Create cat",
            "description": "Adds a cat to the shelter.",
            "parameters": [],
            "requestBody": {
                "required": true,
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CreateCatDto" } } }
            },
            "responses": {
                "201": {
                    "description": "",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ToyDto" } } }
                },
                // A declared error, and the 400 a body's validation can give: NestJS's
                // exception body.
                "403": {
                    "description": "Forbidden.",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/HttpExceptionBody" } } }
                },
                "400": {
                    "description": "Bad Request",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/HttpExceptionBody" } } }
                }
            },
            "tags": ["cats"]
        })
    );
    assert_eq!(
        document["components"]["schemas"]["HttpExceptionBody"]["properties"]["message"],
        json!({ "oneOf": [{ "type": "string" }, { "type": "array", "items": { "type": "string" } }] })
    );
    let find_one = &document["paths"]["/api/v1/cats/{id}"]["get"];
    assert_eq!(
        find_one["parameters"],
        json!([
            { "name": "id", "required": true, "in": "path", "schema": { "type": "integer" } },
            { "name": "verbose", "required": false, "in": "query", "schema": { "type": "boolean" } },
            { "name": "x-trace", "required": true, "in": "header", "schema": { "type": "string" } }
        ])
    );
    // An integer path parameter can be refused: a 400.
    assert_eq!(
        find_one["responses"],
        json!({
            "202": { "description": "", "content": { "text/html": { "schema": { "type": "string" } } } },
            "400": {
                "description": "Bad Request",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/HttpExceptionBody" } } }
            }
        })
    );
    let find_all = &document["paths"]["/api/v1/cats"]["get"];
    assert_eq!(find_all["summary"], "List cats");
    assert_eq!(
        find_all["parameters"],
        json!([
            { "name": "limit", "required": false, "in": "query", "schema": { "type": "integer", "format": "int64", "minimum": 0 } },
            { "name": "sort", "required": true, "in": "query", "schema": { "type": "string" } }
        ])
    );
    assert_eq!(
        find_all["responses"]["200"]["content"]["application/json"]["schema"],
        json!({ "type": "array", "items": { "type": "string" } })
    );
    // A serialisable type without a schema: the response has no content.
    assert_eq!(
        document["paths"]["/api/v1/cats/untyped"]["get"]["responses"]["200"],
        json!({ "description": "" })
    );
    let events = &document["paths"]["/api/v1/cats/events"]["get"];
    assert_eq!(
        events["responses"]["200"]["content"],
        json!({ "text/event-stream": { "schema": {} } })
    );
}

#[test]
fn dto_rules_become_schema_keywords() {
    let document = document(&app()).into_value();
    let schemas = &document["components"]["schemas"];
    assert_eq!(
        schemas["CreateCatDto"],
        json!({
            "type": "object",
            "properties": {
                "name": { "type": "string", "minLength": 2, "maxLength": 30 },
                "age": { "type": "integer", "format": "int32", "minimum": 0, "maximum": 40 },
                "owner_email": { "type": "string", "format": "email" },
                "chip": { "type": "string", "format": "uuid" },
                "homepage": { "type": "string", "format": "uri" },
                "born": { "type": "string", "format": "date-time" },
                "breed": { "type": "string", "enum": ["tabby", "siamese"] },
                "country": { "type": "string", "pattern": "^[A-Z]{2}$" },
                "tags": { "type": "array", "items": { "type": "string", "minLength": 1 }, "maxItems": 3 },
                "toy": { "$ref": "#/components/schemas/ToyDto" }
            },
            "required": ["name", "age", "breed", "country", "tags"]
        })
    );
    assert_eq!(
        schemas["ToyDto"],
        json!({
            "type": "object",
            "properties": {
                "label": { "type": "string", "description": "What the toy is called", "examples": ["mouse"] }
            },
            "required": ["label"]
        })
    );
}

#[tokio::test]
async fn api_serves_swagger_ui_and_its_assets() {
    let (running, client) = served().await;
    for page in ["/api", "/api/"] {
        let response = client.get(page).await.unwrap();
        assert_eq!(response.status, 200, "{page}");
        assert_eq!(
            response.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        let html = response.text();
        assert!(html.contains("<div id=\"swagger-ui\"></div>"), "{html}");
        assert!(html.contains("\"url\": \"/api-json\""), "{html}");
        assert!(html.contains("<title>Cats example</title>"), "{html}");
    }
    for (asset, content_type, marker) in [
        (
            "/api/swagger-ui-bundle.js",
            "application/javascript; charset=utf-8",
            "SwaggerUIBundle",
        ),
        (
            "/api/swagger-ui-standalone-preset.js",
            "application/javascript; charset=utf-8",
            "SwaggerUIStandalonePreset",
        ),
        (
            "/api/swagger-ui.css",
            "text/css; charset=utf-8",
            ".swagger-ui",
        ),
    ] {
        let response = client.get(asset).await.unwrap();
        assert_eq!(response.status, 200, "{asset}");
        assert_eq!(
            response.header("content-type"),
            Some(content_type),
            "{asset}"
        );
        assert!(response.text().contains(marker), "{asset}");
    }
    let favicon = client.get("/api/favicon-32x32.png").await.unwrap();
    assert_eq!(favicon.status, 200);
    assert!(favicon.body.starts_with(b"\x89PNG"));
    // Other paths under it are the application's (here: none, so NestJS's 404).
    let missing = client.get("/api/nothing.js").await.unwrap();
    assert_eq!(missing.status, 404);
    running.close().await;
}
