//! What the server knows about each open connection, so that no client can hold one forever:
//! deadlines counted from the accept, a send timeout, the HTTP/2 idle timeout, admission under
//! `max_connections` (shedding connections that never sent a request head) and per-address caps.
//!
//! * [`ConnState`] is one connection's state, shared by its task, its [`Io`] (which sees every
//!   byte read and written), its requests and the [`Registry`].
//! * The [`Registry`] holds every open connection. A sweeper task ([`Registry::sweep`]) checks
//!   their deadlines a few times per the shortest timeout and flags the ones past it; the
//!   connection's task, woken, closes it (or sends GOAWAY).
//! * On HTTP/2, each stream runs in a task of its own ([`StreamExecutor`]), watched for the
//!   send timeout one stream at a time ([`watch_stream`]).

use std::{
    collections::{HashMap, VecDeque},
    future::{Future, poll_fn},
    io,
    net::IpAddr,
    pin::{Pin, pin},
    sync::{
        Arc, Mutex, Weak,
        atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use bytes::Bytes;
use futures_util::task::AtomicWaker;
use http_body::{Frame, SizeHint};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    sync::Notify,
    time::{Instant, Sleep},
};
use tokio_util::sync::CancellationToken;

use super::limits::ServerLimits;
use super::takeover::Takeover;
use crate::context::Counts;
use crate::{
    lock::lock,
    sse::{CONNECTION, ConnectionClose},
};

/// A complete request head has arrived on the connection (its first).
const HEAD_SEEN: u8 = 1;
/// Close the connection now.
const KILL: u8 = 1 << 1;
/// Close the connection gracefully: HTTP/2 GOAWAY, or HTTP/1.1 after the response in progress.
const GOAWAY: u8 = 1 << 2;
/// The connection speaks HTTP/2.
const H2: u8 = 1 << 3;
/// The client closed its sending side while a request was in flight: the end of input is held
/// back from hyper until the response is sent.
const EOF: u8 = 1 << 4;
/// An event stream is being sent on the connection (HTTP/1.1): the end of input means the
/// client left, and is passed on at once.
const STREAMING: u8 = 1 << 5;
/// Shed to admit a newer connection: its place under `max_connections` was given away.
const SHED: u8 = 1 << 6;
/// The end of input is held back while the HTTP/1.1 request in flight is: it has no body (so
/// an end of input after it is the client closing its sending side) and does not ask for an
/// event stream.
const BODYLESS: u8 = 1 << 7;

/// One open connection, as its task, its I/O, its requests and the registry see it.
#[derive(Debug)]
pub(super) struct ConnState {
    flags: AtomicU8,
    /// HTTP/1.1 requests whose response is not finished (0 or 1).
    in_flight: AtomicU32,
    /// HTTP/2 streams open.
    streams: AtomicU32,
    /// When the connection was accepted, in milliseconds since the registry's epoch.
    accepted: u64,
    /// Since when (milliseconds since the epoch, plus one) the socket has refused bytes; zero
    /// while it takes them.
    blocked_since: AtomicU64,
    /// HTTP/2: since when (as `blocked_since`) no stream has been open; zero while one is.
    idle_since: AtomicU64,
    /// The registry's epoch, for the clock readings above.
    epoch: Instant,
    /// The connection's task, woken when a flag is set for it.
    waker: AtomicWaker,
}

impl ConnState {
    fn new(epoch: Instant, now: u64) -> Self {
        Self {
            flags: AtomicU8::new(0),
            in_flight: AtomicU32::new(0),
            streams: AtomicU32::new(0),
            accepted: now,
            blocked_since: AtomicU64::new(0),
            idle_since: AtomicU64::new(0),
            epoch,
            waker: AtomicWaker::new(),
        }
    }

    fn has(&self, flag: u8) -> bool {
        self.flags.load(Ordering::Acquire) & flag != 0
    }

    fn set(&self, flag: u8) {
        self.flags.fetch_or(flag, Ordering::AcqRel);
    }

    /// Flags the connection and wakes its task.
    fn signal(&self, flag: u8) {
        self.set(flag);
        self.waker.wake();
    }

    fn now(&self) -> u64 {
        millis_since(self.epoch)
    }

    /// Whether the task must close the connection now.
    pub(super) fn killed(&self) -> bool {
        self.has(KILL)
    }

    /// Whether the task must close the connection gracefully.
    pub(super) fn goaway(&self) -> bool {
        self.has(GOAWAY)
    }

    /// Holds the task's waker, to be woken when a flag is set.
    pub(super) fn register(&self, cx: &Context<'_>) {
        self.waker.register(cx.waker());
    }

    /// Marks the connection as HTTP/2 with no stream open yet.
    pub(super) fn speaks_http2(&self) {
        self.idle_since.store(self.now() + 1, Ordering::Relaxed);
        self.set(H2);
    }

    /// A request arrived: the connection has sent a complete head, and on HTTP/1.1 has a
    /// request in flight until the returned guard (held by the response body) is dropped.
    pub(super) fn request(self: &Arc<Self>, holds_eof: bool) -> InFlight {
        if !self.has(HEAD_SEEN) {
            self.set(HEAD_SEEN);
        }
        if holds_eof {
            self.set(BODYLESS);
        }
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight {
            state: Arc::clone(self),
        }
    }
}

/// Milliseconds from `epoch` to now.
fn millis_since(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX - 1)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX / 2)
}

