//! The Redis backend of [`Hub`](super::Hub): one Redis stream per topic.
//!
//! * **Publish** is `XADD <key> MAXLEN ~ <max_len> * [event …] [retry …] [comment …] [data …]`
//!   on a small pool of multiplexed connections; the entry id Redis gives is the event id
//!   (this module).
//! * **Read**: one task per hub and process holds one more connection and reads every topic with
//!   local subscribers (and for [`RedisOptions::read_grace`] after the last one left: the hub's
//!   sweep then releases it) with a blocking `XREAD` from the last id it appended, and appends
//!   what it reads to the topic's local log, from which local subscribers are served
//!   ([`reader`]).
//! * **Resume**: a subscription whose `Last-Event-ID` is older than the local log reads the
//!   events after it from Redis (`XRANGE`, in pages) and then joins the local log ([`resume`]).
//! * **Faults**: when Redis cannot be reached, publishes fail with [`HubError::Unavailable`]
//!   and the reader retries with backoff; subscribers stay connected (their keep-alive comments
//!   go on). The reader then resumes after the last id it appended, so no event Redis stored is
//!   lost or repeated; what Redis trimmed before the reader could read it is announced as one
//!   `event: lagged`.

mod reader;
mod reply;
mod resume;

use std::{
    fmt,
    sync::{
        Arc, Mutex, OnceLock, Weak,
        atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering},
    },
    time::Duration,
};

use redis::{
    Client, Cmd, FromRedisValue, Pipeline, RedisError, RedisResult, RetryMethod,
    aio::{ConnectionManager, ConnectionManagerConfig},
};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{HubCounters, HubError, HubId, Topics, log::Topic};
use crate::{
    lock::lock,
    sse::{encoder::EncodeError, event::MessageEvent},
};
pub(in crate::sse) use resume::Backfill;

/// Where and how a [`Hub`](super::Hub) keeps its events in Redis (feature `redis`); given to
/// [`HubOptions::redis`](super::HubOptions::redis). Needs Redis 7.0 or later.
///
/// Every process configured with the same Redis and key prefix shares the same events: topic
/// `room` is the stream `<prefix>:room`, the hub itself `<prefix>`. Give every process the same
/// options.
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
    read_grace: Duration,
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
            .field("read_grace", &self.read_grace)
            .finish_non_exhaustive()
    }
}

impl RedisOptions {
    /// Redis at `url` (`redis://[user:password@]host[:port][/db]`), with the defaults below.
    /// Fails on a URL that is not Redis's; does not connect (the hub connects when first used,
    /// and again whenever it must).
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
            read_grace: Duration::from_secs(30),
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
    /// 1). The reader has one more of its own. Each carries any number of concurrent commands;
    /// one that stops answering is replaced.
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

    /// How long this process keeps reading a topic from Redis after its last local subscriber
    /// left (30 s by default). A topic is read (one more stream in the reader's `XREAD`) only
    /// while it has subscribers in this process, and for this long after, so that a browser
    /// that reconnects at once finds it still read; topics named by URLs that nobody follows
    /// any more cost nothing. A subscriber that arrives later is served as on a new topic: it
    /// resumes from Redis after its `Last-Event-ID`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use nest_core::sse::RedisOptions;
    ///
    /// let redis = RedisOptions::new("redis://127.0.0.1:6379")?.read_grace(Duration::from_secs(10));
    /// # let _ = redis;
    /// # Ok::<(), nest_core::sse::HubError>(())
    /// ```
    #[must_use]
    pub fn read_grace(mut self, grace: Duration) -> Self {
        self.read_grace = grace;
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
    /// Multiplexed connections, made on first use and dropped when they stop answering.
    pool: Mutex<Vec<Option<ConnectionManager>>>,
    next: AtomicUsize,
    topics: OnceLock<Weak<Topics>>,
    reader_started: AtomicBool,
    /// Notified when a topic joins the read.
    topic_added: Notify,
    /// Bumped when a topic joins the read.
    generation: AtomicU64,
    /// The generation the reader's current read includes.
    seen_generation: AtomicU64,
    /// `CLIENT ID` of the reader's connection (0: none), to cut its blocking read short.
    reader_id: AtomicI64,
    stop: CancellationToken,
    /// The hub's counters (errors and reconnections here).
    counters: Arc<HubCounters>,
}

/// A command or a pipeline.
#[derive(Clone, Copy)]
enum Request<'a> {
    Command(&'a Cmd),
    Pipeline(&'a Pipeline),
}

impl<'a> From<&'a Cmd> for Request<'a> {
    fn from(command: &'a Cmd) -> Self {
        Self::Command(command)
    }
}

impl<'a> From<&'a mut Cmd> for Request<'a> {
    fn from(command: &'a mut Cmd) -> Self {
        Self::Command(command)
    }
}

