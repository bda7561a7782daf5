//! OpenAPI 3.1 documents generated from the controllers, as `@nestjs/swagger`: a
//! [`DocumentBuilder`] for the document's header, [`SwaggerModule::create_document`] for the
//! operations and schemas the routes describe, and (feature `openapi`)
//! [`SwaggerModule::setup`], which serves the document at `/api-json` and Swagger UI at
//! `/api`.
//!
//! ```
//! use nest_core::prelude::*;
//! use nest_core::openapi::{DocumentBuilder, SwaggerModule};
//!
//! #[derive(Default)]
//! struct CatsController;
//!
//! #[controller("cats")]
//! #[api_tags("cats")]
//! #[api_bearer_auth]
//! impl CatsController {
//!     /// Find one cat
//!     #[get(":id")]
//!     fn find_one(&self, #[param("id")] id: u32) -> Json<Vec<String>> {
//!         Json(vec![id.to_string()])
//!     }
//! }
//!
//! let app = NestApplication::builder().controller(CatsController).build().unwrap();
//! let config = DocumentBuilder::new()
//!     .set_title("Cats example")
//!     .set_version("1.0")
//!     .add_bearer_auth()
//!     .build();
//! let document = SwaggerModule::create_document(&app, &config);
//! let operation = &document.as_value()["paths"]["/cats/{id}"]["get"];
//! assert_eq!(operation["operationId"], "CatsController_find_one");
//! assert_eq!(operation["summary"], "Find one cat");
//! assert_eq!(operation["parameters"][0]["schema"]["type"], "integer");
//! assert_eq!(operation["security"], serde_json::json!([{ "bearer": [] }]));
//! ```

pub mod route;
pub mod schema;
#[cfg(feature = "openapi")]
mod swagger;

use serde_json::{Map, Value, json};

pub use route::{ParamDoc, ParamIn, ResponseDoc, RouteDoc};
pub use schema::{ApiSchema, SchemaGen};

use crate::{app::NestApplication, http::router::RequestMethod};

/// The header of an OpenAPI document (title, version, servers, tags, security schemes), as
/// `@nestjs/swagger`'s `DocumentBuilder`.
///
/// ```
/// use nest_core::openapi::DocumentBuilder;
///
/// let config = DocumentBuilder::new()
///     .set_title("Cats example")
///     .set_description("The cats API description")
///     .set_version("1.0")
///     .add_tag("cats", None)
///     .add_bearer_auth()
///     .build();
/// assert_eq!(config.as_value()["info"]["title"], "Cats example");
/// assert_eq!(config.as_value()["openapi"], "3.1.0");
/// ```
#[derive(Debug, Clone)]
pub struct DocumentBuilder {
    document: Map<String, Value>,
}

impl Default for DocumentBuilder {
    fn default() -> Self {
        Self::new()
    }
}

/// What [`DocumentBuilder::build`] returns: the document without its paths.
#[derive(Debug, Clone)]
pub struct OpenApiConfig(Value);

impl OpenApiConfig {
    /// The document's header as JSON.
    pub fn as_value(&self) -> &Value {
        &self.0
    }
}

impl DocumentBuilder {
    /// An empty header, as `new DocumentBuilder()`: no title, version `1.0.0`.
    pub fn new() -> Self {
        let document = json!({
            "openapi": "3.1.0",
            "info": { "title": "", "description": "", "version": "1.0.0", "contact": {} },
            "tags": [],
            "servers": [],
            "components": {},
        });
        let Value::Object(document) = document else {
            unreachable!("an object")
        };
        Self { document }
    }

    fn info(&mut self) -> &mut Map<String, Value> {
        self.document
            .get_mut("info")
            .and_then(Value::as_object_mut)
            .expect("the document has its info")
    }

    fn push(&mut self, key: &str, value: Value) {
        if let Some(Value::Array(items)) = self.document.get_mut(key) {
            items.push(value);
        }
    }

    /// `info.title`.
    #[must_use]
    pub fn set_title(mut self, title: &str) -> Self {
        self.info().insert("title".into(), title.into());
        self
    }

    /// `info.description`.
    #[must_use]
    pub fn set_description(mut self, description: &str) -> Self {
        self.info().insert("description".into(), description.into());
        self
    }

    /// `info.version`: the API's version.
    #[must_use]
    pub fn set_version(mut self, version: &str) -> Self {
        self.info().insert("version".into(), version.into());
        self
    }

    /// `info.termsOfService`.
    #[must_use]
    pub fn set_terms_of_service(mut self, url: &str) -> Self {
        self.info().insert("termsOfService".into(), url.into());
        self
    }

    /// `info.contact`.
    #[must_use]
    pub fn set_contact(mut self, name: &str, url: &str, email: &str) -> Self {
        self.info().insert(
            "contact".into(),
            json!({ "name": name, "url": url, "email": email }),
        );
        self
    }

    /// `info.license`.
    #[must_use]
    pub fn set_license(mut self, name: &str, url: &str) -> Self {
        self.info()
            .insert("license".into(), json!({ "name": name, "url": url }));
        self
    }

