//! Pipes: NestJS's `PipeTransform`, which validates and converts one argument before the
//! handler sees it: `#[param("id", ParseIntPipe)] id: i64`.
//!
//! A pipe on `#[param]`, `#[query]` or `#[headers]` receives the raw text (`None` when the
//! request lacks it); a pipe on `#[body]` receives the parsed body. Pipes run left to right,
//! each receiving what the previous one returned, and the last returns the argument's type.
//! A pipe's error answers the request (400 for the built-ins, with NestJS's messages); the
//! handler does not run.

use std::str::FromStr;

use serde::de::DeserializeOwned;

use crate::http::{BadRequestException, HttpException};

/// Where an argument comes from, given to each pipe (NestJS's `ArgumentMetadata`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArgumentMetadata {
    /// `"param"`, `"query"`, `"header"` or `"body"` (NestJS's `type`).
    pub kind: &'static str,
    /// The parameter's name (`id` in `#[param("id")]`; NestJS's `data`), if it has one.
    pub data: Option<&'static str>,
}

/// A pipe, as NestJS's `PipeTransform`: turns `In` into `Out`, or refuses the request.
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::pipeline::{ArgumentMetadata, PipeTransform};
///
/// /// Accepts only even numbers.
/// struct EvenPipe;
///
/// impl PipeTransform<Option<String>, u32> for EvenPipe {
///     fn transform(&self, value: Option<String>, _: &ArgumentMetadata) -> Result<u32, HttpException> {
///         match value.as_deref().map(str::parse::<u32>) {
///             Some(Ok(number)) if number % 2 == 0 => Ok(number),
///             _ => Err(BadRequestException::new("Validation failed (even number is expected)")),
///         }
///     }
/// }
///
/// #[derive(Default)]
/// struct PairsController;
///
/// #[controller("pairs")]
/// impl PairsController {
///     #[get(":n")]
///     fn half(&self, #[param("n", EvenPipe)] n: u32) -> String { (n / 2).to_string() }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot turn a `{In}` into a `{Out}`",
    label = "this pipe does not give the argument's type",
    note = "pipes on `#[param]`, `#[query]` and `#[headers]` receive `Option<String>`; the last pipe must return the argument's type"
)]
pub trait PipeTransform<In, Out>: Send + Sync {
    /// The conversion; an error answers the request.
    fn transform(&self, value: In, metadata: &ArgumentMetadata) -> Result<Out, HttpException>;
}

fn validation_failed(expected: &str) -> HttpException {
    BadRequestException::new(format!("Validation failed ({expected} is expected)"))
}

/// NestJS's `ParseIntPipe`: a whole number of the argument's integer type, else
/// `400 "Validation failed (numeric string is expected)"`. `Option<T>` arguments are `None`
/// when the value is absent.
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseIntPipe;

/// NestJS's `ParseFloatPipe`: an `f32` or `f64`, else
/// `400 "Validation failed (numeric string is expected)"`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseFloatPipe;

/// The types `ParseIntPipe` and `ParseFloatPipe` give.
pub trait Numeric: FromStr {}

macro_rules! numeric {
    ($pipe:ident: $($ty:ty),*) => {$(
        impl Numeric for $ty {}

        impl PipeTransform<Option<String>, $ty> for $pipe {
            fn transform(&self, value: Option<String>, _: &ArgumentMetadata) -> Result<$ty, HttpException> {
                value
                    .as_deref()
                    .map(str::trim)
                    .and_then(|text| text.parse::<$ty>().ok())
                    .ok_or_else(|| validation_failed("numeric string"))
            }
        }

        impl PipeTransform<Option<String>, Option<$ty>> for $pipe {
            fn transform(&self, value: Option<String>, metadata: &ArgumentMetadata) -> Result<Option<$ty>, HttpException> {
                match value {
                    None => Ok(None),
                    some => self.transform(some, metadata).map(Some),
                }
            }
        }
    )*};
}

numeric!(ParseIntPipe: i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);
numeric!(ParseFloatPipe: f32, f64);

/// NestJS's `ParseBoolPipe`: `"true"` or `"false"`, else
/// `400 "Validation failed (boolean string is expected)"`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseBoolPipe;

impl PipeTransform<Option<String>, bool> for ParseBoolPipe {
    fn transform(
        &self,
        value: Option<String>,
        _: &ArgumentMetadata,
    ) -> Result<bool, HttpException> {
        match value.as_deref() {
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            _ => Err(validation_failed("boolean string")),
        }
    }
}

impl PipeTransform<Option<String>, Option<bool>> for ParseBoolPipe {
    fn transform(
        &self,
        value: Option<String>,
        metadata: &ArgumentMetadata,
    ) -> Result<Option<bool>, HttpException> {
        match value {
            None => Ok(None),
            some => self.transform(some, metadata).map(Some),
        }
    }
}

