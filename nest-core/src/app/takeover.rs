//! Event streams on HTTP/1.1 connections written by nest-rs itself, once hyper has read the
//! request: hyper's connection (its 8 KiB read buffer, its 8 KiB write buffer and its state) is
//! dropped for the stream's life, which is most of an idle subscriber's memory.
//!
//! How a stream is taken over:
//!
//! 1. The connection's service sees an event-stream response to a plain `GET` over HTTP/1.1
//!    ([`eligible`], [`Takeover::offer`]). It keeps the response aside and gives hyper a
//!    stand-in instead: an empty `200` with `connection: close` and a reason phrase of its own.
//! 2. The connection's [`Io`](super::conn::Io) lets hyper's bytes through until that stand-in's
//!    head, which it swallows, as it swallows hyper's shutdown of the socket. hyper, its response
//!    sent and the connection to be closed, finishes; the server takes the socket and any bytes
//!    read past the request back from it (`into_parts`) and drops the rest.
//! 3. [`serve`] writes the real response's head exactly as hyper writes one (status line, the
//!    headers in order, `transfer-encoding: chunked`, `date`), then each body frame as one chunk,
//!    while reading the socket to notice the client leaving, and honours the connection's flags
//!    (closed by the registry, the send timeout, a hub subscription closing it) as hyper's
//!    connection does.
//! 4. When the stream ends, the terminating chunk is written and, unless the connection is to be
//!    closed, a new hyper connection serves the next request on the same socket.
//!
//! Anything else (a `HEAD`, HTTP/1.0, `Connection: close`, a request with a body, a response a
//! middleware wrapped, a status other than `200`, TLS and HTTP/2) is left to hyper.

use std::{
    future::poll_fn,
    io::IoSlice,
    pin::{Pin, pin},
    sync::{
        LazyLock, Mutex,
        atomic::{AtomicU8, Ordering},
    },
    task::{Context, Poll, Waker},
};

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, StatusCode, Version, header};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_util::sync::CancellationToken;

use super::conn::{ConnState, ServerBody};
use crate::{lock::lock, sse::CONNECTION, sse::ConnectionClose};

/// The reason phrase of the stand-in response: the [`Io`](super::conn::Io) knows its head by it.
const MARKER: &[u8] = b"nest-rs-takes-over";

/// The start of the stand-in's head as hyper writes it.
const MARKER_LINE: &[u8] = b"HTTP/1.1 200 nest-rs-takes-over\r\n";

/// Bytes a client may send while its event stream is open (a pipelined request, say) before
/// the connection is closed: as many as a request head may have.
const INPUT_LIMIT: usize = 64 * 1024;

/// Nothing taken over.
const IDLE: u8 = 0;
/// A stand-in is on its way: its head is to be swallowed.
const ARMED: u8 = 1;
/// The stand-in's head was swallowed: hyper writes nothing more.
const SWALLOWED: u8 = 2;

/// One HTTP/1.1 connection's hand-over point between hyper and [`serve`].
#[derive(Debug, Default)]
pub(super) struct Takeover {
    phase: AtomicU8,
    taken: Mutex<Option<Box<hyper::Response<ServerBody>>>>,
}

/// Whether a request's response may be taken over: a `GET` over HTTP/1.1 with no body that
/// does not ask to close the connection.
pub(super) fn eligible(request: &hyper::Request<hyper::body::Incoming>) -> bool {
    request.method() == http::Method::GET
        && request.version() == Version::HTTP_11
        && http_body::Body::is_end_stream(request.body())
        && !request.headers().contains_key(header::UPGRADE)
        && !request.headers().contains_key(header::EXPECT)
        && !asks_to_close(request.headers())
}

/// Whether `Connection` names the `close` option.
fn asks_to_close(headers: &HeaderMap) -> bool {
    headers.get_all(header::CONNECTION).iter().any(|value| {
        value
            .as_bytes()
            .split(|byte| *byte == b',')
            .any(|token| token.trim_ascii().eq_ignore_ascii_case(b"close"))
    })
}

impl Takeover {
    /// Keeps an event-stream response aside and returns hyper's stand-in; any other response is
    /// returned as it is.
    pub(super) fn offer(
        &self,
        response: hyper::Response<ServerBody>,
    ) -> hyper::Response<ServerBody> {
        let headers = response.headers();
        let takes = response.status() == StatusCode::OK
            && response.body().is_sse()
            && !headers.contains_key(header::CONTENT_LENGTH)
            && !headers.contains_key(header::TRANSFER_ENCODING)
            && !headers.contains_key(header::TRAILER)
            && !asks_to_close(headers);
        if !takes {
            return response;
        }
        *lock(&self.taken) = Some(Box::new(response));
        self.phase.store(ARMED, Ordering::Release);
        let mut stand_in = hyper::Response::new(ServerBody::stand_in());
        stand_in
            .headers_mut()
            .insert(header::CONNECTION, http::HeaderValue::from_static("close"));
        stand_in
            .extensions_mut()
            .insert(hyper::ext::ReasonPhrase::from_static(MARKER));
        stand_in
    }

