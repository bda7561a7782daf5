//! The measurements of the contract (M1–M4) and the load generator's own parse rate (the
//! 100,000-connection scale test is in [`crate::scale`]). Each opens real TCP connections to a
//! server started by [`ServerProcess`] and parses every event it receives with [`SseParser`].

use std::{
    io,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use futures_util::{StreamExt, stream};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    sync::watch,
};

use crate::{
    client::{BodyDecoder, Framing, connect, open_stream, read_head, request},
    contract::unix_nanos,
    parse::{SseParser, json_u64},
    process::{Publish, ServerProcess, cpu_seconds},
};

/// How many connections are being opened at once when many are wanted.
const OPENING_AT_ONCE: usize = 256;

/// M1: events received from `/firehose`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Firehose {
    /// Connections in parallel, each asking for `n` events.
    pub connections: usize,
    /// Events parsed, over all connections.
    pub events: u64,
    /// Bytes read from the sockets (headers excluded).
    pub bytes: u64,
    /// From the first request to the end of the last response.
    pub seconds: f64,
    /// `events / seconds`.
    pub events_per_sec: f64,
    /// CPU the load generator used meanwhile, in cores (1.0 = one core busy all the time).
    pub client_cores: f64,
    /// CPU the server used meanwhile, in cores (0 when its process is not known).
    pub server_cores: f64,
}

/// Checks a `/firehose` stream event by event: data `{"seq":i}` and id `i + 1` in order (or,
/// for a contender that sends no ids, no id at all).
///
/// The expected id and `seq` are kept as decimal text and compared byte for byte, then counted
/// up in place: parsing both numbers out of every event cost about 40% of the load
/// generator's time, and the check is stricter this way (every contender sends exactly these
/// bytes).
#[derive(Debug, Default)]
struct FirehoseCheck {
    decoder: Option<BodyDecoder>,
    parser: SseParser,
    wrong: u64,
    /// Whether events carry ids (else none may).
    ids: bool,
    /// The next event's id, as text.
    id: Decimal,
    /// The next event's `seq`, as text.
    seq: Decimal,
}

/// A number in decimal that counts up in place.
#[derive(Debug, Clone, Copy)]
struct Decimal {
    /// The digits, in `digits[..len]`.
    digits: [u8; 20],
    len: usize,
}

impl Decimal {
    fn new(value: u64) -> Self {
        let mut digits = [b'0'; 20];
        let mut formatted = itoa::Buffer::new();
        let text = formatted.format(value).as_bytes();
        digits[..text.len()].copy_from_slice(text);
        Self {
            digits,
            len: text.len(),
        }
    }

    fn text(&self) -> &[u8] {
        &self.digits[..self.len]
    }

    /// Adds one (up to 20 digits).
    fn increment(&mut self) {
        for at in (0..self.len).rev() {
            if self.digits[at] != b'9' {
                self.digits[at] += 1;
                return;
            }
            self.digits[at] = b'0';
        }
        if self.len < self.digits.len() {
            self.digits[0] = b'1';
            self.digits[self.len] = b'0';
            self.len += 1;
        }
    }
}

impl Default for Decimal {
    fn default() -> Self {
        Self::new(0)
    }
}

/// Whether `data` is `{"seq":<seq>}`.
fn is_seq(data: &[u8], seq: &[u8]) -> bool {
    data.len() == seq.len() + b"{\"seq\":}".len()
        && data.starts_with(b"{\"seq\":")
        && data.ends_with(b"}")
        && same(&data[7..data.len() - 1], seq)
}

/// `a == b` for short slices, without the `memcmp` call a slice comparison makes (which cost
/// more than the comparison itself).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |differ, (x, y)| differ | (x ^ y)) == 0
}

impl FirehoseCheck {
    /// A check of a stream framed as `framing`, whose events carry ids if `ids`.
    fn new(framing: Framing, ids: bool) -> Self {
        Self {
            decoder: Some(BodyDecoder::new(framing)),
            ids,
            id: Decimal::new(1),
            ..Self::default()
        }
    }

