//! The measurements over HTTP/2: cleartext HTTP/2 with prior knowledge (h2c, no upgrade),
//! many SSE streams on each connection, parsed with the same [`SseParser`] and checked as over
//! HTTP/1.1 ([`crate::measure`]).
//!
//! * [`h2_firehose`]: `/firehose` on several streams of one connection.
//! * [`h2_fanout`]: 10,000 `/fanout` streams on 100 connections, messages published over a
//!   kept-alive HTTP/1.1 connection.
//! * [`h2_idle`]: the server's memory per idle stream and per connection.
//! * [`h2_million`]: many connections × many streams (1,000,000 at full size), their memory,
//!   the time to open them, then one message to all of them.
//!
//! The client is the `h2` crate's: each connection announces large receive windows (1 MiB a
//! stream, 16 MiB the connection), a task drives each connection, and **one task reads every
//! stream of a connection**, giving the flow-control capacity back as soon as a DATA frame is
//! parsed. A stream's state while it is read is its `RecvStream` handle and its parser (no
//! buffer grows per stream), so the client stays small at a million streams.

use std::{
    io,
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use ::h2::{
    RecvStream,
    client::{Builder, ResponseFuture, SendRequest},
};
use bytes::Bytes;
use futures_util::{StreamExt, stream, stream::FuturesUnordered};
use http::{Request, Uri, header};
use tokio::{net::TcpStream, sync::watch, task::JoinHandle};

use crate::{
    client::connect,
    contract::unix_nanos,
    measure::{Latency, Publisher, wait_for},
    parse::{SseParser, json_u64},
    process::{ServerProcess, cpu_seconds, rss_kib},
};

/// The receive window the client announces for each stream.
pub const STREAM_WINDOW: u32 = 1024 * 1024;

/// The receive window the client announces for each connection.
pub const CONNECTION_WINDOW: u32 = 16 * 1024 * 1024;

/// The `h2` client's budget for small DATA frames waiting to be read (each frame of less than
/// 256 bytes costs 256 minus its length): as many as the connection's window lets the server
/// send, down to one byte a frame. The default (half the window) closes the connection with
/// `ENHANCE_YOUR_CALM` when a server that sends each event in a frame of its own (axum does)
/// gets ahead of the reader, which flow control allows.
const DATA_FRAME_BUDGET: usize = CONNECTION_WINDOW as usize * 256;

/// How many connections are being opened (handshake and every stream's response head) at once.
pub const OPENING_AT_ONCE: usize = 500;

/// How long a stream may wait for its response head before the opening fails.
const HEAD_LIMIT: Duration = Duration::from_secs(30);

/// How long the streams of [`h2_million`] are given to receive the one message.
const DELIVERY_LIMIT: Duration = Duration::from_secs(60);

/// The sizes of the HTTP/2 measurements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct H2Config {
    /// Events each `/firehose` stream asks for.
    pub firehose_n: u64,
    /// The stream counts of the firehose runs (one connection each).
    pub firehose_streams: [usize; 2],
    /// Connections of the fan-out measurement.
    pub fanout_connections: usize,
    /// `/fanout` streams on each of them.
    pub fanout_streams: usize,
    /// Publishes a second.
    pub fanout_rate: u32,
    /// Seconds of publishing.
    pub fanout_seconds: u32,
    /// Connections of the idle measurement.
    pub idle_connections: usize,
    /// `/idle` streams on each of them.
    pub idle_streams: usize,
    /// Connections of the million-stream test.
    pub million_connections: usize,
    /// `/fanout` streams on each of them.
    pub million_streams: usize,
}

impl H2Config {
    /// The full sizes: N = 1,000,000 on 1 and 4 streams; 100 × 100 fan-out streams with 20
    /// publishes a second for 10 s (200,000 deliveries a second, as HTTP/1.1's M2); 100 × 100
    /// idle streams; 10,000 × 100 streams in the million test.
    pub fn full() -> Self {
        Self {
            firehose_n: 1_000_000,
            firehose_streams: [1, 4],
            fanout_connections: 100,
            fanout_streams: 100,
            fanout_rate: 20,
            fanout_seconds: 10,
            idle_connections: 100,
            idle_streams: 100,
            million_connections: 10_000,
            million_streams: 100,
        }
    }