    /// The response kept aside, once hyper is done with the connection.
    pub(super) fn take(&self) -> Option<Box<hyper::Response<ServerBody>>> {
        let taken = lock(&self.taken).take();
        self.phase.store(IDLE, Ordering::Release);
        taken
    }

    /// Whether hyper's writes are being watched for the stand-in.
    pub(super) fn armed(&self) -> bool {
        self.phase.load(Ordering::Acquire) != IDLE
    }

    /// How many of `buf`'s bytes hyper's write may pass on (`Ok`), or swallow (`Err`): the bytes
    /// before the stand-in's head go to the socket, the head itself and anything after it do not.
    pub(super) fn filter(&self, buf: &[u8]) -> Result<usize, usize> {
        if self.phase.load(Ordering::Acquire) == SWALLOWED {
            return Err(buf.len());
        }
        if buf.starts_with(MARKER_LINE) {
            self.phase.store(SWALLOWED, Ordering::Release);
            return Err(buf.len());
        }
        static FINDER: LazyLock<memchr::memmem::Finder<'static>> =
            LazyLock::new(|| memchr::memmem::Finder::new(MARKER_LINE));
        // Bytes of an earlier response are still on their way: they go first.
        Ok(FINDER.find(buf).unwrap_or(buf.len()))
    }
}

/// What follows an event stream taken over.
pub(super) enum After {
    /// The stream ended and the connection stays open: hyper serves the next request, given
    /// these bytes read past the stream's request first.
    KeepAlive(Bytes),
    /// The connection is to be closed (the client left, the stream failed, the server closes it).
    Close,
}

/// The bytes to send next: a chunk's size line, its data and its end, as one sequence.
struct Out {
    size: [u8; 18],
    size_len: u8,
    data: Bytes,
    tail: &'static [u8],
    sent: usize,
}

impl Out {
    fn new(data: Bytes, tail: &'static [u8]) -> Self {
        Self {
            size: [0; 18],
            size_len: 0,
            data,
            tail,
            sent: 0,
        }
    }

    /// One chunk of the body: its length in hexadecimal (as hyper writes it), the data, CRLF.
    fn chunk(data: Bytes) -> Self {
        let mut out = Self::new(data, b"\r\n");
        let mut len = out.data.len();
        let mut digits = [0u8; 16];
        let mut count = 0;
        loop {
            digits[count] = b"0123456789ABCDEF"[len & 15];
            count += 1;
            len >>= 4;
            if len == 0 {
                break;
            }
        }
        for (at, digit) in digits[..count].iter().rev().enumerate() {
            out.size[at] = *digit;
        }
        out.size[count] = b'\r';
        out.size[count + 1] = b'\n';
        out.size_len = u8::try_from(count + 2).unwrap_or(18);
        out
    }

    fn total(&self) -> usize {
        usize::from(self.size_len) + self.data.len() + self.tail.len()
    }

    /// The parts not sent yet.
    fn slices(&self) -> [IoSlice<'_>; 3] {
        let mut skip = self.sent;
        [
            IoSlice::new(rest(&self.size[..usize::from(self.size_len)], &mut skip)),
            IoSlice::new(rest(&self.data, &mut skip)),
            IoSlice::new(rest(self.tail, &mut skip)),
        ]
    }
}

/// `bytes` without the first `skip` of them; takes from `skip` what it skipped.
fn rest<'a>(bytes: &'a [u8], skip: &mut usize) -> &'a [u8] {
    let taken = (*skip).min(bytes.len());
    *skip -= taken;
    &bytes[taken..]
}

/// The response head as hyper's HTTP/1.1 server writes it (lower-case names, the headers in the
/// map's order, `transfer-encoding: chunked` for a body of unknown length, then `date`).
fn head(parts: &http::response::Parts) -> Bytes {
    let mut head = Vec::with_capacity(
        64 + parts
            .headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 4)
            .sum::<usize>(),
    );
    head.extend_from_slice(b"HTTP/1.1 ");
    head.extend_from_slice(parts.status.as_str().as_bytes());
    head.push(b' ');
    head.extend_from_slice(
        parts
            .status
            .canonical_reason()
            .unwrap_or("<none>")
            .as_bytes(),
    );
    head.extend_from_slice(b"\r\n");
    for (name, value) in &parts.headers {
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"transfer-encoding: chunked\r\n");
    if !parts.headers.contains_key(header::DATE) {
        head.extend_from_slice(b"date: ");
        DATE.with_borrow_mut(|date| head.extend_from_slice(date.now()));
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    Bytes::from(head)
}

thread_local! {
    /// The `date` header's value, formatted once a second (per thread).
    static DATE: std::cell::RefCell<CachedDate> = const {
        std::cell::RefCell::new(CachedDate { second: 0, text: String::new() })
    };
}