    fn feed(&mut self, bytes: &[u8]) -> io::Result<()> {
        let Self {
            decoder,
            parser,
            wrong,
            ids,
            id,
            seq,
        } = self;
        let decoder = decoder.as_mut().expect("set by new");
        let ids = *ids;
        decoder.feed(bytes, |payload| {
            parser.feed(payload, |event| {
                let id_right = if ids {
                    same(event.id, id.text())
                } else {
                    event.id.is_empty()
                };
                if !id_right || !is_seq(event.data, seq.text()) {
                    *wrong += 1;
                }
                id.increment();
                seq.increment();
            });
        })?;
        Ok(())
    }

    fn is_done(&self) -> bool {
        self.decoder.as_ref().is_some_and(BodyDecoder::is_done)
    }

    fn finish(&self, n: u64) -> io::Result<u64> {
        let events = self.parser.events();
        if events != n || self.wrong != 0 {
            return Err(io::Error::other(format!(
                "firehose: {events} of {n} events, {} out of order or malformed",
                self.wrong
            )));
        }
        Ok(events)
    }
}

async fn firehose_one(addr: SocketAddr, n: u64, ids: bool) -> io::Result<(u64, u64)> {
    let mut stream = connect(addr).await?;
    let mut pending = Vec::new();
    let head = open_stream(&mut stream, &format!("/firehose?n={n}"), &mut pending).await?;
    let mut check = FirehoseCheck::new(head.framing, ids);
    let mut bytes = pending.len() as u64;
    check.feed(&pending)?;
    let mut buf = vec![0u8; 256 * 1024];
    while !check.is_done() {
        let read = stream.read(&mut buf).await?;
        if read == 0 {
            break;
        }
        bytes += read as u64;
        check.feed(&buf[..read])?;
    }
    Ok((check.finish(n)?, bytes))
}

/// M1: `connections` parallel `GET /firehose?n=N` to `server`, every event parsed and checked
/// (an error of kind `Unsupported` for a contender without `/firehose`).
pub async fn firehose(server: &ServerProcess, n: u64, connections: usize) -> io::Result<Firehose> {
    if !server.dialect.firehose {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("{} has no /firehose", server.name),
        ));
    }
    let addr = server.addr;
    let ids = server.dialect.firehose_ids;
    let client_cpu = cpu_seconds(std::process::id());
    let server_cpu = server.cpu_seconds();
    let start = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|_| tokio::spawn(firehose_one(addr, n, ids)))
        .collect();
    let mut events = 0;
    let mut bytes = 0;
    for task in tasks {
        let (task_events, task_bytes) = task.await.map_err(io::Error::other)??;
        events += task_events;
        bytes += task_bytes;
    }
    let seconds = start.elapsed().as_secs_f64();
    Ok(Firehose {
        connections,
        events,
        bytes,
        seconds,
        events_per_sec: events as f64 / seconds,
        client_cores: (cpu_seconds(std::process::id()) - client_cpu) / seconds,
        server_cores: (server.cpu_seconds() - server_cpu) / seconds,
    })
}

/// The load generator's own rate: `n` events as `/firehose` sends them (chunked, 32 KiB
/// chunks), parsed and checked in memory on one thread (best of five passes), with no server.
/// It must be well above
/// every server's M1 rate for M1 to measure the servers.
pub fn parse_rate(n: u64) -> io::Result<Firehose> {
    let mut body = Vec::new();
    let mut chunk = Vec::with_capacity(40 * 1024);
    let mut digits = itoa::Buffer::new();
    let mut id = itoa::Buffer::new();
    for seq in 0..n {
        chunk.extend_from_slice(b"id: ");
        chunk.extend_from_slice(id.format(seq + 1).as_bytes());
        chunk.extend_from_slice(b"\ndata: {\"seq\":");
        chunk.extend_from_slice(digits.format(seq).as_bytes());
        chunk.extend_from_slice(b"}\n\n");
        if chunk.len() >= 32 * 1024 || seq + 1 == n {
            body.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            body.extend_from_slice(&chunk);
            body.extend_from_slice(b"\r\n");
            chunk.clear();
        }
    }
    body.extend_from_slice(b"0\r\n\r\n");
    // The best of five passes: the machine is shared, and a pass is short.
    let mut best: Option<Firehose> = None;
    for _ in 0..5 {
        let cpu = cpu_seconds(std::process::id());
        let start = Instant::now();
        let mut check = FirehoseCheck::new(Framing::Chunked, true);
        for read in body.chunks(256 * 1024) {
            check.feed(read)?;
        }
        let events = check.finish(n)?;
        let seconds = start.elapsed().as_secs_f64();
        let pass = Firehose {
            connections: 1,
            events,
            bytes: body.len() as u64,
            seconds,
            events_per_sec: events as f64 / seconds,
            client_cores: (cpu_seconds(std::process::id()) - cpu) / seconds,
            server_cores: 0.0,
        };
        if best.is_none_or(|best| pass.events_per_sec > best.events_per_sec) {
            best = Some(pass);
        }
    }
    Ok(best.expect("five passes"))
}