impl<'a> From<&'a Pipeline> for Request<'a> {
    fn from(pipeline: &'a Pipeline) -> Self {
        Self::Pipeline(pipeline)
    }
}

impl RedisBackend {
    pub(super) fn new(options: RedisOptions, counters: Arc<HubCounters>) -> Self {
        let pool = vec![None; options.pool_size];
        Self {
            options,
            pool: Mutex::new(pool),
            next: AtomicUsize::new(0),
            topics: OnceLock::new(),
            reader_started: AtomicBool::new(false),
            topic_added: Notify::new(),
            generation: AtomicU64::new(0),
            seen_generation: AtomicU64::new(0),
            reader_id: AtomicI64::new(0),
            stop: CancellationToken::new(),
            counters,
        }
    }

    pub(super) fn attach(&self, topics: Weak<Topics>) {
        let _ = self.topics.set(topics);
    }

    /// [`RedisOptions::read_grace`].
    pub(super) fn read_grace(&self) -> Duration {
        self.options.read_grace
    }

    /// Stops the reader (the hub is gone).
    pub(super) fn stop(&self) {
        self.stop.cancel();
    }

    /// Makes this process read `topic` from Redis, starting the reader if need be (on
    /// subscribe, under the topic's log lock: the sweep releases a topic under the same lock,
    /// only when it has no subscriber).
    pub(super) fn activate(self: &Arc<Self>, topic: &Topic) {
        if !self.reader_started.load(Ordering::Acquire)
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
            && !self.reader_started.swap(true, Ordering::AcqRel)
        {
            runtime.spawn(Arc::clone(self).read());
        }
        if !topic.active.swap(true, Ordering::AcqRel) {
            let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
            self.topic_added.notify_one();
            self.unblock_reader(generation);
        }
    }

