//! The Redis backend of [`Hub`](super::Hub): one Redis stream per topic.
//!
//! * **Publish** is `XADD <key> MAXLEN ~ <max_len> * data … [event …] [retry …] [comment …]` on
//!   a small pool of multiplexed connections; the entry id Redis gives is the event id.
//! * **Read**: one task per hub and process holds one more connection and reads every topic in
//!   use with a blocking `XREAD` from the last id it appended, and appends what it reads to the
//!   topic's local log, from which local subscribers are served. A topic joins the read the
//!   first time it is used, at the position Redis reports then.
//! * **Resume**: a subscription whose `Last-Event-ID` is older than the local log reads the
//!   events after it from Redis (`XRANGE`, in pages) and then joins the local log.
//! * **Faults**: when Redis cannot be reached, publishes fail with
//!   [`HubError::Unavailable`] and the reader retries with backoff; subscribers stay connected
//!   (their keep-alive comments go on). The reader then resumes after the last id it
//!   appended, so no event Redis stored is lost or repeated.

use std::{
    collections::VecDeque,
    fmt,
    future::Future,
    pin::Pin,
    sync::{
        Arc, OnceLock, Weak,
        atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering},
    },
    task::{Context, Poll, ready},
    time::Duration,
};

use bytes::{Bytes, BytesMut};
use redis::{
    AsyncConnectionConfig, Client, Cmd, FromRedisValue, RedisError, Value,
    aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection},
};
use tokio::{sync::Notify, time::Instant};
use tokio_util::sync::CancellationToken;

use super::{
    HubError, HubId, Topics,
    log::Topic,
    subscription::{HubFrame, Lagged},
};
use crate::{
    MessageEvent,
    lock::lock,
    sse::{SseEncoder, encoder::EncodeError},
};

/// Where and how a [`Hub`](super::Hub) keeps its events in Redis (feature `redis`); given to
/// [`HubOptions::redis`](super::HubOptions::redis). Needs Redis 7.0 or later.
///
/// Every process configured with the same Redis and key prefix shares the same events: topic
/// `room` is the stream `<prefix>:room`, the hub itself `<prefix>`.
///
/// ```
/// use std::time::Duration;
/// use nest_core::sse::RedisOptions;
///
/// let redis = RedisOptions::new("redis://127.0.0.1:6379/0")?
///     .key_prefix("chat")
///     .max_len(100_000)
///     .pool_size(2)
///     .command_timeout(Duration::from_secs(2));
/// # let _ = redis;
/// assert!(RedisOptions::new("http://not-redis").is_err());
/// # Ok::<(), nest_core::sse::HubError>(())
/// ```
#[derive(Clone)]
pub struct RedisOptions {
    client: Client,
    key_prefix: String,
    max_len: u64,
    pool_size: usize,
    command_timeout: Duration,
    read_block: Duration,
}

impl fmt::Debug for RedisOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may hold a password: only the address is shown.
        f.debug_struct("RedisOptions")
            .field(
                "addr",
                &self.client.get_connection_info().addr().to_string(),
            )
            .field("key_prefix", &self.key_prefix)
            .field("max_len", &self.max_len)
            .field("pool_size", &self.pool_size)
            .field("command_timeout", &self.command_timeout)
            .finish_non_exhaustive()
    }
}

impl RedisOptions {
    /// Redis at `url` (`redis://[user:password@]host[:port][/db]`, or `rediss://` with TLS
    /// support compiled in), with the defaults below. Fails on a URL that is not Redis's; does
    /// not connect (the hub connects when first used, and again whenever it must).
    pub fn new(url: impl AsRef<str>) -> Result<Self, HubError> {
        let client =
            Client::open(url.as_ref()).map_err(|error| HubError::Redis(error.to_string()))?;
        Ok(Self {
            client,
            key_prefix: "nest:hub".to_owned(),
            max_len: 100_000,
            pool_size: 2,
            command_timeout: Duration::from_secs(2),
            read_block: Duration::from_secs(1),
        })
    }

