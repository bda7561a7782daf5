//! Malformed JSON bodies answered as NestJS answers them: with the message V8's `JSON.parse`
//! gives (body-parser passes it on), not serde's.

/// How V8 shows the source in a message: all of it when shorter than 21 characters, else the
/// 10 characters each side of `position`, with `...` where it was cut.
pub(crate) fn quoted(text: &str, position: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() < 21 {
        return format!("\"{text}\"");
    }
    let start = position.saturating_sub(10);
    let end = (position + 10).min(chars.len());
    let snippet: String = chars[start..end].iter().collect();
    format!(
        "{}\"{snippet}\"{}",
        if start > 0 { "..." } else { "" },
        if end < chars.len() { "..." } else { "" }
    )
}

/// The message V8's `JSON.parse` gives for what serde_json refused.
pub(crate) fn v8_message(text: &str, error: &serde_json::Error) -> String {
    let reason = error.to_string();
    let reason = reason.split(" at line ").next().unwrap_or_default();
    if error.is_eof() {
        return if reason == "EOF while parsing a string" {
            format!(
                "Unterminated string in JSON at position {}",
                text.chars().count()
            )
        } else {
            "Unexpected end of JSON input".into()
        };
    }
    // serde_json counts lines and columns from 1, in characters; V8 positions from 0.
    let position: usize = text
        .split('\n')
        .take(error.line().saturating_sub(1))
        .map(|line| line.chars().count() + 1)
        .sum::<usize>()
        + error.column().saturating_sub(1);
    match reason {
        "key must be a string" | "trailing comma" => {
            let before = text
                .chars()
                .take(position)
                .filter(|c| !c.is_ascii_whitespace())
                .last();
            if before == Some('{') {
                format!("Expected property name or '}}' in JSON at position {position}")
            } else {
                format!("Expected double-quoted property name in JSON at position {position}")
            }
        }
        "expected `,` or `}`" => {
            format!("Expected ',' or '}}' after property value in JSON at position {position}")
        }
        "expected `,` or `]`" => {
            format!("Expected ',' or ']' after array element in JSON at position {position}")
        }
        "expected `:`" => {
            format!("Expected ':' after property name in JSON at position {position}")
        }
        "trailing characters" => {
            format!("Unexpected non-whitespace character after JSON at position {position}")
        }
        _ if reason.starts_with("control character") => {
            format!("Bad control character in string literal in JSON at position {position}")
        }
        _ => match text.chars().nth(position) {
            Some(c) => format!(
                "Unexpected token '{c}', {} is not valid JSON",
                quoted(text, position)
            ),
            None => "Unexpected end of JSON input".into(),
        },
    }
}