/// NestJS's `ParseUUIDPipe`: a UUID (any version, or the one asked with
/// [`version`](Self::version)), given as the string it was, else
/// `400 "Validation failed (uuid is expected)"` (`uuid v4` with a version).
///
/// ```
/// use nest_core::pipeline::{ArgumentMetadata, ParseUUIDPipe, PipeTransform};
/// let metadata = ArgumentMetadata { kind: "param", data: Some("id") };
/// let id: Result<String, _> = ParseUUIDPipe::version(4)
///     .transform(Some("6f1c8a4e-2b7d-4c39-9a51-0d2e3f4a5b6c".into()), &metadata);
/// assert!(id.is_ok());
/// let id: Result<String, _> = ParseUUIDPipe::default().transform(Some("42".into()), &metadata);
/// assert_eq!(id.unwrap_err().message(), "Validation failed (uuid is expected)");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseUUIDPipe {
    version: Option<u8>,
}

impl ParseUUIDPipe {
    /// Accepts only UUIDs of `version` (1 to 8).
    pub fn version(version: u8) -> Self {
        Self {
            version: Some(version),
        }
    }

    fn is_uuid(&self, text: &str) -> bool {
        let bytes = text.as_bytes();
        let shape = bytes.len() == 36
            && bytes.iter().enumerate().all(|(index, byte)| match index {
                8 | 13 | 18 | 23 => *byte == b'-',
                _ => byte.is_ascii_hexdigit(),
            });
        if !shape {
            return false;
        }
        let version = bytes[14];
        let variant = bytes[19].to_ascii_lowercase();
        match self.version {
            None => true,
            Some(wanted) => {
                version == b'0' + wanted && matches!(variant, b'8' | b'9' | b'a' | b'b')
            }
        }
    }
}

impl PipeTransform<Option<String>, String> for ParseUUIDPipe {
    fn transform(
        &self,
        value: Option<String>,
        _: &ArgumentMetadata,
    ) -> Result<String, HttpException> {
        match value {
            Some(text) if self.is_uuid(&text) => Ok(text),
            _ => Err(match self.version {
                Some(version) => validation_failed(&format!("uuid v{version}")),
                None => validation_failed("uuid"),
            }),
        }
    }
}

/// NestJS's `ParseEnumPipe`: one of an enum's variants, by its serde name
/// (`#[derive(Deserialize)]`, `#[serde(rename_all = "lowercase")]`…), else
/// `400 "Validation failed (enum string is expected)"`.
///
/// ```
/// use nest_core::pipeline::{ArgumentMetadata, ParseEnumPipe, PipeTransform};
/// #[derive(Debug, PartialEq, serde::Deserialize)]
/// #[serde(rename_all = "lowercase")]
/// enum Color { Red, Black }
/// let metadata = ArgumentMetadata { kind: "query", data: Some("color") };
/// assert_eq!(ParseEnumPipe.transform(Some("red".into()), &metadata).ok(), Some(Color::Red));
/// assert!(PipeTransform::<_, Color>::transform(&ParseEnumPipe, Some("blue".into()), &metadata).is_err());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseEnumPipe;

impl<T: DeserializeOwned> PipeTransform<Option<String>, T> for ParseEnumPipe {
    fn transform(&self, value: Option<String>, _: &ArgumentMetadata) -> Result<T, HttpException> {
        let text = value.ok_or_else(|| validation_failed("enum string"))?;
        T::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(&text))
            .map_err(|_| validation_failed("enum string"))
    }
}

/// NestJS's `DefaultValuePipe`: the value, or this default when the request lacks it; put it
/// before the pipe that converts (`#[query("page", DefaultValuePipe::new(1), ParseIntPipe)]`).
#[derive(Debug, Clone)]
pub struct DefaultValuePipe(String);

impl DefaultValuePipe {
    /// The default, as the text the request would have carried.
    pub fn new(default: impl std::fmt::Display) -> Self {
        Self(default.to_string())
    }
}

impl PipeTransform<Option<String>, Option<String>> for DefaultValuePipe {
    fn transform(
        &self,
        value: Option<String>,
        _: &ArgumentMetadata,
    ) -> Result<Option<String>, HttpException> {
        Ok(Some(value.unwrap_or_else(|| self.0.clone())))
    }
}

/// NestJS's `ValidationPipe` on a `#[body(ValidationPipe)]`: checks the `validator` rules of
/// the body, answering `400` with every message (feature `validation`). [`crate::Valid`] does
/// the same as an argument type.
#[cfg(feature = "validation")]
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidationPipe;

#[cfg(feature = "validation")]
impl<T: validator::Validate> PipeTransform<T, T> for ValidationPipe {
    fn transform(&self, value: T, _: &ArgumentMetadata) -> Result<T, HttpException> {
        value
            .validate()
            .map_err(|errors| crate::http::validation::validation_failed(&errors))?;
        Ok(value)
    }
}

/// Runs one pipe (for the code the macros generate: it names the types in errors).
#[doc(hidden)]
pub fn run<In, Out, P: PipeTransform<In, Out>>(
    pipe: &P,
    value: In,
    metadata: &ArgumentMetadata,
) -> Result<Out, HttpException> {
    pipe.transform(value, metadata)
}
