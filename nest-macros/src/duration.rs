//! Duration literals of `#[sse(keep_alive = "15s", retry = "3s", max_lifetime = "1h")]`.

use syn::LitStr;

/// Parses a duration literal: `"500ms"`, `"15s"`, `"5m"`, `"1h"`, into milliseconds.
pub(crate) fn parse(lit: &LitStr) -> syn::Result<u64> {
    let text = lit.value();
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &text[digits.len()..];
    let scale = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => 0,
    };
    match digits.parse::<u64>() {
        Ok(value) if scale != 0 && !digits.is_empty() => value
            .checked_mul(scale)
            .filter(|millis| *millis > 0)
            .ok_or_else(|| {
                syn::Error::new_spanned(
                    lit,
                    "the duration must be more than zero and fit in 64 bits of milliseconds",
                )
            }),
        _ => Err(syn::Error::new_spanned(
            lit,
            format!(
                "expected a duration such as \"500ms\", \"15s\", \"5m\" or \"1h\", found {text:?}"
            ),
        )),
    }
}