    /// Cuts the reader's blocking `XREAD` short, so that it reads the new topic too: `CLIENT
    /// UNBLOCK` until it unblocked the read, or the reader started a read that includes the
    /// topic (an unblock sent before the read blocks does nothing).
    fn unblock_reader(self: &Arc<Self>, generation: u64) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let this = Arc::clone(self);
        runtime.spawn(async move {
            let deadline = tokio::time::Instant::now() + this.options.read_block;
            while this.seen_generation.load(Ordering::Acquire) < generation
                && tokio::time::Instant::now() < deadline
            {
                let id = this.reader_id.load(Ordering::Acquire);
                if id != 0 {
                    let unblocked: Result<i64, HubError> = this
                        .query(redis::cmd("CLIENT").arg("UNBLOCK").arg(id))
                        .await;
                    if unblocked == Ok(1) {
                        return;
                    }
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
    }

    /// Whether Redis answers a `PING` within the command timeout.
    pub(super) async fn ping(&self) -> Result<(), HubError> {
        let _: String = self.query(&redis::cmd("PING")).await?;
        Ok(())
    }

    /// `XADD`s `event` to `topic`'s stream and returns the id Redis gave it.
    pub(super) async fn publish(
        self: &Arc<Self>,
        topic: &Topic,
        event: MessageEvent,
    ) -> Result<HubId, HubError> {
        // Refuse what cannot be encoded before it reaches Redis and every instance.
        EncodeError::check(&event)?;
        // Reading the topic starts at the end of the stream as it was when the reader first
        // looked: an event added before that would not reach this process's subscribers. A
        // topic not read has no subscriber here to reach (one that subscribes meanwhile
        // starts from where the stream is when the reader looks, as any other).
        if topic.active.load(Ordering::Acquire) {
            self.wait_ready(topic).await?;
        }
        let mut xadd = redis::cmd("XADD");
        xadd.arg(self.options.key(topic))
            .arg("MAXLEN")
            .arg("~")
            .arg(self.options.max_len)
            .arg("*");
        let mut fields = 0;
        if let Some(name) = event.event_name() {
            xadd.arg("event").arg(name);
            fields += 1;
        }
        if let Some(retry) = event.retry_ms() {
            xadd.arg("retry").arg(retry);
            fields += 1;
        }
        if let Some(comment) = event.comment_text() {
            xadd.arg("comment").arg(comment);
            fields += 1;
        }
        if let Some(data) = event.data() {
            xadd.arg("data").arg(data);
            fields += 1;
        }
        if fields == 0 {
            // An entry needs a field; this one means nothing (an event with only an id).
            xadd.arg("_").arg("");
        }
        let id: String = self.query(&xadd).await?;
        id.parse()
            .map_err(|_| HubError::Redis(format!("XADD answered {id:?}, not an entry id")))
    }

    /// Waits until the reader placed `topic` (at most one blocking read and a command).
    async fn wait_ready(&self, topic: &Topic) -> Result<(), HubError> {
        let wait = async {
            loop {
                let notified = topic.ready.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                // Placed, or released by the sweep (no subscriber left to wait for).
                if lock(&topic.log).ready || !topic.active.load(Ordering::Acquire) {
                    return;
                }
                notified.await;
            }
        };
        let budget = self.options.read_block + self.options.command_timeout;
        tokio::time::timeout(budget, wait).await.map_err(|_| {
            HubError::Unavailable(
                "the hub could not read the topic's position from Redis in time".to_owned(),
            )
        })
    }

    /// A pooled connection (made now if its slot is empty) and its slot.
    async fn pooled(&self) -> RedisResult<(usize, ConnectionManager)> {
        let slot = self.next.fetch_add(1, Ordering::Relaxed) % self.options.pool_size;
        if let Some(connection) = lock(&self.pool)[slot].clone() {
            return Ok((slot, connection));
        }
        let timeout = self.options.command_timeout;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(1));
        let connection =
            ConnectionManager::new_with_config(self.options.client.clone(), config).await?;
        lock(&self.pool)[slot] = Some(connection.clone());
        Ok((slot, connection))
    }

    /// Runs `request` on a pooled connection, within the command timeout. A connection that
    /// did not answer in time is dropped from the pool: it may be dead without Redis having
    /// closed it (a network fault), and the manager only reconnects on errors it sees.
    async fn query<'a, T: FromRedisValue>(
        &self,
        request: impl Into<Request<'a>>,
    ) -> Result<T, HubError> {
        let request = request.into();
        let timeout = self.options.command_timeout;
        let mut used = None;
        let run = async {
            let (slot, mut connection) = self.pooled().await?;
            used = Some(slot);
            match request {
                Request::Command(command) => command.query_async(&mut connection).await,
                Request::Pipeline(pipeline) => pipeline.query_async(&mut connection).await,
            }
        };
        let outcome = tokio::time::timeout(timeout, run).await;
        let timed_out = match &outcome {
            Err(_) => true,
            Ok(Err(error)) => error.is_timeout(),
            Ok(Ok(_)) => false,
        };
        if timed_out && let Some(slot) = used {
            lock(&self.pool)[slot] = None;
        }
        if !matches!(outcome, Ok(Ok(_))) {
            self.counters.redis_errors.fetch_add(1, Ordering::Relaxed);
        }
        match outcome {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(classify(&error)),
            Err(_) => Err(HubError::Unavailable(format!(
                "Redis did not answer within {timeout:?}"
            ))),
        }
    }
}

/// Unavailable (the connection, or a Redis that cannot serve now: loading its data, a
/// failover, out of memory, busy with a script) or refused (everything else: a command Redis
/// will never accept).
fn classify(error: &RedisError) -> HubError {
    if matches!(error.code(), Some("OOM" | "BUSY"))
        || error.is_io_error()
        || error.is_connection_dropped()
        || error.is_connection_refusal()
        || error.is_timeout()
        || !matches!(error.retry_method(), RetryMethod::NoRetry)
    {
        HubError::Unavailable(error.to_string())
    } else {
        HubError::Redis(error.to_string())
    }
}

/// Whether Redis answered that the key does not exist.
fn no_such_key(error: &HubError) -> bool {
    matches!(error, HubError::Redis(why) if why.contains("no such key"))
}

/// `XINFO STREAM <key>` and `XRANGE <key> (<after> + COUNT <count>` in one transaction: what
/// Redis trimmed and the entries after `after`, as of one instant. `None` when the stream does
/// not exist.
fn snapshot(key: &str, after: HubId, count: usize) -> Pipeline {
    let mut pipe = redis::pipe();
    pipe.atomic()
        .cmd("XINFO")
        .arg("STREAM")
        .arg(key)
        .cmd("XRANGE")
        .arg(key)
        .arg(format!("({}", after.redis_form()))
        .arg("+")
        .arg("COUNT")
        .arg(count);
    pipe
}