/// Latency percentiles, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Latency {
    /// Median.
    pub p50_us: f64,
    /// 99th percentile.
    pub p99_us: f64,
    /// Largest.
    pub max_us: f64,
}

impl Latency {
    pub(crate) fn of(mut nanos: Vec<u64>) -> Self {
        if nanos.is_empty() {
            return Self::default();
        }
        nanos.sort_unstable();
        let at = |quantile: f64| {
            let index = ((nanos.len() - 1) as f64 * quantile).round() as usize;
            nanos[index] as f64 / 1_000.0
        };
        Self {
            p50_us: at(0.50),
            p99_us: at(0.99),
            max_us: at(1.0),
        }
    }
}

/// M2: a broadcast to many `/fanout` subscribers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fanout {
    /// Subscribers connected.
    pub subscribers: usize,
    /// Messages published (`POST /publish?n=1` each).
    pub publishes: u64,
    /// `publishes × subscribers`.
    pub expected: u64,
    /// Events parsed by the subscribers.
    pub delivered: u64,
    /// `expected - delivered`.
    pub lost: u64,
    /// Events that arrived out of order or twice.
    pub disordered: u64,
    /// Deliveries per second, from the first publish to the last delivery.
    pub deliveries_per_sec: f64,
    /// Publish (`ts`) to parsed by the subscriber.
    pub latency: Latency,
    /// CPU the load generator used while publishing, in cores.
    pub client_cores: f64,
    /// CPU the server used while publishing, in cores.
    pub server_cores: f64,
}

/// Opens `count` event streams on `path`, [`OPENING_AT_ONCE`] at a time; each comes with the
/// body bytes read past its head.
pub(crate) async fn open_many(
    addr: SocketAddr,
    path: &str,
    count: usize,
) -> io::Result<Vec<(TcpStream, Framing, Vec<u8>)>> {
    let opened: Vec<io::Result<_>> = stream::iter(0..count)
        .map(|_| async move {
            let mut stream = connect(addr).await?;
            let mut pending = Vec::new();
            let head = open_stream(&mut stream, path, &mut pending).await?;
            Ok((stream, head.framing, pending))
        })
        .buffer_unordered(OPENING_AT_ONCE)
        .collect()
        .await;
    opened.into_iter().collect()
}

/// What one fan-out subscriber saw.
#[derive(Debug, Default)]
pub(crate) struct Received {
    pub(crate) latencies: Vec<u64>,
    disordered: u64,
    last_seq: Option<u64>,
    last_at: u64,
}

impl Received {
    fn delivered(&self) -> u64 {
        self.latencies.len() as u64
    }
}

/// Parses `bytes` of a `/fanout` body: every event's `seq` must grow, and its latency is now
/// minus its `ts`.
fn fanout_events(
    decoder: &mut BodyDecoder,
    parser: &mut SseParser,
    received: &mut Received,
    bytes: &[u8],
) {
    let now = unix_nanos();
    let _ = decoder.feed(bytes, |payload| {
        parser.feed(payload, |event| {
            let (Some(seq), Some(ts)) = (json_u64(event.data, b"seq"), json_u64(event.data, b"ts"))
            else {
                received.disordered += 1;
                return;
            };
            if received.last_seq.is_some_and(|last| seq <= last) {
                received.disordered += 1;
            }
            received.last_seq = Some(seq);
            received.latencies.push(now.saturating_sub(ts));
            received.last_at = now;
        });
    });
}

