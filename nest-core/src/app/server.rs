//! The hyper server: one task per connection, HTTP/1.1 and HTTP/2 (h2c) on the same port, and a
//! graceful shutdown that ends event streams instead of waiting for them forever.

use std::{
    convert::Infallible,
    future::{Future, poll_fn},
    io,
    net::SocketAddr,
    pin::{Pin, pin},
    sync::Arc,
    task::{Poll, Waker},
    time::Duration,
};

use bytes::Bytes;
use hyper::{
    body::Incoming,
    server::conn::{http1, http2},
    service::service_fn,
};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulConnection,
};
use tokio::{
    net::{TcpListener, TcpStream},
    task::JoinSet,
};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

use super::conn::{Admission, ConnState, Io, Registry, ServerBody, StreamExecutor, Ticket};
use super::takeover::{self, After, Takeover};
use crate::context::AppContext;
use crate::{
    di::Container,
    http::{RemoteAddr, router::Router},
    lifecycle::Phase,
    sse::{CONNECTION, ConnectionClose},
};

/// A server started with [`NestApplication::bind`](super::NestApplication::bind).
///
/// [`close`](Self::close) shuts it down gracefully; dropping the handle starts the same shutdown
/// without waiting for it.
///
/// ```
/// use nest_core::prelude::*;
/// # #[derive(Default)] struct AppController;
/// # #[controller] impl AppController { #[get] fn hello(&self) -> &'static str { "hi" } }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let app = NestApplication::builder().controller(AppController).build()?;
/// let running = app.bind("127.0.0.1:0").await?;
/// assert!(running.url("/").starts_with("http://127.0.0.1:"));
/// assert_eq!(running.stats().open_connections, 0);
/// running.close().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "the server shuts down when this handle is dropped"]
pub struct RunningApp {
    local_addr: SocketAddr,
    context: Arc<AppContext>,
    task: Option<tokio::task::JoinHandle<()>>,
    /// The providers, for the shutdown hooks.
    container: Arc<Container>,
}

