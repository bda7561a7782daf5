//! A minimal HTTP/1.1 client over raw TCP: enough to open event streams, decode their chunked
//! bodies and post to `/publish`, with nothing between the socket and the SSE parser.

use std::{
    io,
    net::{Ipv4Addr, SocketAddr},
    sync::atomic::{AtomicU64, Ordering},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpSocket, TcpStream},
};

/// How many connections share one loopback source address before the next one is used: far
/// below the ~28,000 ephemeral ports of one address, so that neither open connections nor
/// closed ones waiting in `TIME_WAIT` run out of ports.
const CONNECTIONS_PER_SOURCE: u64 = 2_000;

static NEXT_CONNECTION: AtomicU64 = AtomicU64::new(0);

/// The next loopback source address: `127.1.0.1`, `127.1.0.2`, … each used for
/// 2,000 connections (all of `127.0.0.0/8` is loopback on Linux).
pub fn next_source() -> Ipv4Addr {
    let index = NEXT_CONNECTION.fetch_add(1, Ordering::Relaxed) / CONNECTIONS_PER_SOURCE;
    let index = u32::try_from(index % (250 * 250)).unwrap_or(0);
    Ipv4Addr::new(127, 1, (index / 250) as u8, (index % 250 + 1) as u8)
}

/// Makes this process's connections start at loopback source address `127.1.0.1` + 50 ×
/// `shard`, so that processes opening connections side by side (the scale test's shards) use
/// source addresses of their own.
pub fn start_sources_at(shard: u64) {
    NEXT_CONNECTION.store(shard * 50 * CONNECTIONS_PER_SOURCE, Ordering::Relaxed);
}

/// Connects to `server` from the next loopback source address, with `TCP_NODELAY`.
pub async fn connect(server: SocketAddr) -> io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((next_source(), 0)))?;
    let stream = socket.connect(server).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// How a response body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// `Content-Length: n`.
    Length(u64),
    /// Until the server closes the connection.
    UntilClose,
}

/// A response's status line and headers, as far as this client needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The status code.
    pub status: u16,
    /// How the body is framed.
    pub framing: Framing,
    /// The `Content-Type` header.
    pub content_type: String,
}

/// Reads one response head from `stream` into `buf` (which may hold bytes from before);
/// returns it and leaves in `buf` only the body bytes read past it.
pub async fn read_head(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<Head> {
    let mut scratch = [0u8; 4096];
    loop {
        if let Some(end) = memchr::memmem::find(buf, b"\r\n\r\n") {
            let head = parse_head(&buf[..end])?;
            buf.drain(..end + 4);
            return Ok(head);
        }
        let read = stream.read(&mut scratch).await?;
        if read == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed before the response head",
            ));
        }
        buf.extend_from_slice(&scratch[..read]);
    }
}

fn parse_head(head: &[u8]) -> io::Result<Head> {
    let invalid = || io::Error::new(io::ErrorKind::InvalidData, "malformed response head");
    let text = std::str::from_utf8(head).map_err(|_| invalid())?;
    let mut lines = text.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(invalid)?;
    let mut framing = Framing::UntilClose;
    let mut content_type = String::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("transfer-encoding")
            && value.to_ascii_lowercase().contains("chunked")
        {
            framing = Framing::Chunked;
        } else if name.eq_ignore_ascii_case("content-length") && framing != Framing::Chunked {
            framing = Framing::Length(value.parse().map_err(|_| invalid())?);
        } else if name.eq_ignore_ascii_case("content-type") {
            value.clone_into(&mut content_type);
        }
    }
    Ok(Head {
        status,
        framing,
        content_type,
    })
}

/// Where a chunked body's decoder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    Size,
    Extension,
    Data,
    DataEnd,
    Trailer { line_empty: bool },
    Done,
}

/// Decodes a body framed as [`Framing`], handing its payload to a callback as it arrives.
#[derive(Debug, Clone)]
pub struct BodyDecoder {
    framing: Framing,
    state: ChunkState,
    /// The size being read, then what is left of the current chunk or of the whole body.
    remaining: u64,
}

impl BodyDecoder {
    /// A decoder for a body framed as `framing`.
    pub fn new(framing: Framing) -> Self {
        let remaining = match framing {
            Framing::Length(length) => length,
            Framing::Chunked | Framing::UntilClose => 0,
        };
        Self {
            framing,
            state: ChunkState::Size,
            remaining,
        }
    }

    /// Whether the whole body was read.
    pub fn is_done(&self) -> bool {
        match self.framing {
            Framing::Chunked => self.state == ChunkState::Done,
            Framing::Length(_) => self.remaining == 0,
            Framing::UntilClose => false,
        }
    }

