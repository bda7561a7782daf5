//! [`Hub`]: publish once, deliver to every subscriber, and let reconnecting clients resume from
//! a bounded replay log with no event lost and none twice; in one process, or across many
//! through Redis Streams.
//!
//! # Design
//! A hub topic keeps one log of events, each encoded **once** (with its id) when it reaches the
//! process. Subscribers do not have queues: each one is a cursor into the shared log, and reads
//! the frames after its cursor when its connection can take them. So:
//! * publishing never waits on a subscriber: it appends to the log and wakes the waiting ones;
//! * memory is the log (bounded by count, bytes and age) plus each connection's socket buffers,
//!   however many subscribers there are and however slow they are;
//! * a subscriber that falls more than `max_pending_bytes` behind is disconnected with a log
//!   line; its browser reconnects with `Last-Event-ID` and resumes from the log;
//! * one sweep task per hub expires old events by the clock and drops the topics that hold
//!   nothing, and [`HubOptions::max_topics`] caps how many it holds, so that topics named by
//!   URLs cannot grow it without bound.
//!
//! The **in-memory** hub (the default) numbers events `1, 2, 3, …` per topic, in publish order,
//! so `Last-Event-ID` names a position in the log. Ids restart at 1 when the process restarts; a
//! `Last-Event-ID` beyond the last published id is taken as "from now on".
//!
//! The **Redis** hub (feature `redis`, [`HubOptions::redis`]) publishes with `XADD` to one Redis
//! stream per topic, and one task per process reads every topic with local subscribers (and
//! for [`RedisOptions::read_grace`] after the last one left) with a blocking `XREAD` and
//! appends what it reads to the local log: the Redis entry id is the event id, so a browser
//! resumes on any instance. See `docs/scaling.md` and [`RedisOptions`].

pub(crate) mod error;
mod id;
mod log;
#[cfg(feature = "redis")]
mod redis;
mod subscription;

use std::{
    collections::HashMap,
    fmt,
    marker::PhantomData,
    sync::{
        Arc, Mutex, Weak,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use tokio_util::sync::CancellationToken;

use crate::{lock::lock, sse::event::MessageEvent};
pub use error::HubError;
pub use id::{HubId, ParseHubIdError};
use log::Topic;
#[cfg(feature = "redis")]
pub use redis::RedisOptions;
use subscription::Lagged;
pub use subscription::{HubFrame, Subscription};

tokio::task_local! {
    /// The connection the current request arrived on: a hub subscription made while handling
    /// it can close it when the client falls too far behind.
    pub(crate) static CONNECTION: ConnectionClose;
}

/// How a hub subscription closes the connection it was made on: a token, made when a
/// subscription first asks for it (most connections never subscribe), which the connection's
/// task watches from then on.
#[derive(Debug, Default)]
pub(crate) struct ConnectionClose(std::sync::OnceLock<CancellationToken>);

impl ConnectionClose {
    /// The token, made on first use.
    fn token(&self) -> CancellationToken {
        self.0.get_or_init(CancellationToken::new).clone()
    }

    /// The token, if a subscription has asked for it.
    pub(crate) fn get(&self) -> Option<CancellationToken> {
        self.0.get().cloned()
    }

    /// Closes what `token`'s owner watches (an HTTP/2 stream) when a subscription asks.
    pub(crate) fn with_token(token: CancellationToken) -> Self {
        Self(std::sync::OnceLock::from(token))
    }
}

/// Limits and backend of a hub.
///
/// ```
/// use std::time::Duration;
/// use nest_core::sse::HubOptions;
///
/// let options = HubOptions::default()
///     .capacity(50_000)
///     .max_log_bytes(4 << 20)
///     .max_age(Some(Duration::from_secs(600)))
///     .max_pending_bytes(1 << 20)
///     .max_topics(10_000);
/// # let _ = options;
/// ```
#[derive(Debug, Clone)]
pub struct HubOptions {
    limits: Limits,
    max_topics: usize,
    #[cfg(feature = "redis")]
    redis: Option<RedisOptions>,
}

impl Default for HubOptions {
    /// Per topic 10,000 events or 16 MiB, kept at most 5 minutes, subscribers at most 4 MiB
    /// behind; at most 100,000 topics; in memory.
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            max_topics: 100_000,
            #[cfg(feature = "redis")]
            redis: None,
        }
    }
}

/// The limits of each topic's local log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Limits {
    capacity: usize,
    max_log_bytes: u64,
    max_age: Option<Duration>,
    max_pending_bytes: u64,
}

impl Default for Limits {
    /// 10,000 events or 16 MiB, kept at most 5 minutes; a subscriber may fall 4 MiB behind
    /// (NestJS's `maxPendingDataLength` default).
    fn default() -> Self {
        Self {
            capacity: 10_000,
            max_log_bytes: 16 * 1024 * 1024,
            max_age: Some(Duration::from_secs(300)),
            max_pending_bytes: 4 * 1024 * 1024,
        }
    }
}