/// One subscriber: reads events until `stop` turns true or `until` events arrived; gives the
/// connection back so that it closes only when the caller drops it.
async fn subscriber(
    (mut stream, framing, pending): (TcpStream, Framing, Vec<u8>),
    mut stop: watch::Receiver<bool>,
    delivered: Arc<AtomicU64>,
    buf_size: usize,
    until: u64,
) -> (Received, TcpStream) {
    let mut decoder = BodyDecoder::new(framing);
    let mut parser = SseParser::new();
    let mut received = Received::default();
    fanout_events(&mut decoder, &mut parser, &mut received, &pending);
    delivered.fetch_add(received.delivered(), Ordering::Relaxed);
    let mut buf = vec![0u8; buf_size];
    while received.delivered() < until {
        tokio::select! {
            read = stream.read(&mut buf) => match read {
                Ok(0) | Err(_) => break,
                Ok(read) => {
                    let before = received.delivered();
                    fanout_events(&mut decoder, &mut parser, &mut received, &buf[..read]);
                    delivered.fetch_add(received.delivered() - before, Ordering::Relaxed);
                }
            },
            _ = stop.changed() => break,
        }
    }
    (received, stream)
}

/// One [`subscriber`] task per open stream, with the signal that stops them all and the
/// count of events they parsed.
pub(crate) struct Readers {
    /// Send `true` to stop every reader.
    pub(crate) stop: watch::Sender<bool>,
    /// Events parsed so far, over every reader.
    pub(crate) delivered: Arc<AtomicU64>,
    /// Each reader's events and connection, once it stops.
    pub(crate) readers: Vec<tokio::task::JoinHandle<(Received, TcpStream)>>,
}

impl Readers {
    /// Spawns a reader for each of `opened`, reading `buf_size` bytes at a time until it has
    /// `until` events or is stopped.
    pub(crate) fn spawn(
        opened: Vec<(TcpStream, Framing, Vec<u8>)>,
        buf_size: usize,
        until: u64,
    ) -> Self {
        let (stop, stopped) = watch::channel(false);
        let delivered = Arc::new(AtomicU64::new(0));
        let readers = opened
            .into_iter()
            .map(|connection| {
                tokio::spawn(subscriber(
                    connection,
                    stopped.clone(),
                    Arc::clone(&delivered),
                    buf_size,
                    until,
                ))
            })
            .collect();
        Self {
            stop,
            delivered,
            readers,
        }
    }
}