/// An HTTP date and the second it is for.
struct CachedDate {
    second: u64,
    text: String,
}

impl CachedDate {
    /// The date of now.
    fn now(&mut self) -> &[u8] {
        let now = std::time::SystemTime::now();
        let second = now
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        if second != self.second || self.text.is_empty() {
            self.second = second;
            self.text = httpdate::fmt_http_date(now);
        }
        self.text.as_bytes()
    }
}

/// Sends `response` (an event stream) on `io` as hyper would, until it ends, the client leaves
/// or the connection is flagged; see the module's documentation.
pub(super) async fn serve<I>(
    state: &ConnState,
    io: &mut I,
    response: Box<hyper::Response<ServerBody>>,
) -> After
where
    I: AsyncRead + AsyncWrite + Unpin,
{
    let (parts, body) = response.into_parts();
    let mut body = pin!(body);
    let mut out = Some(Out::new(head(&parts), b""));
    drop(parts);
    let mut ended = false;
    let mut input = BytesMut::new();
    let mut close: Option<CancellationToken> = None;
    let mut closed = pin!(None::<tokio_util::sync::WaitForCancellationFutureOwned>);
    let mut registered: Option<Waker> = None;
    poll_fn(|cx| {
        if !registered
            .as_ref()
            .is_some_and(|waker| waker.will_wake(cx.waker()))
        {
            registered = Some(cx.waker().clone());
            state.register(cx);
        }
        if state.killed() {
            return Poll::Ready(After::Close);
        }
        if read_input(io, cx, &mut input).is_err() {
            return Poll::Ready(After::Close);
        }
        let polled = send(io, cx, &mut out, body.as_mut(), &mut ended);
        if polled.is_pending() {
            // A hub subscription made for this stream can close the connection (its client
            // stopped reading): its token is looked for until found, then watched.
            if close.is_none() {
                if let Some(token) = CONNECTION.try_with(ConnectionClose::get).ok().flatten() {
                    closed.set(Some(token.clone().cancelled_owned()));
                    close = Some(token);
                }
            }
            if closed
                .as_mut()
                .as_pin_mut()
                .is_some_and(|closed| closed.poll(cx).is_ready())
            {
                tracing::debug!(target: "NestApplication", "connection closed by the server");
                return Poll::Ready(After::Close);
            }
            return Poll::Pending;
        }
        Poll::Ready(if polled == Poll::Ready(false) || state.goaway() {
            After::Close
        } else {
            After::KeepAlive(std::mem::take(&mut input).freeze())
        })
    })
    .await
}

/// Writes what is pending and the body's next frames until the socket or the body has to wait
/// (`Pending`), the body has ended and everything is sent (`Ready(true)`), or the connection
/// failed or the body broke off (`Ready(false)`).
fn send<I: AsyncWrite + Unpin>(
    io: &mut I,
    cx: &mut Context<'_>,
    out: &mut Option<Out>,
    mut body: Pin<&mut ServerBody>,
    ended: &mut bool,
) -> Poll<bool> {
    loop {
        if let Some(pending) = out {
            match Pin::new(&mut *io).poll_write_vectored(cx, &pending.slices()) {
                Poll::Ready(Ok(0) | Err(_)) => return Poll::Ready(false),
                Poll::Ready(Ok(count)) => {
                    pending.sent += count;
                    if pending.sent >= pending.total() {
                        *out = None;
                    }
                    continue;
                }
                Poll::Pending => return Poll::Pending,
            }
        }
        if *ended {
            return Poll::Ready(true);
        }
        match http_body::Body::poll_frame(body.as_mut(), cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    if !data.is_empty() {
                        *out = Some(Out::chunk(data));
                    }
                }
            }
            Poll::Ready(Some(Err(_))) => return Poll::Ready(false),
            Poll::Ready(None) => {
                *ended = true;
                *out = Some(Out::new(Bytes::new(), b"0\r\n\r\n"));
            }
            Poll::Pending => return Poll::Pending,
        }
    }
}

/// Reads what the client sends while its stream is open: `Err` when it left (end of input, an
/// error) or sent more than [`INPUT_LIMIT`] bytes.
fn read_input<I: AsyncRead + Unpin>(
    io: &mut I,
    cx: &mut Context<'_>,
    input: &mut BytesMut,
) -> Result<(), ()> {
    let mut scratch = [0u8; 512];
    loop {
        let mut buf = ReadBuf::new(&mut scratch);
        match Pin::new(&mut *io).poll_read(cx, &mut buf) {
            Poll::Ready(Ok(())) if buf.filled().is_empty() => return Err(()),
            Poll::Ready(Ok(())) => {
                if input.len() + buf.filled().len() > INPUT_LIMIT {
                    return Err(());
                }
                input.extend_from_slice(buf.filled());
            }
            Poll::Ready(Err(_)) => return Err(()),
            Poll::Pending => return Ok(()),
        }
    }
}