    /// Smoke-run sizes, seconds each.
    pub fn quick() -> Self {
        Self {
            firehose_n: 100_000,
            firehose_streams: [1, 4],
            fanout_connections: 10,
            fanout_streams: 20,
            fanout_rate: 20,
            fanout_seconds: 2,
            idle_connections: 20,
            idle_streams: 100,
            million_connections: 20,
            million_streams: 100,
        }
    }
}

/// Wraps an `h2` error with what was being done.
fn h2_failed(context: impl std::fmt::Display) -> impl FnOnce(::h2::Error) -> io::Error {
    move |error| io::Error::other(format!("{context}: {error}"))
}

/// One HTTP/2 connection: its request handle and the streams opened on it, each with its
/// response head read.
#[derive(Debug)]
pub struct H2Connection {
    /// Opens further streams; the connection closes once this and every stream are dropped.
    pub send: SendRequest<Bytes>,
    /// The response bodies, in the order the streams were opened.
    pub streams: Vec<RecvStream>,
}

/// Connects to `server` from the next loopback source address (as the HTTP/1.1 client does)
/// and starts HTTP/2 with prior knowledge; a task of its own drives the connection.
pub async fn h2_connect(server: SocketAddr) -> io::Result<SendRequest<Bytes>> {
    let tcp: TcpStream = connect(server).await?;
    let (send, connection) = Builder::new()
        .initial_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        .data_frame_budget(DATA_FRAME_BUDGET)
        .handshake::<_, Bytes>(tcp)
        .await
        .map_err(h2_failed("HTTP/2 handshake"))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(send)
}

/// Opens `streams` streams `GET path` (`accept: text/event-stream`) on a new connection to
/// `server` and reads every response head (status 200, an event stream).
pub async fn open_connection(
    server: SocketAddr,
    path: &str,
    streams: usize,
) -> io::Result<H2Connection> {
    let mut send = h2_connect(server).await?;
    let uri: Uri = format!("http://{server}{path}")
        .parse()
        .map_err(io::Error::other)?;
    let mut bodies = Vec::with_capacity(streams);
    let mut responses = Vec::with_capacity(streams);
    for index in 0..streams {
        if index == 1 {
            // The first head is read before more streams are opened: by then the server's
            // SETTINGS have arrived, and streams beyond its limit would wait for ever.
            bodies.push(response_body(path, responses.pop().expect("sent")).await?);
            let allowed = send.current_max_send_streams();
            if allowed < streams {
                return Err(io::Error::other(format!(
                    "GET {path}: {streams} streams wanted on one connection, the server allows \
                     {allowed} (SETTINGS_MAX_CONCURRENT_STREAMS)"
                )));
            }
        }
        send = send
            .ready()
            .await
            .map_err(h2_failed(format_args!("GET {path}")))?;
        let request = Request::get(uri.clone())
            .header(header::ACCEPT, "text/event-stream")
            .header(header::CACHE_CONTROL, "no-cache")
            .body(())
            .map_err(io::Error::other)?;
        let (response, _) = send
            .send_request(request, true)
            .map_err(h2_failed(format_args!("GET {path}")))?;
        responses.push(response);
    }
    for response in responses {
        bodies.push(response_body(path, response).await?);
    }
    Ok(H2Connection {
        send,
        streams: bodies,
    })
}

/// Reads a response head (status 200, an event stream) within [`HEAD_LIMIT`]; returns its body.
async fn response_body(path: &str, response: ResponseFuture) -> io::Result<RecvStream> {
    let response = tokio::time::timeout(HEAD_LIMIT, response)
        .await
        .map_err(|_| {
            io::Error::other(format!(
                "GET {path}: no response head within {HEAD_LIMIT:?}"
            ))
        })?
        .map_err(h2_failed(format_args!("GET {path}")))?;
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    if response.status() != 200 || !content_type.starts_with("text/event-stream") {
        return Err(io::Error::other(format!(
            "GET {path} over HTTP/2: status {} content type {content_type:?}",
            response.status()
        )));
    }
    Ok(response.into_body())
}