/// A request in flight on its connection, until its response body is dropped.
#[derive(Debug)]
pub(super) struct InFlight {
    state: Arc<ConnState>,
}

impl InFlight {
    /// The response is an event stream: the client's end of input now means it left.
    fn streaming(&self) {
        self.state.set(STREAMING);
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.state
            .flags
            .fetch_and(!(STREAMING | BODYLESS), Ordering::AcqRel);
        self.state.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The response body hyper sends: the application's, holding the request's place in flight,
/// and on HTTP/2 reporting to its stream's watch whether it is waiting for the client.
#[derive(Debug)]
pub(super) struct ServerBody {
    body: crate::http::Body,
    _in_flight: Option<InFlight>,
    progress: Option<Arc<StreamProgress>>,
}

impl ServerBody {
    pub(super) fn new(body: crate::http::Body, in_flight: InFlight) -> Self {
        if body.is_sse() {
            in_flight.streaming();
        }
        let progress = STREAM.try_with(Arc::clone).ok();
        if let Some(progress) = &progress {
            progress.set(WAITING_FOR_CLIENT);
        }
        Self {
            body,
            _in_flight: Some(in_flight),
            progress,
        }
    }

    /// The empty body of the response hyper sends in place of an event stream taken over (see
    /// [`super::takeover`]).
    pub(super) fn stand_in() -> Self {
        Self {
            body: crate::http::Body::empty(),
            _in_flight: None,
            progress: None,
        }
    }

    /// Whether this is an event stream's body.
    pub(super) fn is_sse(&self) -> bool {
        self.body.is_sse()
    }
}

impl http_body::Body for ServerBody {
    type Data = Bytes;
    type Error = <crate::http::Body as http_body::Body>::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        if let Some(progress) = &self.progress {
            if polled.is_pending() {
                progress.set(WAITING_FOR_BODY);
            } else {
                progress.took_frame();
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The connection's socket (after the bytes read to tell HTTP/1.1 from HTTP/2, if any), seen
/// by its [`ConnState`]: when the socket stops taking bytes, and when the client stops sending.
///
/// A client that closes its sending side after a request (as many HTTP tools do) still gets
/// its answer: the end of input is held back from hyper while an HTTP/1.1 request without a
/// body, and whose response is not an event stream, is in flight (hyper would otherwise drop
/// the connection), and passed on once the response is sent. After a request with a body the
/// end of input is passed on (it may cut the body short, which hyper must see), and so it is
/// after a request for an event stream (`Accept: text/event-stream`): a client that leaves
/// while its stream is set up is gone, and its handler is dropped.
pub(super) struct Io<I> {
    inner: I,
    /// Bytes already read from `inner` that hyper has not seen yet.
    rewind: Option<Box<Bytes>>,
    state: Arc<ConnState>,
    /// Where an event stream may be taken over from hyper (plain HTTP/1.1 connections).
    takeover: Option<Arc<Takeover>>,
}

impl<I> Io<I> {
    pub(super) fn new(inner: I, state: Arc<ConnState>) -> Self {
        Self {
            inner,
            rewind: None,
            state,
            takeover: None,
        }
    }

    /// Watches hyper's writes for the stand-in of an event stream taken over through
    /// `takeover`, and swallows it.
    pub(super) fn taken_over_through(mut self, takeover: Arc<Takeover>) -> Self {
        self.takeover = Some(takeover);
        self
    }

    /// How many of `buf`'s bytes to write (`Ok`) or to report written without writing them
    /// (`Err`): see [`Takeover::filter`].
    fn filter(&self, buf: &[u8]) -> Result<usize, usize> {
        match &self.takeover {
            Some(takeover) if takeover.armed() => takeover.filter(buf),
            _ => Ok(buf.len()),
        }
    }

    /// Gives hyper `bytes` first (after any bytes given before and not read yet), then what
    /// `inner` reads.
    pub(super) fn rewound(mut self, bytes: Bytes) -> Self {
        if bytes.is_empty() {
            return self;
        }
        self.rewind = Some(Box::new(match self.rewind.take() {
            Some(before) => [&before[..], &bytes[..]].concat().into(),
            None => bytes,
        }));
        self
    }

    fn wrote(&self) {
        if self.state.blocked_since.load(Ordering::Relaxed) != 0 {
            self.state.blocked_since.store(0, Ordering::Relaxed);
        }
    }

    fn blocked(&self) {
        if self.state.blocked_since.load(Ordering::Relaxed) == 0 {
            self.state
                .blocked_since
                .store(self.state.now() + 1, Ordering::Relaxed);
        }
    }

    fn write_result(&self, written: Poll<io::Result<usize>>) -> Poll<io::Result<usize>> {
        match &written {
            Poll::Ready(Ok(count)) if *count > 0 => self.wrote(),
            Poll::Pending => self.blocked(),
            _ => {}
        }
        written
    }

    /// Whether the end of input must be held back now.
    fn hold_eof(&self) -> bool {
        let flags = self.state.flags.load(Ordering::Acquire);
        flags & (BODYLESS | STREAMING | H2) == BODYLESS
            && self.state.in_flight.load(Ordering::Relaxed) > 0
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for Io<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(mut rewind) = self.rewind.take() {
            let count = rewind.len().min(buf.remaining());
            buf.put_slice(&rewind.split_to(count));
            if !rewind.is_empty() {
                self.rewind = Some(rewind);
            }
            return Poll::Ready(Ok(()));
        }
        if self.state.has(EOF) {
            return if self.hold_eof() {
                Poll::Pending
            } else {
                Poll::Ready(Ok(()))
            };
        }
        let before = buf.filled().len();
        let read = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(read, Poll::Ready(Ok(())))
            && buf.filled().len() == before
            && buf.remaining() > 0
        {
            // The end of input.
            self.state.set(EOF);
            if self.hold_eof() {
                return Poll::Pending;
            }
        }
        read
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Io<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let buf = match self.filter(buf) {
            Ok(len) => &buf[..len],
            Err(swallowed) => return Poll::Ready(Ok(swallowed)),
        };
        let written = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.write_result(written)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self
            .takeover
            .as_ref()
            .is_some_and(|takeover| takeover.armed())
        {
            // One buffer at a time while a stand-in is awaited: its head is one of them.
            let first = bufs
                .iter()
                .find(|buf| !buf.is_empty())
                .map_or(&[][..], |buf| &buf[..]);
            return self.poll_write(cx, first);
        }
        let written = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.write_result(written)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let flushed = Pin::new(&mut self.inner).poll_flush(cx);
        if flushed.is_pending() {
            self.blocked();
        }
        flushed
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self
            .takeover
            .as_ref()
            .is_some_and(|takeover| takeover.armed())
        {
            // hyper closing the connection after a stand-in: the stream goes on.
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Every open connection, with what admission under the limits needs.
#[derive(Debug)]
pub(super) struct Registry {
    inner: Mutex<Inner>,
    /// Signalled when a connection closes, for an accept loop waiting for room.
    freed: Notify,
    epoch: Instant,
    limits: ServerLimits,
    counts: Arc<Counts>,
}

#[derive(Debug, Default)]
struct Inner {
    /// The open connections; `None` for a free slot (listed in `free`).
    slots: Vec<Option<Arc<ConnState>>>,
    free: Vec<usize>,
    /// Connections that count under `max_connections` (every open one but those shed).
    admitted: usize,
    /// Connections in the order they were accepted, for shedding the oldest one that has
    /// not sent a request head. Entries for connections that since sent one, or closed, are
    /// dropped when they reach the front.
    fresh: VecDeque<Weak<ConnState>>,
    /// Open connections per client address, when `max_connections_per_ip` is set.
    per_ip: HashMap<IpAddr, usize>,
}

/// What [`Registry::admit`] decided.
#[derive(Debug)]
pub(super) enum Admission {
    Admitted(Ticket),
    /// The client's address has `max_connections_per_ip` open: close the new connection.
    Refused,
    /// `max_connections` are open and every one has sent a request head: wait for one to close.
    Full,
}

impl Registry {
    pub(super) fn new(limits: ServerLimits, counts: Arc<Counts>) -> Self {
        Self {
            inner: Mutex::default(),
            freed: Notify::new(),
            epoch: Instant::now(),
            limits,
            counts,
        }
    }

    /// Whether `max_connections` leaves room for one more connection, or a connection that has
    /// not sent a request head can be shed for it.
    pub(super) fn has_room(&self) -> bool {
        let Some(max) = self.limits.max_connections else {
            return true;
        };
        let mut inner = lock(&self.inner);
        inner.admitted < max || inner.oldest_fresh().is_some()
    }

    /// Waits until a connection closes.
    pub(super) async fn freed(&self) {
        self.freed.notified().await;
    }

    /// Admits a connection from `peer`, shedding the oldest one that has not sent a request
    /// head if `max_connections` is reached.
    pub(super) fn admit(self: &Arc<Self>, peer: IpAddr) -> Admission {
        let mut inner = lock(&self.inner);
        // The address's cap first: a refused connection must not cost another one its place.
        if let Some(max) = self.limits.max_connections_per_ip {
            if inner.per_ip.get(&peer).is_some_and(|open| *open >= max) {
                tracing::debug!(target: "NestApplication", "connection from {peer} refused: max_connections_per_ip ({max}) reached");
                return Admission::Refused;
            }
        }
        if self
            .limits
            .max_connections
            .is_some_and(|max| inner.admitted >= max)
            && !inner.shed_oldest(&self.counts)
        {
            return Admission::Full;
        }
        let ip = self.limits.max_connections_per_ip.map(|_| {
            *inner.per_ip.entry(peer).or_default() += 1;
            peer
        });
        let state = Arc::new(ConnState::new(self.epoch, millis_since(self.epoch)));
        inner.admitted += 1;
        let slot = match inner.free.pop() {
            Some(slot) => {
                inner.slots[slot] = Some(Arc::clone(&state));
                slot
            }
            None => {
                inner.slots.push(Some(Arc::clone(&state)));
                inner.slots.len() - 1
            }
        };
        // Each entry keeps its connection's state allocated: drop the stale ones first.
        inner.prune_fresh();
        inner.fresh.push_back(Arc::downgrade(&state));
        drop(inner);
        Admission::Admitted(Ticket {
            registry: Arc::clone(self),
            state,
            slot,
            ip,
        })
    }

    /// Out of file descriptors: closes the oldest connection that has not sent a request head,
    /// if any. Returns whether one was.
    pub(super) fn shed_for_descriptor(&self) -> bool {
        lock(&self.inner).shed_oldest(&self.counts)
    }

    /// Asks every connection to close gracefully (the server is shutting down).
    pub(super) fn goaway_all(&self) {
        for state in lock(&self.inner).slots.iter().flatten() {
            state.signal(GOAWAY);
        }
    }

    /// How often the sweeper runs: a quarter of the shortest timeout it enforces, between
    /// 5 ms and 1 s.
    pub(super) fn tick(&self) -> Duration {
        let limits = &self.limits;
        (limits
            .header_read_timeout
            .min(limits.send_timeout)
            .min(limits.http2_idle_timeout)
            / 4)
        .clamp(Duration::from_millis(5), Duration::from_secs(1))
    }

    /// Checks every connection's deadlines, every [`tick`](Self::tick), until `stop` is
    /// cancelled (the server stopped).
    pub(super) async fn sweep(self: Arc<Self>, stop: CancellationToken) {
        let mut interval = tokio::time::interval(self.tick());
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = interval.tick() => self.sweep_once(),
                () = stop.cancelled() => return,
            }
        }
    }

    fn sweep_once(&self) {
        let now = millis_since(self.epoch);
        let head = millis(self.limits.header_read_timeout);
        let send = millis(self.limits.send_timeout);
        let idle = millis(self.limits.http2_idle_timeout);
        let mut inner = lock(&self.inner);
        for state in inner.slots.iter().flatten() {
            let flags = state.flags.load(Ordering::Acquire);
            if flags & KILL != 0 {
                continue;
            }
            if flags & HEAD_SEEN == 0 && now.saturating_sub(state.accepted) >= head {
                tracing::debug!(target: "NestApplication", "connection closed: no request head within {:?}", self.limits.header_read_timeout);
                self.counts.closed(crate::context::Closed::HeaderTimeout);
                state.signal(KILL);
                continue;
            }
            let blocked = state.blocked_since.load(Ordering::Relaxed);
            if blocked != 0 && now.saturating_sub(blocked - 1) >= send {
                tracing::debug!(target: "NestApplication", "connection closed: the client accepted no byte within {:?}", self.limits.send_timeout);
                self.counts.dropped();
                state.signal(KILL);
                continue;
            }
            if flags & (H2 | GOAWAY) == H2 && state.streams.load(Ordering::Relaxed) == 0 {
                let since = state.idle_since.load(Ordering::Relaxed);
                if since != 0 && now.saturating_sub(since - 1) >= idle {
                    tracing::debug!(target: "NestApplication", "HTTP/2 connection closed: no stream for {:?}", self.limits.http2_idle_timeout);
                    self.counts.closed(crate::context::Closed::IdleTimeout);
                    state.signal(GOAWAY);
                }
            }
        }
        inner.prune_fresh();
    }
}

impl Inner {
    /// The oldest connection that has not sent a request head and is not closing yet.
    fn oldest_fresh(&mut self) -> Option<Arc<ConnState>> {
        self.prune_fresh();
        self.fresh.front().and_then(Weak::upgrade)
    }

    /// Drops the entries at the front of `fresh` for connections that sent a head or closed.
    fn prune_fresh(&mut self) {
        while let Some(front) = self.fresh.front() {
            match front.upgrade() {
                Some(state) if !state.has(HEAD_SEEN | KILL) => break,
                _ => {
                    self.fresh.pop_front();
                }
            }
        }
    }

    /// Closes the oldest connection that has not sent a request head, giving its place to a
    /// new one. Returns whether there was one.
    fn shed_oldest(&mut self, counts: &crate::context::Counts) -> bool {
        let Some(state) = self.oldest_fresh() else {
            return false;
        };
        self.fresh.pop_front();
        tracing::debug!(target: "NestApplication", "connection closed to admit a newer one: no request head yet");
        state.set(SHED);
        counts.closed(crate::context::Closed::Shed);
        state.signal(KILL);
        self.admitted -= 1;
        true
    }
}

/// A connection's place in the registry, for its task's life.
#[derive(Debug)]
pub(super) struct Ticket {
    registry: Arc<Registry>,
    state: Arc<ConnState>,
    slot: usize,
    ip: Option<IpAddr>,
}

impl Ticket {
    pub(super) fn state(&self) -> &Arc<ConnState> {
        &self.state
    }

    /// The server's limits.
    pub(super) fn limits(&self) -> &ServerLimits {
        &self.registry.limits
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        {
            let mut inner = lock(&self.registry.inner);
            inner.slots[self.slot] = None;
            inner.free.push(self.slot);
            if !self.state.has(SHED) {
                inner.admitted -= 1;
            }
            if let Some(ip) = self.ip {
                if let Some(open) = inner.per_ip.get_mut(&ip) {
                    *open -= 1;
                    if *open == 0 {
                        inner.per_ip.remove(&ip);
                    }
                }
            }
        }
        if self.registry.limits.max_connections.is_some() {
            self.registry.freed.notify_one();
        }
    }
}

/// Where an HTTP/2 stream's response stands, for its send timeout: what it waits for, and how
/// many frames of it hyper has taken (each one is progress).
#[derive(Debug)]
pub(super) struct StreamProgress {
    state: AtomicU8,
    frames: AtomicU64,
}

impl Default for StreamProgress {
    fn default() -> Self {
        Self {
            state: AtomicU8::new(HANDLING),
            frames: AtomicU64::new(0),
        }
    }
}

/// No response yet (the handler runs).
const HANDLING: u8 = 0;
/// The response waits for the client to take bytes: its headers or its last frame were
/// handed over, and hyper has not asked for more.
const WAITING_FOR_CLIENT: u8 = 1;
/// The response body has nothing to send yet.
const WAITING_FOR_BODY: u8 = 2;

impl StreamProgress {
    fn set(&self, state: u8) {
        self.state.store(state, Ordering::Relaxed);
    }

    /// hyper took a frame of the response.
    fn took_frame(&self) {
        self.frames.fetch_add(1, Ordering::Relaxed);
        self.set(WAITING_FOR_CLIENT);
    }

    fn frames(&self) -> u64 {
        self.frames.load(Ordering::Relaxed)
    }

    fn waiting_for_client(&self) -> bool {
        self.state.load(Ordering::Relaxed) == WAITING_FOR_CLIENT
    }
}

tokio::task_local! {
    /// The HTTP/2 stream a request arrived on.
    static STREAM: Arc<StreamProgress>;
}

/// Runs each HTTP/2 stream of one connection in a task of its own, watched by
/// [`watch_stream`].
#[derive(Clone, Debug)]
pub(super) struct StreamExecutor {
    pub(super) state: Arc<ConnState>,
    pub(super) send_timeout: Duration,
    pub(super) counts: Arc<Counts>,
}

impl<F> hyper::rt::Executor<F> for StreamExecutor
where
    F: Future<Output = ()> + Send + 'static,
{
    fn execute(&self, stream: F) {
        // Boxed: an `async fn` keeps its argument beside what it moves it into, so the stream's
        // future (hyper's, holding the handler's and the response body's) would take twice its
        // size in the task.
        tokio::spawn(watch_stream(Box::pin(stream), self.clone()));
    }
}

/// Counts an HTTP/2 stream as open on its connection while it lives.
struct OpenStream(Arc<ConnState>);

impl OpenStream {
    fn new(state: Arc<ConnState>) -> Self {
        state.streams.fetch_add(1, Ordering::Relaxed);
        state.idle_since.store(0, Ordering::Relaxed);
        Self(state)
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        if self.0.streams.fetch_sub(1, Ordering::Relaxed) == 1 {
            self.0.idle_since.store(self.0.now() + 1, Ordering::Relaxed);
        }
    }
}

/// Runs one HTTP/2 stream until it ends, or until it is ended: when its client has accepted
/// no byte of the response within the send timeout (a zero flow-control window, say), or when
/// a hub subscription made on it closes it. Ending it drops hyper's stream, which resets it.
async fn watch_stream<F: Future<Output = ()>>(stream: F, executor: StreamExecutor) {
    let _open = OpenStream::new(Arc::clone(&executor.state));
    let close = CancellationToken::new();
    let progress = Arc::new(StreamProgress::default());
    let stream = STREAM.scope(
        Arc::clone(&progress),
        CONNECTION.scope(ConnectionClose::with_token(close.clone()), stream),
    );
    let mut stream = pin!(stream);
    let mut closed = pin!(close.cancelled());
    let mut timer: Option<Pin<Box<Sleep>>> = None;
    let mut stalled_since: Option<Instant> = None;
    let mut frames = 0;
    poll_fn(|cx| {
        if closed.as_mut().poll(cx).is_ready() || executor.state.killed() {
            tracing::debug!(target: "NestApplication", "HTTP/2 stream reset by the server");
            return Poll::Ready(());
        }
        if stream.as_mut().poll(cx).is_ready() {
            return Poll::Ready(());
        }
        // A frame taken since the last poll is progress, even if the stream waits again.
        let taken = progress.frames();
        if !progress.waiting_for_client() || taken != frames {
            frames = taken;
            stalled_since = None;
            if !progress.waiting_for_client() {
                return Poll::Pending;
            }
        }
        let now = Instant::now();
        let since = *stalled_since.get_or_insert(now);
        let deadline = since + executor.send_timeout;
        if now >= deadline {
            tracing::debug!(target: "NestApplication", "HTTP/2 stream reset: the client accepted no byte within {:?}", executor.send_timeout);
            executor.counts.dropped();
            return Poll::Ready(());
        }
        let timer = match &mut timer {
            Some(timer) => {
                if timer.deadline() != deadline {
                    timer.as_mut().reset(deadline);
                }
                timer
            }
            None => timer.insert(Box::pin(tokio::time::sleep_until(deadline))),
        };
        if timer.as_mut().poll(cx).is_ready() {
            // Due now: poll again at once to end the stream.
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    })
    .await;
}
