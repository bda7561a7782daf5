//! JSON that parses but does not fit the Rust type it is read into, told in class-validator's
//! words (`age must be an integer number`, `property extra should not exist`) instead of
//! serde's (``invalid type: string "x", expected u32``), with the property's path as
//! class-validator writes it (`children.1.age`).

use serde::de::DeserializeOwned;
use serde_json::Value;

/// `value` as a `T`, or the message saying where and why it does not fit.
pub(crate) fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|error| describe(&error, None))
}

/// [`from_value`] for the property `name` of an object (`#[body("name")]`).
pub(crate) fn from_property<T: DeserializeOwned>(value: Value, name: &str) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|error| describe(&error, Some(name)))
}

/// `bytes` (valid JSON) as a `T`, or the message saying where and why it does not fit; a
/// syntax error is given back as serde's error, for V8's wording.
pub(crate) fn from_slice<T: DeserializeOwned>(
    bytes: &[u8],
) -> Result<T, Result<String, serde_json::Error>> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        if error.inner().is_syntax() || error.inner().is_eof() {
            Err(error.into_inner())
        } else {
            Ok(describe(&error, None))
        }
    })?;
    deserializer.end().map_err(Err)?;
    Ok(value)
}

fn describe(error: &serde_path_to_error::Error<serde_json::Error>, root: Option<&str>) -> String {
    use serde_path_to_error::Segment;
    let mut path: Vec<String> = root.into_iter().map(str::to_owned).collect();
    for segment in error.path().iter() {
        match segment {
            Segment::Seq { index } => path.push(index.to_string()),
            Segment::Map { key } => path.push(key.clone()),
            Segment::Enum { variant } => path.push(variant.clone()),
            Segment::Unknown => {}
        }
    }
    let text = error.inner().to_string();
    let text = text.split(" at line ").next().unwrap_or_default();
    message(&mut path, text)
}

