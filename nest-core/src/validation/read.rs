//! Reading a DTO from the request: the body as express's JSON parser gives it (or the query),
//! validated by the application's `ValidationPipe`, then deserialised.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{ValidationPipe, schema::Schema, validate_into};
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
    validate_into(pipe(request), schema, value, false)
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
    validate_into(pipe(request), schema, Value::Object(object), true)
}

/// body-parser's strict JSON: an object or an array, or the error V8's `JSON.parse` gives.
fn parse(bytes: &[u8]) -> Result<Value, HttpException> {
    let text = String::from_utf8_lossy(bytes);
    let first = text
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .chars()
        .next();
    if let Some(first) = first.filter(|c| *c != '{' && *c != '[') {
        return Err(BadRequestException::new(format!(
            "Unexpected token '{first}', {} is not valid JSON",
            quoted(&text)
        )));
    }
    serde_json::from_str(&text).map_err(|error| BadRequestException::new(v8_message(&text, &error)))
}

/// V8's way of showing the source in a message: all of it when short, else around the error.
fn quoted(text: &str) -> String {
    if text.chars().count() <= 40 {
        format!("\"{text}\"")
    } else {
        let head: String = text.chars().take(10).collect();
        format!("\"{head}\"...")
    }
}

/// The message V8's `JSON.parse` gives for what serde_json refused.
fn v8_message(text: &str, error: &serde_json::Error) -> String {
    if error.is_eof() {
        return "Unexpected end of JSON input".into();
    }
    // serde_json counts columns from 1 in characters; V8 positions from 0.
    let position: usize = text
        .split('\n')
        .take(error.line().saturating_sub(1))
        .map(|line| line.chars().count() + 1)
        .sum::<usize>()
        + error.column().saturating_sub(1);
    let reason = error.to_string();
    let reason = reason.split(" at line ").next().unwrap_or_default();
    match reason {
        "key must be a string" | "trailing comma"
            if text.chars().nth(position) == Some('}') || reason == "key must be a string" =>
        {
            format!("Expected double-quoted property name in JSON at position {position}")
        }
        "expected `,` or `}`" => {
            format!("Expected ',' or '}}' after property value in JSON at position {position}")
        }
        "expected `,` or `]`" => {
            format!("Expected ',' or ']' after array element in JSON at position {position}")
        }
        "expected `:`" => {
            format!("Expected ':' after property name in JSON at position {position}")
        }
        "trailing characters" => {
            format!("Unexpected non-whitespace character after JSON at position {position}")
        }
        _ => match text.chars().nth(position) {
            Some(c) => format!("Unexpected token '{c}', {} is not valid JSON", quoted(text)),
            None => "Unexpected end of JSON input".into(),
        },
    }
}
