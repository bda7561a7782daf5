//! JSON Schemas of Rust types for the OpenAPI document: the [`ApiSchema`] trait, implemented
//! for the primitive types, strings, `Option`, `Vec`, maps, and by `#[derive(Dto)]` (the DTO
//! becomes a component, its class-validator rules schema keywords).

use std::{
    collections::{BTreeMap, HashMap},
    marker::PhantomData,
};

use serde_json::{Map, Value, json};

/// A type that can describe itself as a JSON Schema (OpenAPI 3.1's dialect), as
/// `@nestjs/swagger` reads a class's properties.
///
/// Implemented for the primitive types, `String`, `Option<T>`, `Vec<T>`, slices, maps with
/// string keys and `serde_json::Value`; `#[derive(Dto)]` implements it for a DTO, which
/// becomes a component of the document (`$ref: #/components/schemas/CreateCatDto`).
/// Implement it by hand for a type of your own:
///
/// ```
/// use nest_core::openapi::{ApiSchema, SchemaGen};
/// use serde_json::{Value, json};
///
/// struct Celsius(f64);
///
/// impl ApiSchema for Celsius {
///     fn api_schema(_: &mut SchemaGen) -> Value {
///         json!({ "type": "number", "description": "degrees Celsius" })
///     }
/// }
///
/// let mut schemas = SchemaGen::default();
/// assert_eq!(Vec::<Celsius>::api_schema(&mut schemas)["items"]["type"], "number");
/// ```
pub trait ApiSchema {
    /// The type's schema; a type described once for the whole document registers itself
    /// with [`SchemaGen::component`] and returns its `$ref`.
    fn api_schema(schemas: &mut SchemaGen) -> Value;

    /// Whether a value must be present (`false` for `Option<T>`): a property or parameter of
    /// this type is `required` unless it is optional.
    fn api_required() -> bool {
        true
    }
}

/// The components (`#/components/schemas`) a document's schemas refer to, collected as the
/// schemas are written.
///
/// ```
/// use nest_core::openapi::SchemaGen;
/// use serde_json::json;
///
/// let mut schemas = SchemaGen::default();
/// let reference = schemas.component("Cat", |_| json!({ "type": "object" }));
/// assert_eq!(reference, json!({ "$ref": "#/components/schemas/Cat" }));
/// assert!(schemas.components().contains_key("Cat"));
/// ```
#[derive(Debug, Default, Clone)]
pub struct SchemaGen {
    components: Map<String, Value>,
}

impl SchemaGen {
    /// The `$ref` to the component `name`, built by `build` the first time it is named (a
    /// type that refers to itself gets its `$ref` while it is being built).
    pub fn component(&mut self, name: &str, build: impl FnOnce(&mut Self) -> Value) -> Value {
        if !self.components.contains_key(name) {
            self.components.insert(name.to_owned(), json!({}));
            let schema = build(self);
            self.components.insert(name.to_owned(), schema);
        }
        json!({ "$ref": format!("#/components/schemas/{name}") })
    }

    /// The components named so far, in the order they were first named.
    pub fn components(&self) -> &Map<String, Value> {
        &self.components
    }

    /// The schema `schema` refers to (itself, or the component its `$ref` names).
    pub fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|reference| reference.strip_prefix("#/components/schemas/"))
            .and_then(|name| self.components.get(name))
            .unwrap_or(schema)
    }

    pub(crate) fn into_components(self) -> Map<String, Value> {
        self.components
    }
}

macro_rules! schema_of {
    ($($ty:ty => $schema:tt),* $(,)?) => {
        $(
            impl ApiSchema for $ty {
                fn api_schema(_: &mut SchemaGen) -> Value {
                    json!($schema)
                }
            }
        )*
    };
}

schema_of! {
    bool => { "type": "boolean" },
    i8 => { "type": "integer", "format": "int32" },
    i16 => { "type": "integer", "format": "int32" },
    i32 => { "type": "integer", "format": "int32" },
    i64 => { "type": "integer", "format": "int64" },
    i128 => { "type": "integer" },
    isize => { "type": "integer", "format": "int64" },
    u8 => { "type": "integer", "format": "int32", "minimum": 0 },
    u16 => { "type": "integer", "format": "int32", "minimum": 0 },
    u32 => { "type": "integer", "format": "int64", "minimum": 0 },
    u64 => { "type": "integer", "format": "int64", "minimum": 0 },
    u128 => { "type": "integer", "minimum": 0 },
    usize => { "type": "integer", "format": "int64", "minimum": 0 },
    f32 => { "type": "number", "format": "float" },
    f64 => { "type": "number", "format": "double" },
    char => { "type": "string", "minLength": 1, "maxLength": 1 },
    String => { "type": "string" },
    str => { "type": "string" },
    Value => {},
}