/// Opens `connections` connections of `streams` streams each on `path`,
/// [`OPENING_AT_ONCE`] connections at a time.
pub async fn open_many(
    server: SocketAddr,
    path: &str,
    connections: usize,
    streams: usize,
) -> io::Result<Vec<H2Connection>> {
    let opened: Vec<io::Result<H2Connection>> = stream::iter(0..connections)
        .map(|index| async move {
            // A contender that cannot hold them all in this machine's memory fails here, not
            // the machine.
            if index % 50 == 0 {
                if let Some(available) =
                    memory_available_kib().filter(|kib| *kib < MEMORY_RESERVE_KIB)
                {
                    return Err(io::Error::other(format!(
                        "stopped after {} streams: {} MiB of memory left on the machine",
                        index * streams,
                        available / 1024
                    )));
                }
            }
            open_connection(server, path, streams).await
        })
        .buffer_unordered(OPENING_AT_ONCE)
        .collect()
        .await;
    opened.into_iter().collect()
}

/// Memory the machine keeps free while streams are opened (`MemAvailable`, 3 GiB): below it,
/// [`open_many`] stops with an error.
pub const MEMORY_RESERVE_KIB: u64 = 3 * 1024 * 1024;

/// `MemAvailable` of `/proc/meminfo`, in KiB.
fn memory_available_kib() -> Option<u64> {
    crate::process::proc_kib("/proc/meminfo", "MemAvailable:")
}

/// The next DATA frame of `body`, its flow-control capacity given back at once (the caller
/// parses it before reading the next one). `None` at the end of the stream.
async fn next_data(body: &mut RecvStream) -> Option<Result<Bytes, ::h2::Error>> {
    let data = body.data().await?;
    if let Ok(bytes) = &data {
        let _ = body.flow_control().release_capacity(bytes.len());
    }
    Some(data)
}

/// HTTP/2 firehose: `GET /firehose?n=N` on several streams of one connection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct H2Firehose {
    /// Streams in parallel on the one connection, each asking for `n` events.
    pub streams: usize,
    /// Events parsed, over all streams.
    pub events: u64,
    /// Events that carried an `id` (each checked to be `seq + 1`).
    pub ids: u64,
    /// Bytes of DATA frames received.
    pub bytes: u64,
    /// From the first request to the end of the last stream.
    pub seconds: f64,
    /// `events / seconds`.
    pub events_per_sec: f64,
    /// CPU the load generator used meanwhile, in cores (1.0 = one core busy all the time).
    pub client_cores: f64,
    /// CPU the server used meanwhile, in cores.
    pub server_cores: f64,
    /// Server CPU seconds per 1,000,000 events.
    pub server_cpu_per_million: f64,
}

/// Checks one `/firehose` stream: data `{"seq":i}` for i = 0, 1, … and, when the server sends
/// ids, id `i + 1`.
#[derive(Debug, Default)]
struct FirehoseCheck {
    parser: SseParser,
    next: u64,
    wrong: u64,
    ids: u64,
}

impl FirehoseCheck {
    fn feed(&mut self, bytes: &[u8]) {
        let Self {
            parser,
            next,
            wrong,
            ids,
        } = self;
        let mut seq = itoa::Buffer::new();
        let mut id = itoa::Buffer::new();
        parser.feed(bytes, |event| {
            let data = event.data;
            let digits = seq.format(*next).as_bytes();
            let data_right = data.len() == digits.len() + b"{\"seq\":}".len()
                && data.starts_with(b"{\"seq\":")
                && data.ends_with(b"}")
                && &data[7..data.len() - 1] == digits;
            let id_right = event.id.is_empty() || {
                *ids += 1;
                event.id == id.format(*next + 1).as_bytes()
            };
            if !data_right || !id_right {
                *wrong += 1;
            }
            *next += 1;
        });
    }

    fn finish(&self, n: u64) -> io::Result<(u64, u64)> {
        let events = self.parser.events();
        if events != n || self.wrong != 0 {
            return Err(io::Error::other(format!(
                "HTTP/2 firehose: {events} of {n} events, {} out of order or malformed",
                self.wrong
            )));
        }
        Ok((events, self.ids))
    }
}

/// Reads one `/firehose` stream to its end; returns its events, ids and bytes.
async fn firehose_stream(mut body: RecvStream, n: u64) -> io::Result<(u64, u64, u64)> {
    let mut check = FirehoseCheck::default();
    let mut bytes = 0;
    while let Some(data) = next_data(&mut body).await {
        let data = data.map_err(h2_failed("/firehose body"))?;
        bytes += data.len() as u64;
        check.feed(&data);
    }
    let (events, ids) = check.finish(n)?;
    Ok((events, ids, bytes))
}