    /// The prefix of the hub's stream keys (`nest:hub` by default).
    #[must_use]
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// About how many events each stream keeps (`XADD … MAXLEN ~ n`; 100,000 by default). Redis
    /// trims whole macro-nodes, so a stream may hold somewhat more. A client that reconnects
    /// after more than this many events were published to its topic gets an `event: lagged`.
    #[must_use]
    pub fn max_len(mut self, events: u64) -> Self {
        self.max_len = events.max(1);
        self
    }

    /// How many multiplexed connections publishes and resumes share (2 by default; at least
    /// 1). The reader has one more of its own. Each carries any number of concurrent commands.
    #[must_use]
    pub fn pool_size(mut self, connections: usize) -> Self {
        self.pool_size = connections.max(1);
        self
    }

    /// How long a command may take before it fails with [`HubError::Unavailable`] (2 s by
    /// default). Also bounds connecting.
    #[must_use]
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.command_timeout = timeout;
        self
    }

    fn key(&self, topic: &Topic) -> String {
        match &topic.name {
            None => self.key_prefix.clone(),
            Some(name) => format!("{}:{name}", self.key_prefix),
        }
    }
}

/// The Redis side of one hub in this process.
pub(super) struct RedisBackend {
    options: RedisOptions,
    pool: tokio::sync::OnceCell<Vec<ConnectionManager>>,
    next: AtomicUsize,
    topics: OnceLock<Weak<Topics>>,
    reader_started: AtomicBool,
    /// Notified when a topic joins the read.
    topic_added: Notify,
    /// `CLIENT ID` of the reader's connection (0: none), to cut its blocking read short.
    reader_id: AtomicI64,
    stop: CancellationToken,
}

const READ_COUNT: usize = 1_000;
const PAGE: usize = 512;
const BACKOFF_MIN: Duration = Duration::from_millis(50);
const BACKOFF_MAX: Duration = Duration::from_secs(1);

impl RedisBackend {
    pub(super) fn new(options: RedisOptions) -> Self {
        Self {
            options,
            pool: tokio::sync::OnceCell::new(),
            next: AtomicUsize::new(0),
            topics: OnceLock::new(),
            reader_started: AtomicBool::new(false),
            topic_added: Notify::new(),
            reader_id: AtomicI64::new(0),
            stop: CancellationToken::new(),
        }
    }

    pub(super) fn attach(&self, topics: Weak<Topics>) {
        let _ = self.topics.set(topics);
    }

    /// Stops the reader (the hub is gone).
    pub(super) fn stop(&self) {
        self.stop.cancel();
    }

    /// Makes this process read `topic` from Redis, starting the reader if need be.
    pub(super) fn activate(self: &Arc<Self>, topic: &Topic) {
        if !self.reader_started.load(Ordering::Acquire)
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
            && !self.reader_started.swap(true, Ordering::AcqRel)
        {
            runtime.spawn(Arc::clone(self).read());
        }
        if !topic.active.swap(true, Ordering::AcqRel) {
            self.topic_added.notify_one();
            self.unblock_reader();
        }
    }

    /// Cuts the reader's blocking `XREAD` short, so that it reads the new topic too.
    fn unblock_reader(self: &Arc<Self>) {
        let id = self.reader_id.load(Ordering::Acquire);
        if id == 0 {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let this = Arc::clone(self);
            runtime.spawn(async move {
                let _ = this
                    .query::<Value>(redis::cmd("CLIENT").arg("UNBLOCK").arg(id))
                    .await;
            });
        }
    }