impl HubOptions {
    /// How many events the local replay log keeps per topic (at least 1; 10,000 by default).
    /// With Redis, older events are read back from the Redis stream.
    #[must_use]
    pub fn capacity(mut self, events: usize) -> Self {
        self.limits.capacity = events.max(1);
        self
    }

    /// How many bytes of encoded events the local replay log keeps per topic (16 MiB by
    /// default); the oldest events leave first, and the newest one always stays, however big.
    ///
    /// 16 MiB holds the whole default `capacity` of events of up to 1.6 KiB, the size of a chat
    /// message or a JSON update, and is four times `max_pending_bytes`, so that a subscriber
    /// is disconnected for falling behind (and resumes) before the log leaves it behind;
    /// yet a stream of large events cannot hold more than 16 MiB per topic. A subscriber
    /// whose position has left the log resumes with an `event: lagged` frame (see
    /// [`Hub::subscribe`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use nest_core::sse::{Hub, HubOptions};
    ///
    /// let hub: Hub<String> = Hub::with_options(HubOptions::default().max_log_bytes(10_000));
    /// for _ in 0..100 {
    ///     hub.publish("x".repeat(1_000)).await.unwrap();
    /// }
    /// assert!(hub.stats().retained_bytes <= 10_000);
    /// # }
    /// ```
    #[must_use]
    pub fn max_log_bytes(mut self, bytes: u64) -> Self {
        self.limits.max_log_bytes = bytes;
        self
    }

    /// How long an event stays in the local replay log (`None`: until pushed out by
    /// `capacity` or `max_log_bytes`; 5 minutes by default). Enforced by the clock: the hub
    /// sweeps its topics every second (more often when `max_age` is shorter), whether or not
    /// anything is published.
    #[must_use]
    pub fn max_age(mut self, age: Option<Duration>) -> Self {
        self.limits.max_age = age;
        self
    }

    /// How far (in bytes of encoded events) a subscriber may fall behind before it is
    /// disconnected (4 MiB by default, NestJS's `maxPendingDataLength`).
    #[must_use]
    pub fn max_pending_bytes(mut self, bytes: u64) -> Self {
        self.limits.max_pending_bytes = bytes;
        self
    }

    /// How many topics ([`Hub::topic`]) the hub holds at once (100,000 by default; at least
    /// 1). A topic is dropped once it has no subscriber, no event left in its replay log and no
    /// [`Hub`] handle held to it; past this many, a new topic is refused:
    /// [`Hub::try_subscribe`] and [`Hub::publish`] on it fail with
    /// [`HubError::TooManyTopics`], a `503 Service Unavailable`, and one warning is logged
    /// (again once the hub went back under the cap). Topics named by URLs (a room per path)
    /// can then not grow the hub without bound.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use nest_core::sse::{Hub, HubError, HubOptions};
    ///
    /// let hub: Hub<&str> = Hub::with_options(HubOptions::default().max_topics(1));
    /// let red = hub.topic("red").try_subscribe(None).unwrap();
    /// let blue = hub.topic("blue");
    /// assert!(matches!(blue.publish("hi").await, Err(HubError::TooManyTopics { .. })));
    /// # drop(red);
    /// # }
    /// ```
    #[must_use]
    pub fn max_topics(mut self, topics: usize) -> Self {
        self.max_topics = topics.max(1);
        self
    }

    /// Keeps the hub's events in Redis Streams, shared by every process configured with the
    /// same Redis and key prefix (feature `redis`).
    ///
    /// ```
    /// use nest_core::sse::{Hub, HubOptions, RedisOptions};
    ///
    /// let redis = RedisOptions::new("redis://127.0.0.1:6379")?.key_prefix("chat");
    /// let hub: Hub = Hub::with_options(HubOptions::default().redis(redis));
    /// # let _ = hub;
    /// # Ok::<(), nest_core::sse::HubError>(())
    /// ```
    #[cfg(feature = "redis")]
    #[must_use]
    pub fn redis(mut self, redis: RedisOptions) -> Self {
        self.redis = Some(redis);
        self
    }
}

/// A broadcast of events with a replay log: every subscriber receives every event published
/// after its position, in order, exactly once, and a reconnecting client resumes where it left
/// off.
///
/// `T` is what you publish (anything that converts into [`MessageEvent`]). Cloning a `Hub` gives
/// another handle to the same hub; [`Hub::topic`] gives the hub of one room. The same code runs
/// on one process (the default) or on many sharing Redis ([`HubOptions::redis`]).
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::sse::{Hub, HubFrame, HubId};
///
/// #[derive(Default)]
/// struct ChatController {
///     hub: Hub,
/// }
///
/// #[controller("chat")]
/// impl ChatController {
///     /// Everything said in `room`, resuming after `Last-Event-ID`.
///     #[sse(":room")]
///     fn room(&self, #[param("room")] room: String, last: LastEventId<HubId>) -> impl Stream<Item = HubFrame> {
///         self.hub.topic(&room).subscribe(last.0)
///     }
///
///     #[post(":room/:text")]
///     async fn say(&self, #[param("room")] room: String, #[param("text")] text: String) -> Result<String, HttpException> {
///         let id = self.hub.topic(&room).publish(MessageEvent::new(text)).await?;
///         Ok(id.to_string())
///     }
/// }
/// ```
pub struct Hub<T = MessageEvent> {
    topics: Arc<Topics>,
    topic: Arc<Topic>,
    /// A new topic past `max_topics`: `topic` is a stand-in that is never used.
    refused: bool,
    _events: PhantomData<fn(T)>,
}

