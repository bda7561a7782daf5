//! DTO validation as NestJS's `ValidationPipe` with class-validator does it: `#[derive(Dto)]`
//! records each field's decorators; the JSON body (or the query) is checked against them
//! *before* it is deserialised, so a missing, `null`, mistyped or unknown property is answered
//! with class-validator's messages, in its order (feature `validation`).
//!
//! ```
//! use nest_core::prelude::*;
//! use nest_core::Dto;
//! use serde::Deserialize;
//!
//! #[derive(Deserialize, Dto)]
//! #[serde(rename_all = "camelCase")]
//! struct CreateCatDto {
//!     #[is_string]
//!     #[is_not_empty]
//!     name: String,
//!     #[is_int]
//!     #[min(0)]
//!     age: u32,
//!     #[is_optional]
//!     #[is_string]
//!     owner_name: Option<String>,
//! }
//!
//! #[derive(Default)]
//! struct CatsController;
//!
//! #[controller("cats")]
//! impl CatsController {
//!     // `{}` is answered with 400 and
//!     // {"message":["name should not be empty","name must be a string",
//!     //   "age must not be less than 0","age must be an integer number"],
//!     //  "error":"Bad Request","statusCode":400}
//!     #[post]
//!     fn create(&self, #[body] dto: CreateCatDto) -> String {
//!         format!("{} is {}", dto.name, dto.age)
//!     }
//! }
//! ```

pub mod schema;

mod rules;

use std::sync::{Arc, OnceLock};

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::http::HttpException;
use schema::{Constraint, Kind, Property, Rule, Schema};

/// A type whose fields carry class-validator's decorators: `#[derive(Dto)]` implements it.
pub trait Dto: DeserializeOwned {
    /// Its properties and their constraints.
    fn schema() -> &'static Schema;
}

/// What `#[derive(Dto)]` registers, so that `#[body] dto: T` finds `T`'s schema by its type.
#[doc(hidden)]
#[derive(Debug)]
pub struct DtoEntry {
    /// `std::any::type_name::<T>`.
    pub type_name: fn() -> &'static str,
    /// `<T as Dto>::schema`.
    pub schema: fn() -> &'static Schema,
}

inventory::collect!(DtoEntry);

/// The schema of the type called `type_name`, if it derives `Dto`.
pub(crate) fn schema_of(type_name: &str) -> Option<&'static Schema> {
    static TABLE: OnceLock<std::collections::HashMap<&'static str, schema::SchemaFn>> =
        OnceLock::new();
    TABLE
        .get_or_init(|| {
            inventory::iter::<DtoEntry>
                .into_iter()
                .map(|entry| ((entry.type_name)(), entry.schema))
                .collect()
        })
        .get(type_name)
        .map(|schema| schema())
}

/// The schema of an element type for `#[validate_nested]`: a DTO, or a `Vec`, `Option` or
/// `Box` of one.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a DTO",
    label = "`#[validate_nested]` needs a `#[derive(Dto)]` type here",
    note = "derive `Dto` for it, or use a `Vec`, `Option` or `Box` of a `#[derive(Dto)]` type"
)]
pub trait Nested {
    /// The nested DTO's schema.
    fn nested_schema() -> &'static Schema;
}

impl<T: Nested> Nested for Vec<T> {
    fn nested_schema() -> &'static Schema {
        T::nested_schema()
    }
}

impl<T: Nested> Nested for Option<T> {
    fn nested_schema() -> &'static Schema {
        T::nested_schema()
    }
}

impl<T: Nested> Nested for Box<T> {
    fn nested_schema() -> &'static Schema {
        T::nested_schema()
    }
}

/// The values of a unit-variant enum by their serde names, for `#[is_enum(Role)]`.
#[doc(hidden)]
pub fn enum_values<T: DeserializeOwned>() -> Vec<&'static str> {
    struct Names(Option<&'static [&'static str]>);
    impl<'de> serde::Deserializer<'de> for &mut Names {
        type Error = serde::de::value::Error;
        fn deserialize_any<V: serde::de::Visitor<'de>>(
            self,
            _: V,
        ) -> Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("not an enum"))
        }
        fn deserialize_enum<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            variants: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0 = Some(variants);
            Err(serde::de::Error::custom("names read"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
            ignored_any
        }
    }
    let mut names = Names(None);
    let _ = T::deserialize(&mut names);
    names.0.unwrap_or_default().to_vec()
}

