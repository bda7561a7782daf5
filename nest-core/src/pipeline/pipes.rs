//! Pipes: NestJS's `PipeTransform`, which validates and converts one argument before the
//! handler sees it: `#[param("id", ParseIntPipe)] id: i64`.
//!
//! A pipe on `#[param]`, `#[query]` or `#[headers]` receives the raw text (`None` when the
//! request lacks it); a pipe on `#[body]` or on a custom parameter attribute receives the JSON
//! value. Pipes run left to right, each receiving what the previous one returned, and the last
//! returns the argument's type (or a JSON value, then deserialised into it). A pipe's error
//! answers the request (400 for the built-ins, with NestJS's messages); the handler does not
//! run.
//!
//! Global pipes (`app.use_global_pipes`), controller and route pipes (`#[use_pipes]`) work on
//! JSON values (`PipeTransform<Value, Value>`) and run, in that order, before an argument's
//! own pipes, on `#[body]`, `#[query]`, `#[param]`, `#[host_param]` and custom parameter
//! attributes (not on `#[headers]`, `#[req]` or extractors), as NestJS runs them.

use std::{str::FromStr, sync::Arc};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::http::{BadRequestException, HttpException, Request};

/// Where an argument comes from, given to each pipe (NestJS's `ArgumentMetadata`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArgumentMetadata {
    /// `"param"`, `"query"`, `"header"` or `"body"` (NestJS's `type`).
    pub kind: &'static str,
    /// The parameter's name (`id` in `#[param("id")]`; NestJS's `data`), if it has one.
    pub data: Option<&'static str>,
    /// The argument's Rust type (`std::any::type_name`; NestJS's `metatype`), if known.
    pub metatype: Option<&'static str>,
}

impl ArgumentMetadata {
    /// The metadata of an argument of `kind` named `data`, of no known type.
    ///
    /// ```
    /// use nest_core::pipeline::ArgumentMetadata;
    /// let metadata = ArgumentMetadata::new("param", Some("id"));
    /// assert_eq!(metadata.metatype, None);
    /// ```
    pub const fn new(kind: &'static str, data: Option<&'static str>) -> Self {
        Self {
            kind,
            data,
            metatype: None,
        }
    }
}

/// A pipe, as NestJS's `PipeTransform`: turns `In` into `Out`, or refuses the request.
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::pipeline::{ArgumentMetadata, PipeTransform};
///
/// /// Accepts only even numbers.
/// #[derive(Default)]
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
    note = "pipes on `#[param(\"name\")]`, `#[query(\"name\")]`, `#[host_param(\"name\")]` and `#[headers(\"name\")]` receive `Option<String>`; on `#[body]`, `#[query]`, `#[param]` and custom attributes, a `serde_json::Value`; the last pipe must return the argument's type (or a `Value` to deserialise)"
)]
pub trait PipeTransform<In, Out>: Send + Sync {
    /// The conversion; an error answers the request.
    fn transform(&self, value: In, metadata: &ArgumentMetadata) -> Result<Out, HttpException>;

    /// Whether this pipe validates DTOs (`ValidationPipe`): a `#[derive(Dto)]` argument no
    /// such pipe reached is validated by `ValidationPipe::new()`.
    #[doc(hidden)]
    fn __nest_validates(&self) -> bool {
        false
    }
}

/// A pipe over JSON values: what `app.use_global_pipes` and `#[use_pipes]` take (NestJS's
/// pipes see plain JavaScript values; these see `serde_json::Value`).
///
/// ```
/// use nest_core::pipeline::{AnyPipe, ArgumentMetadata, PipeTransform};
/// use nest_core::HttpException;
/// use serde_json::Value;
///
/// /// Trims every string of a body object.
/// #[derive(Default)]
/// struct TrimPipe;
///
/// impl PipeTransform<Value, Value> for TrimPipe {
///     fn transform(&self, mut value: Value, metadata: &ArgumentMetadata) -> Result<Value, HttpException> {
///         if let (Value::Object(object), "body") = (&mut value, metadata.kind) {
///             for field in object.values_mut() {
///                 if let Value::String(text) = field {
///                     *text = text.trim().to_owned();
///                 }
///             }
///         }
///         Ok(value)
///     }
/// }
///
/// let pipe: Box<AnyPipe> = Box::new(TrimPipe);
/// let trimmed = pipe.transform(serde_json::json!({"name": " a "}), &ArgumentMetadata::new("body", None));
/// assert_eq!(trimmed.unwrap(), serde_json::json!({"name": "a"}));
/// ```
pub type AnyPipe = dyn PipeTransform<Value, Value>;

impl std::fmt::Debug for AnyPipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pipe")
    }
}