    /// `XADD`s `event` to `topic`'s stream and returns the id Redis gave it.
    pub(super) async fn publish(
        self: &Arc<Self>,
        topic: &Topic,
        event: MessageEvent,
    ) -> Result<HubId, HubError> {
        // Refuse what cannot be encoded before it reaches Redis and every instance.
        SseEncoder::new().encode(&event, &mut BytesMut::new())?;
        self.activate(topic);
        // Reading the topic starts at the end of the stream as it was when the reader first
        // looked: an event added before that would not reach this process's subscribers.
        self.wait_ready(topic).await?;
        let mut xadd = redis::cmd("XADD");
        xadd.arg(self.options.key(topic))
            .arg("MAXLEN")
            .arg("~")
            .arg(self.options.max_len)
            .arg("*");
        if let Some(name) = event.event_name() {
            xadd.arg("event").arg(name);
        }
        if let Some(retry) = event.retry_ms() {
            xadd.arg("retry").arg(retry);
        }
        if let Some(comment) = event.comment_text() {
            xadd.arg("comment").arg(comment);
        }
        if let Some(data) = event.data() {
            xadd.arg("data").arg(data);
        }
        let id: String = self.query(&xadd).await?;
        id.parse()
            .map_err(|_| HubError::Redis(format!("XADD answered {id:?}, not an entry id")))
    }

    async fn wait_ready(&self, topic: &Topic) -> Result<(), HubError> {
        let wait = async {
            loop {
                let notified = topic.ready.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if lock(&topic.log).ready {
                    return;
                }
                notified.await;
            }
        };
        tokio::time::timeout(self.options.command_timeout, wait)
            .await
            .map_err(|_| {
                HubError::Unavailable(
                    "the hub could not read the topic's position from Redis in time".to_owned(),
                )
            })
    }

