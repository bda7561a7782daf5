//! [`Hub`]: publish once, deliver to every subscriber, and let reconnecting clients resume from
//! a bounded replay log with no event lost and none twice; in one process, or across many
//! through Redis Streams.
//!
//! # Design
//! A hub topic keeps one log of events, each encoded **once** (with its id) when it reaches the
//! process. Subscribers do not have queues: each one is a cursor into the shared log, and reads
//! the frames after its cursor when its connection can take them. So:
//! * publishing never waits on a subscriber: it appends to the log and wakes the waiting ones;
//! * memory is the log (bounded by count and age) plus each connection's socket buffers, however
//!   many subscribers there are and however slow they are;
//! * a subscriber that falls more than `max_pending_bytes` behind is disconnected with a log
//!   line; its browser reconnects with `Last-Event-ID` and resumes from the log.
//!
//! The **in-memory** hub (the default) numbers events `1, 2, 3, …` per topic, in publish order,
//! so `Last-Event-ID` names a position in the log. Ids restart at 1 when the process restarts; a
//! `Last-Event-ID` beyond the last published id is taken as "from now on".
//!
//! The **Redis** hub (feature `redis`, [`HubOptions::redis`]) publishes with `XADD` to one Redis
//! stream per topic, and one task per process reads every topic in use with a blocking `XREAD`
//! and appends what it reads to the local log: the Redis entry id is the event id, so a browser
//! resumes on any instance. See `docs/scaling.md` and [`RedisOptions`].

mod id;
mod log;
#[cfg(feature = "redis")]
mod redis;
mod subscription;

use std::{collections::HashMap, fmt, marker::PhantomData, sync::Arc, sync::Mutex, time::Duration};

use tokio_util::sync::CancellationToken;

use super::encoder::EncodeError;
use crate::{MessageEvent, lock::lock};
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
///     .max_age(Some(Duration::from_secs(600)))
///     .max_pending_bytes(1 << 20);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default)]
pub struct HubOptions {
    limits: Limits,
    #[cfg(feature = "redis")]
    redis: Option<RedisOptions>,
}

/// The limits of each topic's local log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Limits {
    capacity: usize,
    max_age: Option<Duration>,
    max_pending_bytes: u64,
}

impl Default for Limits {
    /// 10,000 events, kept at most 5 minutes; a subscriber may fall 4 MiB behind (NestJS's
    /// `maxPendingDataLength` default).
    fn default() -> Self {
        Self {
            capacity: 10_000,
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

    /// How long an event stays in the local replay log (`None`: until pushed out by
    /// `capacity`; 5 minutes by default).
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

/// Why a publish failed. Nothing was published, except for [`HubError::Unavailable`], where
/// Redis may have stored the event before the connection failed (it then reaches subscribers
/// like any other).
///
/// A handler may return it with `?`: [`HubError::Unavailable`] becomes `503 Service
/// Unavailable`, the others `500`.
///
/// ```
/// use nest_core::sse::HubError;
/// use nest_core::HttpException;
///
/// let error: HttpException = HubError::Unavailable("connection refused".into()).into();
/// assert_eq!(error.status().as_u16(), 503);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HubError {
    /// The event's JSON data could not be serialised.
    Encode(EncodeError),
    /// Redis could not be reached, or did not answer in time.
    Unavailable(String),
    /// Redis refused the command or the configuration is wrong (a bad URL, a key of
    /// another type).
    Redis(String),
}

impl fmt::Display for HubError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Encode(error) => error.fmt(f),
            Self::Unavailable(why) => write!(f, "the hub's Redis is unavailable: {why}"),
            Self::Redis(why) => write!(f, "Redis refused the hub's command: {why}"),
        }
    }
}

impl std::error::Error for HubError {}

impl From<EncodeError> for HubError {
    fn from(error: EncodeError) -> Self {
        Self::Encode(error)
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
    _events: PhantomData<fn(T)>,
}

impl<T> Clone for Hub<T> {
    fn clone(&self) -> Self {
        Self {
            topics: Arc::clone(&self.topics),
            topic: Arc::clone(&self.topic),
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
    backend: Backend,
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    root: Arc<Topic>,
    by_name: Mutex<HashMap<String, Arc<Topic>>>,
}

impl Drop for Topics {
    fn drop(&mut self) {
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
        #[cfg(feature = "redis")]
        let backend = match options.redis {
            None => Backend::Memory,
            Some(redis) => Backend::Redis(Arc::new(redis::RedisBackend::new(redis))),
        };
        #[cfg(not(feature = "redis"))]
        let backend = Backend::Memory;
        let root = Arc::new(Topic::new(None, options.limits, backend.clone()));
        let topics = Arc::new(Topics {
            limits: options.limits,
            backend,
            root: Arc::clone(&root),
            by_name: Mutex::new(HashMap::new()),
        });
        #[cfg(feature = "redis")]
        if let Backend::Redis(redis) = &topics.backend {
            redis.attach(Arc::downgrade(&topics));
        }
        Self {
            topics,
            topic: root,
            _events: PhantomData,
        }
    }

    /// The hub of topic `name` (a room), created on first use, with the same limits.
    pub fn topic(&self, name: &str) -> Self {
        let topic = {
            let mut topics = lock(&self.topics.by_name);
            Arc::clone(topics.entry(name.to_owned()).or_insert_with(|| {
                Arc::new(Topic::new(
                    Some(name.to_owned()),
                    self.topics.limits,
                    self.topics.backend.clone(),
                ))
            }))
        };
        Self {
            topics: Arc::clone(&self.topics),
            topic,
            _events: PhantomData,
        }
    }

    /// Publishes `event` to every subscriber and to the replay log, and returns its id.
    ///
    /// Never waits on a subscriber. Any id set on the event is replaced by the hub's. Fails, and
    /// publishes nothing, if the event's JSON data could not be serialised. With Redis, the id
    /// is returned once Redis stored the event (`XADD`), and a Redis that cannot be reached
    /// within [`RedisOptions::command_timeout`] is a [`HubError::Unavailable`].
    pub async fn publish(&self, event: T) -> Result<HubId, HubError> {
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
    pub fn subscribe(&self, last_event_id: Option<HubId>) -> Subscription {
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
                Some(cursor.max(log.base))
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

    /// Current counts (of this process).
    pub fn stats(&self) -> HubStats {
        self.topic.stats()
    }

    /// Ends every subscription of this topic in this process now, closing the connections
    /// they were made on (as a crash or a deploy would); returns how many. Browsers reconnect
    /// with `Last-Event-ID` and resume from the replay log. For operations and for testing
    /// resumption.
    pub fn disconnect_all(&self) -> usize {
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