impl RunningApp {
    pub(super) fn start(
        listener: TcpListener,
        server: Server,
        container: Arc<Container>,
    ) -> io::Result<Self> {
        let local_addr = listener.local_addr()?;
        let context = Arc::clone(&server.context);
        let task = tokio::spawn(server.serve(listener));
        Ok(Self {
            local_addr,
            context,
            task: Some(task),
            container,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://<address><path>`, for clients.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.local_addr)
    }

    /// What the server holds right now: open connections and running event streams.
    pub fn stats(&self) -> crate::context::ServerStats {
        self.context.counts.snapshot()
    }

    /// Shuts down gracefully, as NestJS's `app.close()`: runs the `OnModuleDestroy` and
    /// `BeforeApplicationShutdown` hooks, stops accepting, ends every event stream (with the
    /// route's shutdown event, if any), lets other requests finish, closes what is still open
    /// when the shutdown timeout expires, then runs the `OnApplicationShutdown` hooks. Returns
    /// once everything is closed.
    pub async fn close(self) {
        self.shutdown(None, true).await;
    }

    /// The shutdown, with the hooks when `hooks` is set (given `signal`).
    pub(super) async fn shutdown(mut self, signal: Option<&'static str>, hooks: bool) {
        if hooks {
            self.container.run_hooks(Phase::Destroy, signal).await;
            self.container
                .run_hooks(Phase::BeforeShutdown, signal)
                .await;
        }
        self.context.shut_down();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        if hooks {
            self.container.run_hooks(Phase::Shutdown, signal).await;
        }
    }
}

impl Drop for RunningApp {
    fn drop(&mut self) {
        self.context.shut_down();
    }
}

/// Everything a running server needs.
pub(super) struct Server {
    pub(super) router: Arc<Router>,
    /// The application wrapped in its middleware, if it has any.
    pub(super) layered: Option<super::middleware::HttpService>,
    pub(super) limits: super::limits::ServerLimits,
    pub(super) context: Arc<AppContext>,
    pub(super) shutdown_timeout: Duration,
    #[cfg(feature = "tls")]
    pub(super) tls: Option<tokio_rustls::TlsAcceptor>,
}

/// One accepted connection and what serving it needs.
struct Connection {
    /// The HTTP/1 settings.
    http1: Arc<http1::Builder>,
    router: Arc<Router>,
    layered: Option<super::middleware::HttpService>,
    context: Arc<AppContext>,
    /// The client's address.
    peer: SocketAddr,
    /// The connection's place in the registry, and its state.
    ticket: Ticket,
}

/// What the first bytes of a plain connection say it speaks.
enum Detected {
    /// HTTP/1, with the bytes read to tell (none when they were only peeked at).
    Http1(Bytes),
    /// HTTP/2 with prior knowledge, with the bytes read to tell.
    Http2(Bytes),
}

impl Connection {
    /// Serves one accepted connection until it ends or the server closes it, holding its
    /// place in the registry and in the counts.
    ///
    /// A plain TCP connection whose first bytes already show an HTTP/1 request (they are not
    /// the start of the HTTP/2 preface) is served by hyper's HTTP/1 connection with nothing
    /// read: the bytes are only peeked at. Reading them and handing them back would cost an
    /// HTTP/1 connection memory for its whole life: hyper's first read would return only those
    /// few bytes, its second would no longer fit the 8 KiB read buffer, and hyper would double
    /// it to 16 KiB.
    ///
    /// Until hyper has the connection (the TLS handshake, the detection), the connection is
    /// closed as soon as the registry flags it (its request head deadline passed, it was shed,
    /// or the server is shutting down).
    ///
    /// This is the connection's whole task: every `async fn` it awaited would keep its own copy
    /// of the arguments it was given for the connection's life. The other paths (TLS, HTTP/2,
    /// partial prefaces) are boxed, so that their larger states do not enlarge the task of every
    /// plain HTTP/1 connection.
    async fn run(
        self,
        mut stream: TcpStream,
        #[cfg(feature = "tls")] tls: Option<tokio_rustls::TlsAcceptor>,
    ) {
        let _counted = self.context.counts.connection();
        let state = Arc::clone(self.ticket.state());
        #[cfg(feature = "tls")]
        if let Some(acceptor) = tls {
            return Box::pin(self.serve_tls(acceptor, stream)).await;
        }
        let mut first = [0; H2_PREFACE.len()];
        // Boxed, as every phase: the task keeps only what lives as long as the connection.
        let peeked = match Box::pin(until_flagged(&state, stream.peek(&mut first))).await {
            Some(Ok(len)) => len,
            _ => return,
        };
        let detected = if peeked == 0 {
            return;
        } else if !H2_PREFACE.starts_with(&first[..peeked]) {
            Detected::Http1(Bytes::new())
        } else if peeked == H2_PREFACE.len() {
            Detected::Http2(Bytes::new())
        } else {
            // Part of the HTTP/2 preface: read on until it is whole or differs.
            match until_flagged(&state, Box::pin(read_preface(&mut stream))).await {
                Some(Ok(detected)) => detected,
                _ => return,
            }
        };
        match detected {
            Detected::Http1(read) => {
                let takeover = Arc::new(Takeover::default());
                let mut io = Io::new(stream, Arc::clone(&state))
                    .rewound(read)
                    .taken_over_through(Arc::clone(&takeover));
                loop {
                    // Each phase in a box of its own: the task holds neither hyper's connection
                    // while a stream is taken over, nor the stream's writer while hyper serves.
                    let Some((back, response)) =
                        Box::pin(self.serve_http1(io, &state, &takeover)).await
                    else {
                        return;
                    };
                    io = back;
                    match Box::pin(takeover::serve(&state, &mut io, response)).await {
                        After::Close => return,
                        After::KeepAlive(input) => io = io.rewound(input),
                    }
                }
            }
            Detected::Http2(read) => {
                let io = Io::new(stream, Arc::clone(&state)).rewound(read);
                Box::pin(self.serve_http2(io)).await;
            }
        }
    }

    /// Serves plain HTTP/1.1 with hyper until the connection ends (`None`) or an event stream is
    /// taken over from it: then the socket, with the bytes hyper read past the stream's request
    /// given back first, and the stream's response.
    fn serve_http1(
        &self,
        io: Io<TcpStream>,
        state: &Arc<ConnState>,
        takeover: &Arc<Takeover>,
    ) -> impl Future<Output = Option<(Io<TcpStream>, Box<hyper::Response<ServerBody>>)>> + Send + 'static
    {
        let service = service(
            Arc::clone(&self.router),
            self.layered.clone(),
            Arc::clone(&self.context),
            Arc::clone(state),
            self.peer,
            Some(Arc::clone(takeover)),
        );
        let mut connection = self.http1.serve_connection(TokioIo::new(io), service);
        let state = Arc::clone(state);
        let takeover = Arc::clone(takeover);
        async move {
            drive(&state, Pin::new(&mut connection)).await;
            let response = takeover.take()?;
            let parts = connection.into_parts();
            // hyper's connection, with its buffers, is dropped while the stream is sent; bytes
            // it read past the request are copied out (they share its 8 KiB read buffer).
            let read = Bytes::copy_from_slice(&parts.read_buf);
            Some((parts.io.into_inner().rewound(read), response))
        }
    }

    /// Completes the TLS handshake, then serves HTTP/2 if the client chose it (ALPN), else
    /// HTTP/1.1.
    #[cfg(feature = "tls")]
    async fn serve_tls(self, acceptor: tokio_rustls::TlsAcceptor, stream: TcpStream) {
        let state = Arc::clone(self.ticket.state());
        let handshake = tokio::time::timeout(
            self.ticket.limits().tls_handshake_timeout,
            acceptor.accept(Io::new(stream, Arc::clone(&state))),
        );
        let stream = match until_flagged(&state, handshake).await {
            Some(Ok(Ok(stream))) => stream,
            Some(Ok(Err(error))) => {
                return tracing::debug!(target: "NestApplication", "TLS handshake failed: {error}");
            }
            Some(Err(_)) => {
                return tracing::debug!(target: "NestApplication", "TLS handshake timed out");
            }
            None => return,
        };
        if stream.get_ref().1.alpn_protocol() == Some(b"h2") {
            self.serve_http2(stream).await;
        } else {
            let service = service(
                self.router,
                self.layered,
                self.context,
                state.clone(),
                self.peer,
                None,
            );
            let mut connection = self.http1.serve_connection(TokioIo::new(stream), service);
            drive(&state, Pin::new(&mut connection)).await;
        }
    }

    /// Serves HTTP/2 on `io`, each stream in a task of its own, watched for the send timeout.
    async fn serve_http2<I>(self, io: I)
    where
        I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let state = Arc::clone(self.ticket.state());
        state.speaks_http2();
        let limits = self.ticket.limits();
        let builder = http2_builder(
            limits,
            StreamExecutor {
                state: Arc::clone(&state),
                send_timeout: limits.send_timeout,
                counts: Arc::clone(&self.context.counts),
            },
        );
        let service = service(
            self.router,
            self.layered,
            self.context,
            state.clone(),
            self.peer,
            None,
        );
        let connection = pin!(builder.serve_connection(TokioIo::new(io), service));
        drive(&state, connection).await;
    }
}

/// Reads a plain connection's first bytes until they are the whole HTTP/2 preface or differ
/// from it.
async fn read_preface(stream: &mut TcpStream) -> io::Result<Detected> {
    use tokio::io::AsyncReadExt;

    let mut read = [0; H2_PREFACE.len()];
    let mut len = 0;
    loop {
        let count = stream.read(&mut read[len..]).await?;
        if count == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        len += count;
        let bytes = || Bytes::copy_from_slice(&read[..len]);
        if !H2_PREFACE.starts_with(&read[..len]) {
            return Ok(Detected::Http1(bytes()));
        }
        if len == H2_PREFACE.len() {
            return Ok(Detected::Http2(bytes()));
        }
    }
}

/// Runs `future` until it completes (`Some`) or the connection is flagged to close (`None`).
async fn until_flagged<F: Future>(state: &ConnState, future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    poll_fn(|cx| {
        state.register(cx);
        if state.killed() || state.goaway() {
            return Poll::Ready(None);
        }
        future.as_mut().poll(cx).map(Some)
    })
    .await
}

/// The HTTP/2 settings, with the executor that runs one connection's streams.
fn http2_builder(
    limits: &super::limits::ServerLimits,
    executor: StreamExecutor,
) -> http2::Builder<StreamExecutor> {
    let mut builder = http2::Builder::new(executor);
    builder
        .timer(TokioTimer::new())
        .max_concurrent_streams(limits.max_concurrent_streams)
        .max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX))
        .initial_stream_window_size(limits.http2_stream_window)
        .initial_connection_window_size(limits.http2_connection_window);
    if let Some((interval, timeout)) = limits.http2_keep_alive {
        builder
            .keep_alive_interval(interval)
            .keep_alive_timeout(timeout);
    }
    builder
}