impl<T> Clone for Hub<T> {
    fn clone(&self) -> Self {
        Self {
            topics: Arc::clone(&self.topics),
            topic: Arc::clone(&self.topic),
            refused: self.refused,
            _events: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Hub<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hub")
            .field("topic", &self.topic.name)
            .field("stats", &self.topic.stats())
            .finish()
    }
}

impl<T: Into<MessageEvent>> Default for Hub<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Counts a hub exposes, for monitoring and tests (for this process).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HubStats {
    /// Subscriptions alive now.
    pub subscribers: usize,
    /// Events in the local replay log.
    pub retained_events: usize,
    /// Bytes of encoded events in the local replay log.
    pub retained_bytes: u64,
    /// The id of the last event in the local log ([`HubId::ZERO`] before the first).
    pub last_id: HubId,
    /// Subscribers disconnected so far for falling behind.
    pub dropped_subscribers: u64,
    /// Topics the whole hub holds now ([`Hub::topic`]; not counting the hub itself), at most
    /// [`HubOptions::max_topics`].
    pub topics: usize,
    /// Topics (the hub itself included) this process reads from Redis now: those with a local
    /// subscriber, and for [`RedisOptions::read_grace`] after the last one left. Always 0 in
    /// memory.
    pub read_topics: usize,
}

/// The whole hub's counters since it was made, for the metrics
/// ([`Metrics::observe_hub`](crate::metrics::Metrics::observe_hub)): each counts a rare event
/// (a subscriber dropped or resuming, a Redis error), never one per event sent.
#[derive(Debug, Default)]
pub(super) struct HubCounters {
    pub(super) dropped_subscribers: AtomicU64,
    pub(super) lagged: AtomicU64,
    pub(super) replayed_events: AtomicU64,
    pub(super) redis_errors: AtomicU64,
    pub(super) redis_reconnects: AtomicU64,
}

/// Reads a hub's counts at each scrape, holding it weakly.
impl<T> crate::metrics::ObservedHub for Hub<T> {
    fn sampler(&self) -> crate::metrics::HubSampler {
        let topics = Arc::downgrade(&self.topics);
        Box::new(move || {
            let topics = topics.upgrade()?;
            let by_name = lock(&topics.by_name);
            let subscribers = by_name
                .values()
                .chain([&topics.root])
                .map(|topic| lock(&topic.log).subscribers.len() as u64)
                .sum();
            let counters = &topics.root.counters;
            Some(crate::metrics::HubSample {
                topics: by_name.len() as u64,
                subscribers,
                dropped_subscribers: counters.dropped_subscribers.load(Ordering::Relaxed),
                lagged: counters.lagged.load(Ordering::Relaxed),
                replayed_events: counters.replayed_events.load(Ordering::Relaxed),
                redis_errors: counters.redis_errors.load(Ordering::Relaxed),
                redis_reconnects: counters.redis_reconnects.load(Ordering::Relaxed),
            })
        })
    }
}

/// Where a hub's events live.
#[derive(Clone)]
enum Backend {
    Memory,
    #[cfg(feature = "redis")]
    Redis(Arc<redis::RedisBackend>),
}

/// Every topic of one hub.
struct Topics {
    limits: Limits,
    max_topics: usize,
    backend: Backend,
    root: Arc<Topic>,
    by_name: Mutex<HashMap<String, Arc<Topic>>>,
    /// Whether the sweep task was started.
    sweeping: AtomicBool,
    /// Whether `max_topics` was reached and logged (cleared when back under it).
    full: AtomicBool,
    /// Ends the sweep task.
    stop: CancellationToken,
}

/// How often the sweep runs at most (more often when `max_age` or Redis's `read_grace` is
/// shorter: a quarter of it, and at least every 10 ms).
const SWEEP_PERIOD: Duration = Duration::from_secs(1);

impl Topics {
    /// Starts the sweep task if it is not running and a runtime is at hand: one per hub,
    /// holding only a weak reference to it, ended when the hub is dropped.
    fn start_sweeping(self: &Arc<Self>) {
        if self.sweeping.load(Ordering::Relaxed) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.sweeping.swap(true, Ordering::AcqRel) {
            return;
        }
        let mut period = SWEEP_PERIOD;
        if let Some(max_age) = self.limits.max_age {
            period = period.min(max_age / 4);
        }
        #[cfg(feature = "redis")]
        if let Backend::Redis(redis) = &self.backend {
            period = period.min(redis.read_grace() / 4);
        }
        let period = period.max(Duration::from_millis(10));
        runtime.spawn(sweep(Arc::downgrade(self), self.stop.clone(), period));
    }