    /// Runs `command` on a pooled connection, within the command timeout.
    async fn query<T: FromRedisValue>(&self, command: &Cmd) -> Result<T, HubError> {
        let timeout = self.options.command_timeout;
        let run = async {
            let pool = self
                .pool
                .get_or_try_init(|| async {
                    let config = ConnectionManagerConfig::new()
                        .set_connection_timeout(Some(timeout))
                        .set_response_timeout(Some(timeout))
                        .set_number_of_retries(2)
                        .set_max_delay(BACKOFF_MAX);
                    let mut pool = Vec::with_capacity(self.options.pool_size);
                    for _ in 0..self.options.pool_size {
                        pool.push(
                            ConnectionManager::new_with_config(
                                self.options.client.clone(),
                                config.clone(),
                            )
                            .await?,
                        );
                    }
                    Ok::<_, RedisError>(pool)
                })
                .await?;
            let mut connection =
                pool[self.next.fetch_add(1, Ordering::Relaxed) % pool.len()].clone();
            command.query_async::<T>(&mut connection).await
        };
        match tokio::time::timeout(timeout, run).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(classify(&error)),
            Err(_) => Err(HubError::Unavailable(format!(
                "Redis did not answer within {timeout:?}"
            ))),
        }
    }

    /// The reader: appends what Redis holds for every active topic to its local log, for as
    /// long as the hub lives, reconnecting whenever it must.
    async fn read(self: Arc<Self>) {
        let mut connection = None;
        let mut backoff = BACKOFF_MIN;
        let mut down_since: Option<Instant> = None;
        loop {
            if self.stop.is_cancelled() {
                return;
            }
            let Some(active) = self.active_topics() else {
                return;
            };
            if active.is_empty() {
                tokio::select! {
                    () = self.topic_added.notified() => continue,
                    () = self.stop.cancelled() => return,
                }
            }
            let round = tokio::select! {
                round = self.read_once(&mut connection, &active) => round,
                () = self.stop.cancelled() => return,
            };
            match round {
                Ok(()) => {
                    backoff = BACKOFF_MIN;
                    if let Some(since) = down_since.take() {
                        tracing::info!(target: "Hub", "reading from Redis again after {:.1?}; resumed after the last event delivered", since.elapsed());
                    }
                }
                Err(error) => {
                    connection = None;
                    self.reader_id.store(0, Ordering::Release);
                    if down_since.is_none() {
                        down_since = Some(Instant::now());
                        tracing::warn!(target: "Hub", "lost Redis ({error}): subscribers stay connected and publishes fail until it is back; retrying");
                    }
                    tokio::select! {
                        () = tokio::time::sleep(backoff) => {}
                        () = self.stop.cancelled() => return,
                    }
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                }
            }
        }
    }

    /// The topics this process reads; `None` once the hub is gone.
    fn active_topics(&self) -> Option<Vec<Arc<Topic>>> {
        let topics = self.topics.get()?.upgrade()?;
        let mut active: Vec<Arc<Topic>> = lock(&topics.by_name)
            .values()
            .filter(|topic| topic.active.load(Ordering::Acquire))
            .cloned()
            .collect();
        if topics.root.active.load(Ordering::Acquire) {
            active.push(Arc::clone(&topics.root));
        }
        Some(active)
    }

    /// Connects if need be, places new topics, then reads once (blocking up to `read_block`).
    async fn read_once(
        &self,
        connection: &mut Option<MultiplexedConnection>,
        active: &[Arc<Topic>],
    ) -> Result<(), HubError> {
        let timeout = self.options.command_timeout;
        let connection = match connection {
            Some(connection) => connection,
            None => {
                let config = AsyncConnectionConfig::new()
                    .set_connection_timeout(Some(timeout))
                    .set_response_timeout(None);
                let mut fresh = within(
                    timeout,
                    self.options
                        .client
                        .get_multiplexed_async_connection_with_config(&config),
                )
                .await?;
                let id: i64 = within(
                    timeout,
                    redis::cmd("CLIENT").arg("ID").query_async(&mut fresh),
                )
                .await?;
                self.reader_id.store(id, Ordering::Release);
                let connection = connection.insert(fresh);
                self.announce_gaps(connection, active).await?;
                connection
            }
        };
        for topic in active.iter().filter(|topic| !lock(&topic.log).ready) {
            let newest: Value = within(
                timeout,
                redis::cmd("XREVRANGE")
                    .arg(self.options.key(topic))
                    .arg("+")
                    .arg("-")
                    .arg("COUNT")
                    .arg(1)
                    .query_async(connection),
            )
            .await?;
            let position = entries(newest)?.first().map_or(HubId::ZERO, |(id, _)| *id);
            topic.set_ready(position);
        }
        let mut xread = redis::cmd("XREAD");
        xread
            .arg("COUNT")
            .arg(READ_COUNT)
            .arg("BLOCK")
            .arg(u64::try_from(self.options.read_block.as_millis()).unwrap_or(u64::MAX))
            .arg("STREAMS");
        for topic in active {
            xread.arg(self.options.key(topic));
        }
        for topic in active {
            xread.arg(lock(&topic.log).last_id.redis_form());
        }
        let reply: Value = within(
            self.options.read_block + timeout,
            xread.query_async(connection),
        )
        .await?;
        for (key, events) in streams(reply)? {
            if let Some(topic) = active.iter().find(|topic| self.options.key(topic) == key) {
                if events.len() == READ_COUNT {
                    // A full batch: this process is behind; Redis may have trimmed past it.
                    self.announce_gap(connection, topic).await?;
                }
                let frames: Result<Vec<_>, HubError> = events
                    .into_iter()
                    .map(|(id, fields)| Ok((id, encode(id, fields)?)))
                    .collect();
                topic.append(frames?);
            }
        }
        Ok(())
    }

    /// After a reconnection: if Redis trimmed events of a topic this process had not read yet
    /// (it was away for more than `max_len` events), appends an `event: lagged` frame in their
    /// place, so that the topic's subscribers learn of the loss (and their `Last-Event-ID`
    /// moves past it) instead of silently skipping it.
    async fn announce_gaps(
        &self,
        connection: &mut MultiplexedConnection,
        active: &[Arc<Topic>],
    ) -> Result<(), HubError> {
        for topic in active {
            if lock(&topic.log).ready {
                self.announce_gap(connection, topic).await?;
            }
        }
        Ok(())
    }

    /// [`announce_gaps`](Self::announce_gaps) for one topic.
    async fn announce_gap(
        &self,
        connection: &mut MultiplexedConnection,
        topic: &Topic,
    ) -> Result<(), HubError> {
        let last_id = lock(&topic.log).last_id;
        let info: Result<Value, RedisError> = tokio::time::timeout(
            self.options.command_timeout,
            redis::cmd("XINFO")
                .arg("STREAM")
                .arg(self.options.key(topic))
                .query_async(connection),
        )
        .await
        .map_err(|_| HubError::Unavailable("XINFO timed out".to_owned()))?;
        let info = match info {
            Ok(info) => StreamInfo::read(&info),
            // No stream (Redis lost it, or nothing was published): nothing to announce.
            Err(error) if error.to_string().contains("no such key") => return Ok(()),
            Err(error) => return Err(classify(&error)),
        };
        if let Some(last_lost) = info.trimmed_through.filter(|lost| *lost > last_id) {
            tracing::warn!(target: "Hub", "events{} were trimmed by Redis before this process read them (up to {last_lost}): its subscribers get `event: lagged`", topic.describe());
            let frame = HubFrame::lagged(Lagged {
                missed: None,
                resume_after: last_lost,
            });
            topic.append([(last_lost, frame.0)]);
        }
        Ok(())
    }

    /// A resume from Redis for a subscription of `topic` positioned after `cursor`.
    pub(super) fn backfill(self: &Arc<Self>, topic: &Topic, cursor: HubId) -> Backfill {
        Backfill {
            backend: Arc::clone(self),
            key: self.options.key(topic),
            cursor,
            queue: VecDeque::new(),
            pending: None,
            retry: None,
            first: true,
            done: false,
            warned: false,
        }
    }

    /// The events after `after`, up to one page; on the first page, also what Redis trimmed
    /// after `after` and where the stream ends.
    async fn page(
        self: Arc<Self>,
        key: String,
        mut after: HubId,
        first: bool,
    ) -> Result<Page, HubError> {
        let mut lagged = None;
        if first {
            let info: Result<Value, HubError> = self
                .query(redis::cmd("XINFO").arg("STREAM").arg(&key))
                .await;
            match info {
                Ok(info) => {
                    let info = StreamInfo::read(&info);
                    if let Some(end) = info.last_generated {
                        // An id from the future (another deployment's, or made up) means "now".
                        after = after.min(end);
                    }
                    lagged = info.trimmed_through.filter(|last_lost| *last_lost > after);
                }
                // No stream yet: nothing was ever published to this topic.
                Err(HubError::Redis(why)) if why.contains("no such key") => after = HubId::ZERO,
                Err(error) => return Err(error),
            }
        }
        let reply: Value = self
            .query(
                redis::cmd("XRANGE")
                    .arg(&key)
                    .arg(format!("({}", after.redis_form()))
                    .arg("+")
                    .arg("COUNT")
                    .arg(PAGE),
            )
            .await?;
        let events = entries(reply)?;
        let full = events.len() == PAGE;
        let events = events
            .into_iter()
            .map(|(id, fields)| Ok((id, encode(id, fields)?)))
            .collect::<Result<Vec<_>, HubError>>()?;
        Ok(Page {
            from: after,
            lagged,
            events,
            full,
        })
    }
}