/// The HTTP/1 settings.
fn http1_builder(limits: &super::limits::ServerLimits) -> http1::Builder {
    let mut http1 = http1::Builder::new();
    http1
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.max_header_bytes)
        // `max_buf_size` alone is a soft bound: a head that arrives in large reads can pass
        // it. This one is exact.
        .max_header_size(limits.max_header_bytes);
    // hyper's own limit is the same 100 headers, parsed into an uninitialised array on the
    // stack; an explicit limit makes it fill a vector of that many entries for every request
    // (about 1,000 instructions each). So it is only set when it differs.
    if limits.max_headers != HYPER_MAX_HEADERS {
        http1.max_headers(limits.max_headers);
    }
    http1
}

/// The hyper service of one connection: every request goes to the router (through the
/// middleware, if any), with the client's address.
fn service(
    router: Arc<Router>,
    layered: Option<super::middleware::HttpService>,
    context: Arc<AppContext>,
    state: Arc<ConnState>,
    peer: SocketAddr,
    takeover: Option<Arc<Takeover>>,
) -> impl hyper::service::Service<
    hyper::Request<Incoming>,
    Response = hyper::Response<ServerBody>,
    Error = Infallible,
    Future = impl Future<Output = Result<hyper::Response<ServerBody>, Infallible>> + Send,