/// One property that failed, as class-validator's `ValidationError`: what
/// [`ValidationPipe::exception_factory`] receives.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationError {
    /// The property's name (an index for an element of an array of DTOs).
    pub property: String,
    /// Its value (`None` when absent).
    pub value: Option<Value>,
    /// Each failed constraint's key (`isString`, ...) and message.
    pub constraints: Vec<(&'static str, String)>,
    /// The errors of a nested DTO.
    pub children: Vec<Self>,
}

impl ValidationError {
    fn new(property: impl Into<String>, value: Option<&Value>) -> Self {
        Self {
            property: property.into(),
            value: value.cloned(),
            constraints: Vec::new(),
            children: Vec::new(),
        }
    }

    fn add(&mut self, key: &'static str, message: String) {
        match self.constraints.iter_mut().find(|(k, _)| *k == key) {
            Some(existing) => existing.1 = message,
            None => self.constraints.push((key, message)),
        }
    }
}

type ExceptionFactory = Arc<dyn Fn(&[ValidationError]) -> HttpException + Send + Sync>;

/// NestJS's `ValidationPipe` and its options, for the DTOs of `#[derive(Dto)]`:
/// `app.use_global_pipes(ValidationPipe::new().whitelist(true))`.
///
/// ```
/// use nest_core::ValidationPipe;
/// let pipe = ValidationPipe::new()
///     .whitelist(true)
///     .forbid_non_whitelisted(true)
///     .error_http_status_code(422);
/// # drop(pipe);
/// ```
#[derive(Clone)]
pub struct ValidationPipe {
    whitelist: bool,
    forbid_non_whitelisted: bool,
    forbid_unknown_values: bool,
    transform: bool,
    enable_implicit_conversion: bool,
    skip_missing_properties: bool,
    disable_error_messages: bool,
    error_http_status_code: u16,
    exception_factory: Option<ExceptionFactory>,
    groups: Vec<String>,
    always: bool,
    validate_custom_decorators: bool,
}

impl std::fmt::Debug for ValidationPipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidationPipe")
            .field("whitelist", &self.whitelist)
            .field("forbid_non_whitelisted", &self.forbid_non_whitelisted)
            .field("transform", &self.transform)
            .field("skip_missing_properties", &self.skip_missing_properties)
            .field("disable_error_messages", &self.disable_error_messages)
            .field("error_http_status_code", &self.error_http_status_code)
            .field("groups", &self.groups)
            .finish_non_exhaustive()
    }
}

impl Default for ValidationPipe {
    fn default() -> Self {
        Self::new()
    }
}

macro_rules! flags {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, on: bool) -> Self {
            self.$name = on;
            self
        }
    )*};
}

impl ValidationPipe {
    /// `new ValidationPipe()`: every option at NestJS's default.
    pub fn new() -> Self {
        Self {
            whitelist: false,
            forbid_non_whitelisted: false,
            forbid_unknown_values: true,
            transform: false,
            enable_implicit_conversion: false,
            skip_missing_properties: false,
            disable_error_messages: false,
            error_http_status_code: 400,
            exception_factory: None,
            groups: Vec::new(),
            always: false,
            validate_custom_decorators: false,
        }
    }

    flags! {
        /// `whitelist`: properties without a decorator are removed before validation.
        whitelist,
        /// `forbidNonWhitelisted`: with `whitelist`, such a property is an error
        /// (`property x should not exist`).
        forbid_non_whitelisted,
        /// `forbidUnknownValues` (on by default): a DTO with no decorator at all is refused.
        forbid_unknown_values,
        /// `transform`: with [`enable_implicit_conversion`](Self::enable_implicit_conversion),
        /// values are converted to the fields' types before validation.
        transform,
        /// `transformOptions: { enableImplicitConversion: true }`: with `transform`, a
        /// string becomes a number or a boolean when the field's Rust type is one, and a
        /// number or a boolean a string for a `String` field (class-transformer's `Number`,
        /// `Boolean` and `String`).
        enable_implicit_conversion,
        /// `skipMissingProperties`: absent and `null` properties are not validated.
        skip_missing_properties,
        /// `disableErrorMessages`: the 400 carries no message list.
        disable_error_messages,
        /// `always`: constraints run whatever the groups.
        always,
        /// `validateCustomDecorators`: also validate the values of custom parameter
        /// attributes (skipped by default, as NestJS skips them).
        validate_custom_decorators,
    }

