//! Each rule's check and its default message, as class-validator 0.15 words them.

use serde_json::Value;

use super::schema::{Literal, Rule};

/// The key class-validator files the failure under (`isString`, ...): one message per key.
pub(crate) fn key(rule: &Rule) -> &'static str {
    match rule {
        Rule::IsDefined => "isDefined",
        Rule::IsString => "isString",
        Rule::IsNotEmpty => "isNotEmpty",
        Rule::IsEmail => "isEmail",
        Rule::MinLength(_) => "minLength",
        Rule::MaxLength(_) => "maxLength",
        Rule::IsInt => "isInt",
        Rule::IsNumber => "isNumber",
        Rule::Min(_) => "min",
        Rule::Max(_) => "max",
        Rule::IsBoolean => "isBoolean",
        Rule::IsEnum(_) => "isEnum",
        Rule::IsUuid(_) => "isUuid",
        Rule::IsDateString => "isDateString",
        Rule::IsArray => "isArray",
        Rule::ArrayMinSize(_) => "arrayMinSize",
        Rule::ArrayMaxSize(_) => "arrayMaxSize",
        Rule::IsIn(_) => "isIn",
        Rule::Matches(_) => "matches",
        Rule::IsUrl => "isUrl",
    }
}

/// JavaScript's `String(n)` for the numbers a constraint holds.
pub(crate) fn js_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e21 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn literal_text(literal: &Literal) -> String {
    match literal {
        Literal::Str(text) => (*text).to_owned(),
        Literal::Num(n) => js_number(*n),
        Literal::Bool(b) => b.to_string(),
    }
}

/// `$constraint1` of the rule, as class-validator's `constraintToString` writes it.
pub(crate) fn constraint1(rule: &Rule) -> String {
    match rule {
        Rule::MinLength(n) | Rule::MaxLength(n) | Rule::ArrayMinSize(n) | Rule::ArrayMaxSize(n) => {
            n.to_string()
        }
        Rule::Min(n) | Rule::Max(n) => js_number(*n),
        Rule::IsIn(values) => values
            .iter()
            .map(literal_text)
            .collect::<Vec<_>>()
            .join(", "),
        Rule::IsEnum(values) => values().join(", "),
        Rule::Matches(pattern) => format!("/{pattern}/"),
        Rule::IsUuid(Some(version)) => version.to_string(),
        _ => String::new(),
    }
}

/// class-validator's default message, `$property` still in it.
pub(crate) fn default_message(rule: &Rule) -> String {
    let c = constraint1(rule);
    match rule {
        Rule::IsDefined => "$property should not be null or undefined".into(),
        Rule::IsString => "$property must be a string".into(),
        Rule::IsNotEmpty => "$property should not be empty".into(),
        Rule::IsEmail => "$property must be an email".into(),
        Rule::MinLength(_) => format!("$property must be longer than or equal to {c} characters"),
        Rule::MaxLength(_) => format!("$property must be shorter than or equal to {c} characters"),
        Rule::IsInt => "$property must be an integer number".into(),
        Rule::IsNumber => {
            "$property must be a number conforming to the specified constraints".into()
        }
        Rule::Min(_) => format!("$property must not be less than {c}"),
        Rule::Max(_) => format!("$property must not be greater than {c}"),
        Rule::IsBoolean => "$property must be a boolean value".into(),
        Rule::IsEnum(_) | Rule::IsIn(_) => {
            format!("$property must be one of the following values: {c}")
        }
        Rule::IsUuid(_) => "$property must be a UUID".into(),
        Rule::IsDateString => "$property must be a valid ISO 8601 date string".into(),
        Rule::IsArray => "$property must be an array".into(),
        Rule::ArrayMinSize(_) => format!("$property must contain at least {c} elements"),
        Rule::ArrayMaxSize(_) => format!("$property must contain no more than {c} elements"),
        Rule::Matches(_) => format!("$property must match {c} regular expression"),
        Rule::IsUrl => "$property must be a URL address".into(),
    }
}

fn number(value: Option<&Value>) -> Option<f64> {
    value.and_then(Value::as_f64)
}

fn string(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str)
}