/// Waits until `counter` reaches `target` or `limit` passes.
pub(crate) async fn wait_for(counter: &AtomicU64, target: u64, limit: Duration) {
    let deadline = Instant::now() + limit;
    while counter.load(Ordering::Relaxed) < target && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Publishes to a contender's `/fanout` subscribers and asks how many there are, over one
/// kept-alive HTTP/1.1 connection, as its [`Publish`] dialect says.
#[derive(Debug)]
pub struct Publisher {
    stream: TcpStream,
    /// Where to connect again when the server closes the kept-alive connection (nginx does
    /// after 1,000 requests, its `keepalive_requests`).
    addr: SocketAddr,
    publish: Publish,
    /// The next message's `seq`, where the load generator writes the messages.
    next_seq: u64,
}

impl Publisher {
    /// Connects to `server`'s HTTP/1.1 address.
    pub async fn connect(server: &ServerProcess) -> io::Result<Self> {
        Ok(Self {
            stream: connect(server.http1_addr).await?,
            addr: server.http1_addr,
            publish: server.dialect.publish,
            next_seq: 0,
        })
    }

    /// Publishes `n` messages; returns the subscriber count the server answered (for Nchan,
    /// its channel's count in the answer to the last message, which can miss subscribers held
    /// by another worker: [`Publisher::subscribers`] counts them all).
    ///
    /// [`Publish::Contract`]: one `POST /publish?n=N`. [`Publish::MessageBody`]: one
    /// `POST /publish` per message, whose body is `{"seq":S,"ts":T}` with `S` counting from 0
    /// on this publisher and `T` read just before the request is written (status 201 or 202).
    pub async fn publish(&mut self, n: u64) -> io::Result<u64> {
        match self.publish {
            Publish::Contract => {
                let body = request(&mut self.stream, "POST", &format!("/publish?n={n}")).await?;
                subscribers_in(&body)
            }
            Publish::MessageBody { .. } if n == 0 => self.subscribers().await,
            Publish::MessageBody { .. } => {
                let mut subscribers = 0;
                for _ in 0..n {
                    let seq = self.next_seq;
                    self.next_seq += 1;
                    let message = || format!("{{\"seq\":{seq},\"ts\":{}}}", unix_nanos());
                    let sent =
                        exchange(&mut self.stream, "POST", "/publish", message().as_bytes()).await;
                    let (status, body) = match sent {
                        Ok(answer) => answer,
                        Err(_) => {
                            // The server closed the kept-alive connection before this message:
                            // it was not published; it goes again on a new connection.
                            self.stream = connect(self.addr).await?;
                            exchange(&mut self.stream, "POST", "/publish", message().as_bytes())
                                .await?
                        }
                    };
                    if !matches!(status, 201 | 202) {
                        return Err(io::Error::other(format!(
                            "POST /publish: status {status}: {}",
                            String::from_utf8_lossy(&body)
                        )));
                    }
                    subscribers = subscribers_in(&body)?;
                }
                Ok(subscribers)
            }
        }
    }

    /// How many `/fanout` subscribers the server counts now: `POST /publish?n=0`, or the
    /// `subscribers: K` line of the hub's status.
    pub async fn subscribers(&mut self) -> io::Result<u64> {
        match self.publish {
            Publish::Contract => {
                let body = request(&mut self.stream, "POST", "/publish?n=0").await?;
                subscribers_in(&body)
            }
            Publish::MessageBody { status: path } => {
                let (status, body) = match exchange(&mut self.stream, "GET", path, b"").await {
                    Ok(answer) => answer,
                    Err(_) => {
                        self.stream = connect(self.addr).await?;
                        exchange(&mut self.stream, "GET", path, b"").await?
                    }
                };
                let text = String::from_utf8_lossy(&body);
                text.lines()
                    .find_map(|line| line.strip_prefix("subscribers:"))
                    .and_then(|count| count.trim().parse().ok())
                    .filter(|_| status == 200)
                    .ok_or_else(|| io::Error::other(format!("GET {path}: status {status}: {text}")))
            }
        }
    }

    /// Asks until the server counts `subscribers` subscribers (or 10 s pass); returns the last
    /// count.
    pub async fn await_subscribers(&mut self, subscribers: u64) -> io::Result<u64> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let count = self.subscribers().await?;
            if count == subscribers || Instant::now() > deadline {
                return Ok(count);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The `subscribers` number of a publish answer (`{"subscribers":K}`, or Nchan's channel info
/// `{"messages": 1, "requested": 0, "subscribers": 2, …}` answering a message).
fn subscribers_in(body: &[u8]) -> io::Result<u64> {
    json_number(body, b"subscribers").ok_or_else(|| {
        io::Error::other(format!(
            "/publish answered {:?}",
            String::from_utf8_lossy(body)
        ))
    })
}

/// The unsigned integer after `"key"` and a colon (spaces allowed around it) in `json`.
fn json_number(json: &[u8], key: &[u8]) -> Option<u64> {
    let quoted = [b"\"", key, b"\""].concat();
    let at = memchr::memmem::find(json, &quoted)? + quoted.len();
    let rest = json[at..]
        .trim_ascii_start()
        .strip_prefix(b":")?
        .trim_ascii_start();
    let digits = rest.iter().take_while(|byte| byte.is_ascii_digit()).count();
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}

/// Sends `method path` with `body` (and `Accept: application/json`) on a kept-alive
/// connection; returns the response's status and body, whatever the status.
async fn exchange(
    stream: &mut TcpStream,
    method: &str,
    path: &str,
    body: &[u8],
) -> io::Result<(u16, Vec<u8>)> {
    let mut message = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    message.extend_from_slice(body);
    stream.write_all(&message).await?;
    let mut pending = Vec::new();
    let head = read_head(stream, &mut pending).await?;
    let mut decoder = BodyDecoder::new(head.framing);
    let mut answer = Vec::new();
    let mut scratch = [0u8; 4096];
    loop {
        decoder.feed(&pending, |bytes| answer.extend_from_slice(bytes))?;
        if decoder.is_done() {
            return Ok((head.status, answer));
        }
        let read = stream.read(&mut scratch).await?;
        if read == 0 {
            return Ok((head.status, answer));
        }
        pending.clear();
        pending.extend_from_slice(&scratch[..read]);
    }
}

/// M2: `subscribers` on `/fanout`, `rate` publishes a second for `seconds`.
pub async fn fanout(
    server: &ServerProcess,
    subscribers: usize,
    rate: u32,
    seconds: u32,
) -> io::Result<Fanout> {
    let addr = server.addr;
    let opened = open_many(addr, "/fanout", subscribers).await?;
    let mut publisher = Publisher::connect(server).await?;
    let counted = publisher.await_subscribers(subscribers as u64).await?;
    if counted != subscribers as u64 {
        return Err(io::Error::other(format!(
            "the server counts {counted} of {subscribers} subscribers"
        )));
    }
    let Readers {
        stop,
        delivered,
        readers,
    } = Readers::spawn(opened, 16 * 1024, u64::MAX);

    let publishes = u64::from(rate) * u64::from(seconds);
    let first_publish = unix_nanos();
    let start = Instant::now();
    let client_cpu = cpu_seconds(std::process::id());
    let server_cpu = server.cpu_seconds();
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / rate);
    for _ in 0..publishes {
        ticks.tick().await;
        publisher.publish(1).await?;
    }
    let expected = publishes * subscribers as u64;
    wait_for(&delivered, expected, Duration::from_secs(5)).await;
    let _ = stop.send(true);
    let busy = start.elapsed().as_secs_f64();
    let client_cores = (cpu_seconds(std::process::id()) - client_cpu) / busy;
    let server_cores = (server.cpu_seconds() - server_cpu) / busy;

    let mut latencies = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    let mut disordered = 0;
    let mut last_at = first_publish;
    for reader in readers {
        let (received, _) = reader.await.map_err(io::Error::other)?;
        disordered += received.disordered;
        last_at = last_at.max(received.last_at);
        latencies.extend(received.latencies);
    }
    let delivered = latencies.len() as u64;
    let window = (last_at - first_publish) as f64 / 1e9;
    Ok(Fanout {
        subscribers,
        publishes,
        expected,
        delivered,
        lost: expected.saturating_sub(delivered),
        disordered,
        deliveries_per_sec: delivered as f64 / window,
        latency: Latency::of(latencies),
        client_cores,
        server_cores,
    })
}

/// Server memory before and after many connections were opened.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Memory {
    /// Connections held open.
    pub connections: usize,
    /// Server `VmRSS` before, in KiB.
    pub rss_before_kib: u64,
    /// Server `VmRSS` with the connections open, in KiB.
    pub rss_after_kib: u64,
    /// `(after - before) / connections`.
    pub kib_per_connection: f64,
}

impl Memory {
    pub(crate) fn new(connections: usize, rss_before_kib: u64, rss_after_kib: u64) -> Self {
        Self {
            connections,
            rss_before_kib,
            rss_after_kib,
            kib_per_connection: (rss_after_kib as f64 - rss_before_kib as f64)
                / connections.max(1) as f64,
        }
    }
}

/// M3: `connections` open `/idle` streams (response head read, nothing else); the server's
/// memory growth per connection.
pub async fn idle(server: &ServerProcess, connections: usize) -> io::Result<Memory> {
    // Warm up the server's allocator and runtime with a few connections first.
    drop(open_many(server.addr, "/idle", 100).await?);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = server.rss_kib();
    let held = open_many(server.addr, "/idle", connections).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = server.rss_kib();
    drop(held);
    Ok(Memory::new(connections, before, after))
}

/// M4: connections opened and dropped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Churn {
    /// Connections made (each: connect, `GET /fanout`, read the response head, close).
    pub connections: u64,
    /// How many were in flight at once.
    pub concurrency: usize,
    /// Connections that failed.
    pub failures: u64,
    /// Connections per second.
    pub per_sec: f64,
    /// Server `VmRSS` before, in KiB (after a warm-up of 1,000 connections).
    pub rss_before_kib: u64,
    /// Server `VmRSS` after, in KiB.
    pub rss_after_kib: u64,
    /// `/fanout` subscribers the server still counts after all closed (should be 0).
    pub subscribers_left: u64,
}

async fn churn_run(addr: SocketAddr, total: u64, concurrency: usize) -> u64 {
    let next = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let next = Arc::clone(&next);
            let failures = Arc::clone(&failures);
            tokio::spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < total {
                    let once = async {
                        let mut stream = connect(addr).await?;
                        let mut pending = Vec::new();
                        open_stream(&mut stream, "/fanout", &mut pending).await?;
                        io::Result::Ok(())
                    };
                    if once.await.is_err() {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.await;
    }
    failures.load(Ordering::Relaxed)
}

/// M4: `total` connections to `/fanout`, `concurrency` at a time: connect, read the response
/// head, disconnect; then whether the server gave back what they took.
pub async fn churn(server: &ServerProcess, total: u64, concurrency: usize) -> io::Result<Churn> {
    churn_run(server.addr, 1_000, concurrency).await;
    let mut control = Publisher::connect(server).await?;
    control.await_subscribers(0).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_before_kib = server.rss_kib();
    let start = Instant::now();
    let failures = churn_run(server.addr, total, concurrency).await;
    let seconds = start.elapsed().as_secs_f64();
    // Let the server notice the last closes, then ask how many subscribers it still has.
    let subscribers_left = control.await_subscribers(0).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_after_kib = server.rss_kib();
    Ok(Churn {
        connections: total,
        concurrency,
        failures,
        per_sec: (total - failures) as f64 / seconds,
        rss_before_kib,
        rss_after_kib,
        subscribers_left,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_counts_up_across_every_carry() {
        for first in [0, 9, 99, 12_345, 999_999, u64::MAX / 10 - 5] {
            let mut decimal = Decimal::new(first);
            for value in first..first + 2_000 {
                assert_eq!(decimal.text(), value.to_string().as_bytes());
                decimal.increment();
            }
        }
    }

    #[test]
    fn the_firehose_check_accepts_the_contract_and_counts_anything_else() {
        let body = |events: &[(&str, &str)]| {
            let mut text = String::from("\n");
            for (id, data) in events {
                text.push_str(&format!("id: {id}\ndata: {data}\n\n"));
            }
            text
        };
        let mut check = FirehoseCheck::new(Framing::UntilClose, true);
        let good = body(&[
            ("1", r#"{"seq":0}"#),
            ("2", r#"{"seq":1}"#),
            ("3", r#"{"seq":2}"#),
        ]);
        check.feed(good.as_bytes()).unwrap();
        assert_eq!(check.finish(3).unwrap(), 3);

        for bad in [
            [("1", r#"{"seq":0}"#), ("3", r#"{"seq":1}"#)],
            [("1", r#"{"seq":0}"#), ("2", r#"{"seq":2}"#)],
            [("1", r#"{"seq":0}"#), ("2", r#"{"seq": 1}"#)],
            [("1", r#"{"seq":0}"#), ("2", r#"{"seq":1,"x":1}"#)],
        ] {
            let mut check = FirehoseCheck::new(Framing::UntilClose, true);
            check.feed(body(&bad).as_bytes()).unwrap();
            assert!(check.finish(2).is_err(), "{bad:?}");
        }
        // A stream without ids fails where ids are expected.
        let mut check = FirehoseCheck::new(Framing::UntilClose, true);
        check
            .feed(b"data: {\"seq\":0}\n\ndata: {\"seq\":1}\n\n")
            .unwrap();
        assert!(check.finish(2).is_err());
    }

    #[test]
    fn the_firehose_check_without_ids_still_checks_every_event() {
        let mut check = FirehoseCheck::new(Framing::UntilClose, false);
        check
            .feed(b"data: {\"seq\":0}\n\ndata: {\"seq\":1}\n\ndata: {\"seq\":2}\n\n")
            .unwrap();
        assert_eq!(check.finish(3).unwrap(), 3);
        for bad in [
            &b"data: {\"seq\":0}\n\ndata: {\"seq\":2}\n\n"[..],
            b"data: {\"seq\":0}\n\nid: 2\ndata: {\"seq\":1}\n\n",
            b"data: {\"seq\":1}\n\ndata: {\"seq\":0}\n\n",
        ] {
            let mut check = FirehoseCheck::new(Framing::UntilClose, false);
            check.feed(bad).unwrap();
            assert!(
                check.finish(2).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn json_numbers_with_and_without_spaces() {
        assert_eq!(
            json_number(br#"{"subscribers":12}"#, b"subscribers"),
            Some(12)
        );
        let nchan =
            br#"{"messages": 2, "requested": 0, "subscribers": 7, "last_message_id": "1:1" }"#;
        assert_eq!(json_number(nchan, b"subscribers"), Some(7));
        assert_eq!(json_number(nchan, b"missing"), None);
        assert_eq!(
            json_number(br#"{"subscribers": "x"}"#, b"subscribers"),
            None
        );
    }
}