    /// Whether custom parameter attributes' values are validated.
    pub(crate) fn validates_custom_decorators(&self) -> bool {
        self.validate_custom_decorators
    }

    /// Converts (with `transform`), whitelists and validates the JSON `value` of a DTO of
    /// `schema`: the value to deserialise, or NestJS's error.
    pub(crate) fn check(&self, schema: &Schema, mut value: Value) -> Result<Value, HttpException> {
        self.convert(schema, &mut value);
        let errors = self.validate(schema, &mut value);
        if !errors.is_empty() {
            return Err(self.error(&errors));
        }
        // What passed was the stand-in of an array: NestJS refuses it once the DTO has rules.
        if !value.is_object() && !schema.properties.is_empty() {
            let mut error = ValidationError::new("body", Some(&value));
            error.add("isObject", "Validation failed (object is expected)".into());
            return Err(self.error(&[error]));
        }
        Ok(value)
    }

    /// `errorHttpStatusCode`: the status of the error (400 by default).
    #[must_use]
    pub fn error_http_status_code(mut self, status: u16) -> Self {
        self.error_http_status_code = status;
        self
    }

    /// `groups`: only the constraints of these groups (and those with `always`) run.
    #[must_use]
    pub fn groups<I: IntoIterator<Item = S>, S: Into<String>>(mut self, groups: I) -> Self {
        self.groups = groups.into_iter().map(Into::into).collect();
        self
    }

    /// `exceptionFactory`: builds the error from the failed properties.
    ///
    /// ```
    /// use nest_core::{BadRequestException, ValidationPipe};
    /// let pipe = ValidationPipe::new().exception_factory(|errors| {
    ///     let names: Vec<_> = errors.iter().map(|e| e.property.as_str()).collect();
    ///     BadRequestException::new(names.join(","))
    /// });
    /// # drop(pipe);
    /// ```
    #[must_use]
    pub fn exception_factory(
        mut self,
        factory: impl Fn(&[ValidationError]) -> HttpException + Send + Sync + 'static,
    ) -> Self {
        self.exception_factory = Some(Arc::new(factory));
        self
    }

    /// Validates `value` against `schema` (removing what `whitelist` removes): the failed
    /// properties, empty when it passes.
    pub fn validate(&self, schema: &Schema, value: &mut Value) -> Vec<ValidationError> {
        let mut errors = Vec::new();
        match value {
            Value::Object(object) => self.execute(object, schema, &mut errors),
            // class-transformer turns anything else into an instance without properties.
            _ => self.execute(&mut Map::new(), schema, &mut errors),
        }
        strip_empty(&mut errors);
        errors
    }

    /// The error NestJS answers with for `errors`.
    pub fn error(&self, errors: &[ValidationError]) -> HttpException {
        if let Some(factory) = &self.exception_factory {
            return factory(errors);
        }
        let status = self.error_http_status_code;
        let reason = http::StatusCode::from_u16(status)
            .ok()
            .and_then(|status| status.canonical_reason())
            .unwrap_or("Bad Request");
        if self.disable_error_messages {
            return HttpException::from_body(
                serde_json::json!({ "message": reason, "statusCode": status }),
                status,
            );
        }
        let messages = flatten(errors);
        if status == 400 {
            return HttpException::bad_request_messages(messages);
        }
        HttpException::from_body(
            serde_json::json!({ "message": messages, "error": reason, "statusCode": status }),
            status,
        )
    }

