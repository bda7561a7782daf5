//! Reading a DTO from the request: the body as express's JSON parser gives it (or the query),
//! validated by the application's `ValidationPipe`, then deserialised.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{ValidationPipe, schema::Schema, validate_into};
use crate::http::json_syntax::{quoted, v8_message};
use crate::http::{BadRequestException, HttpException, Request};

fn pipe(request: &Request) -> Option<&ValidationPipe> {
    request
        .context()
        .validation
        .as_deref()
        .and_then(|pipe| pipe.downcast_ref::<ValidationPipe>())
}

/// Whether express's `json()` parser reads a body of this `Content-Type`.
fn is_json(request: &Request) -> bool {
    request
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            value
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|mime| mime == "application/json" || mime.ends_with("+json"))
}

/// The body of a `#[body] dto: T` argument.
pub(crate) async fn body<T: DeserializeOwned>(
    request: &mut Request,
    schema: &Schema,
) -> Result<T, HttpException> {
    let bytes = crate::http::body_bytes(request).await?;
    let value = if is_json(request) && !bytes.iter().all(u8::is_ascii_whitespace) {
        parse(&bytes)?
    } else {
        Value::Object(Map::new())
    };
    validate_into(pipe(request), schema, value)
}

/// The path parameters of a `#[param] dto: T` argument, as text.
pub(crate) fn params<T: DeserializeOwned>(
    request: &Request,
    schema: &Schema,
) -> Result<T, HttpException> {
    let object = request
        .params()
        .iter()
        .map(|(key, value)| (key.clone(), Value::String(value.clone())))
        .collect();
    validate_into(pipe(request), schema, Value::Object(object))
}

/// The query string of a `#[query] dto: T` argument: each key's text (an array when repeated).
pub(crate) fn query<T: DeserializeOwned>(
    request: &Request,
    schema: &Schema,
) -> Result<T, HttpException> {
    let mut object = Map::new();
    for (key, value) in request.query_pairs()? {
        match object.get_mut(&key) {
            Some(Value::Array(items)) => items.push(Value::String(value)),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, Value::String(value)]);
            }
            None => {
                object.insert(key, Value::String(value));
            }
        }
    }
    validate_into(pipe(request), schema, Value::Object(object))
}

/// body-parser's strict JSON: an object or an array, or the error V8's `JSON.parse` gives.
fn parse(bytes: &[u8]) -> Result<Value, HttpException> {
    let text = String::from_utf8_lossy(bytes);
    let trimmed = text.trim_start_matches([' ', '\t', '\n', '\r']);
    if let Some(first) = trimmed.chars().next().filter(|c| *c != '{' && *c != '[') {
        let position = text.chars().count() - trimmed.chars().count();
        return Err(BadRequestException::new(format!(
            "Unexpected token '{first}', {} is not valid JSON",
            quoted(&text, position)
        )));
    }
    serde_json::from_str(&text).map_err(|error| BadRequestException::new(v8_message(&text, &error)))
}
