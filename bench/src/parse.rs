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
        // Fields of lines wholly inside this chunk are borrowed from it, not copied, until the
        // event is dispatched or the chunk ends.
        let mut borrowed = Borrowed::default();
        if memchr::memchr(b'\r', rest).is_none() {
            // The usual case: LF line ends only, found in one pass over the chunk.
            // Event lines are short, so a byte loop beats a vectorised search started per line.
            let mut start = 0;
            for (end, &byte) in rest.iter().enumerate() {
                if byte == b'\n' {
                    self.end_of_line(&rest[start..end], &mut borrowed, &mut on_event);
                    start = end + 1;
                }
            }
            rest = &rest[start..];
        } else {
            while let Some(end) = memchr::memchr2(b'\r', b'\n', rest) {
                self.end_of_line(&rest[..end], &mut borrowed, &mut on_event);
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
        }
        self.keep(&mut borrowed);
        self.partial.extend_from_slice(rest);
    }

    /// Copies borrowed fields into the parser's own buffers.
    fn keep(&mut self, borrowed: &mut Borrowed<'_>) {
        if let Some(data) = borrowed.data.take() {
            self.data.extend_from_slice(data);
            self.data.push(b'\n');
        }
        if let Some(id) = borrowed.id.take() {
            self.id.clear();
            self.id.extend_from_slice(id);
        }
    }

    /// A line ends: `tail` is its part in this chunk, after any part carried in `partial`.
    #[inline]
    fn end_of_line<'c>(
        &mut self,
        tail: &'c [u8],
        borrowed: &mut Borrowed<'c>,
        on_event: &mut impl FnMut(Event<'_>),
    ) {
        if self.partial.is_empty() {
            self.line(tail, borrowed, on_event);
        } else {
            self.end_of_split_line(tail, on_event);
        }
    }

    /// A line that began in an earlier chunk ends (once per chunk at most, so kept out of the
    /// per-line path). Nothing is borrowed yet: it is the chunk's first line.
    #[cold]
    #[inline(never)]
    fn end_of_split_line(&mut self, tail: &[u8], on_event: &mut impl FnMut(Event<'_>)) {
        let mut line = std::mem::take(&mut self.partial);
        line.extend_from_slice(tail);
        let mut own = Borrowed::default();
        self.line(&line, &mut own, on_event);
        self.keep(&mut own);
        line.clear();
        self.partial = line;
    }

    #[inline]
    fn line<'c>(
        &mut self,
        line: &'c [u8],
        borrowed: &mut Borrowed<'c>,
        on_event: &mut impl FnMut(Event<'_>),
    ) {
        match line.first() {
            None => {
                self.dispatch(borrowed, on_event);
                return;
            }
            // The two fields of every benchmark event, routed without the general scan.
            Some(b'd') if line.starts_with(b"data:") => {
                let value = &line[5..];
                self.data_line(value.strip_prefix(b" ").unwrap_or(value), borrowed);
                return;
            }
            Some(b'i') if line.starts_with(b"id:") => {
                let value = &line[3..];
                let value = value.strip_prefix(b" ").unwrap_or(value);
                if !value.contains(&0) {
                    borrowed.id = Some(value);
                }
                return;
            }
            _ => {}
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
            b"data" => self.data_line(value, borrowed),
            b"id" if !value.contains(&0) => borrowed.id = Some(value),
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

    /// A `data` field: the first is borrowed, a second one makes both owned.
    #[inline]
    fn data_line<'c>(&mut self, value: &'c [u8], borrowed: &mut Borrowed<'c>) {
        if borrowed.data.is_none() && self.data.is_empty() {
            borrowed.data = Some(value);
        } else {
            if let Some(data) = borrowed.data.take() {
                self.data.extend_from_slice(data);
                self.data.push(b'\n');
            }
            self.data.extend_from_slice(value);
            self.data.push(b'\n');
        }
    }

    #[inline]
    fn dispatch(&mut self, borrowed: &mut Borrowed<'_>, on_event: &mut impl FnMut(Event<'_>)) {
        let data = match borrowed.data.take() {
            Some(data) => data,
            None if self.data.is_empty() => {
                self.event.clear();
                return;
            }
            None => &self.data[..self.data.len() - 1],
        };
        self.events += 1;
        on_event(Event {
            event: &self.event,
            data,
            id: borrowed.id.unwrap_or(&self.id),
        });
        self.data.clear();
        self.event.clear();
    }
}

/// Fields of the current event still borrowed from the chunk being parsed.
#[derive(Debug, Default)]
struct Borrowed<'c> {
    /// The event's only `data` line so far (the parser's own buffer is empty meanwhile).
    data: Option<&'c [u8]>,
    /// The latest `id`, newer than the parser's own.
    id: Option<&'c [u8]>,
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
            && data[at + 1 + key.len()] == b'"'
            && data[at + 2 + key.len()] == b':'
            && data[at + 1..].iter().zip(key).all(|(a, b)| a == b)
        {
            let mut value: u64 = 0;
            let mut digits = 0;
            for &byte in &data[at + 3 + key.len()..] {
                if !byte.is_ascii_digit() {
                    break;
                }
                value = value.checked_mul(10)?.checked_add(u64::from(byte - b'0'))?;
                digits += 1;
            }
            return (digits > 0).then_some(value);
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