/// What `XINFO STREAM` tells of a stream.
struct StreamInfo {
    /// The id of the last entry ever added.
    last_generated: Option<HubId>,
    /// When entries were trimmed: the id just before the oldest entry kept.
    ///
    /// Redis keeps no record of what it trimmed but how many, so this is the last event that
    /// may have been lost. (Redis cannot tell "the oldest kept came right after the client's
    /// last event" from "events between them were trimmed": a position before this id is
    /// taken as the latter.)
    trimmed_through: Option<HubId>,
}

impl StreamInfo {
    fn read(info: &Value) -> Self {
        let id = |name: &str| -> Option<HubId> {
            match map_get(info, name)? {
                Value::BulkString(bytes) => std::str::from_utf8(bytes).ok()?.parse().ok(),
                Value::SimpleString(text) => text.parse().ok(),
                _ => None,
            }
        };
        let count = |name: &str| match map_get(info, name) {
            Some(Value::Int(count)) => *count,
            _ => 0,
        };
        let deleted = count("entries-added") > count("length");
        Self {
            last_generated: id("last-generated-id"),
            trimmed_through: id("recorded-first-entry-id")
                .map(HubId::previous)
                .filter(|_| deleted),
        }
    }
}

/// One page of a resume.
struct Page {
    /// The position the page was read after (the subscription's, or the stream's end if that
    /// was beyond it).
    from: HubId,
    /// The id just before the oldest event Redis kept, if it trimmed events after the
    /// position.
    lagged: Option<HubId>,
    events: Vec<(HubId, Bytes)>,
    /// Whether there may be more.
    full: bool,
}

