//! A WHATWG `text/event-stream` parser (HTML Living Standard, "Server-sent events", §9.2.6):
//! lines end at CRLF, LF or CR; `data` lines are joined with LF; `id` sets the last event id
//! (unless it holds NUL); `event` names the event; comments and unknown fields are ignored; a
//! blank line dispatches the event if its data buffer is not empty.
//!
//! It reads a stream in chunks cut anywhere (a line, or a CRLF pair, may straddle two chunks)
//! and hands every event to a callback without allocating per event.

/// One dispatched event, borrowed from the parser until the callback returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    /// The event type (`event:`), empty for the default `message`.
    pub event: &'a [u8],
    /// The data: every `data:` line of the event joined with LF.
    pub data: &'a [u8],
    /// The last event id (the latest `id:` field seen in this or an earlier event).
    pub id: &'a [u8],
}

/// The parser's state between chunks.
#[derive(Debug, Default)]
pub struct SseParser {
    /// A line begun in an earlier chunk.
    partial: Vec<u8>,
    /// The last chunk ended with CR: an LF starting the next one belongs to it.
    skip_lf: bool,
    /// The first chunk was seen (a leading byte-order mark is skipped).
    started: bool,
    data: Vec<u8>,
    event: Vec<u8>,
    id: Vec<u8>,
    retry: Option<u64>,
    events: u64,
}

impl SseParser {
    /// A parser at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Events dispatched so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The reconnection time of the last valid `retry:` field, in milliseconds.
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }

    /// Parses the next `chunk` of the stream, calling `on_event` for every event it completes.
    pub fn feed(&mut self, chunk: &[u8], mut on_event: impl FnMut(Event<'_>)) {
        let mut rest = chunk;
        if !self.started && !rest.is_empty() {
            self.started = true;
            rest = rest.strip_prefix("\u{feff}".as_bytes()).unwrap_or(rest);
        }
        if self.skip_lf && !rest.is_empty() {
            self.skip_lf = false;
            if rest[0] == b'\n' {
                rest = &rest[1..];
            }
        }
        if memchr::memchr(b'\r', rest).is_none() {
            // The usual case: LF line ends only, found in one pass over the chunk.
            let mut start = 0;
            for end in memchr::memchr_iter(b'\n', rest) {
                self.end_of_line(&rest[start..end], &mut on_event);
                start = end + 1;
            }
            self.partial.extend_from_slice(&rest[start..]);
            return;
        }
        while let Some(end) = memchr::memchr2(b'\r', b'\n', rest) {
            self.end_of_line(&rest[..end], &mut on_event);
            let was_cr = rest[end] == b'\r';
            rest = &rest[end + 1..];
            if was_cr {
                match rest.first() {
                    None => self.skip_lf = true,
                    Some(b'\n') => rest = &rest[1..],
                    Some(_) => {}
                }
            }
        }
        self.partial.extend_from_slice(rest);
    }

    /// A line ends: `tail` is its part in this chunk, after any part carried in `partial`.
    fn end_of_line(&mut self, tail: &[u8], on_event: &mut impl FnMut(Event<'_>)) {
        if self.partial.is_empty() {
            self.line(tail, on_event);
        } else {
            let mut line = std::mem::take(&mut self.partial);
            line.extend_from_slice(tail);
            self.line(&line, on_event);
            line.clear();
            self.partial = line;
        }
    }

    fn line(&mut self, line: &[u8], on_event: &mut impl FnMut(Event<'_>)) {
        if line.is_empty() {
            self.dispatch(on_event);
            return;
        }
        // Field names are short: a plain scan beats a vectorised search here.
        let (field, value) = match line.iter().position(|&byte| byte == b':') {
            Some(0) => return, // a comment
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        match field {
            b"data" => {
                self.data.extend_from_slice(value);
                self.data.push(b'\n');
            }
            b"id" if memchr::memchr(0, value).is_none() => {
                self.id.clear();
                self.id.extend_from_slice(value);
            }
            b"event" => {
                self.event.clear();
                self.event.extend_from_slice(value);
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                self.retry = parse_u64(value);
            }
            _ => {}
        }
    }

    fn dispatch(&mut self, on_event: &mut impl FnMut(Event<'_>)) {
        if self.data.is_empty() {
            self.event.clear();
            return;
        }
        self.events += 1;
        on_event(Event {
            event: &self.event,
            data: &self.data[..self.data.len() - 1],
            id: &self.id,
        });
        self.data.clear();
        self.event.clear();
    }
}

/// The decimal number `digits` (ASCII digits only), or `None`.
pub fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    let mut value: u64 = 0;
    for &digit in digits {
        if !digit.is_ascii_digit() {
            return None;
        }
        value = value
            .checked_mul(10)?
            .checked_add(u64::from(digit - b'0'))?;
    }
    Some(value)
}

/// The integer value of `"key":` in a flat JSON object such as `{"seq":7,"ts":123}`.
pub fn json_u64(data: &[u8], key: &[u8]) -> Option<u64> {
    // Event data is short: a plain scan for `"key":` beats building a substring searcher.
    let mut at = 0;
    while at + key.len() + 2 < data.len() {
        if data[at] == b'"'
            && data[at + 1..].starts_with(key)
            && data[at + 1 + key.len()] == b'"'
            && data.get(at + 2 + key.len()) == Some(&b':')
        {
            let digits = &data[at + 3 + key.len()..];
            let len = digits
                .iter()
                .position(|byte| !byte.is_ascii_digit())
                .unwrap_or(digits.len());
            return parse_u64(&digits[..len]);
        }
        at += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_in_pieces(stream: &[u8], piece: usize) -> Vec<(String, String, String)> {
        let mut parser = SseParser::new();
        let mut events = Vec::new();
        for chunk in stream.chunks(piece.max(1)) {
            parser.feed(chunk, |event| {
                events.push((
                    String::from_utf8_lossy(event.event).into_owned(),
                    String::from_utf8_lossy(event.data).into_owned(),
                    String::from_utf8_lossy(event.id).into_owned(),
                ));
            });
        }
        events
    }

    #[test]
    fn fields_line_endings_and_chunk_boundaries() {
        let stream = b"\xEF\xBB\xBF\nid: 1\ndata: {\"seq\":0}\n\n: comment\r\nevent: tick\r\ndata:a\rdata:  b\r\n\r\ndata\nid: x\0y\n\nretry: 10\nunknown: z\n\n";
        let expected = vec![
            (String::new(), "{\"seq\":0}".to_owned(), "1".to_owned()),
            ("tick".to_owned(), "a\n b".to_owned(), "1".to_owned()),
            (String::new(), String::new(), "1".to_owned()),
        ];
        for piece in 1..stream.len() {
            assert_eq!(
                parse_in_pieces(stream, piece),
                expected,
                "pieces of {piece}"
            );
        }
    }

    #[test]
    fn json_fields() {
        assert_eq!(json_u64(b"{\"seq\":7,\"ts\":123}", b"ts"), Some(123));
        assert_eq!(json_u64(b"{\"seq\":7,\"ts\":123}", b"seq"), Some(7));
        assert_eq!(json_u64(b"{\"xseq\":7}", b"seq"), None);
    }
}