    /// Converts values as class-transformer's implicit conversion does from TypeScript's types
    /// (here the fields' Rust types), nested DTOs included: a string to a number
    /// (`Number(text)`) or a boolean (`Boolean(text)`), a number or a boolean to a string.
    pub(crate) fn convert(&self, schema: &Schema, value: &mut Value) {
        if !(self.transform && self.enable_implicit_conversion) {
            return;
        }
        let object = match value {
            Value::Object(object) => object,
            Value::Array(items) => {
                for item in items {
                    self.convert(schema, item);
                }
                return;
            }
            _ => return,
        };
        for property in schema.properties {
            let Some(current) = object.get_mut(property.name) else {
                continue;
            };
            if let Some((nested, _)) = property.nested {
                self.convert(nested(), current);
                continue;
            }
            let converted = match (property.kind, &*current) {
                (Kind::Number, Value::String(text)) => js_number(text),
                (Kind::Boolean, Value::String(text)) => Some(Value::Bool(!text.is_empty())),
                (Kind::Text, Value::Number(n)) => Some(Value::String(rules::js_number(
                    n.as_f64().unwrap_or_default(),
                ))),
                (Kind::Text, Value::Bool(b)) => Some(Value::String(b.to_string())),
                _ => None,
            };
            if let Some(converted) = converted {
                *current = converted;
            }
        }
    }

    fn in_groups(&self, constraint: &Constraint) -> bool {
        if self.groups.is_empty() {
            return true;
        }
        constraint.always
            || self.always
            || constraint
                .groups
                .iter()
                .any(|group| self.groups.iter().any(|wanted| wanted == group))
    }

    fn execute(
        &self,
        object: &mut Map<String, Value>,
        schema: &Schema,
        errors: &mut Vec<ValidationError>,
    ) {
        let retained: Vec<(&Property, Vec<&Constraint>)> = schema
            .properties
            .iter()
            .filter_map(|property| {
                let constraints: Vec<&Constraint> = property
                    .constraints
                    .iter()
                    .filter(|constraint| self.in_groups(constraint))
                    .collect();
                let nested = property.nested.as_ref().filter(|(_, c)| self.in_groups(c));
                let keep = !constraints.is_empty()
                    || nested.is_some()
                    || (property.whitelisted && self.groups.is_empty());
                keep.then_some((property, constraints))
            })
            .collect();
        if self.forbid_unknown_values && retained.is_empty() {
            let mut error = ValidationError::new("", None);
            error.add(
                "unknownValue",
                "an unknown value was passed to the validate function".into(),
            );
            errors.push(error);
            return;
        }
        if self.whitelist {
            let unknown: Vec<String> = object
                .keys()
                .filter(|key| {
                    !retained
                        .iter()
                        .any(|(property, _)| property.name == key.as_str())
                })
                .cloned()
                .collect();
            for key in unknown {
                if self.forbid_non_whitelisted {
                    let mut error = ValidationError::new(key.clone(), object.get(&key));
                    error.add(
                        "whitelistValidation",
                        format!("property {key} should not exist"),
                    );
                    errors.push(error);
                } else {
                    object.shift_remove(&key);
                }
            }
        }
        for (property, constraints) in retained {
            let value = object.get_mut(property.name);
            self.perform(property, &constraints, value, property.name, errors);
        }
    }

    fn perform(
        &self,
        property: &Property,
        constraints: &[&Constraint],
        value: Option<&mut Value>,
        name: &str,
        errors: &mut Vec<ValidationError>,
    ) {
        let mut error = ValidationError::new(name, value.as_deref());
        let missing = matches!(value.as_deref(), None | Some(Value::Null));
        if property.optional && missing {
            errors.push(error);
            return;
        }
        for constraint in constraints
            .iter()
            .filter(|c| matches!(c.rule, Rule::IsDefined))
        {
            self.run(property, constraint, value.as_deref(), &mut error);
        }
        if missing && self.skip_missing_properties {
            errors.push(error);
            return;
        }
        for constraint in constraints
            .iter()
            .filter(|c| !matches!(c.rule, Rule::IsDefined))
        {
            self.run(property, constraint, value.as_deref(), &mut error);
        }
        if let Some((schema, constraint)) = property.nested.filter(|(_, c)| self.in_groups(c)) {
            if let Some(value) = value {
                self.nested(property, schema(), &constraint, value, &mut error);
            }
        }
        errors.push(error);
    }