/// HTTP/2 M1: `streams` parallel `GET /firehose?n=N` on one connection to `server`, every
/// event parsed and checked; one task reads every stream.
pub async fn h2_firehose(server: &ServerProcess, n: u64, streams: usize) -> io::Result<H2Firehose> {
    let client_cpu = cpu_seconds(std::process::id());
    let server_cpu = server.cpu_seconds();
    let start = Instant::now();
    let connection = open_connection(server.addr, &format!("/firehose?n={n}"), streams).await?;
    let H2Connection {
        send,
        streams: bodies,
    } = connection;
    let reader = tokio::spawn(async move {
        let mut pending: FuturesUnordered<_> = bodies
            .into_iter()
            .map(|body| firehose_stream(body, n))
            .collect();
        let mut total = (0, 0, 0);
        while let Some(result) = pending.next().await {
            let (events, ids, bytes) = result?;
            total = (total.0 + events, total.1 + ids, total.2 + bytes);
        }
        io::Result::Ok(total)
    });
    let (events, ids, bytes) = reader.await.map_err(io::Error::other)??;
    let seconds = start.elapsed().as_secs_f64();
    drop(send);
    let server_seconds = server.cpu_seconds() - server_cpu;
    Ok(H2Firehose {
        streams,
        events,
        ids,
        bytes,
        seconds,
        events_per_sec: events as f64 / seconds,
        client_cores: (cpu_seconds(std::process::id()) - client_cpu) / seconds,
        server_cores: server_seconds / seconds,
        server_cpu_per_million: server_seconds / events.max(1) as f64 * 1e6,
    })
}

/// What the streams of one connection received from `/fanout`.
#[derive(Debug, Default)]
struct Received {
    /// Publish-to-parsed latency of every event, in nanoseconds.
    latencies: Vec<u64>,
    /// Events whose `seq` did not grow, or without `seq` and `ts`.
    disordered: u64,
    /// When the last event was parsed (`unix_nanos`).
    last_at: u64,
    /// Streams that received at least one event.
    reached: u64,
}

/// Reads one `/fanout` stream until it has `until` events or ends, recording into `received`
/// (shared by the streams of one connection, all read by one task); gives the stream back so
/// that it closes only when the caller drops it.
async fn fanout_stream(
    mut body: RecvStream,
    received: &Mutex<Received>,
    delivered: &AtomicU64,
    until: u64,
) -> RecvStream {
    let mut parser = SseParser::new();
    let mut last_seq: Option<u64> = None;
    let mut count = 0;
    while count < until {
        let Some(Ok(data)) = next_data(&mut body).await else {
            break;
        };
        let now = unix_nanos();
        let before = count;
        let mut received = received
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        parser.feed(&data, |event| {
            count += 1;
            let (Some(seq), Some(ts)) = (json_u64(event.data, b"seq"), json_u64(event.data, b"ts"))
            else {
                received.disordered += 1;
                return;
            };
            if last_seq.is_some_and(|last| seq <= last) {
                received.disordered += 1;
            }
            last_seq = Some(seq);
            received.latencies.push(now.saturating_sub(ts));
            received.last_at = now;
        });
        if before == 0 && count > 0 {
            received.reached += 1;
        }
        drop(received);
        delivered.fetch_add(count - before, Ordering::Relaxed);
    }
    body
}

/// Reads every stream of one connection in this one task until each has `until` events or
/// `stop` turns true.
async fn fanout_connection(
    connection: H2Connection,
    mut stop: watch::Receiver<bool>,
    delivered: Arc<AtomicU64>,
    until: u64,
) -> (Received, H2Connection) {
    let H2Connection { send, streams } = connection;
    let count = streams.len();
    let received = Mutex::new(Received::default());
    let mut kept = Vec::with_capacity(count);
    {
        let mut pending: FuturesUnordered<_> = streams
            .into_iter()
            .map(|body| fanout_stream(body, &received, &delivered, until))
            .collect();
        loop {
            tokio::select! {
                done = pending.next() => match done {
                    Some(body) => kept.push(body),
                    None => break,
                },
                _ = stop.changed() => break,
            }
        }
    }
    let received = received
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    (
        received,
        H2Connection {
            send,
            streams: kept,
        },
    )
}

/// One reading task per connection, the signal that stops them and their event count.
struct Readers {
    stop: watch::Sender<bool>,
    delivered: Arc<AtomicU64>,
    tasks: Vec<JoinHandle<(Received, H2Connection)>>,
}