> + Clone
+ Send {
    service_fn(move |mut request: hyper::Request<Incoming>| {
        // The end of input is held back after a request with no body, unless it asks for an
        // event stream: a client that leaves while its stream is being set up is gone.
        let holds_eof = http_body::Body::is_end_stream(request.body())
            && !accepts_event_stream(request.headers());
        let in_flight = state.request(holds_eof);
        let takeover = takeover
            .as_ref()
            .filter(|_| takeover::eligible(&request))
            .map(Arc::clone);
        detach_head(&mut request);
        request.extensions_mut().insert(RemoteAddr(peer));
        let observed = observe(&mut request, &context);
        // The handler starts here (an event stream's span is made now): inside the request's
        // span.
        let entered = observed
            .as_ref()
            .map(|observed| observed.span.clone().entered());
        let response: crate::http::router::BoxFuture = match &layered {
            Some(service) => {
                let call = tower::ServiceExt::oneshot(service.clone(), request);
                Box::pin(async move {
                    match call.await {
                        Ok(response) => response,
                        Err(never) => match never {},
                    }
                })
            }
            None => {
                let (parts, body) = request.into_parts();
                router.dispatch(parts, Some(body), &context)
            }
        };
        drop(entered);
        async move {
            let response = match observed {
                None => response.await,
                Some(observed) => observed.finish(response).await,
            };
            let response = response.map(|body| ServerBody::new(body, in_flight));
            Ok::<_, Infallible>(match takeover {
                Some(takeover) => takeover.offer(response),
                None => response,
            })
        }
    })
}

/// A request being measured: for the metrics, or for its `tracing` span.
struct Observed {
    route: Arc<crate::metrics::MatchedRoute>,
    method: http::Method,
    start: std::time::Instant,
    metrics: Option<crate::metrics::Metrics>,
    span: tracing::Span,
}