impl<T: ApiSchema + ?Sized> ApiSchema for &T {
    fn api_schema(schemas: &mut SchemaGen) -> Value {
        T::api_schema(schemas)
    }

    fn api_required() -> bool {
        T::api_required()
    }
}

impl<T: ApiSchema + ?Sized> ApiSchema for Box<T> {
    fn api_schema(schemas: &mut SchemaGen) -> Value {
        T::api_schema(schemas)
    }

    fn api_required() -> bool {
        T::api_required()
    }
}

impl<T: ApiSchema + ?Sized> ApiSchema for std::sync::Arc<T> {
    fn api_schema(schemas: &mut SchemaGen) -> Value {
        T::api_schema(schemas)
    }

    fn api_required() -> bool {
        T::api_required()
    }
}

impl<T: ApiSchema> ApiSchema for Option<T> {
    fn api_schema(schemas: &mut SchemaGen) -> Value {
        T::api_schema(schemas)
    }

    fn api_required() -> bool {
        false
    }
}

impl<T: ApiSchema> ApiSchema for Vec<T> {
    fn api_schema(schemas: &mut SchemaGen) -> Value {
        json!({ "type": "array", "items": T::api_schema(schemas) })
    }
}

impl<T: ApiSchema> ApiSchema for [T] {
    fn api_schema(schemas: &mut SchemaGen) -> Value {
        json!({ "type": "array", "items": T::api_schema(schemas) })
    }
}

impl<T: ApiSchema, S> ApiSchema for HashMap<String, T, S> {
    fn api_schema(schemas: &mut SchemaGen) -> Value {
        json!({ "type": "object", "additionalProperties": T::api_schema(schemas) })
    }
}

impl<T: ApiSchema> ApiSchema for BTreeMap<String, T> {
    fn api_schema(schemas: &mut SchemaGen) -> Value {
        json!({ "type": "object", "additionalProperties": T::api_schema(schemas) })
    }
}

impl<T: ApiSchema> ApiSchema for crate::http::Json<T> {
    fn api_schema(schemas: &mut SchemaGen) -> Value {
        T::api_schema(schemas)
    }
}

/// The schema of `T` when it has one, found by autoref (`(&&Probe::<T>::new()).schema(..)`):
/// [`ViaApiSchema`] for an [`ApiSchema`] type, else [`NoApiSchema`] (no schema).
#[doc(hidden)]
pub struct Probe<T: ?Sized>(PhantomData<T>);

impl<T: ?Sized> Probe<T> {
    #[allow(clippy::new_without_default, missing_docs)]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T: ?Sized> std::fmt::Debug for Probe<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Probe")
    }
}

/// An [`ApiSchema`] type's schema.
#[doc(hidden)]
pub trait ViaApiSchema {
    fn __nest_schema(&self, schemas: &mut SchemaGen) -> Option<Value>;
    fn __nest_required(&self) -> bool;
}

impl<T: ApiSchema + ?Sized> ViaApiSchema for &Probe<T> {
    fn __nest_schema(&self, schemas: &mut SchemaGen) -> Option<Value> {
        Some(T::api_schema(schemas))
    }

    fn __nest_required(&self) -> bool {
        T::api_required()
    }
}

/// A type without a schema: described as any value.
#[doc(hidden)]
pub trait NoApiSchema {
    fn __nest_schema(&self, schemas: &mut SchemaGen) -> Option<Value>;
    fn __nest_required(&self) -> bool;
}

impl<T: ?Sized> NoApiSchema for Probe<T> {
    fn __nest_schema(&self, _: &mut SchemaGen) -> Option<Value> {
        None
    }

    fn __nest_required(&self) -> bool {
        true
    }
}

/// One field of a `#[derive(Dto)]` type, as the derive describes it (in declaration order,
/// as the validation schema's properties).
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct FieldDoc {
    /// The field type's schema, `None` when it has none.
    pub schema: fn(&mut SchemaGen) -> Option<Value>,
    /// Whether its type requires a value (`false` for `Option<T>`).
    pub required: fn() -> bool,
    /// `#[api_property(description = "...")]`.
    pub description: Option<&'static str>,
    /// `#[api_property(example = ...)]`.
    pub example: Option<fn() -> Value>,
}