    /// Expires old events, stops reading idle Redis topics, and drops the topics that hold
    /// nothing and that no handle refers to.
    fn sweep(&self) {
        let now = tokio::time::Instant::now();
        self.root.tidy(now);
        let mut by_name = lock(&self.by_name);
        // A topic only the map refers to (no handle, no subscription: each holds an `Arc`)
        // cannot be reached but through the map, locked here: dropping it races with nothing.
        by_name.retain(|_, topic| !topic.tidy(now) || Arc::strong_count(topic) > 1);
        let len = by_name.len();
        if by_name.capacity() > 64 && len < by_name.capacity() / 4 {
            by_name.shrink_to(len * 2);
        }
        if len < self.max_topics {
            self.full.store(false, Ordering::Relaxed);
        }
    }

    /// A new topic was refused: logs it the first time.
    fn refuse(&self) {
        if !self.full.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                target: "Hub",
                "the hub holds its limit of {} topics (HubOptions::max_topics): new topics are refused with 503 Service Unavailable until some are dropped",
                self.max_topics,
            );
        }
    }

    fn too_many(&self) -> HubError {
        HubError::TooManyTopics {
            max_topics: self.max_topics,
        }
    }
}

/// The sweep task: every `period`, until the hub is dropped.
async fn sweep(topics: Weak<Topics>, stop: CancellationToken, period: Duration) {
    // Dropped with the task, also when its runtime shuts down: the next use of the hub, on
    // another runtime, starts the sweep again.
    struct Running(Weak<Topics>);
    impl Drop for Running {
        fn drop(&mut self) {
            if let Some(topics) = self.0.upgrade() {
                topics.sweeping.store(false, Ordering::Release);
            }
        }
    }
    let _running = Running(topics.clone());
    let mut interval = tokio::time::interval(period);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            () = stop.cancelled() => return,
        }
        let Some(topics) = topics.upgrade() else {
            return;
        };
        topics.sweep();
    }
}

impl Drop for Topics {
    fn drop(&mut self) {
        self.stop.cancel();
        #[cfg(feature = "redis")]
        if let Backend::Redis(redis) = &self.backend {
            redis.stop();
        }
    }
}

impl<T: Into<MessageEvent>> Hub<T> {
    /// An in-memory hub with [`HubOptions::default`].
    pub fn new() -> Self {
        Self::with_options(HubOptions::default())
    }

    /// A hub with these limits (for it and each of its topics) and backend.
    pub fn with_options(options: HubOptions) -> Self {
        let counters = Arc::new(HubCounters::default());
        #[cfg(feature = "redis")]
        let backend = match options.redis {
            None => Backend::Memory,
            Some(redis) => Backend::Redis(Arc::new(redis::RedisBackend::new(
                redis,
                Arc::clone(&counters),
            ))),
        };
        #[cfg(not(feature = "redis"))]
        let backend = Backend::Memory;
        let root = Arc::new(Topic::new(None, options.limits, backend.clone(), counters));
        let topics = Arc::new(Topics {
            limits: options.limits,
            max_topics: options.max_topics,
            backend,
            root: Arc::clone(&root),
            by_name: Mutex::new(HashMap::new()),
            sweeping: AtomicBool::new(false),
            full: AtomicBool::new(false),
            stop: CancellationToken::new(),
        });
        #[cfg(feature = "redis")]
        if let Backend::Redis(redis) = &topics.backend {
            redis.attach(Arc::downgrade(&topics));
        }
        Self {
            topics,
            topic: root,
            refused: false,
            _events: PhantomData,
        }
    }

    /// The hub of topic `name` (a room), created on first use, with the same limits.
    ///
    /// The handle keeps the topic alive: while it (or a subscription to the topic) exists, the
    /// topic stays in the hub, and publishing through it reaches every subscriber of `name`.
    /// Once nothing refers to a topic and its replay log is empty (its events older than
    /// [`HubOptions::max_age`]), the hub drops it; asking for `name` again then makes a new
    /// one, whose in-memory ids start again at 1 (as after a restart: a `Last-Event-ID` from
    /// before is taken as "from now on"). With Redis the events stay in Redis, and ids go on.
    ///
    /// Past [`HubOptions::max_topics`], a new topic is refused: the handle's
    /// [`try_subscribe`](Self::try_subscribe) and [`publish`](Self::publish) fail with
    /// [`HubError::TooManyTopics`], and it stays refused (ask again later).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use nest_core::sse::Hub;
    ///
    /// let hub: Hub<&str> = Hub::new();
    /// let lobby = hub.topic("lobby");
    /// let subscription = lobby.subscribe(None);
    /// lobby.publish("hello").await.unwrap();
    /// assert_eq!(hub.stats().topics, 1);
    /// # drop(subscription);
    /// # }
    /// ```
    pub fn topic(&self, name: &str) -> Self {
        let topics = &self.topics;
        topics.start_sweeping();
        let found = {
            let mut by_name = lock(&topics.by_name);
            match by_name.get(name) {
                Some(topic) => Some(Arc::clone(topic)),
                None if by_name.len() < topics.max_topics => {
                    let topic = Arc::new(Topic::new(
                        Some(name.to_owned()),
                        topics.limits,
                        topics.backend.clone(),
                        Arc::clone(&topics.root.counters),
                    ));
                    by_name.insert(name.to_owned(), Arc::clone(&topic));
                    Some(topic)
                }
                None => None,
            }
        };
        let refused = found.is_none();
        if refused {
            topics.refuse();
        }
        let topic = found.unwrap_or_else(|| {
            Arc::new(Topic::new(
                Some(name.to_owned()),
                topics.limits,
                topics.backend.clone(),
                Arc::clone(&topics.root.counters),
            ))
        });
        Self {
            topics: Arc::clone(topics),
            topic,
            refused,
            _events: PhantomData,
        }
    }

