//! Parameter decoding: percent-decoding any text never panics and inverts encoding, and every
//! built-in conversion (`FromParam` for numbers, booleans, text, options) answers a value or
//! NestJS's 400, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nest_core::{FromParam, __fuzz::percent_decode};

fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() {
                (byte as char).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

fuzz_target!(|text: &str| {
    if let Some(decoded) = percent_decode(text) {
        assert_eq!(percent_decode(&encode(&decoded)).as_deref(), Some(decoded.as_str()));
    }
    assert_eq!(percent_decode(&encode(text)).as_deref(), Some(text));
    let _ = u8::from_param(text);
    let _ = i64::from_param(text);
    let _ = u128::from_param(text);
    let _ = f64::from_param(text);
    let _ = bool::from_param(text);
    let _ = String::from_param(text);
    let _ = Option::<u32>::from_param(text);
    if let Err(error) = u32::from_param(text) {
        assert_eq!(error.status().as_u16(), 400);
    }
});