/// Starts measuring `request` when metrics are on or its span is enabled (`nest_core::request`
/// at debug level): the route it reaches names itself in the request's [`MatchedRoute`]. One
/// branch otherwise.
///
/// [`MatchedRoute`]: crate::metrics::MatchedRoute
fn observe(request: &mut hyper::Request<Incoming>, context: &AppContext) -> Option<Box<Observed>> {
    let span = tracing::debug_span!(
        target: "nest_core::request",
        "request",
        method = %request.method(),
        path = request.uri().path(),
        route = tracing::field::Empty,
        status = tracing::field::Empty,
        latency_us = tracing::field::Empty,
    );
    if context.metrics.is_none()
        && span.is_disabled()
        && !tracing::enabled!(target: "nest_core::stream", tracing::Level::DEBUG)
    {
        return None;
    }
    let route = Arc::new(crate::metrics::MatchedRoute::default());
    request.extensions_mut().insert(Arc::clone(&route));
    Some(Box::new(Observed {
        route,
        method: request.method().clone(),
        start: std::time::Instant::now(),
        metrics: context.metrics.clone(),
        span,
    }))
}

impl Observed {
    /// Awaits the response inside the request's span, then counts it and records its route,
    /// status and latency.
    async fn finish(self, response: crate::http::router::BoxFuture) -> crate::http::Response {
        let response = tracing::Instrument::instrument(response, self.span.clone()).await;
        let took = self.start.elapsed();
        let status = response.status().as_u16();
        let unmatched: Arc<str>;
        let route = match self.route.get() {
            Some(route) => route,
            None => {
                unmatched = Arc::from(crate::metrics::UNMATCHED);
                &unmatched
            }
        };
        if let Some(metrics) = &self.metrics {
            metrics.request(&self.method, route, status, took);
        }
        self.span.record("route", &**route);
        self.span.record("status", status);
        self.span.record(
            "latency_us",
            u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
        );
        response
    }
}

/// Whether a request asks for an event stream (`Accept: text/event-stream`, as `EventSource`
/// sends).
fn accepts_event_stream(headers: &http::HeaderMap) -> bool {
    headers.get(http::header::ACCEPT).is_some_and(|accept| {
        memchr::memmem::find(accept.as_bytes(), b"text/event-stream").is_some()
    })
}

/// How many headers hyper accepts in an HTTP/1 request when no limit is set.
const HYPER_MAX_HEADERS: usize = 100;

/// The first bytes an HTTP/2 client with prior knowledge sends.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Runs the connection `connect` makes until it ends, the registry flags it (closed at once,
/// or gracefully: GOAWAY on HTTP/2, after the response in progress on HTTP/1.1), or a hub
/// subscription made on it closes it (its client stopped reading).
///
/// The connection is passed pinned, by reference: a future given to an `async fn` by value stays
/// in its state next to whatever it is moved into, so hyper's connection (about 700 bytes) would
/// be held twice by every connection's task. The caller keeps it, to take the socket back from it
/// after an event stream was taken over ([`takeover`]).
///
/// The close token exists only once a subscription has asked for it (see [`ConnectionClose`]),
/// during a poll of the connection: it is looked for after each poll until found, then watched.
/// It is checked on every wake-up, but its future is polled again only when the task's waker
/// changes (it keeps the waker it was given until it fires): a connection that streams events
/// wakes often, and polling the future each time costs more than the check. The registry's
/// waker is renewed on the same condition.
async fn drive<C>(state: &ConnState, mut connection: Pin<&mut C>)
where
    C: GracefulConnection,
    C::Error: std::fmt::Display,
{
    let mut close: Option<CancellationToken> = None;
    let mut closed = pin!(None::<WaitForCancellationFutureOwned>);
    let mut registered: Option<Waker> = None;
    let mut going_away = false;
    poll_fn(|cx| {
        let rewake = !registered
            .as_ref()
            .is_some_and(|waker| waker.will_wake(cx.waker()));
        if rewake {
            registered = Some(cx.waker().clone());
            state.register(cx);
        }
        if state.killed() {
            return Poll::Ready(());
        }
        if !going_away && state.goaway() {
            going_away = true;
            connection.as_mut().graceful_shutdown();
        }
        if let Some(token) = &close {
            if (rewake || token.is_cancelled()) && poll_closed(closed.as_mut(), cx) {
                return Poll::Ready(());
            }
        }
        let polled = connection.as_mut().poll(cx);
        if polled.is_pending() && close.is_none() {
            if let Some(token) = CONNECTION.try_with(ConnectionClose::get).ok().flatten() {
                closed.set(Some(token.clone().cancelled_owned()));
                close = Some(token);
                if poll_closed(closed.as_mut(), cx) {
                    return Poll::Ready(());
                }
            }
        }
        polled.map(|ended| {
            if let Err(error) = ended {
                tracing::debug!(target: "NestApplication", "connection ended: {error}");
            }
        })
    })
    .await;
}