    /// Publishes `event` to every subscriber and to the replay log, and returns its id.
    ///
    /// Never waits on a subscriber. Any id set on the event is replaced by the hub's. Fails, and
    /// publishes nothing, if the event's JSON data could not be serialised. With Redis, the id
    /// is returned once Redis stored the event (`XADD`), and a Redis that cannot be reached
    /// within [`RedisOptions::command_timeout`] is a [`HubError::Unavailable`]. A new topic
    /// past [`HubOptions::max_topics`] is a [`HubError::TooManyTopics`].
    pub async fn publish(&self, event: T) -> Result<HubId, HubError> {
        if self.refused {
            return Err(self.topics.too_many());
        }
        self.topics.start_sweeping();
        let event: MessageEvent = event.into();
        match &self.topic.backend {
            Backend::Memory => Ok(self.topic.publish_in_memory(event)?),
            #[cfg(feature = "redis")]
            Backend::Redis(redis) => redis.publish(&self.topic, event).await,
        }
    }

    /// A subscription to every event published after `last_event_id` (the `Last-Event-ID` a
    /// reconnecting client sends), or after now when `None`.
    ///
    /// Events still in the replay log come first, then live ones, with no gap and no duplicate.
    /// If some of the events asked for have already left the log, the subscription starts with
    /// one `event: lagged` frame whose data is how many were lost (`unknown` with Redis, which
    /// does not count what it trimmed) and whose id is the last lost one (so a later reconnect
    /// does not announce the same loss again), then continues from the oldest event kept.
    /// With Redis, events older than the local log are read back from the Redis stream.
    /// Made while handling a request, the subscription closes that connection if its client
    /// falls too far behind.
    ///
    /// On a new topic refused past [`HubOptions::max_topics`], the subscription ends at once:
    /// use [`try_subscribe`](Self::try_subscribe) to answer `503` instead.
    pub fn subscribe(&self, last_event_id: Option<HubId>) -> Subscription {
        self.topics.start_sweeping();
        if self.refused {
            let mut log = lock(&self.topic.log);
            let key = log.add_subscriber(None, None);
            if let Some(subscriber) = log.subscribers.get_mut(&key) {
                subscriber.dropped = true;
            }
            drop(log);
            return Subscription {
                topic: Arc::clone(&self.topic),
                key,
                lagged: None,
                placed: false,
                armed: None,
                #[cfg(feature = "redis")]
                backfill: None,
            };
        }
        let connection = CONNECTION.try_with(ConnectionClose::token).ok();
        let mut log = lock(&self.topic.log);
        let mut lagged = None;
        let cursor = match &self.topic.backend {
            Backend::Memory => {
                log.expire(&self.topic.limits);
                let cursor = match last_event_id {
                    Some(id) if id <= log.last_id => id,
                    _ => log.last_id,
                };
                if cursor < log.base {
                    lagged = Some(Lagged {
                        missed: Some(log.base.sequence() - cursor.sequence()),
                        resume_after: log.base,
                    });
                }
                let cursor = cursor.max(log.base);
                if last_event_id.is_some() && cursor < log.last_id {
                    let replayed = log.last_id.sequence() - cursor.sequence();
                    self.topic
                        .counters
                        .replayed_events
                        .fetch_add(replayed, Ordering::Relaxed);
                }
                Some(cursor)
            }
            #[cfg(feature = "redis")]
            Backend::Redis(redis) => {
                redis.activate(&self.topic);
                // "From now" is now if the position is known; else where it will be.
                last_event_id.or(log.ready.then_some(log.last_id))
            }
        };
        let key = log.add_subscriber(cursor, connection);
        drop(log);
        Subscription {
            topic: Arc::clone(&self.topic),
            key,
            lagged,
            placed: false,
            armed: None,
            #[cfg(feature = "redis")]
            backfill: None,
        }
    }

    /// [`subscribe`](Self::subscribe), or [`HubError::TooManyTopics`] when this is a new topic
    /// refused past [`HubOptions::max_topics`]: what an `#[sse]` route whose topic comes from
    /// the URL returns, so that the client gets a `503 Service Unavailable`.
    ///
    /// ```
    /// use nest_core::prelude::*;
    /// use nest_core::sse::{Hub, HubError, HubId, Subscription};
    ///
    /// #[derive(Default)]
    /// struct RoomsController {
    ///     hub: Hub,
    /// }
    ///
    /// #[controller("rooms")]
    /// impl RoomsController {
    ///     #[sse(":room")]
    ///     fn room(&self, #[param("room")] room: String, last: LastEventId<HubId>) -> Result<Subscription, HubError> {
    ///         self.hub.topic(&room).try_subscribe(last.0)
    ///     }
    /// }
    /// ```
    pub fn try_subscribe(&self, last_event_id: Option<HubId>) -> Result<Subscription, HubError> {
        if self.refused {
            return Err(self.topics.too_many());
        }
        Ok(self.subscribe(last_event_id))
    }

