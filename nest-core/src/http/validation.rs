//! [`Valid<T>`]: the `validator` crate's rules on `#[body]` and `#[query]` arguments (feature
//! `validation`). To port class-validator DTOs, `#[derive(Dto)]` ([`crate::validation`]) gives
//! NestJS's exact messages and order; `Valid<T>` is for types already written for `validator`.

use std::{borrow::Cow, collections::HashMap, ops::Deref};

use serde::de::DeserializeOwned;
use validator::{Validate, ValidationError, ValidationErrors, ValidationErrorsKind};

use super::{exception::HttpException, extract::FromInput};

/// A value that passed its `validator` rules; anything else is answered, before the handler
/// runs, with NestJS's `ValidationPipe` body: one message per failed rule,
/// `{"message":["age must not be greater than 30"],"error":"Bad Request","statusCode":400}`.
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::Valid;
/// use serde::Deserialize;
/// use validator::Validate;
///
/// #[derive(Deserialize, Validate)]
/// struct CreateCatDto {
///     #[validate(length(min = 1))]
///     name: String,
///     #[validate(range(min = 0, max = 30))]
///     age: u8,
/// }
///
/// #[derive(Default)]
/// struct CatsController;
///
/// #[controller("cats")]
/// impl CatsController {
///     #[post]
///     fn create(&self, #[body] dto: Valid<CreateCatDto>) -> String {
///         format!("{} is {}", dto.name, dto.age)
///     }
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Valid<T>(pub T);

impl<T> Valid<T> {
    /// The validated value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Valid<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + Validate> FromInput for Valid<T> {
    type Raw = T;

    fn check(raw: T) -> Result<Self, HttpException> {
        match raw.validate() {
            Ok(()) => Ok(Self(raw)),
            Err(errors) => Err(validation_failed(&errors)),
        }
    }
}

/// NestJS's `ValidationPipe` error body for `errors`.
pub(crate) fn validation_failed(errors: &ValidationErrors) -> HttpException {
    let mut messages = Vec::new();
    collect(errors, "", &mut messages);
    HttpException::bad_request_messages(messages)
}

fn collect(errors: &ValidationErrors, path: &str, messages: &mut Vec<String>) {
    let mut fields: Vec<(&Cow<'static, str>, &ValidationErrorsKind)> =
        errors.errors().iter().collect();
    fields.sort_by(|a, b| a.0.cmp(b.0));
    for (field, kind) in fields {
        let name = if path.is_empty() {
            field.to_string()
        } else {
            format!("{path}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(errors) => {
                messages.extend(errors.iter().map(|error| message(&name, error)));
            }
            ValidationErrorsKind::Struct(inner) => collect(inner, &name, messages),
            ValidationErrorsKind::List(items) => {
                let mut items: Vec<_> = items.iter().collect();
                items.sort_by_key(|(index, _)| **index);
                for (index, inner) in items {
                    collect(inner, &format!("{name}.{index}"), messages);
                }
            }
        }
    }
}

/// The message class-validator would give for this rule, or the rule's own message.
fn message(field: &str, error: &ValidationError) -> String {
    if let Some(message) = &error.message {
        return message.to_string();
    }
    let param = |name: &str| -> Option<String> {
        error.params.get(name).map(|value| match value {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        })
    };
    let params: &HashMap<Cow<'static, str>, serde_json::Value> = &error.params;
    match error.code.as_ref() {
        "length" => match (param("min"), param("max"), param("equal")) {
            (_, _, Some(equal)) => format!("{field} must be {equal} characters long"),
            (Some(min), None, None) => {
                format!("{field} must be longer than or equal to {min} characters")
            }
            (None, Some(max), None) => {
                format!("{field} must be shorter than or equal to {max} characters")
            }
            (Some(min), Some(max), None) => {
                format!("{field} must be between {min} and {max} characters")
            }
            _ => format!("{field} has the wrong length"),
        },
        "range" => match (param("min"), param("max"), params.get("value")) {
            (Some(min), _, Some(value)) if value.as_f64() < min.parse().ok() => {
                format!("{field} must not be less than {min}")
            }
            (_, Some(max), _) => format!("{field} must not be greater than {max}"),
            (Some(min), _, _) => format!("{field} must not be less than {min}"),
            _ => format!("{field} is out of range"),
        },
        "email" => format!("{field} must be an email"),
        "url" => format!("{field} must be a URL address"),
        "required" => format!("{field} should not be empty"),
        "contains" => format!(
            "{field} must contain a {} string",
            param("needle").unwrap_or_default()
        ),
        "regex" => format!("{field} must match the required pattern"),
        code => format!("{field} failed the {code} rule"),
    }
}
