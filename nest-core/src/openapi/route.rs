//! What `#[controller]` tells the OpenAPI document about one route: its operation id,
//! summary, tags, parameters, body and responses ([`RouteDoc`]).

use serde_json::Value;

use super::schema::SchemaGen;

/// A schema written by generated code: the schema of a type, `None` when it has none.
pub type SchemaFn = fn(&mut SchemaGen) -> Option<Value>;

/// Where a parameter is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamIn {
    /// `#[param("id")]`.
    Path,
    /// `#[query("n")]`.
    Query,
    /// `#[headers("x")]`.
    Header,
    /// `#[query] q: T`: every property of `T` is a query parameter.
    QueryObject,
}

/// One parameter of an operation.
#[derive(Debug, Clone, Copy)]
pub struct ParamDoc {
    /// Where it is read from.
    pub location: ParamIn,
    /// Its name (empty for [`ParamIn::QueryObject`]).
    pub name: &'static str,
    /// Its type's schema.
    pub schema: SchemaFn,
    /// Whether its type requires a value (`false` for `Option<T>`).
    pub required: fn() -> bool,
    /// A pipe that converts it (`ParseIntPipe`: an integer), as a JSON Schema type.
    pub pipe_type: Option<&'static str>,
}

/// One response of an operation.
#[derive(Debug, Clone, Copy)]
pub struct ResponseDoc {
    /// Its status code.
    pub status: u16,
    /// Its description.
    pub description: Option<&'static str>,
    /// The body's media type (`application/json`, `text/html`, `text/event-stream`).
    pub media: &'static str,
    /// The body's schema (for an event stream, the schema of one event's data).
    pub schema: Option<SchemaFn>,
}

/// What the OpenAPI document says about one route; `#[controller]` writes it from the
/// method's signature, doc comment and `#[api_*]` attributes.
#[derive(Debug, Clone, Default)]
pub struct RouteDoc {
    /// `CatsController_create`, as `@nestjs/swagger` names operations.
    pub operation_id: &'static str,
    /// The doc comment's first paragraph, or `#[api_operation(summary = "...")]`.
    pub summary: Option<&'static str>,
    /// The rest of the doc comment, or `#[api_operation(description = "...")]`.
    pub description: Option<&'static str>,
    /// `#[api_tags("cats")]` on the controller and the route.
    pub tags: Vec<&'static str>,
    /// `#[api_bearer_auth]` on the controller and the route: the security schemes it requires
    /// (`bearer`), each written as a requirement of its own.
    pub security: Vec<&'static str>,
    /// Its parameters, in the order of the method's arguments.
    pub params: Vec<ParamDoc>,
    /// `#[body] dto: T`: the request body's schema.
    pub body: Option<SchemaFn>,
    /// The successful response, inferred from the return type, then `#[api_response(...)]`.
    pub responses: Vec<ResponseDoc>,
    /// `#[api_exclude_endpoint]`: not in the document.
    pub excluded: bool,
    /// `#[deprecated]`.
    pub deprecated: bool,
}

/// Builds a route's [`RouteDoc`] when a document is written.
pub type DescribeFn = fn() -> RouteDoc;