    /// Current counts (of this process): those of this topic, and how many topics the hub
    /// holds and reads.
    ///
    /// ```
    /// use nest_core::sse::Hub;
    ///
    /// let hub: Hub<&str> = Hub::new();
    /// let stats = hub.topic("lobby").stats();
    /// assert_eq!((stats.subscribers, stats.retained_events, stats.topics), (0, 0, 1));
    /// ```
    pub fn stats(&self) -> HubStats {
        let mut stats = self.topic.stats();
        let by_name = lock(&self.topics.by_name);
        stats.topics = by_name.len();
        #[cfg(feature = "redis")]
        if matches!(self.topics.backend, Backend::Redis(_)) {
            stats.read_topics = by_name
                .values()
                .chain([&self.topics.root])
                .filter(|topic| topic.active.load(Ordering::Acquire))
                .count();
        }
        stats
    }

    /// Whether the hub can publish now: with Redis, whether Redis answers a `PING` within
    /// [`RedisOptions::command_timeout`] (else [`HubError::Unavailable`]); in memory, always.
    /// What the hub's health indicator checks
    /// ([`HubHealthIndicator`](crate::health::HubHealthIndicator)).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use nest_core::sse::Hub;
    /// let hub: Hub = Hub::new();
    /// assert!(hub.ping().await.is_ok());
    /// # }
    /// ```
    pub async fn ping(&self) -> Result<(), HubError> {
        match &self.topics.backend {
            Backend::Memory => Ok(()),
            #[cfg(feature = "redis")]
            Backend::Redis(redis) => redis.ping().await,
        }
    }

    /// Whether the hub keeps its events in Redis.
    pub fn is_redis(&self) -> bool {
        !matches!(self.topics.backend, Backend::Memory)
    }