/// Whether the connection's close token has fired.
fn poll_closed(
    closed: Pin<&mut Option<WaitForCancellationFutureOwned>>,
    cx: &mut std::task::Context<'_>,
) -> bool {
    let fired = closed
        .as_pin_mut()
        .is_some_and(|closed| closed.poll(cx).is_ready());
    if fired {
        tracing::debug!(target: "NestApplication", "connection closed by the server");
    }
    fired
}

/// Moves an HTTP/1 request's URI and header values out of hyper's read buffer into one
/// buffer of their own, sized to them.
///
/// hyper parses a request head in place: the URI and every header value are slices of the
/// connection's 8 KiB read buffer, and keep it alive as long as the request lives (for an
/// event stream, as long as the stream). While the handler runs, hyper reads again to notice a
/// closed connection; finding its buffer shared, it cannot reuse it and allocates a new one of
/// twice the size, which the connection then keeps. Copied out, the head no longer pins the
/// read buffer, and hyper reuses it.
fn detach_head<B>(request: &mut hyper::Request<B>) {
    if request.version() > http::Version::HTTP_11 {
        // HTTP/2 heads are decoded by h2 into buffers of their own.
        return;
    }
    // Origin-form URIs (`/path?query`), the usual ones, are copied; absolute-form URIs are
    // rare (proxies) and are left as they are.
    let uri = request.uri();
    let copy_uri = uri.scheme().is_none() && uri.authority().is_none();
    let path_and_query = match uri.path_and_query() {
        Some(path_and_query) if copy_uri => path_and_query.as_str(),
        _ => "",
    };
    let len = path_and_query.len()
        + request
            .headers()
            .values()
            .map(http::HeaderValue::len)
            .sum::<usize>();
    let mut head = bytes::BytesMut::with_capacity(len);
    head.extend_from_slice(path_and_query.as_bytes());
    for value in request.headers().values() {
        head.extend_from_slice(value.as_bytes());
    }
    let mut head = head.freeze();
    let path_and_query = head.split_to(path_and_query.len());
    if !path_and_query.is_empty() {
        if let Ok(uri) = http::Uri::from_maybe_shared(path_and_query) {
            *request.uri_mut() = uri;
        }
    }
    // `values` and `values_mut` visit the values in the same order.
    for value in request.headers_mut().values_mut() {
        let bytes = head.split_to(value.len());
        if let Ok(mut copy) = http::HeaderValue::from_maybe_shared(bytes) {
            copy.set_sensitive(value.is_sensitive());
            *value = copy;
        }
    }
}