    /// Decodes `input`, calling `payload` with each run of body bytes; returns how many bytes
    /// of `input` belonged to the body (less than all only once the body is complete).
    pub fn feed(&mut self, input: &[u8], mut payload: impl FnMut(&[u8])) -> io::Result<usize> {
        match self.framing {
            Framing::UntilClose => {
                payload(input);
                Ok(input.len())
            }
            Framing::Length(_) => {
                let take = input
                    .len()
                    .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
                payload(&input[..take]);
                self.remaining -= take as u64;
                Ok(take)
            }
            Framing::Chunked => self.feed_chunked(input, &mut payload),
        }
    }

    fn feed_chunked(&mut self, input: &[u8], payload: &mut impl FnMut(&[u8])) -> io::Result<usize> {
        let invalid = || io::Error::new(io::ErrorKind::InvalidData, "malformed chunked body");
        let mut at = 0;
        while at < input.len() {
            match self.state {
                ChunkState::Data => {
                    let take = (input.len() - at)
                        .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
                    payload(&input[at..at + take]);
                    at += take;
                    self.remaining -= take as u64;
                    if self.remaining == 0 {
                        self.state = ChunkState::DataEnd;
                    }
                    continue;
                }
                ChunkState::Done => return Ok(at),
                _ => {}
            }
            let byte = input[at];
            at += 1;
            self.state = match (self.state, byte) {
                (ChunkState::Size, b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F') => {
                    let digit = u64::from((byte as char).to_digit(16).ok_or_else(invalid)?);
                    self.remaining = self
                        .remaining
                        .checked_mul(16)
                        .and_then(|size| size.checked_add(digit))
                        .ok_or_else(invalid)?;
                    ChunkState::Size
                }
                (ChunkState::Size | ChunkState::Extension, b'\n') if self.remaining == 0 => {
                    ChunkState::Trailer { line_empty: true }
                }
                (ChunkState::Size | ChunkState::Extension, b'\n') => ChunkState::Data,
                (ChunkState::Size | ChunkState::Extension, _) => ChunkState::Extension,
                (ChunkState::DataEnd, b'\n') => ChunkState::Size,
                (ChunkState::DataEnd, b'\r') => ChunkState::DataEnd,
                (ChunkState::DataEnd, _) => return Err(invalid()),
                (ChunkState::Trailer { line_empty: true }, b'\n') => ChunkState::Done,
                (ChunkState::Trailer { .. }, b'\n') => ChunkState::Trailer { line_empty: true },
                (ChunkState::Trailer { line_empty }, b'\r') => ChunkState::Trailer { line_empty },
                (ChunkState::Trailer { .. }, _) => ChunkState::Trailer { line_empty: false },
                (ChunkState::Data | ChunkState::Done, _) => unreachable!("handled above"),
            };
        }
        Ok(at)
    }
}

/// Sends `GET path` asking for an event stream, and reads the response head; body bytes read
/// past the head are left in `buf`.
pub async fn open_stream(
    stream: &mut TcpStream,
    path: &str,
    buf: &mut Vec<u8>,
) -> io::Result<Head> {
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let head = read_head(stream, buf).await?;
    if head.status != 200 || !head.content_type.starts_with("text/event-stream") {
        return Err(io::Error::other(format!(
            "GET {path}: status {} content type {:?}",
            head.status, head.content_type
        )));
    }
    Ok(head)
}

/// Sends `method path` with an empty body on a kept-alive connection and returns the
/// response's body (any 2xx status).
pub async fn request(stream: &mut TcpStream, method: &str, path: &str) -> io::Result<Vec<u8>> {
    let request =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut buf = Vec::new();
    let head = read_head(stream, &mut buf).await?;
    let mut decoder = BodyDecoder::new(head.framing);
    let mut body = Vec::new();
    let mut scratch = [0u8; 4096];
    let mut pending = buf;
    loop {
        decoder.feed(&pending, |bytes| body.extend_from_slice(bytes))?;
        if decoder.is_done() {
            break;
        }
        let read = stream.read(&mut scratch).await?;
        if read == 0 {
            break;
        }
        pending = scratch[..read].to_vec();
    }
    if !(200..300).contains(&head.status) {
        return Err(io::Error::other(format!(
            "{method} {path}: status {}: {}",
            head.status,
            String::from_utf8_lossy(&body)
        )));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_in_every_split() {
        let body = b"5\r\nhello\r\n3;ext=1\r\n, w\r\n0\r\nTrailer: x\r\n\r\nNEXT";
        for piece in 1..body.len() {
            let mut decoder = BodyDecoder::new(Framing::Chunked);
            let mut out = Vec::new();
            let mut used = 0;
            for chunk in body.chunks(piece) {
                used += decoder
                    .feed(chunk, |bytes| out.extend_from_slice(bytes))
                    .unwrap();
                if decoder.is_done() {
                    break;
                }
            }
            assert_eq!(out, b"hello, w");
            assert!(decoder.is_done());
            assert_eq!(used, body.len() - 4, "pieces of {piece}");
        }
    }
}
