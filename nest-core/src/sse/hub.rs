//! [`Hub`]: publish once, deliver to every subscriber, and let reconnecting clients resume from
//! a bounded replay log with no event lost and none twice.
//!
//! # Design
//! A hub topic keeps one log of events, each encoded **once** (with its id) when published.
//! Subscribers do not have queues: each one is a cursor into the shared log, and reads the
//! frames after its cursor when its connection can take them. So:
//! * publishing never waits on a subscriber: it appends to the log and wakes the waiting ones;
//! * memory is the log (bounded by count and age) plus each connection's socket buffers, however
//!   many subscribers there are and however slow they are;
//! * a subscriber that falls more than `max_pending_bytes` behind, or whose next event has left
//!   the log, is disconnected with a log line; its browser reconnects with `Last-Event-ID` and
//!   resumes from the log.
//!
//! Ids are the hub's: `1, 2, 3, …` per topic, in publish order, so `Last-Event-ID` names a
//! position in the log. They restart at 1 when the process restarts; a `Last-Event-ID` beyond
//! the last published id is taken as "from now on".

use std::{
    collections::{HashMap, VecDeque},
    fmt,
    marker::PhantomData,
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll, Waker},
    time::Duration,
};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::encoder::{EncodeError, SseEncoder};
use crate::{MessageEvent, lock::lock};

tokio::task_local! {
    /// The connection the current request arrived on: a hub subscription made while handling
    /// it can close it when the client falls too far behind.
    pub(crate) static CONNECTION: CancellationToken;
}

/// Limits of a hub topic.
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HubOptions {
    capacity: usize,
    max_age: Option<Duration>,
    max_pending_bytes: u64,
}

impl Default for HubOptions {
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
    /// How many events the replay log keeps (at least 1).
    #[must_use]
    pub fn capacity(mut self, events: usize) -> Self {
        self.capacity = events.max(1);
        self
    }

    /// How long an event stays in the replay log (`None`: until pushed out by `capacity`).
    #[must_use]
    pub fn max_age(mut self, age: Option<Duration>) -> Self {
        self.max_age = age;
        self
    }

    /// How far (in bytes of encoded events) a subscriber may fall behind before it is
    /// disconnected.
    #[must_use]
    pub fn max_pending_bytes(mut self, bytes: u64) -> Self {
        self.max_pending_bytes = bytes;
        self
    }
}

/// A broadcast of events with a replay log: every subscriber receives every event published
/// after its position, in order, exactly once, and a reconnecting client resumes where it left
/// off.
///
/// `T` is what you publish (anything that converts into [`MessageEvent`]). Cloning a `Hub` gives
/// another handle to the same hub; [`Hub::topic`] gives the hub of one room.
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::sse::{Hub, HubFrame};
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
///     fn room(&self, #[param("room")] room: String, last: LastEventId<u64>) -> impl Stream<Item = HubFrame> {
///         self.hub.topic(&room).subscribe(last.0)
///     }
///
///     #[post(":room/:text")]
///     fn say(&self, #[param("room")] room: String, #[param("text")] text: String) -> String {
///         let id = self.hub.topic(&room).publish(MessageEvent::new(text)).unwrap();
///         id.to_string()
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

/// Counts a hub exposes, for monitoring and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HubStats {
    /// Subscriptions alive now.
    pub subscribers: usize,
    /// Events in the replay log.
    pub retained_events: usize,
    /// Bytes of encoded events in the replay log.
    pub retained_bytes: u64,
    /// The id of the last event published (0 before the first).
    pub last_id: u64,
    /// Subscribers disconnected so far for falling behind.
    pub dropped_subscribers: u64,
}

struct Topics {
    options: HubOptions,
    by_name: Mutex<HashMap<String, Arc<Topic>>>,
}

struct Topic {
    name: Option<String>,
    options: HubOptions,
    log: Mutex<Log>,
}

struct Log {
    last_id: u64,
    entries: VecDeque<Entry>,
    /// Bytes published so far, ever.
    total_bytes: u64,
    retained_bytes: u64,
    subscribers: HashMap<u64, Subscriber>,
    next_subscriber: u64,
    dropped_subscribers: u64,
    last_sweep: Option<Instant>,
}

struct Entry {
    id: u64,
    at: Instant,
    /// `total_bytes` once this entry was appended.
    end_offset: u64,
    frame: Bytes,
}

struct Subscriber {
    /// The id of the last event delivered.
    cursor: u64,
    waker: Option<Waker>,
    connection: Option<CancellationToken>,
    dropped: bool,
}

impl<T: Into<MessageEvent>> Hub<T> {
    /// A hub with [`HubOptions::default`].
    pub fn new() -> Self {
        Self::with_options(HubOptions::default())
    }