    fn nested(
        &self,
        property: &Property,
        schema: &Schema,
        constraint: &Constraint,
        value: &mut Value,
        error: &mut ValidationError,
    ) {
        match value {
            Value::Array(items) => {
                for (index, item) in items.iter_mut().enumerate() {
                    let mut child = ValidationError::new(index.to_string(), Some(item));
                    self.nested(property, schema, constraint, item, &mut child);
                    error.children.push(child);
                }
            }
            Value::Object(object) => self.execute(object, schema, &mut error.children),
            _ => {
                let prefix = if constraint.each {
                    "each value in "
                } else {
                    ""
                };
                let message = constraint.message.map_or_else(
                    || format!("{prefix}nested property $property must be either object or array"),
                    str::to_owned,
                );
                error.add(
                    "nestedValidation",
                    replace(&message, property.name, None, ""),
                );
            }
        }
    }

    fn run(
        &self,
        property: &Property,
        constraint: &Constraint,
        value: Option<&Value>,
        error: &mut ValidationError,
    ) {
        let passes = match (constraint.each, value) {
            (true, Some(Value::Array(items))) => items
                .iter()
                .all(|item| rules::check(&constraint.rule, Some(item))),
            _ => rules::check(&constraint.rule, value),
        };
        if passes {
            return;
        }
        let message = match constraint.message {
            Some(message) => message.to_owned(),
            None if constraint.each => {
                format!("each value in {}", rules::default_message(&constraint.rule))
            }
            None => rules::default_message(&constraint.rule),
        };
        let constraint1 = rules::constraint1(&constraint.rule);
        error.add(
            rules::key(&constraint.rule),
            replace(&message, property.name, value, &constraint1),
        );
    }
}

/// class-validator's `replaceMessageSpecialTokens`.
fn replace(message: &str, property: &str, value: Option<&Value>, constraint1: &str) -> String {
    let mut message = message.replace("$constraint1", constraint1);
    match value {
        Some(Value::String(text)) => message = message.replace("$value", text),
        Some(Value::Number(n)) => {
            message = message.replace("$value", &rules::js_number(n.as_f64().unwrap_or_default()))
        }
        Some(Value::Bool(b)) => message = message.replace("$value", &b.to_string()),
        _ => {}
    }
    message.replace("$property", property)
}

/// JavaScript's `Number(text)`, `None` for `NaN` (left as the string, which fails the same
/// numeric constraints `NaN` fails).
fn js_number(text: &str) -> Option<Value> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Some(Value::from(0));
    }
    let number: f64 = trimmed.parse().ok().filter(|_| !trimmed.contains(['_']))?;
    if number.fract() == 0.0 && number.abs() < 9.0e15 {
        Some(Value::from(number as i64))
    } else {
        serde_json::Number::from_f64(number).map(Value::Number)
    }
}

fn strip_empty(errors: &mut Vec<ValidationError>) {
    errors.retain_mut(|error| {
        strip_empty(&mut error.children);
        !(error.constraints.is_empty() && error.children.is_empty())
    });
}

/// NestJS's `flattenValidationErrors`: every message, nested ones prefixed with their path.
pub fn flatten(errors: &[ValidationError]) -> Vec<String> {
    fn walk(error: &ValidationError, parent: Option<&str>, out: &mut Vec<String>) {
        for (_, message) in &error.constraints {
            out.push(match parent {
                Some(parent) => format!("{parent}.{message}"),
                None => message.clone(),
            });
        }
        if error.children.is_empty() {
            return;
        }
        let path = match parent {
            Some(parent) => format!("{parent}.{}", error.property),
            None => error.property.clone(),
        };
        for child in &error.children {
            walk(child, Some(&path), out);
        }
    }
    let mut out = Vec::new();
    for error in errors {
        walk(error, None, &mut out);
    }
    out
}

/// The JSON value of an argument of the type called `metatype`, after its pipes: a DTO no
/// `ValidationPipe` reached (`validated` false) is validated with `ValidationPipe::new()`; then
/// it is deserialised, a value that does not fit the Rust type being told in class-validator's
/// words.
pub(crate) fn finish<T: DeserializeOwned>(
    value: Value,
    validated: bool,
    metatype: Option<&str>,
) -> Result<T, HttpException> {
    let pipe = ValidationPipe::new();
    let value = match (validated, metatype.and_then(schema_of)) {
        (false, Some(schema)) => pipe.check(schema, value)?,
        _ => value,
    };
    crate::http::json_shape::from_value(value).map_err(|message| {
        pipe.error(&[ValidationError {
            property: String::new(),
            value: None,
            constraints: vec![("type", message)],
            children: Vec::new(),
        }])
    })
}