impl Readers {
    fn spawn(connections: Vec<H2Connection>, until: u64) -> Self {
        let (stop, stopped) = watch::channel(false);
        let delivered = Arc::new(AtomicU64::new(0));
        let tasks = connections
            .into_iter()
            .map(|connection| {
                tokio::spawn(fanout_connection(
                    connection,
                    stopped.clone(),
                    Arc::clone(&delivered),
                    until,
                ))
            })
            .collect();
        Self {
            stop,
            delivered,
            tasks,
        }
    }

    /// Stops every reader and merges what they received; the connections are dropped.
    async fn finish(self) -> io::Result<Received> {
        let _ = self.stop.send(true);
        let mut all = Received::default();
        for task in self.tasks {
            let (received, _connection) = task.await.map_err(io::Error::other)?;
            all.disordered += received.disordered;
            all.last_at = all.last_at.max(received.last_at);
            all.reached += received.reached;
            all.latencies.extend(received.latencies);
        }
        Ok(all)
    }
}

/// A publisher: a kept-alive HTTP/1.1 connection to `server` that has seen the server count
/// `subscribers` subscribers.
async fn publisher(server: &ServerProcess, subscribers: u64) -> io::Result<Publisher> {
    let mut publisher = Publisher::connect(server).await?;
    let counted = publisher.await_subscribers(subscribers).await?;
    if counted != subscribers {
        return Err(io::Error::other(format!(
            "the server counts {counted} of {subscribers} subscribers"
        )));
    }
    Ok(publisher)
}

/// HTTP/2 M2: a broadcast to many `/fanout` streams.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct H2Fanout {
    /// Connections.
    pub connections: usize,
    /// `/fanout` streams over all connections.
    pub streams: usize,
    /// Messages published (`POST /publish?n=1` each, over HTTP/1.1).
    pub publishes: u64,
    /// `publishes × streams`.
    pub expected: u64,
    /// Events parsed by the streams.
    pub delivered: u64,
    /// `expected - delivered`.
    pub lost: u64,
    /// Events that arrived out of order or twice.
    pub disordered: u64,
    /// Deliveries per second, from the first publish to the last delivery.
    pub deliveries_per_sec: f64,
    /// Publish (`ts`) to parsed by the stream's reader.
    pub latency: Latency,
    /// CPU the load generator used while publishing, in cores.
    pub client_cores: f64,
    /// CPU the server used while publishing, in cores.
    pub server_cores: f64,
}

/// HTTP/2 M2: `connections` × `streams` on `/fanout`, `rate` publishes a second for `seconds`.
pub async fn h2_fanout(
    server: &ServerProcess,
    connections: usize,
    streams: usize,
    rate: u32,
    seconds: u32,
) -> io::Result<H2Fanout> {
    let opened = open_many(server.addr, "/fanout", connections, streams).await?;
    let total = connections * streams;
    let mut publisher = publisher(server, total as u64).await?;
    let readers = Readers::spawn(opened, u64::MAX);

    let publishes = u64::from(rate) * u64::from(seconds);
    let first_publish = unix_nanos();
    let start = Instant::now();
    let client_cpu = cpu_seconds(std::process::id());
    let server_cpu = server.cpu_seconds();
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / rate.max(1));
    for _ in 0..publishes {
        ticks.tick().await;
        publisher.publish(1).await?;
    }
    let expected = publishes * total as u64;
    wait_for(&readers.delivered, expected, Duration::from_secs(5)).await;
    let busy = start.elapsed().as_secs_f64();
    let client_cores = (cpu_seconds(std::process::id()) - client_cpu) / busy;
    let server_cores = (server.cpu_seconds() - server_cpu) / busy;
    let received = readers.finish().await?;
    let delivered = received.latencies.len() as u64;
    let window = received.last_at.saturating_sub(first_publish) as f64 / 1e9;
    Ok(H2Fanout {
        connections,
        streams: total,
        publishes,
        expected,
        delivered,
        lost: expected.saturating_sub(delivered),
        disordered: received.disordered,
        deliveries_per_sec: delivered as f64 / window.max(1e-9),
        latency: Latency::of(received.latencies),
        client_cores,
        server_cores,
    })
}

/// Server memory with many idle HTTP/2 streams open.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct H2Memory {
    /// Connections held open.
    pub connections: usize,
    /// Streams held open, over all connections.
    pub streams: usize,
    /// Server `VmRSS` before, in KiB.
    pub rss_before_kib: u64,
    /// Server `VmRSS` with the streams open, in KiB.
    pub rss_after_kib: u64,
    /// `(after - before) / streams`.
    pub kib_per_stream: f64,
    /// `(after - before) / connections`.
    pub kib_per_connection: f64,
}