type PageFuture = Pin<Box<dyn Future<Output = Result<Page, HubError>> + Send>>;

/// A subscription reading from Redis the events it missed, before it joins the local log.
pub(in crate::sse) struct Backfill {
    backend: Arc<RedisBackend>,
    key: String,
    /// The id of the last event delivered.
    cursor: HubId,
    queue: VecDeque<(HubId, Bytes)>,
    pending: Option<PageFuture>,
    retry: Option<Pin<Box<tokio::time::Sleep>>>,
    first: bool,
    done: bool,
    /// Whether a failure was logged (once per resume, not every retry).
    warned: bool,
}

impl Backfill {
    /// The next missed frame; `None` once caught up with the local log (the subscription's
    /// cursor is then set, and it reads from the log).
    pub(super) fn poll_next(
        &mut self,
        topic: &Topic,
        key: u64,
        cx: &mut Context<'_>,
    ) -> Poll<Option<HubFrame>> {
        loop {
            if let Some((id, frame)) = self.queue.pop_front() {
                self.cursor = id;
                return Poll::Ready(Some(HubFrame(frame)));
            }
            if self.done {
                let mut log = lock(&topic.log);
                if let Some(subscriber) = log.subscribers.get_mut(&key) {
                    subscriber.cursor = Some(self.cursor);
                    subscriber.backfilling = false;
                }
                return Poll::Ready(None);
            }
            if let Some(sleep) = &mut self.retry {
                ready!(sleep.as_mut().poll(cx));
                self.retry = None;
            }
            let pending = self.pending.get_or_insert_with(|| {
                Box::pin(Arc::clone(&self.backend).page(self.key.clone(), self.cursor, self.first))
            });
            let page = ready!(pending.as_mut().poll(cx));
            self.pending = None;
            match page {
                Ok(page) => {
                    self.first = false;
                    self.cursor = page.from;
                    if let Some(last_lost) = page.lagged {
                        let frame = HubFrame::lagged(Lagged {
                            missed: None,
                            resume_after: last_lost,
                        });
                        self.queue.push_back((last_lost, frame.0));
                    }
                    let base = lock(&topic.log).base;
                    self.done = !page.full || page.events.last().is_some_and(|(id, _)| *id >= base);
                    self.queue.extend(page.events);
                }
                Err(error) => {
                    if !std::mem::replace(&mut self.warned, true) {
                        tracing::warn!(target: "Hub", "a subscriber{} could not read missed events from Redis ({error}); retrying", topic.describe());
                    }
                    self.retry = Some(Box::pin(tokio::time::sleep(Duration::from_millis(500))));
                }
            }
        }
    }
}

/// Unavailable (the connection, or its absence) or refused (everything else).
fn classify(error: &RedisError) -> HubError {
    if error.is_io_error()
        || error.is_connection_dropped()
        || error.is_connection_refusal()
        || error.is_timeout()
    {
        HubError::Unavailable(error.to_string())
    } else {
        HubError::Redis(error.to_string())
    }
}

