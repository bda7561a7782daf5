//! JSON as JavaScript's `JSON.stringify` writes it: serde_json's compact form, with numbers
//! written as JavaScript writes them (`1000`, `0.1`, `1e+21`; serde_json writes the `f64`
//! 1000 as `1000.0`), so that a response or an event carries the bytes NestJS sends.

use serde::Serialize;

/// Writes the finite `value` as JavaScript's `Number.prototype.toString` does.
pub(crate) fn write_f64<W: ?Sized + std::io::Write>(
    writer: &mut W,
    value: f64,
) -> std::io::Result<()> {
    let mut buffer = ryu_js::Buffer::new();
    writer.write_all(buffer.format_finite(value).as_bytes())
}

/// serde_json's compact format with JavaScript's numbers.
pub(crate) struct JsFormatter;

impl serde_json::ser::Formatter for JsFormatter {
    fn write_f64<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        value: f64,
    ) -> std::io::Result<()> {
        write_f64(writer, value)
    }

    fn write_f32<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        value: f32,
    ) -> std::io::Result<()> {
        // JavaScript has only doubles. An `f32` is written with the shortest digits that
        // give it back (`0.1f32` as `0.1`), not as the double it widens to
        // (`0.10000000149011612`): what the value was meant to be.
        let mut buffer = ryu_js::Buffer::new();
        writer.write_all(buffer.format_finite(value).as_bytes())
    }
}

/// `value` as JavaScript would send it.
pub(crate) fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(128);
    value.serialize(&mut serde_json::Serializer::with_formatter(
        &mut out,
        JsFormatter,
    ))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::to_vec;

    fn js(value: &serde_json::Value) -> String {
        String::from_utf8(to_vec(value).unwrap()).unwrap()
    }

    #[test]
    fn numbers_are_written_as_javascript_writes_them() {
        // Each as Node 20's `JSON.stringify` writes it.
        let cases = [
            (1000.0, "1000"),
            (0.5, "0.5"),
            (-0.0, "0"),
            (1e21, "1e+21"),
            (1.5e-7, "1.5e-7"),
            (123456789012345680000.0, "123456789012345680000"),
            (0.1 + 0.2, "0.30000000000000004"),
            (f64::NAN, "null"),
        ];
        for (value, expected) in cases {
            assert_eq!(js(&serde_json::json!(value)), expected, "{value}");
        }
        assert_eq!(
            js(&serde_json::json!({"v": 2.0, "n": [1, 2.5]})),
            r#"{"v":2,"n":[1,2.5]}"#
        );
        assert_eq!(String::from_utf8(to_vec(&0.1f32).unwrap()).unwrap(), "0.1");
    }
}