/// The global, controller and route pipes of the route a request reached, in NestJS's order
/// (put in the request's extensions when the route has any).
#[derive(Clone)]
pub(crate) struct PipeChain(pub(crate) Arc<[Arc<AnyPipe>]>);

impl PipeChain {
    /// The chain of `request`'s route, if it has pipes.
    pub(crate) fn of(request: &Request) -> Option<Self> {
        request.extensions().get::<Self>().cloned()
    }

    /// Runs every pipe in order on `value`.
    pub(crate) fn run(
        &self,
        value: Value,
        metadata: &ArgumentMetadata,
    ) -> Result<Value, HttpException> {
        self.0
            .iter()
            .try_fold(value, |value, pipe| pipe.transform(value, metadata))
    }

    /// Whether one of them validates DTOs.
    pub(crate) fn validates(&self) -> bool {
        self.0.iter().any(|pipe| pipe.__nest_validates())
    }
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

/// NestJS's `ParseIntPipe` test: `/^-?\d+$/` (no sign `+`, no spaces, no exponent).
fn is_integer_text(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit())
}

/// NestJS's `ParseFloatPipe` test: a finite JavaScript number with nothing around it.
fn is_float_text(text: &str) -> bool {
    !text.is_empty()
        && text.trim() == text
        && !text.starts_with('+')
        && text.parse::<f64>().is_ok_and(f64::is_finite)
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'.' | b'e' | b'E' | b'+'))
}

/// The types `ParseIntPipe` and `ParseFloatPipe` give.
pub trait Numeric: FromStr {}