async fn within<T>(
    timeout: Duration,
    future: impl Future<Output = Result<T, RedisError>>,
) -> Result<T, HubError> {
    match tokio::time::timeout(timeout, future).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(classify(&error)),
        Err(_) => Err(HubError::Unavailable(format!(
            "Redis did not answer within {timeout:?}"
        ))),
    }
}

/// An entry's fields as a frame with its id.
fn encode(id: HubId, fields: Vec<(String, String)>) -> Result<Bytes, HubError> {
    let mut event = MessageEvent::default();
    for (name, value) in fields {
        event = match name.as_str() {
            "data" => event.data_text(value),
            "event" => event.event(value),
            "retry" => match value.parse() {
                Ok(retry) => event.retry(retry),
                Err(_) => event,
            },
            "comment" => event.comment(value),
            _ => event,
        };
    }
    let mut frame = BytesMut::new();
    SseEncoder::new()
        .encode(&event.id(id.to_string()), &mut frame)
        .map_err(|error: EncodeError| HubError::Encode(error))?;
    Ok(frame.freeze())
}

type Entry = (HubId, Vec<(String, String)>);

fn malformed(what: &str) -> HubError {
    HubError::Redis(format!("unexpected reply from Redis: {what}"))
}

fn text(value: Value) -> Result<String, HubError> {
    match value {
        Value::BulkString(bytes) => {
            String::from_utf8(bytes).map_err(|_| malformed("a field that is not UTF-8"))
        }
        Value::SimpleString(text) | Value::VerbatimString { text, .. } => Ok(text),
        _ => Err(malformed("a field that is not a string")),
    }
}

fn list(value: Value) -> Result<Vec<Value>, HubError> {
    match value {
        Value::Array(items) | Value::Set(items) => Ok(items),
        Value::Nil => Ok(Vec::new()),
        _ => Err(malformed("not a list")),
    }
}

/// `[[id, [field, value, …]], …]` (XRANGE, XREVRANGE, one stream of XREAD).
fn entries(value: Value) -> Result<Vec<Entry>, HubError> {
    list(value)?
        .into_iter()
        .map(|entry| {
            let mut parts = list(entry)?.into_iter();
            let id: HubId = text(
                parts
                    .next()
                    .ok_or_else(|| malformed("an entry without id"))?,
            )?
            .parse()
            .map_err(|_| malformed("an entry id"))?;
            let mut fields = Vec::new();
            let mut flat = list(parts.next().unwrap_or(Value::Nil))?.into_iter();
            while let (Some(name), Some(value)) = (flat.next(), flat.next()) {
                fields.push((text(name)?, text(value)?));
            }
            Ok((id, fields))
        })
        .collect()
}

/// XREAD's `[[key, entries], …]` (RESP2) or `{key: entries}` (RESP3); nil on timeout.
fn streams(value: Value) -> Result<Vec<(String, Vec<Entry>)>, HubError> {
    match value {
        Value::Map(pairs) => pairs
            .into_iter()
            .map(|(key, value)| Ok((text(key)?, entries(value)?)))
            .collect(),
        value => list(value)?
            .into_iter()
            .map(|stream| {
                let mut parts = list(stream)?.into_iter();
                let key = text(
                    parts
                        .next()
                        .ok_or_else(|| malformed("a stream without key"))?,
                )?;
                Ok((key, entries(parts.next().unwrap_or(Value::Nil))?))
            })
            .collect(),
    }
}

/// A field of XINFO's reply (a flat list in RESP2, a map in RESP3).
fn map_get<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    let is = |key: &Value| match key {
        Value::BulkString(bytes) => bytes == name.as_bytes(),
        Value::SimpleString(text) => text == name,
        _ => false,
    };
    match value {
        Value::Map(pairs) => pairs
            .iter()
            .find(|(key, _)| is(key))
            .map(|(_, value)| value),
        Value::Array(items) => items
            .chunks(2)
            .find(|pair| pair.len() == 2 && is(&pair[0]))
            .map(|pair| &pair[1]),
        _ => None,
    }
}