    /// A server the API is served from.
    #[must_use]
    pub fn add_server(mut self, url: &str, description: Option<&str>) -> Self {
        let mut server = json!({ "url": url });
        if let Some(description) = description {
            server["description"] = description.into();
        }
        self.push("servers", server);
        self
    }

    /// A tag, with its description.
    #[must_use]
    pub fn add_tag(mut self, name: &str, description: Option<&str>) -> Self {
        let mut tag = json!({ "name": name });
        if let Some(description) = description {
            tag["description"] = description.into();
        }
        self.push("tags", tag);
        self
    }

    /// `externalDocs`.
    #[must_use]
    pub fn set_external_doc(mut self, description: &str, url: &str) -> Self {
        self.document.insert(
            "externalDocs".into(),
            json!({ "description": description, "url": url }),
        );
        self
    }

    /// A security scheme under `components.securitySchemes`.
    #[must_use]
    pub fn add_security(mut self, name: &str, scheme: Value) -> Self {
        if let Some(components) = self
            .document
            .get_mut("components")
            .and_then(Value::as_object_mut)
        {
            let schemes = components
                .entry("securitySchemes")
                .or_insert_with(|| json!({}));
            schemes[name] = scheme;
        }
        self
    }

    /// The `bearer` scheme (`Authorization: Bearer <JWT>`), as `addBearerAuth()`.
    #[must_use]
    pub fn add_bearer_auth(self) -> Self {
        self.add_security(
            "bearer",
            json!({ "scheme": "bearer", "bearerFormat": "JWT", "type": "http" }),
        )
    }

    /// The header, for [`SwaggerModule::create_document`].
    pub fn build(self) -> OpenApiConfig {
        OpenApiConfig(Value::Object(self.document))
    }
}

/// An OpenAPI 3.1 document: what `/api-json` serves.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenApiDocument(Value);

impl OpenApiDocument {
    /// The document as JSON.
    pub fn as_value(&self) -> &Value {
        &self.0
    }

    /// The document as JSON, owned.
    pub fn into_value(self) -> Value {
        self.0
    }
}

impl serde::Serialize for OpenApiDocument {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// `@nestjs/swagger`'s `SwaggerModule`: writes the document of an application's routes, and
/// (feature `openapi`) serves it with Swagger UI.
#[derive(Debug, Clone, Copy)]
pub struct SwaggerModule;

impl SwaggerModule {
    /// The document of `app`'s routes, as served (global prefix and versions applied),
    /// under the header `config`.
    ///
    /// See the [module's example](self).
    pub fn create_document(app: &NestApplication, config: &OpenApiConfig) -> OpenApiDocument {
        let mut document = config.0.clone();
        let mut schemas = SchemaGen::default();
        let mut paths = Map::new();
        let mut operation_ids = std::collections::HashSet::new();
        for (method, path, describe) in app.described_routes() {
            let doc = describe();
            if doc.excluded {
                continue;
            }
            let path = openapi_path(&path);
            let methods: &[&str] = match method {
                RequestMethod::All => &["get", "post", "put", "delete", "patch", "options", "head"],
                method => &[method_key(method)],
            };
            for method in methods {
                let item = paths
                    .entry(path.clone())
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
                    .expect("a path item is an object");
                // Versions told apart by a header serve one path: the first route describes it.
                if item.contains_key(*method) {
                    continue;
                }
                let operation = operation(&doc, &path, &mut schemas, &mut operation_ids);
                item.insert((*method).to_owned(), operation);
            }
        }
        document["paths"] = Value::Object(paths);
        let components = document
            .as_object_mut()
            .expect("a document is an object")
            .entry("components")
            .or_insert_with(|| json!({}));
        components["schemas"] = Value::Object(schemas.into_components());
        OpenApiDocument(document)
    }
}

fn method_key(method: RequestMethod) -> &'static str {
    match method {
        RequestMethod::Get | RequestMethod::All => "get",
        RequestMethod::Post => "post",
        RequestMethod::Put => "put",
        RequestMethod::Delete => "delete",
        RequestMethod::Patch => "patch",
        RequestMethod::Options => "options",
        RequestMethod::Head => "head",
    }
}

/// `/cats/:id` as OpenAPI writes it: `/cats/{id}` (optional parts and wildcards too:
/// `{/:id}` and `:id?` are `{id}`, `*path` is `{path}`).
fn openapi_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // Express 5's optional groups: their contents stay, the braces go.
            '{' | '}' | '?' => {}
            ':' | '*' => {
                let mut name = String::new();
                while let Some(&next) = chars.peek() {
                    if next.is_ascii_alphanumeric() || next == '_' || next == '$' {
                        name.push(next);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if name.is_empty() {
                    name.push_str("path");
                }
                out.push('{');
                out.push_str(&name);
                out.push('}');
            }
            c => out.push(c),
        }
    }
    if out.len() > 1 && out.ends_with('/') {
        out.pop();
    }
    out
}

/// The names of the templated parts of an OpenAPI path (`{id}`).
fn templated(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
        .collect()
}