impl H2Memory {
    fn new(connections: usize, streams: usize, before: u64, after: u64) -> Self {
        let growth = after as f64 - before as f64;
        Self {
            connections,
            streams,
            rss_before_kib: before,
            rss_after_kib: after,
            kib_per_stream: growth / streams.max(1) as f64,
            kib_per_connection: growth / connections.max(1) as f64,
        }
    }
}

/// Opens a few connections of `streams` streams on `path` and closes them, so that the
/// server's allocator and runtime have grown before its memory is read.
async fn warm_up(server: &ServerProcess, path: &str, streams: usize) -> io::Result<()> {
    drop(open_many(server.addr, path, 10, streams).await?);
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(())
}

/// HTTP/2 M3: `connections` × `streams` open `/idle` streams (response heads read, nothing
/// else), held 0.5 s; the server's memory growth per stream and per connection.
pub async fn h2_idle(
    server: &ServerProcess,
    connections: usize,
    streams: usize,
) -> io::Result<H2Memory> {
    warm_up(server, "/idle", streams).await?;
    let before = server.rss_kib();
    let held = open_many(server.addr, "/idle", connections, streams).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = server.rss_kib();
    drop(held);
    Ok(H2Memory::new(
        connections,
        connections * streams,
        before,
        after,
    ))
}

/// Many `/fanout` streams held at once, then one message to all of them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct H2Million {
    /// The server's memory with the streams open.
    pub memory: H2Memory,
    /// Seconds to open every connection and stream (response heads read).
    pub open_seconds: f64,
    /// The load generator's own `VmRSS` with the streams open, in KiB.
    pub client_rss_kib: u64,
    /// Subscribers the server counted before publishing.
    pub subscribers: u64,
    /// Streams that received the message.
    pub delivered: u64,
    /// Streams that did not receive it within 60 s.
    pub not_reached: u64,
    /// Events that were not the message (malformed, or more than one).
    pub disordered: u64,
    /// Publish to parsed, over every stream that received it.
    pub latency: Latency,
    /// CPU seconds the server used from the publish to the last delivery.
    pub server_cpu_seconds: f64,
    /// CPU seconds the load generator used meanwhile.
    pub client_cpu_seconds: f64,
}

/// HTTP/2 at scale: `connections` × `streams` `/fanout` streams (1,000,000 at full size, in one
/// server process and this one: 10,000 connections each), opened [`OPENING_AT_ONCE`]
/// connections at a time; the server's memory per stream, then one `POST /publish?n=1` and
/// its latency at every stream.
pub async fn h2_million(
    server: &ServerProcess,
    connections: usize,
    streams: usize,
) -> io::Result<H2Million> {
    warm_up(server, "/fanout", streams).await?;
    let mut control = Publisher::connect(server).await?;
    control.await_subscribers(0).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = server.rss_kib();
    let start = Instant::now();
    let opened = open_many(server.addr, "/fanout", connections, streams).await?;
    let open_seconds = start.elapsed().as_secs_f64();
    let total = (connections * streams) as u64;
    // A new control connection: the first one was idle for as long as the opening took.
    drop(control);
    let mut control = Publisher::connect(server).await?;
    let subscribers = control.await_subscribers(total).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = server.rss_kib();
    let client_rss_kib = rss_kib(std::process::id()).unwrap_or(0);

    let readers = Readers::spawn(opened, 1);
    let client_cpu = cpu_seconds(std::process::id());
    let server_cpu = server.cpu_seconds();
    control.publish(1).await?;
    wait_for(&readers.delivered, total, DELIVERY_LIMIT).await;
    let client_cpu_seconds = cpu_seconds(std::process::id()) - client_cpu;
    let server_cpu_seconds = server.cpu_seconds() - server_cpu;
    let received = readers.finish().await?;
    let delivered = received.reached;
    Ok(H2Million {
        memory: H2Memory::new(connections, total as usize, before, after),
        open_seconds,
        client_rss_kib,
        subscribers,
        delivered,
        not_reached: total.saturating_sub(delivered),
        disordered: received.disordered,
        latency: Latency::of(received.latencies),
        server_cpu_seconds,
        client_cpu_seconds,
    })
}