/// The message for serde's `text`, about the property at `path`.
fn message(path: &mut Vec<String>, text: &str) -> String {
    // `missing field `x``: the path is the object's; the property is named in the text.
    if let Some(field) = quoted_after(text, "missing field ") {
        path.push(field);
        return format!("{} should not be null or undefined", property(path));
    }
    if let Some(field) = quoted_after(text, "unknown field ") {
        if path.last() != Some(&field) {
            path.push(field);
        }
        return format!("property {} should not exist", property(path));
    }
    if let Some(field) = quoted_after(text, "duplicate field ") {
        if path.last() != Some(&field) {
            path.push(field);
        }
        return format!("property {} is given twice", property(path));
    }
    let name = property(path);
    let expected = text.split_once(", expected ").map(|(_, e)| e).unwrap_or("");
    if name.is_empty() {
        // The value as a whole (a body that is not an object).
        return if expected.starts_with("struct ") || expected.starts_with("a map") {
            "Validation failed (object is expected)".to_owned()
        } else {
            text.to_owned()
        };
    }
    if text.starts_with("unknown variant ") {
        let values = text
            .split_once("expected ")
            .map(|(_, expected)| {
                // serde writes "`a`", "`a` or `b`" or "one of `a`, `b`, `c`".
                expected
                    .trim_start_matches("one of ")
                    .split(", ")
                    .flat_map(|part| part.split(" or "))
                    .map(|value| value.trim_matches('`'))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        return format!("{name} must be one of the following values: {values}");
    }
    if let Some(rest) = text.strip_prefix("invalid value: integer `") {
        // In range of JSON but not of the Rust integer type.
        let given: i128 = rest
            .split('`')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_default();
        if let Some((min, max)) = integer_range(expected) {
            return if given < min {
                format!("{name} must not be less than {min}")
            } else {
                format!("{name} must not be greater than {max}")
            };
        }
    }
    if text.starts_with("invalid type: ") || text.starts_with("invalid value: ") {
        return match expected {
            "a string" | "a character" | "char" => format!("{name} must be a string"),
            "a boolean" => format!("{name} must be a boolean value"),
            "f32" | "f64" => {
                format!("{name} must be a number conforming to the specified constraints")
            }
            _ if integer_range(expected).is_some() => {
                format!("{name} must be an integer number")
            }
            _ if expected.starts_with("a sequence")
                || expected.starts_with("a tuple")
                || expected.starts_with("an array")
                || expected.contains("tuple") =>
            {
                format!("{name} must be an array")
            }
            _ if expected.starts_with("struct ")
                || expected.starts_with("a map")
                || expected.starts_with("enum ") =>
            {
                format!("{name} must be an object")
            }
            _ if expected.starts_with("unit") => format!("{name} must be null"),
            _ => format!("{name} must be {expected}"),
        };
    }
    if text.starts_with("invalid length ") {
        return format!("{name} must contain {expected}");
    }
    format!("{name}: {text}")
}

/// The text between backticks after `prefix` (serde quotes names so).
fn quoted_after(text: &str, prefix: &str) -> Option<String> {
    let rest = text.strip_prefix(prefix)?.strip_prefix('`')?;
    Some(rest.split('`').next()?.to_owned())
}

/// class-validator's path: properties and indexes joined by dots.
fn property(path: &[String]) -> String {
    path.join(".")
}

/// The range of the Rust integer type serde names as expected (`u8`, `i64`, …).
fn integer_range(expected: &str) -> Option<(i128, i128)> {
    Some(match expected {
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" | "usize" => (0, u64::MAX.into()),
        "u128" => (0, i128::MAX),
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "i64" | "isize" => (i64::MIN.into(), i64::MAX.into()),
        "i128" => (i128::MIN, i128::MAX),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::from_value;

    #[allow(dead_code)]
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Child {
        name: String,
        age: u8,
    }

    #[allow(dead_code)]
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Parent {
        user_id: String,
        active: bool,
        ratio: f64,
        children: Vec<Child>,
        role: Role,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Role {
        Admin,
        User,
    }

    fn error(value: serde_json::Value) -> String {
        from_value::<Parent>(value).unwrap_err()
    }

    fn valid() -> serde_json::Value {
        json!({"userId": "u", "active": true, "ratio": 0.5, "children": [], "role": "admin"})
    }

    #[test]
    fn each_kind_of_mismatch_is_told_in_class_validator_words() {
        let mut missing = valid();
        missing.as_object_mut().unwrap().remove("userId");
        assert_eq!(error(missing), "userId should not be null or undefined");
        let mut extra = valid();
        extra["extra"] = json!(1);
        assert_eq!(error(extra), "property extra should not exist");
        let mut wrong = valid();
        wrong["userId"] = json!(5);
        assert_eq!(error(wrong), "userId must be a string");
        let mut wrong = valid();
        wrong["active"] = json!("yes");
        assert_eq!(error(wrong), "active must be a boolean value");
        let mut wrong = valid();
        wrong["ratio"] = json!("x");
        assert_eq!(
            error(wrong),
            "ratio must be a number conforming to the specified constraints"
        );
        let mut wrong = valid();
        wrong["children"] = json!({});
        assert_eq!(error(wrong), "children must be an array");
        let mut wrong = valid();
        wrong["children"] = json!([{"name": "a", "age": 1}, {"name": "b", "age": 300}]);
        assert_eq!(error(wrong), "children.1.age must not be greater than 255");
        let mut wrong = valid();
        wrong["children"] = json!([{"name": "a", "age": -1}]);
        assert_eq!(error(wrong), "children.0.age must not be less than 0");
        let mut wrong = valid();
        wrong["children"] = json!([{"name": "a", "age": 1.5}]);
        assert_eq!(error(wrong), "children.0.age must be an integer number");
        let mut wrong = valid();
        wrong["children"] = json!([5]);
        assert_eq!(error(wrong), "children.0 must be an object");
        let mut wrong = valid();
        wrong["role"] = json!("root");
        assert_eq!(
            error(wrong),
            "role must be one of the following values: admin, user"
        );
        assert_eq!(error(json!([])), "Validation failed (object is expected)");
    }
}