impl Server {
    /// Accepts connections until the context's shutdown token is cancelled, then shuts down
    /// gracefully within the shutdown timeout.
    pub(super) async fn serve(self, listener: TcpListener) {
        let Self {
            router,
            layered,
            limits,
            context,
            shutdown_timeout,
            #[cfg(feature = "tls")]
            tls,
        } = self;
        let http1 = Arc::new(http1_builder(&limits));
        let registry = Arc::new(Registry::new(limits, Arc::clone(&context.counts)));
        let sweeper = CancellationToken::new();
        tokio::spawn(Arc::clone(&registry).sweep(sweeper.clone()));
        let _sweeper = sweeper.drop_guard();
        let mut connections = JoinSet::new();
        tracing::info!(target: "NestApplication", "Nest application successfully started");
        'accept: loop {
            // At `max_connections`, wait for room unless a connection can be shed.
            while !registry.has_room() {
                tokio::select! {
                    () = registry.freed() => {}
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                    () = context.shutdown.cancelled() => break 'accept,
                }
            }
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        let ticket = loop {
                            match registry.admit(peer.ip()) {
                                Admission::Admitted(ticket) => break ticket,
                                Admission::Refused => continue 'accept,
                                Admission::Full => tokio::select! {
                                    () = registry.freed() => {}
                                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                                    () = context.shutdown.cancelled() => break 'accept,
                                },
                            }
                        };
                        let _ = stream.set_nodelay(true);
                        let connection = Connection {
                            http1: Arc::clone(&http1),
                            router: Arc::clone(&router),
                            layered: layered.clone(),
                            context: Arc::clone(&context),
                            peer,
                            ticket,
                        };
                        // Boxed: the task then moves a pointer, not the future, through tokio's
                        // spawn path (same memory, fewer instructions per connection).
                        connections.spawn(Box::pin(CONNECTION.scope(
                            ConnectionClose::default(),
                            connection.run(
                                stream,
                                #[cfg(feature = "tls")]
                                tls.clone(),
                            ),
                        )));
                    }
                    Err(error) => {
                        // Out of file descriptors: close the oldest connection that has not
                        // sent a request head, so that silent sockets cannot lock clients out.
                        if is_out_of_descriptors(&error) && registry.shed_for_descriptor() {
                            tokio::time::sleep(Duration::from_millis(1)).await;
                        } else {
                            // Wait a little instead of spinning.
                            tracing::warn!(target: "NestApplication", "accept failed: {error}");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    }
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                () = context.shutdown.cancelled() => break,
            }
        }
        drop(listener);
        // Reap what has ended, so that the count is what is really open.
        while connections.try_join_next().is_some() {}
        tracing::info!(target: "NestApplication", "Shutting down: {} open connection(s)", connections.len());
        // Event streams end themselves on the shutdown token; idle connections close at once,
        // the others after their response.
        registry.goaway_all();
        let drain = async { while connections.join_next().await.is_some() {} };
        if tokio::time::timeout(shutdown_timeout, drain).await.is_err() {
            tracing::warn!(
                target: "NestApplication",
                "{} connection(s) still open after {shutdown_timeout:?}: closing them",
                connections.len()
            );
        }
        connections.shutdown().await;
    }
}

/// Whether `accept` failed for want of file descriptors (EMFILE, ENFILE).
fn is_out_of_descriptors(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(23 | 24))
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub(super) async fn shutdown_signal() -> &'static str {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(_) => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = interrupt => "SIGINT",
            () = terminate => "SIGTERM",
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
        "SIGINT"
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use crate::app::{NestApplication, ServerLimits};

    /// The status line of the answer to a GET with `headers` extra headers.
    async fn status_with_headers(limits: ServerLimits, headers: usize) -> String {
        let mut app = NestApplication::builder().build().unwrap();
        app.set_limits(limits);
        let server = app.bind("127.0.0.1:0").await.unwrap();
        let mut stream = tokio::net::TcpStream::connect(server.local_addr())
            .await
            .unwrap();
        let mut request = String::from("GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
        for index in 2..headers {
            request.push_str(&format!("X-H{index}: v\r\n"));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer);
        server.close().await;
        answer.lines().next().unwrap_or_default().to_owned()
    }

    #[tokio::test]
    async fn the_default_header_count_limit_is_100() {
        let limits = ServerLimits::default();
        assert!(status_with_headers(limits, 100).await.contains("404"));
        assert!(status_with_headers(limits, 101).await.contains("431"));
    }

    #[tokio::test]
    async fn another_header_count_limit_is_applied() {
        let limits = ServerLimits::default().max_headers(101);
        assert!(status_with_headers(limits, 101).await.contains("404"));
        assert!(status_with_headers(limits, 102).await.contains("431"));
    }
}