    /// Ends every subscription of this topic in this process now, closing the connections
    /// they were made on (as a crash or a deploy would); returns how many. Browsers reconnect
    /// with `Last-Event-ID` and resume from the replay log. For operations and for testing
    /// resumption.
    pub fn disconnect_all(&self) -> usize {
        if self.refused {
            return 0;
        }
        let mut log = lock(&self.topic.log);
        self.topic.woke();
        log.subscribers
            .values_mut()
            .map(|subscriber| subscriber.end())
            .filter(|&ended| ended)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::*;

    fn ids(frames: &[HubFrame]) -> Vec<u64> {
        frames
            .iter()
            .filter_map(HubFrame::id)
            .map(HubId::sequence)
            .collect()
    }

    /// A waker that counts its wakes.
    #[derive(Default)]
    struct Counter(std::sync::atomic::AtomicUsize);

    impl std::task::Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    impl Counter {
        fn wakes(&self) -> usize {
            self.0.load(std::sync::atomic::Ordering::SeqCst)
        }
    }

    /// A subscription that read everything returns `Pending` without the lock while nothing
    /// happens; it must still be woken, and see what happened, after a publish, after
    /// `disconnect_all`, and when it is polled with another waker.
    #[tokio::test]
    async fn a_caught_up_subscription_is_woken_by_whatever_happens_next() {
        use futures_core::Stream;
        use std::{
            pin::Pin,
            task::{Context, Poll, Waker},
        };
        let hub: Hub<&str> = Hub::new();
        let mut subscription = hub.subscribe(None);
        let (first, second) = (Arc::new(Counter::default()), Arc::new(Counter::default()));
        let (first_waker, second_waker) = (
            Waker::from(Arc::clone(&first)),
            Waker::from(Arc::clone(&second)),
        );
        let mut poll =
            |waker: &Waker| Pin::new(&mut subscription).poll_next(&mut Context::from_waker(waker));
        assert!(poll(&first_waker).is_pending());
        hub.publish("a").await.unwrap();
        assert_eq!(first.wakes(), 1);
        // The last frame leaves the waker behind: the next poll finds nothing, lock-free.
        assert!(matches!(poll(&first_waker), Poll::Ready(Some(_))));
        for _ in 0..3 {
            assert!(poll(&first_waker).is_pending());
        }
        hub.publish("b").await.unwrap();
        assert_eq!(first.wakes(), 2);
        let Poll::Ready(Some(frame)) = poll(&first_waker) else {
            panic!("the frame published while caught up")
        };
        assert_eq!(frame.as_bytes(), b"id: 2\ndata: b\n\n");
        assert!(poll(&first_waker).is_pending());
        // Another waker (the stream moved to another task): it is the one woken next.
        assert!(poll(&second_waker).is_pending());
        hub.publish("c").await.unwrap();
        assert_eq!((first.wakes(), second.wakes()), (2, 1));
        assert!(matches!(poll(&second_waker), Poll::Ready(Some(_))));
        assert!(poll(&second_waker).is_pending());
        // Ending every subscription wakes it, and it ends.
        assert_eq!(hub.disconnect_all(), 1);
        assert_eq!(second.wakes(), 2);
        assert!(matches!(poll(&second_waker), Poll::Ready(None)));
    }

    #[tokio::test]
    async fn replays_then_continues_live() {
        let hub: Hub<&str> = Hub::new();
        for text in ["a", "b", "c"] {
            hub.publish(text).await.unwrap();
        }
        let mut subscription = hub.subscribe(Some(1.into()));
        let replayed: Vec<HubFrame> = (&mut subscription).take(2).collect().await;
        assert_eq!(ids(&replayed), [2, 3]);
        hub.publish("d").await.unwrap();
        let live = subscription.next().await.unwrap();
        assert_eq!(live.as_bytes(), b"id: 4\ndata: d\n\n");
    }

    #[tokio::test]
    async fn a_new_subscriber_starts_from_now() {
        let hub: Hub<&str> = Hub::new();
        hub.publish("old").await.unwrap();
        let mut subscription = hub.subscribe(None);
        hub.publish("new").await.unwrap();
        assert_eq!(subscription.next().await.unwrap().id(), Some(2.into()));
    }

    #[tokio::test]
    async fn a_position_before_the_log_reports_what_was_lost() {
        let hub: Hub<&str> = Hub::with_options(HubOptions::default().capacity(2));
        for text in ["a", "b", "c", "d"] {
            hub.publish(text).await.unwrap();
        }
        let frames: Vec<HubFrame> = hub.subscribe(Some(0.into())).take(3).collect().await;
        assert_eq!(frames[0].as_bytes(), b"event: lagged\nid: 2\ndata: 2\n\n");
        assert_eq!(ids(&frames[1..]), [3, 4]);
    }

    #[tokio::test]
    async fn an_id_from_the_future_is_taken_as_now() {
        let hub: Hub<&str> = Hub::new();
        hub.publish("a").await.unwrap();
        let mut subscription = hub.subscribe(Some(99.into()));
        hub.publish("b").await.unwrap();
        assert_eq!(subscription.next().await.unwrap().id(), Some(2.into()));
    }

    #[tokio::test]
    async fn topics_are_separate() {
        let hub: Hub<&str> = Hub::new();
        let mut red = hub.topic("red").subscribe(None);
        hub.topic("blue").publish("to blue").await.unwrap();
        hub.topic("red").publish("to red").await.unwrap();
        assert_eq!(
            red.next().await.unwrap().as_bytes(),
            b"id: 1\ndata: to red\n\n"
        );
        assert_eq!(hub.topic("blue").stats().last_id, 1.into());
    }

    #[tokio::test(start_paused = true)]
    async fn old_events_expire() {
        let hub: Hub<&str> =
            Hub::with_options(HubOptions::default().max_age(Some(Duration::from_secs(10))));
        hub.publish("a").await.unwrap();
        tokio::time::advance(Duration::from_secs(11)).await;
        hub.publish("b").await.unwrap();
        assert_eq!(hub.stats().retained_events, 1);
    }

    #[tokio::test]
    async fn the_log_is_bounded_by_bytes_and_a_resume_from_an_evicted_id_is_lagged() {
        let hub: Hub<String> = Hub::with_options(
            HubOptions::default()
                .max_log_bytes(10_000)
                .max_pending_bytes(u64::MAX),
        );
        let mut slow = hub.subscribe(None);
        for n in 0..100 {
            hub.publish(format!("{n:04} {}", "x".repeat(1_000)))
                .await
                .unwrap();
            assert!(hub.stats().retained_bytes <= 10_000, "{:?}", hub.stats());
        }
        let stats = hub.stats();
        assert!(stats.retained_events >= 9, "{stats:?}");
        assert_eq!(stats.last_id, 100.into());
        // The oldest left first: a resume from one of them is announced as lagged.
        let frames: Vec<HubFrame> = hub.subscribe(Some(1.into())).take(2).collect().await;
        let oldest = 100 - stats.retained_events as u64;
        assert_eq!(
            frames[0].as_bytes(),
            format!("event: lagged\nid: {oldest}\ndata: {}\n\n", oldest - 1).as_bytes()
        );
        assert_eq!(frames[1].id(), Some((oldest + 1).into()));
        // The subscriber left behind by the log ends, and can resume.
        assert!(slow.next().await.is_none());
        // The newest event stays, however big.
        hub.publish("y".repeat(50_000)).await.unwrap();
        assert_eq!(hub.stats().retained_events, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn old_events_expire_by_the_clock_untouched() {
        let hub: Hub<&str> =
            Hub::with_options(HubOptions::default().max_age(Some(Duration::from_secs(10))));
        let room = hub.topic("room");
        room.publish("a").await.unwrap();
        hub.publish("b").await.unwrap();
        tokio::time::sleep(Duration::from_secs(9)).await;
        assert_eq!(room.stats().retained_events, 1);
        // Nothing is published or subscribed: the hub's sweep drops them.
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert_eq!(room.stats().retained_events, 0);
        assert_eq!(hub.stats().retained_events, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn topics_that_hold_nothing_are_dropped() {
        let hub: Hub<&str> =
            Hub::with_options(HubOptions::default().max_age(Some(Duration::from_secs(10))));
        let subscriptions: Vec<Subscription> = (0..1_000)
            .map(|n| hub.topic(&format!("room {n}")).subscribe(None))
            .collect();
        hub.topic("with events")
            .publish("kept a while")
            .await
            .unwrap();
        assert_eq!(hub.stats().topics, 1_001);
        drop(subscriptions);
        tokio::time::sleep(Duration::from_secs(2)).await;
        // The one with an event stays until the event expires.
        assert_eq!(hub.stats().topics, 1);
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_eq!(hub.stats().topics, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_held_topic_handle_keeps_its_topic() {
        let hub: Hub<&str> = Hub::new();
        let room = hub.topic("room");
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert_eq!(hub.stats().topics, 1);
        // A subscriber through another handle gets what the held handle publishes.
        let mut subscription = hub.topic("room").subscribe(None);
        room.publish("through the held handle").await.unwrap();
        assert_eq!(
            subscription.next().await.unwrap().as_bytes(),
            b"id: 1\ndata: through the held handle\n\n"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn new_topics_past_the_limit_are_refused_until_some_are_dropped() {
        let hub: Hub<&str> = Hub::with_options(HubOptions::default().max_topics(2));
        let red = hub.topic("red").try_subscribe(None).unwrap();
        let blue = hub.topic("blue").try_subscribe(None).unwrap();
        let green = hub.topic("green");
        let refused = HubError::TooManyTopics { max_topics: 2 };
        assert_eq!(green.try_subscribe(None).unwrap_err(), refused);
        assert_eq!(green.publish("hi").await.unwrap_err(), refused);
        assert!(
            green.subscribe(None).next().await.is_none(),
            "it ends at once"
        );
        assert_eq!(green.disconnect_all(), 0);
        // Topics the hub holds still work.
        hub.topic("red").publish("to red").await.unwrap();
        assert_eq!(hub.stats().topics, 2);
        drop((red, blue));
        tokio::time::sleep(Duration::from_secs(2)).await;
        let mut green = hub.topic("green").try_subscribe(None).unwrap();
        // Red still holds its event (until `max_age`); blue was dropped.
        assert_eq!(hub.stats().topics, 2);
        hub.topic("green").publish("to green").await.unwrap();
        assert_eq!(
            green.next().await.unwrap().as_bytes(),
            b"id: 1\ndata: to green\n\n"
        );
    }

    #[test]
    fn the_sweep_starts_again_on_another_runtime() {
        let runtime = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .unwrap()
        };
        let hub: Hub<&str> = Hub::new();
        runtime().block_on(async {
            drop(hub.topic("first").subscribe(None));
            tokio::time::sleep(Duration::from_secs(2)).await;
            assert_eq!(hub.stats().topics, 0);
        });
        // The first runtime, and the sweep task on it, are gone.
        runtime().block_on(async {
            drop(hub.topic("second").subscribe(None));
            assert_eq!(hub.stats().topics, 1);
            tokio::time::sleep(Duration::from_secs(2)).await;
            assert_eq!(hub.stats().topics, 0);
        });
    }

    #[tokio::test]
    async fn the_sweep_task_ends_with_the_hub() {
        let tasks = || {
            tokio::runtime::Handle::current()
                .metrics()
                .num_alive_tasks()
        };
        let before = tasks();
        let hub: Hub<&str> = Hub::new();
        let subscription = hub.topic("room").subscribe(None);
        assert_eq!(tasks(), before + 1);
        drop(hub);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while tasks() > before {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the sweep task still runs"
            );
            tokio::task::yield_now().await;
        }
        drop(subscription);
    }

    #[tokio::test]
    async fn disconnect_all_ends_every_subscription() {
        let hub: Hub<&str> = Hub::new();
        let mut first = hub.subscribe(None);
        let mut second = hub.subscribe(None);
        assert_eq!(hub.disconnect_all(), 2);
        assert!(first.next().await.is_none());
        assert!(second.next().await.is_none());
    }

    #[tokio::test]
    async fn dropping_a_subscription_unregisters_it() {
        let hub: Hub<&str> = Hub::new();
        let subscription = hub.subscribe(None);
        assert_eq!(hub.stats().subscribers, 1);
        drop(subscription);
        assert_eq!(hub.stats().subscribers, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_subscriber_too_far_behind_is_dropped() {
        let hub: Hub<String> = Hub::with_options(HubOptions::default().max_pending_bytes(100));
        let mut slow = hub.subscribe(None);
        for n in 0..20 {
            hub.publish(format!("event {n}")).await.unwrap();
            tokio::time::advance(log::SWEEP_EVERY).await;
        }
        assert_eq!(hub.stats().dropped_subscribers, 1);
        assert!(slow.next().await.is_none(), "its stream ends");
    }
}