/// Whether `value` (`None`: undefined) passes `rule`.
pub(crate) fn check(rule: &Rule, value: Option<&Value>) -> bool {
    match rule {
        Rule::IsDefined => !matches!(value, None | Some(Value::Null)),
        Rule::IsString => string(value).is_some(),
        Rule::IsNotEmpty => !matches!(value, None | Some(Value::Null)) && string(value) != Some(""),
        Rule::IsEmail => {
            string(value).is_some_and(|s| validator::ValidateEmail::validate_email(&s))
        }
        Rule::MinLength(n) => string(value).is_some_and(|s| s.encode_utf16().count() >= *n),
        Rule::MaxLength(n) => string(value).is_some_and(|s| s.encode_utf16().count() <= *n),
        Rule::IsInt => number(value).is_some_and(|n| n.fract() == 0.0),
        Rule::IsNumber => number(value).is_some(),
        Rule::Min(min) => number(value).is_some_and(|n| n >= *min),
        Rule::Max(max) => number(value).is_some_and(|n| n <= *max),
        Rule::IsBoolean => matches!(value, Some(Value::Bool(_))),
        Rule::IsEnum(values) => string(value).is_some_and(|s| values().contains(&s)),
        Rule::IsUuid(version) => string(value).is_some_and(|s| is_uuid(s, *version)),
        Rule::IsDateString => string(value).is_some_and(is_iso8601),
        Rule::IsArray => matches!(value, Some(Value::Array(_))),
        Rule::ArrayMinSize(n) => value
            .and_then(Value::as_array)
            .is_some_and(|a| a.len() >= *n),
        Rule::ArrayMaxSize(n) => value
            .and_then(Value::as_array)
            .is_some_and(|a| a.len() <= *n),
        Rule::IsIn(values) => value.is_some_and(|value| {
            values.iter().any(|literal| match (literal, value) {
                (Literal::Str(a), Value::String(b)) => a == b,
                (Literal::Num(a), Value::Number(b)) => b.as_f64() == Some(*a),
                (Literal::Bool(a), Value::Bool(b)) => a == b,
                _ => false,
            })
        }),
        Rule::Matches(pattern) => string(value).is_some_and(|s| matches_pattern(pattern, s)),
        Rule::IsUrl => string(value).is_some_and(|s| validator::ValidateUrl::validate_url(&s)),
    }
}

fn matches_pattern(pattern: &'static str, text: &str) -> bool {
    use std::{collections::HashMap, sync::Mutex};
    static CACHE: Mutex<Option<HashMap<&'static str, regex::Regex>>> = Mutex::new(None);
    let mut cache = crate::lock::lock(&CACHE);
    let regex = cache
        .get_or_insert_with(HashMap::new)
        .entry(pattern)
        .or_insert_with(|| {
            regex::Regex::new(pattern).unwrap_or_else(|_| regex::Regex::new("$^").expect("regex"))
        });
    regex.is_match(text)
}

/// validator.js's `isUUID`: any version (`None`), or the one given.
fn is_uuid(text: &str, version: Option<u8>) -> bool {
    let bytes = text.as_bytes();
    let shape = bytes.len() == 36
        && bytes.iter().enumerate().all(|(index, byte)| match index {
            8 | 13 | 18 | 23 => *byte == b'-',
            _ => byte.is_ascii_hexdigit(),
        });
    if !shape {
        return false;
    }
    match version {
        None => true,
        Some(wanted) => {
            bytes[14] == b'0' + wanted
                && matches!(bytes[19].to_ascii_lowercase(), b'8' | b'9' | b'a' | b'b')
        }
    }
}

/// ISO 8601 dates and date-times (`2020-01-31`, `2020-01-31T10:00:00.000Z`, `2020-W05`...), as
/// validator.js's `isISO8601` accepts them in its default, non-strict mode.
pub(crate) fn is_iso8601(text: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(
            r"^[+-]?\d{4}(-?(0[1-9]|1[0-2])(-?([12]\d|0[1-9]|3[01]))?|-?W([0-4]\d|5[0-3])(-?[1-7])?|-?(00[1-9]|0[1-9]\d|[12]\d{2}|3([0-5]\d|6[1-6])))?([T\s](([01]\d|2[0-3])(:?[0-5]\d)?|24:?00)([.,]\d+)?(:?[0-5]\d([.,]\d+)?)?([zZ]|[+-]([01]\d|2[0-3]):?([0-5]\d)?)?)?$",
        )
        .expect("the ISO 8601 pattern compiles")
    })
    .is_match(text)
}