/// The schema of a DTO: an object whose properties are its fields' schemas, with its
/// class-validator rules as keywords (`minLength`, `maximum`, `format`, `enum`, `pattern`,
/// …) and `required` naming the fields that are neither `#[is_optional]` nor `Option`.
#[cfg(feature = "validation")]
#[doc(hidden)]
pub fn dto_object(
    schema: &crate::validation::schema::Schema,
    fields: &[FieldDoc],
    schemas: &mut SchemaGen,
) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for (property, field) in schema.properties.iter().zip(fields) {
        let mut value = (field.schema)(schemas).unwrap_or_else(|| json!({}));
        // class-validator runs the constraints in reverse source order: apply them in source
        // order.
        for constraint in property.constraints.iter().rev() {
            if constraint.each {
                if let Some(items) = value.as_object_mut().and_then(|object| {
                    object
                        .entry("items")
                        .or_insert_with(|| json!({}))
                        .as_object_mut()
                }) {
                    apply_rule(items, &constraint.rule);
                }
            } else if let Some(object) = value.as_object_mut() {
                apply_rule(object, &constraint.rule);
            }
        }
        if let Some(object) = value.as_object_mut() {
            if let Some(description) = field.description {
                object.insert("description".into(), description.into());
            }
            if let Some(example) = field.example {
                object.insert("examples".into(), json!([example()]));
            }
        }
        if !property.optional && (field.required)() {
            required.push(Value::from(property.name));
        }
        properties.insert(property.name.to_owned(), value);
    }
    let mut object = Map::new();
    object.insert("type".into(), "object".into());
    object.insert("properties".into(), properties.into());
    if !required.is_empty() {
        object.insert("required".into(), required.into());
    }
    object.into()
}

/// One class-validator rule as JSON Schema keywords.
#[cfg(feature = "validation")]
fn apply_rule(schema: &mut Map<String, Value>, rule: &crate::validation::schema::Rule) {
    use crate::validation::schema::{Literal, Rule};
    let mut set = |key: &str, value: Value| {
        schema.insert(key.to_owned(), value);
    };
    match rule {
        Rule::IsString => set("type", "string".into()),
        Rule::IsEmail => {
            set("type", "string".into());
            set("format", "email".into());
        }
        Rule::IsUuid(_) => {
            set("type", "string".into());
            set("format", "uuid".into());
        }
        Rule::IsDateString => {
            set("type", "string".into());
            set("format", "date-time".into());
        }
        Rule::IsUrl => {
            set("type", "string".into());
            set("format", "uri".into());
        }
        Rule::MinLength(n) => set("minLength", (*n).into()),
        Rule::MaxLength(n) => set("maxLength", (*n).into()),
        Rule::IsInt => {
            set("type", "integer".into());
        }
        Rule::IsNumber => set("type", "number".into()),
        Rule::Min(n) => set("minimum", js_number(*n)),
        Rule::Max(n) => set("maximum", js_number(*n)),
        Rule::IsBoolean => set("type", "boolean".into()),
        Rule::IsEnum(values) => {
            set("type", "string".into());
            set("enum", values().into());
        }
        Rule::IsIn(values) => set(
            "enum",
            values
                .iter()
                .map(|value| match value {
                    Literal::Str(text) => Value::from(*text),
                    Literal::Num(n) => js_number(*n),
                    Literal::Bool(b) => Value::from(*b),
                })
                .collect(),
        ),
        Rule::Matches(pattern) => set("pattern", (*pattern).into()),
        Rule::IsArray => set("type", "array".into()),
        Rule::ArrayMinSize(n) => set("minItems", (*n).into()),
        Rule::ArrayMaxSize(n) => set("maxItems", (*n).into()),
        Rule::IsNotEmpty => {
            if schema.get("type").and_then(Value::as_str) == Some("string")
                && !schema.contains_key("minLength")
            {
                schema.insert("minLength".into(), 1.into());
            }
        }
        Rule::IsDefined => {}
    }
}

/// A number as JavaScript writes it: `3`, not `3.0`.
#[cfg(feature = "validation")]
fn js_number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9e15 {
        Value::from(n as i64)
    } else {
        Value::from(n)
    }
}