    /// A hub with these limits (for it and each of its topics).
    pub fn with_options(options: HubOptions) -> Self {
        Self {
            topics: Arc::new(Topics {
                options,
                by_name: Mutex::new(HashMap::new()),
            }),
            topic: Arc::new(Topic::new(None, options)),
            _events: PhantomData,
        }
    }

    /// The hub of topic `name` (a room), created on first use, with the same limits.
    pub fn topic(&self, name: &str) -> Self {
        let topic = {
            let mut topics = lock(&self.topics.by_name);
            Arc::clone(topics.entry(name.to_owned()).or_insert_with(|| {
                Arc::new(Topic::new(Some(name.to_owned()), self.topics.options))
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
    /// publishes nothing, if the event's JSON data could not be serialised.
    pub fn publish(&self, event: T) -> Result<u64, EncodeError> {
        let mut event: MessageEvent = event.into();
        let (id, wake) = {
            let mut log = lock(&self.topic.log);
            let id = log.last_id + 1;
            event.id = Some(id.to_string());
            let mut frame = BytesMut::new();
            SseEncoder::new().encode(&event, &mut frame)?;
            log.append(id, frame.freeze(), &self.topic.options);
            let wake: Vec<Waker> = log
                .subscribers
                .values_mut()
                .filter_map(|subscriber| subscriber.waker.take())
                .collect();
            log.sweep(&self.topic);
            (id, wake)
        };
        for waker in wake {
            waker.wake();
        }
        Ok(id)
    }

    /// A subscription to every event published after `last_event_id` (the `Last-Event-ID` a
    /// reconnecting client sends), or after now when `None`.
    ///
    /// Events still in the replay log come first, then live ones, with no gap and no duplicate.
    /// If some of the events asked for have already left the log, the subscription starts with
    /// one `event: lagged` frame whose data is how many were lost and whose id is the last lost
    /// one (so a later reconnect does not announce the same loss again), then continues from the
    /// oldest event kept. Made while handling a request, the subscription closes that
    /// connection if its client falls too far behind.
    pub fn subscribe(&self, last_event_id: Option<u64>) -> Subscription {
        let connection = CONNECTION.try_with(Clone::clone).ok();
        let mut log = lock(&self.topic.log);
        log.expire(&self.topic.options);
        let cursor = match last_event_id {
            Some(id) if id <= log.last_id => id,
            _ => log.last_id,
        };
        let oldest = log
            .entries
            .front()
            .map_or(log.last_id + 1, |entry| entry.id);
        let lagged = (cursor + 1 < oldest).then(|| Lagged {
            missed: oldest - cursor - 1,
            resume_after: oldest - 1,
        });
        let cursor = cursor.max(oldest - 1);
        let key = log.next_subscriber;
        log.next_subscriber += 1;
        log.subscribers.insert(
            key,
            Subscriber {
                cursor,
                waker: None,
                connection,
                dropped: false,
            },
        );
        Subscription {
            topic: Arc::clone(&self.topic),
            key,
            lagged,
        }
    }

    /// Current counts.
    pub fn stats(&self) -> HubStats {
        self.topic.stats()
    }

    /// Ends every subscription of this topic now, closing the connections they were made on (as
    /// a crash or a deploy would); returns how many. Browsers reconnect with `Last-Event-ID`
    /// and resume from the replay log. For operations and for testing resumption.
    pub fn disconnect_all(&self) -> usize {
        let mut wake = Vec::new();
        let count = {
            let mut log = lock(&self.topic.log);
            let mut count = 0;
            for subscriber in log.subscribers.values_mut().filter(|s| !s.dropped) {
                subscriber.dropped = true;
                if let Some(connection) = &subscriber.connection {
                    connection.cancel();
                }
                wake.extend(subscriber.waker.take());
                count += 1;
            }
            count
        };
        for waker in wake {
            waker.wake();
        }
        count
    }
}

impl Topic {
    fn new(name: Option<String>, options: HubOptions) -> Self {
        Self {
            name,
            options,
            log: Mutex::new(Log {
                last_id: 0,
                entries: VecDeque::new(),
                total_bytes: 0,
                retained_bytes: 0,
                subscribers: HashMap::new(),
                next_subscriber: 0,
                dropped_subscribers: 0,
                last_sweep: None,
            }),
        }
    }

    fn stats(&self) -> HubStats {
        let log = lock(&self.log);
        HubStats {
            subscribers: log.subscribers.len(),
            retained_events: log.entries.len(),
            retained_bytes: log.retained_bytes,
            last_id: log.last_id,
            dropped_subscribers: log.dropped_subscribers,
        }
    }
}

/// How often, at most, a publish checks for subscribers that fell behind.
const SWEEP_EVERY: Duration = Duration::from_millis(100);

impl Log {
    fn append(&mut self, id: u64, frame: Bytes, options: &HubOptions) {
        self.last_id = id;
        self.total_bytes += frame.len() as u64;
        self.retained_bytes += frame.len() as u64;
        self.entries.push_back(Entry {
            id,
            at: Instant::now(),
            end_offset: self.total_bytes,
            frame,
        });
        while self.entries.len() > options.capacity {
            self.pop_oldest();
        }
        self.expire(options);
    }

    fn expire(&mut self, options: &HubOptions) {
        if let Some(max_age) = options.max_age {
            let now = Instant::now();
            while self
                .entries
                .front()
                .is_some_and(|entry| now.duration_since(entry.at) > max_age)
            {
                self.pop_oldest();
            }
        }
    }

    fn pop_oldest(&mut self) {
        if let Some(entry) = self.entries.pop_front() {
            self.retained_bytes -= entry.frame.len() as u64;
        }
    }

    /// Bytes published after `cursor` (an id) that the subscriber has not read; `u64::MAX` when
    /// some of them already left the log.
    fn backlog(&self, cursor: u64) -> u64 {
        let Some(oldest) = self.entries.front() else {
            return 0;
        };
        if cursor + 1 < oldest.id {
            return u64::MAX;
        }
        let read_through = if cursor < oldest.id {
            oldest.end_offset - oldest.frame.len() as u64
        } else {
            let index = usize::try_from(cursor - oldest.id).unwrap_or(usize::MAX);
            self.entries
                .get(index)
                .map_or(self.total_bytes, |entry| entry.end_offset)
        };
        self.total_bytes - read_through
    }

    /// Disconnects subscribers that fell too far behind, at most every [`SWEEP_EVERY`].
    fn sweep(&mut self, topic: &Topic) {
        let now = Instant::now();
        if self
            .last_sweep
            .is_some_and(|last| now.duration_since(last) < SWEEP_EVERY)
        {
            return;
        }
        self.last_sweep = Some(now);
        let limit = topic.options.max_pending_bytes;
        let behind: Vec<(u64, u64)> = self
            .subscribers
            .iter()
            .filter(|(_, subscriber)| !subscriber.dropped)
            .map(|(key, subscriber)| (*key, self.backlog(subscriber.cursor)))
            .filter(|(_, backlog)| *backlog > limit)
            .collect();
        for (key, backlog) in behind {
            if let Some(subscriber) = self.subscribers.get_mut(&key) {
                subscriber.dropped = true;
                if let Some(connection) = &subscriber.connection {
                    connection.cancel();
                }
                if let Some(waker) = subscriber.waker.take() {
                    waker.wake();
                }
                self.dropped_subscribers += 1;
                let pending = if backlog == u64::MAX {
                    "events that have left the replay log".to_owned()
                } else {
                    format!("{backlog} bytes of events")
                };
                tracing::warn!(
                    target: "Hub",
                    "a subscriber{} is not reading its events ({pending} pending, limit {limit}): disconnecting it; it can resume from the replay log",
                    topic.name.as_deref().map(|name| format!(" of topic {name:?}")).unwrap_or_default(),
                );
            }
        }
    }
}

/// A frame encoded once by a [`Hub`] for all its subscribers: the item type of a
/// [`Subscription`]. An `#[sse]` route writes it as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubFrame(Bytes);

impl HubFrame {
    /// The encoded bytes (`id: 7\ndata: …\n\n`).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The event id in the frame.
    pub fn id(&self) -> Option<u64> {
        let text = std::str::from_utf8(&self.0).ok()?;
        text.lines()
            .find_map(|line| line.strip_prefix("id: "))
            .and_then(|id| id.parse().ok())
    }
}

/// A stream of the frames published to a hub after its position; from [`Hub::subscribe`].
///
/// Ends when the subscriber fell too far behind (and was disconnected).
#[must_use = "streams do nothing unless polled"]
pub struct Subscription {
    topic: Arc<Topic>,
    key: u64,
    lagged: Option<Lagged>,
}

/// Events asked for that had already left the log when the subscription was made.
#[derive(Debug, Clone, Copy)]
struct Lagged {
    missed: u64,
    /// The id of the last lost event: the `lagged` frame carries it, so that the browser's
    /// `Last-Event-ID` moves past the loss and it is not announced again.
    resume_after: u64,
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("topic", &self.topic.name)
            .finish_non_exhaustive()
    }
}

impl Stream for Subscription {
    type Item = HubFrame;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<HubFrame>> {
        let this = self.get_mut();
        if let Some(Lagged {
            missed,
            resume_after,
        }) = this.lagged.take()
        {
            return Poll::Ready(Some(HubFrame(Bytes::from(format!(
                "event: lagged\nid: {resume_after}\ndata: {missed}\n\n"
            )))));
        }
        let mut log = lock(&this.topic.log);
        let oldest = log.entries.front().map(|entry| entry.id);
        let Some(subscriber) = log.subscribers.get(&this.key) else {
            return Poll::Ready(None);
        };
        if subscriber.dropped {
            return Poll::Ready(None);
        }
        let cursor = subscriber.cursor;
        let next = match oldest {
            Some(oldest) if cursor + 1 >= oldest => {
                let index = usize::try_from(cursor + 1 - oldest).unwrap_or(usize::MAX);
                log.entries
                    .get(index)
                    .map(|entry| (entry.id, entry.frame.clone()))
            }
            // The next event already left the log: this subscriber lost events.
            Some(_) => {
                drop(log);
                this.topic_drop_lagging();
                return Poll::Ready(None);
            }
            None => None,
        };
        let Some(subscriber) = log.subscribers.get_mut(&this.key) else {
            return Poll::Ready(None);
        };
        match next {
            Some((id, frame)) => {
                subscriber.cursor = id;
                Poll::Ready(Some(HubFrame(frame)))
            }
            None => {
                match &mut subscriber.waker {
                    Some(waker) if waker.will_wake(cx.waker()) => {}
                    slot => *slot = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
        }
    }
}

impl Subscription {
    fn topic_drop_lagging(&self) {
        let mut log = lock(&self.topic.log);
        if let Some(subscriber) = log.subscribers.get_mut(&self.key) {
            subscriber.dropped = true;
            log.dropped_subscribers += 1;
        }
        tracing::warn!(target: "Hub", "a subscriber lost events that left the replay log: ending its stream; it can resume from the log");
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        lock(&self.topic.log).subscribers.remove(&self.key);
    }
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::*;

    fn ids(frames: &[HubFrame]) -> Vec<u64> {
        frames.iter().filter_map(HubFrame::id).collect()
    }

    #[tokio::test]
    async fn replays_then_continues_live() {
        let hub: Hub<&str> = Hub::new();
        for text in ["a", "b", "c"] {
            hub.publish(text).unwrap();
        }
        let mut subscription = hub.subscribe(Some(1));
        let replayed: Vec<HubFrame> = (&mut subscription).take(2).collect().await;
        assert_eq!(ids(&replayed), [2, 3]);
        hub.publish("d").unwrap();
        let live = subscription.next().await.unwrap();
        assert_eq!(live.as_bytes(), b"id: 4\ndata: d\n\n");
    }

    #[tokio::test]
    async fn a_new_subscriber_starts_from_now() {
        let hub: Hub<&str> = Hub::new();
        hub.publish("old").unwrap();
        let mut subscription = hub.subscribe(None);
        hub.publish("new").unwrap();
        assert_eq!(subscription.next().await.unwrap().id(), Some(2));
    }

    #[tokio::test]
    async fn a_position_before_the_log_reports_what_was_lost() {
        let hub: Hub<&str> = Hub::with_options(HubOptions::default().capacity(2));
        for text in ["a", "b", "c", "d"] {
            hub.publish(text).unwrap();
        }
        let frames: Vec<HubFrame> = hub.subscribe(Some(0)).take(3).collect().await;
        assert_eq!(frames[0].as_bytes(), b"event: lagged\nid: 2\ndata: 2\n\n");
        assert_eq!(ids(&frames[1..]), [3, 4]);
    }

    #[tokio::test]
    async fn an_id_from_the_future_is_taken_as_now() {
        let hub: Hub<&str> = Hub::new();
        hub.publish("a").unwrap();
        let mut subscription = hub.subscribe(Some(99));
        hub.publish("b").unwrap();
        assert_eq!(subscription.next().await.unwrap().id(), Some(2));
    }

    #[tokio::test]
    async fn topics_are_separate() {
        let hub: Hub<&str> = Hub::new();
        let mut red = hub.topic("red").subscribe(None);
        hub.topic("blue").publish("to blue").unwrap();
        hub.topic("red").publish("to red").unwrap();
        assert_eq!(
            red.next().await.unwrap().as_bytes(),
            b"id: 1\ndata: to red\n\n"
        );
        assert_eq!(hub.topic("blue").stats().last_id, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn old_events_expire() {
        let hub: Hub<&str> =
            Hub::with_options(HubOptions::default().max_age(Some(Duration::from_secs(10))));
        hub.publish("a").unwrap();
        tokio::time::advance(Duration::from_secs(11)).await;
        hub.publish("b").unwrap();
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
            hub.publish(format!("event {n}")).unwrap();
            tokio::time::advance(SWEEP_EVERY).await;
        }
        assert_eq!(hub.stats().dropped_subscribers, 1);
        assert!(slow.next().await.is_none(), "its stream ends");
    }
}