macro_rules! numeric {
    ($pipe:ident, $strict:ident: $($ty:ty),*) => {$(
        impl Numeric for $ty {}

        impl PipeTransform<Option<String>, $ty> for $pipe {
            fn transform(&self, value: Option<String>, _: &ArgumentMetadata) -> Result<$ty, HttpException> {
                value
                    .as_deref()
                    .filter(|text| $strict(text))
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

numeric!(ParseIntPipe, is_integer_text: i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);
numeric!(ParseFloatPipe, is_float_text: f32, f64);

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
/// `400 "Validation failed (uuid is expected)"` (`uuid v 4` with a version, as NestJS words it).
///
/// ```
/// use nest_core::pipeline::{ArgumentMetadata, ParseUUIDPipe, PipeTransform};
/// let metadata = ArgumentMetadata::new("param", Some("id"));
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
                Some(version) => validation_failed(&format!("uuid v {version}")),
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
/// let metadata = ArgumentMetadata::new("query", Some("color"));
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

/// NestJS's `ValidationPipe` as a pipe: a `#[derive(Dto)]` argument's JSON value is converted,
/// whitelisted and validated with this pipe's options (the error is NestJS's 400); other
/// arguments (no DTO, or a custom parameter attribute without `validate_custom_decorators`)
/// go through as they are.
#[cfg(feature = "validation")]
impl PipeTransform<Value, Value> for crate::validation::ValidationPipe {
    fn transform(&self, value: Value, metadata: &ArgumentMetadata) -> Result<Value, HttpException> {
        if metadata.kind == "custom" && !self.validates_custom_decorators() {
            return Ok(value);
        }
        match metadata.metatype.and_then(crate::validation::schema_of) {
            Some(schema) => self.check(schema, value),
            None => Ok(value),
        }
    }

    fn __nest_validates(&self) -> bool {
        true
    }
}

/// NestJS's `ParseArrayPipe`: a separated list (`?ids=1,2,3`) into a `Vec`, each item
/// converted as NestJS converts it for `items: Number` (a number) or `items: String` (as it
/// is); an absent value is `400 "Validation failed (parsable array expected)"`, an item that
/// does not convert is `400 "[1] item must be a number"`.
///
/// ```
/// use nest_core::pipeline::{ArgumentMetadata, ParseArrayPipe, PipeTransform};
/// let metadata = ArgumentMetadata::new("query", Some("ids"));
/// let ids: Vec<i64> = ParseArrayPipe::new().transform(Some("1,2,3".into()), &metadata).unwrap();
/// assert_eq!(ids, [1, 2, 3]);
/// let error = PipeTransform::<_, Vec<i64>>::transform(&ParseArrayPipe::new(), Some("1,x".into()), &metadata);
/// assert_eq!(error.unwrap_err().message(), "[1] item must be a number");
/// ```
#[derive(Debug, Clone)]
pub struct ParseArrayPipe {
    separator: String,
}

impl Default for ParseArrayPipe {
    fn default() -> Self {
        Self::new()
    }
}

impl ParseArrayPipe {
    /// Items separated by `,`, as NestJS's default.
    pub fn new() -> Self {
        Self {
            separator: ",".to_owned(),
        }
    }

    /// Items separated by `separator` (NestJS's `separator` option).
    #[must_use]
    pub fn separator(mut self, separator: impl Into<String>) -> Self {
        self.separator = separator.into();
        self
    }
}

/// What `ParseArrayPipe` can give a `Vec` of: a number (`items: Number`) or a `String`.
pub trait ArrayItem: Sized {
    /// The word of the error message: `[1] item must be a number`.
    const KIND: &'static str;
    /// The item, or `None` when it does not convert.
    fn parse_item(text: &str) -> Option<Self>;
}

impl ArrayItem for String {
    const KIND: &'static str = "string";
    fn parse_item(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }
}

macro_rules! array_items {
    ($($ty:ty),*) => {$(
        impl ArrayItem for $ty {
            const KIND: &'static str = "number";
            fn parse_item(text: &str) -> Option<Self> {
                // JavaScript's `+text`: spaces around are ignored, an empty item is 0.
                let text = text.trim();
                if text.is_empty() {
                    return "0".parse().ok();
                }
                text.parse().ok()
            }
        }
    )*};
}

array_items!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64
);

impl<T: ArrayItem> PipeTransform<Option<String>, Vec<T>> for ParseArrayPipe {
    fn transform(
        &self,
        value: Option<String>,
        _: &ArgumentMetadata,
    ) -> Result<Vec<T>, HttpException> {
        let text = value.ok_or_else(|| {
            BadRequestException::new("Validation failed (parsable array expected)")
        })?;
        text.split(self.separator.as_str())
            .enumerate()
            .map(|(index, item)| {
                T::parse_item(item).ok_or_else(|| {
                    BadRequestException::new(format!("[{index}] item must be a {}", T::KIND))
                })
            })
            .collect()
    }
}

impl<T: ArrayItem> PipeTransform<Option<String>, Option<Vec<T>>> for ParseArrayPipe {
    fn transform(
        &self,
        value: Option<String>,
        metadata: &ArgumentMetadata,
    ) -> Result<Option<Vec<T>>, HttpException> {
        match value {
            None => Ok(None),
            some => self.transform(some, metadata).map(Some),
        }
    }
}

impl PipeOptions for ParseArrayPipe {}

/// NestJS's `ParseDatePipe`: an ISO 8601 date or date-time (`2020-01-31`,
/// `2020-01-31T10:00:00.000Z`, `2020-01-31T12:00+02:00`) into a `SystemTime`; absent or empty
/// is `400 "Validation failed (no Date provided)"`, anything else
/// `400 "Validation failed (invalid date format)"`. A date-time without an offset is read as
/// UTC (JavaScript reads it in the server's time zone); JavaScript's other formats
/// (`Jan 31 2020`) are refused.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use nest_core::pipeline::{ArgumentMetadata, ParseDatePipe, PipeTransform};
/// let metadata = ArgumentMetadata::new("query", Some("since"));
/// let since: SystemTime = ParseDatePipe.transform(Some("1970-01-02T00:00:01Z".into()), &metadata).unwrap();
/// assert_eq!(since, SystemTime::UNIX_EPOCH + Duration::from_secs(86_401));
/// let error = PipeTransform::<_, SystemTime>::transform(&ParseDatePipe, Some("2020-02-30".into()), &metadata);
/// assert_eq!(error.unwrap_err().message(), "Validation failed (invalid date format)");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseDatePipe;

impl PipeTransform<Option<String>, std::time::SystemTime> for ParseDatePipe {
    fn transform(
        &self,
        value: Option<String>,
        _: &ArgumentMetadata,
    ) -> Result<std::time::SystemTime, HttpException> {
        let text = value
            .filter(|text| !text.is_empty())
            .ok_or_else(|| BadRequestException::new("Validation failed (no Date provided)"))?;
        parse_iso_date(&text)
            .ok_or_else(|| BadRequestException::new("Validation failed (invalid date format)"))
    }
}

impl PipeTransform<Option<String>, Option<std::time::SystemTime>> for ParseDatePipe {
    fn transform(
        &self,
        value: Option<String>,
        metadata: &ArgumentMetadata,
    ) -> Result<Option<std::time::SystemTime>, HttpException> {
        match value {
            None => Ok(None),
            some => self.transform(some, metadata).map(Some),
        }
    }
}

impl PipeOptions for ParseDatePipe {}

/// Milliseconds since the epoch of an ISO 8601 date or date-time, as JavaScript's
/// `Date.parse` reads its ISO forms (offset-less date-times as UTC).
fn parse_iso_date(text: &str) -> Option<std::time::SystemTime> {
    fn number(text: &str) -> Option<i64> {
        (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse().ok())
            .flatten()
    }
    let (date, time) = match text.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let mut parts = date.splitn(3, '-');
    let year = number(parts.next()?).filter(|_| date.len() >= 4)?;
    let month = parts.next().map_or(Some(1), number)?;
    let day = parts.next().map_or(Some(1), number)?;
    if !(1..=12).contains(&month) || day < 1 || date.split('-').any(|part| part.len() > 4) {
        return None;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if day > days_in_month[(month - 1) as usize] {
        return None;
    }
    let mut millis = 0i64;
    let mut offset_minutes = 0i64;
    if let Some(time) = time {
        let (clock, offset) = if let Some(clock) = time.strip_suffix('Z') {
            (clock, 0)
        } else if let Some(index) = time.rfind(['+', '-']) {
            let (clock, offset) = time.split_at(index);
            let sign = if offset.starts_with('-') { -1 } else { 1 };
            let (hours, minutes) = offset[1..].split_once(':')?;
            (clock, sign * (number(hours)? * 60 + number(minutes)?))
        } else {
            (time, 0)
        };
        offset_minutes = offset;
        let (clock, fraction) = clock.split_once('.').unwrap_or((clock, ""));
        let mut fields = clock.split(':');
        let hours = number(fields.next()?)?;
        let minutes = number(fields.next()?)?;
        let seconds = fields.next().map_or(Some(0), number)?;
        if fields.next().is_some() || hours > 24 || minutes > 59 || seconds > 59 {
            return None;
        }
        if hours == 24 && (minutes, seconds) != (0, 0) {
            return None;
        }
        let fraction_millis = if fraction.is_empty() {
            0
        } else {
            number(fraction)?;
            format!("{fraction:0<3}")[..3].parse::<i64>().ok()?
        };
        millis = ((hours * 60 + minutes) * 60 + seconds) * 1000 + fraction_millis;
    }
    // Days from 1970-01-01 (Howard Hinnant's days_from_civil).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let total = days * 86_400_000 + millis - offset_minutes * 60_000;
    let epoch = std::time::SystemTime::UNIX_EPOCH;
    if total >= 0 {
        epoch.checked_add(std::time::Duration::from_millis(total as u64))
    } else {
        epoch.checked_sub(std::time::Duration::from_millis(total.unsigned_abs()))
    }
}

/// A built-in pipe's options, as NestJS's `new ParseIntPipe({ errorHttpStatusCode: 406 })`:
/// `ParseIntPipe.error_http_status_code(406)`. (NestJS's `optional: true` is an `Option<T>`
/// argument: `None` when the value is absent.)
pub trait PipeOptions: Sized {
    /// Answers a failure with this status instead of 400, as NestJS does:
    /// `{"message":"Validation failed (numeric string is expected)","error":"Not Acceptable","statusCode":406}`.
    ///
    /// ```
    /// use nest_core::pipeline::{ArgumentMetadata, ParseIntPipe, PipeOptions, PipeTransform};
    /// let metadata = ArgumentMetadata::new("param", Some("id"));
    /// let pipe = ParseIntPipe.error_http_status_code(406);
    /// let error = PipeTransform::<_, i64>::transform(&pipe, Some("x".into()), &metadata).unwrap_err();
    /// assert_eq!(error.status().as_u16(), 406);
    /// ```
    fn error_http_status_code(self, status: u16) -> WithStatus<Self> {
        WithStatus { pipe: self, status }
    }
}

impl PipeOptions for ParseIntPipe {}
impl PipeOptions for ParseFloatPipe {}
impl PipeOptions for ParseBoolPipe {}
impl PipeOptions for ParseUUIDPipe {}
impl PipeOptions for ParseEnumPipe {}

/// A built-in pipe answering its failures with another status (see [`PipeOptions`]).
#[derive(Debug, Clone, Copy)]
pub struct WithStatus<P> {
    pipe: P,
    status: u16,
}

impl<In, Out, P: PipeTransform<In, Out>> PipeTransform<In, Out> for WithStatus<P> {
    fn transform(&self, value: In, metadata: &ArgumentMetadata) -> Result<Out, HttpException> {
        self.pipe.transform(value, metadata).map_err(|error| {
            let reason = http::StatusCode::from_u16(self.status)
                .ok()
                .and_then(|status| status.canonical_reason())
                .unwrap_or_default();
            HttpException::from_body(
                serde_json::json!({
                    "message": error.message(),
                    "error": reason,
                    "statusCode": self.status,
                }),
                self.status,
            )
        })
    }
}

/// Runs one pipe (for the code the macros generate: it names the types in errors), noting
/// whether it validates DTOs.
#[doc(hidden)]
pub fn run<In, Out, P: PipeTransform<In, Out>>(
    pipe: &P,
    value: In,
    metadata: &ArgumentMetadata,
    validated: &mut bool,
) -> Result<Out, HttpException> {
    *validated |= pipe.__nest_validates();
    pipe.transform(value, metadata)
}