fn operation(
    doc: &RouteDoc,
    path: &str,
    schemas: &mut SchemaGen,
    operation_ids: &mut std::collections::HashSet<String>,
) -> Value {
    let mut operation = Map::new();
    let mut id = doc.operation_id.to_owned();
    let mut n = 2;
    while !operation_ids.insert(id.clone()) {
        id = format!("{}_{n}", doc.operation_id);
        n += 1;
    }
    operation.insert("operationId".into(), id.into());
    if let Some(summary) = doc.summary {
        operation.insert("summary".into(), summary.into());
    }
    if let Some(description) = doc.description {
        operation.insert("description".into(), description.into());
    }
    let mut parameters = Vec::new();
    let mut in_path = Vec::new();
    // Whether the route refuses some requests with a 400 before its handler runs: a body, a
    // DTO, a pipe, or a parameter that is converted to something other than text.
    let mut refuses = doc.body.is_some();
    for param in &doc.params {
        let schema = (param.schema)(schemas).unwrap_or_else(|| json!({}));
        let schema = match param.pipe_type {
            Some(kind) => json!({ "type": kind }),
            None => schema,
        };
        refuses |= param.location == ParamIn::QueryObject
            || schemas.resolve(&schema).get("type").and_then(Value::as_str) != Some("string");
        let location = match param.location {
            ParamIn::Path => "path",
            ParamIn::Query => "query",
            ParamIn::Header => "header",
            ParamIn::QueryObject => {
                let resolved = schemas.resolve(&schema).clone();
                let required: Vec<&str> = resolved["required"]
                    .as_array()
                    .map(|names| names.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if let Some(properties) = resolved["properties"].as_object() {
                    for (name, schema) in properties {
                        parameters.push(json!({
                            "name": name,
                            "required": required.contains(&name.as_str()),
                            "in": "query",
                            "schema": schema,
                        }));
                    }
                }
                continue;
            }
        };
        if param.location == ParamIn::Path {
            in_path.push(param.name);
        }
        let required = param.location == ParamIn::Path || (param.required)();
        parameters.push(json!({
            "name": param.name,
            "required": required,
            "in": location,
            "schema": schema,
        }));
    }
    // A path parameter the handler does not read is still part of the path.
    for name in templated(path) {
        if !in_path.contains(&name) {
            parameters.push(json!({
                "name": name,
                "required": true,
                "in": "path",
                "schema": { "type": "string" },
            }));
        }
    }
    operation.insert("parameters".into(), parameters.into());
    if let Some(body) = doc.body {
        let schema = body(schemas).unwrap_or_else(|| json!({}));
        operation.insert(
            "requestBody".into(),
            json!({ "required": true, "content": { "application/json": { "schema": schema } } }),
        );
    }
    let mut responses = Map::new();
    for response in &doc.responses {
        let mut entry = json!({ "description": response.description.unwrap_or("") });
        if let Some(schema) = response.schema.and_then(|schema| schema(schemas)) {
            entry["content"] = json!({ response.media: { "schema": schema } });
        } else if response.status >= 400 {
            // An error answers with NestJS's exception body.
            entry["content"] = exception_content(schemas);
        }
        responses.insert(response.status.to_string(), entry);
    }
    if refuses && !responses.contains_key("400") {
        responses.insert(
            "400".into(),
            json!({ "description": "Bad Request", "content": exception_content(schemas) }),
        );
    }
    operation.insert("responses".into(), responses.into());
    if !doc.security.is_empty() {
        let requirements: Vec<Value> = doc
            .security
            .iter()
            .map(|name| json!({ *name: [] }))
            .collect();
        operation.insert("security".into(), requirements.into());
    }
    if !doc.tags.is_empty() {
        operation.insert("tags".into(), doc.tags.clone().into());
    }
    if doc.deprecated {
        operation.insert("deprecated".into(), true.into());
    }
    operation.into()
}

/// The content of an error response: NestJS's exception body (`{"message":...,"error":...,
/// "statusCode":...}`, `message` a text or, from a `ValidationPipe`, a list), as the component
/// `HttpExceptionBody`.
fn exception_content(schemas: &mut SchemaGen) -> Value {
    let schema = schemas.component("HttpExceptionBody", |_| {
        json!({
            "type": "object",
            "properties": {
                "message": {
                    "oneOf": [
                        { "type": "string" },
                        { "type": "array", "items": { "type": "string" } },
                    ],
                },
                "error": { "type": "string" },
                "statusCode": { "type": "integer" },
            },
            "required": ["message", "statusCode"],
        })
    });
    json!({ "application/json": { "schema": schema } })
}

#[cfg(test)]
mod tests {
    use super::openapi_path;

    #[test]
    fn express_paths_become_templates() {
        assert_eq!(openapi_path("/cats/:id"), "/cats/{id}");
        assert_eq!(openapi_path("/"), "/");
        assert_eq!(openapi_path("/a{/:b}"), "/a/{b}");
        assert_eq!(openapi_path("/files/*path"), "/files/{path}");
        assert_eq!(
            openapi_path("/v1/cats/:id/toys/:toy_id"),
            "/v1/cats/{id}/toys/{toy_id}"
        );
    }
}
