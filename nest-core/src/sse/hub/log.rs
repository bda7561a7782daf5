//! A topic's local log: the events this process holds for its subscribers, each encoded once,
//! and the subscribers' cursors into it. Both hub backends fan out from here; with Redis it is
//! the local copy of the tail of the Redis stream.

use std::{
    collections::VecDeque,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    task::Waker,
    time::Duration,
};

use bytes::{Bytes, BytesMut};
use tokio::{sync::Notify, time::Instant};
use tokio_util::sync::CancellationToken;

use super::{Backend, HubCounters, HubId, HubStats, Limits};
use crate::{
    lock::lock,
    sse::{
        encoder::{EncodeError, SseEncoder},
        event::MessageEvent,
    },
};

/// One topic (room) of a hub in this process.
pub(super) struct Topic {
    pub(super) name: Option<String>,
    pub(super) limits: Limits,
    pub(super) backend: Backend,
    pub(super) log: Mutex<Log>,
    /// Notified when the log becomes ready (its position in the Redis stream is known).
    pub(super) ready: Notify,
    /// Whether this process reads the topic from Redis: set by a subscribe, cleared by the
    /// hub's sweep `read_grace` after the last subscriber left (both under the log's lock).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(super) active: AtomicBool,
    /// Whether Redis holds something else than a stream under this topic's key (it is then
    /// left out of the reads).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(super) broken: AtomicBool,
    /// Counts the times subscribers' wakers were taken (to wake them), always under the
    /// log's lock. A subscription that left its waker in the log, with nothing left to read,
    /// and then sees this unchanged knows that nothing happened since: it may return
    /// `Pending` without taking the lock (see `Subscription::poll_next`).
    pub(super) wakes: AtomicU64,
    /// The whole hub's counters, for the metrics.
    pub(super) counters: Arc<HubCounters>,
}

pub(super) struct Log {
    /// Whether `base` and `last_id` are known. Always for the in-memory hub; for Redis, once
    /// the reader asked Redis where the stream ends.
    pub(super) ready: bool,
    /// Every event after `base` and up to `last_id` is in `entries`, in id order.
    pub(super) base: HubId,
    pub(super) last_id: HubId,
    entries: VecDeque<Entry>,
    /// Bytes appended so far, ever.
    total_bytes: u64,
    retained_bytes: u64,
    pub(super) subscribers: Subscribers,
    /// Entries popped from the front so far: entry `i` of `entries` is the log's entry number
    /// `popped + i`.
    popped: u64,
    pub(super) dropped_subscribers: u64,
    last_sweep: Option<Instant>,
    /// Since when the topic has had no subscriber, as the hub's sweep saw it (Redis: it stops
    /// reading the topic a grace period later).
    idle_since: Option<Instant>,
}

struct Entry {
    id: HubId,
    at: Instant,
    /// `total_bytes` once this entry was appended.
    end_offset: u64,
    frame: Bytes,
}

pub(super) struct Subscriber {
    /// The id of the last event delivered; `None` until the log is ready, for a subscription
    /// that starts "from now".
    pub(super) cursor: Option<HubId>,
    /// The number of the log entry expected after `cursor` (a hint: see [`Log::next_after`]).
    pub(super) next: u64,
    pub(super) waker: Option<Waker>,
    pub(super) connection: Option<CancellationToken>,
    pub(super) dropped: bool,
    /// Reading older events from Redis before it joins the local log.
    pub(super) backfilling: bool,
}

/// The subscribers of a log, by key: a slab (a key is a slot, reused once free), so that
/// finding a subscriber on every poll costs an index, not a hash.
#[derive(Default)]
pub(super) struct Subscribers {
    slots: Vec<Option<Subscriber>>,
    free: Vec<usize>,
    len: usize,
}

impl Subscribers {
    fn insert(&mut self, subscriber: Subscriber) -> u64 {
        self.len += 1;
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot] = Some(subscriber);
                slot
            }
            None => {
                self.slots.push(Some(subscriber));
                self.slots.len() - 1
            }
        };
        slot as u64
    }

    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(super) fn get(&self, key: &u64) -> Option<&Subscriber> {
        self.slots.get(usize::try_from(*key).ok()?)?.as_ref()
    }

    pub(super) fn get_mut(&mut self, key: &u64) -> Option<&mut Subscriber> {
        self.slots.get_mut(usize::try_from(*key).ok()?)?.as_mut()
    }

    pub(super) fn remove(&mut self, key: &u64) -> Option<Subscriber> {
        let slot = usize::try_from(*key).ok()?;
        let removed = self.slots.get_mut(slot)?.take()?;
        self.free.push(slot);
        self.len -= 1;
        Some(removed)
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (u64, &Subscriber)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(slot, subscriber)| Some((slot as u64, subscriber.as_ref()?)))
    }

    pub(super) fn values_mut(&mut self) -> impl Iterator<Item = &mut Subscriber> {
        self.slots.iter_mut().flatten()
    }
}

/// How often, at most, an append checks for subscribers that fell behind.
pub(super) const SWEEP_EVERY: Duration = Duration::from_millis(100);

impl Topic {
    pub(super) fn new(
        name: Option<String>,
        limits: Limits,
        backend: Backend,
        counters: Arc<HubCounters>,
    ) -> Self {
        let ready = matches!(backend, Backend::Memory);
        Self {
            name,
            limits,
            backend,
            log: Mutex::new(Log::new(ready)),
            ready: Notify::new(),
            active: AtomicBool::new(false),
            broken: AtomicBool::new(false),
            wakes: AtomicU64::new(0),
            counters,
        }
    }

    pub(super) fn stats(&self) -> HubStats {
        let log = lock(&self.log);
        HubStats {
            subscribers: log.subscribers.len(),
            retained_events: log.entries.len(),
            retained_bytes: log.retained_bytes,
            last_id: log.last_id,
            dropped_subscribers: log.dropped_subscribers,
            topics: 0,
            read_topics: 0,
        }
    }

    /// Numbers `event` with the next in-memory id, encodes it once and appends it.
    pub(super) fn publish_in_memory(&self, mut event: MessageEvent) -> Result<HubId, EncodeError> {
        let mut id = HubId::ZERO;
        self.append_with(|log| {
            id = log.last_id.next();
            event.id = Some(id.to_string());
            let mut frame = BytesMut::new();
            SseEncoder::new().encode(&event, &mut frame)?;
            Ok([(id, frame.freeze())])
        })?;
        Ok(id)
    }

    /// Appends events (in id order; those not after the last one are skipped) and wakes the
    /// subscribers waiting for them.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(super) fn append(&self, events: impl IntoIterator<Item = (HubId, Bytes)>) {
        let _ = self.append_with(|_| Ok::<_, EncodeError>(events));
    }

    /// Appends the events `make` returns, made under the log's lock.
    fn append_with<I, E>(&self, make: impl FnOnce(&Log) -> Result<I, E>) -> Result<(), E>
    where
        I: IntoIterator<Item = (HubId, Bytes)>,
    {
        let wake = {
            let mut log = lock(&self.log);
            // A Redis topic released by the sweep while a read was under way: its log starts
            // again, from where Redis is, when the topic is read again.
            if !log.ready {
                return Ok(());
            }
            let mut appended = false;
            for (id, frame) in make(&log)? {
                if id > log.last_id {
                    log.push(id, frame, &self.limits);
                    appended = true;
                }
            }
            if !appended {
                return Ok(());
            }
            log.expire(&self.limits);
            log.sweep(self);
            self.woke();
            log.take_wakers()
        };
        for waker in wake {
            waker.wake();
        }
        Ok(())
    }

    /// Marks the log ready at `position` (the last id in Redis when the reader started reading
    /// this topic) and wakes the subscriptions that waited for it.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(super) fn set_ready(&self, position: HubId) {
        let wake = {
            let mut log = lock(&self.log);
            // Already placed, or released by the sweep while it was being placed.
            if log.ready || !self.active.load(Ordering::Acquire) {
                return;
            }
            log.ready = true;
            log.base = position;
            log.last_id = position;
            // Subscriptions "from now" made before the position was known start here.
            for subscriber in log.subscribers.values_mut() {
                subscriber.cursor.get_or_insert(position);
            }
            self.woke();
            log.take_wakers()
        };
        self.ready.notify_waiters();
        for waker in wake {
            waker.wake();
        }
    }

    /// The hub's periodic sweep: drops the events older than `max_age`, and with Redis stops
    /// reading a topic that has had no subscriber in this process for `read_grace` (its local
    /// log starts again from where Redis is when it is next read). Whether the topic now holds
    /// nothing: no subscriber, no event, not read from Redis.
    pub(super) fn tidy(&self, now: Instant) -> bool {
        let mut log = lock(&self.log);
        log.expire_at(&self.limits, now);
        if log.subscribers.len() > 0 {
            log.idle_since = None;
            return false;
        }
        #[cfg(feature = "redis")]
        if let Backend::Redis(redis) = &self.backend
            && self.active.load(Ordering::Acquire)
        {
            let idle_since = *log.idle_since.get_or_insert(now);
            if now.duration_since(idle_since) < redis.read_grace() {
                return false;
            }
            self.active.store(false, Ordering::Release);
            let dropped_subscribers = log.dropped_subscribers;
            *log = Log::new(false);
            log.dropped_subscribers = dropped_subscribers;
            drop(log);
            // A publish waiting for the topic to be placed need not wait any more.
            self.ready.notify_waiters();
            return true;
        }
        log.entries.is_empty()
    }

    /// Notes that subscribers' wakers are being taken: call with the log locked, before.
    pub(super) fn woke(&self) {
        self.wakes.fetch_add(1, Ordering::Release);
    }

    pub(super) fn describe(&self) -> String {
        self.name
            .as_deref()
            .map(|name| format!(" of topic {name:?}"))
            .unwrap_or_default()
    }
}

impl Log {
    fn new(ready: bool) -> Self {
        Self {
            ready,
            base: HubId::ZERO,
            last_id: HubId::ZERO,
            entries: VecDeque::new(),
            total_bytes: 0,
            retained_bytes: 0,
            subscribers: Subscribers::default(),
            popped: 0,
            dropped_subscribers: 0,
            last_sweep: None,
            idle_since: None,
        }
    }

    pub(super) fn add_subscriber(
        &mut self,
        cursor: Option<HubId>,
        connection: Option<CancellationToken>,
    ) -> u64 {
        self.subscribers.insert(Subscriber {
            cursor,
            next: 0,
            waker: None,
            connection,
            dropped: false,
            backfilling: false,
        })
    }

    fn push(&mut self, id: HubId, frame: Bytes, limits: &Limits) {
        self.last_id = id;
        self.total_bytes += frame.len() as u64;
        self.retained_bytes += frame.len() as u64;
        self.entries.push_back(Entry {
            id,
            at: Instant::now(),
            end_offset: self.total_bytes,
            frame,
        });
        // The newest event stays, however big: the subscribers that are caught up need it.
        while self.entries.len() > limits.capacity
            || (self.retained_bytes > limits.max_log_bytes && self.entries.len() > 1)
        {
            self.pop_oldest();
        }
    }

    pub(super) fn expire(&mut self, limits: &Limits) {
        self.expire_at(limits, Instant::now());
    }

    fn expire_at(&mut self, limits: &Limits, now: Instant) {
        if let Some(max_age) = limits.max_age {
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
            self.base = entry.id;
            self.popped += 1;
        }
    }

    /// The first event after `cursor`, if the log has it (`cursor` must be at least `base`),
    /// with the number of the entry after it. `hint` is the number of the entry expected after
    /// `cursor` (what the last call returned): checked in O(1), else found by binary search.
    pub(super) fn next_after(&self, cursor: HubId, hint: u64) -> Option<(HubId, Bytes, u64)> {
        let hinted = hint
            .checked_sub(self.popped)
            .and_then(|index| usize::try_from(index).ok())
            .filter(|&index| {
                index <= self.entries.len()
                    && (index == 0 || self.entries[index - 1].id <= cursor)
                    && self
                        .entries
                        .get(index)
                        .is_none_or(|entry| entry.id > cursor)
            });
        let index =
            hinted.unwrap_or_else(|| self.entries.partition_point(|entry| entry.id <= cursor));
        let entry = self.entries.get(index)?;
        Some((
            entry.id,
            entry.frame.clone(),
            self.popped + index as u64 + 1,
        ))
    }

    pub(super) fn take_wakers(&mut self) -> Vec<Waker> {
        self.subscribers
            .values_mut()
            .filter_map(|subscriber| subscriber.waker.take())
            .collect()
    }

    /// Bytes appended after `cursor` that the subscriber has not read; `u64::MAX` when some
    /// of them already left the log.
    fn backlog(&self, cursor: HubId) -> u64 {
        if cursor < self.base {
            return u64::MAX;
        }
        let index = self.entries.partition_point(|entry| entry.id <= cursor);
        let read_through = match index.checked_sub(1) {
            Some(read) => self.entries[read].end_offset,
            None => self.entries.front().map_or(self.total_bytes, |oldest| {
                oldest.end_offset - oldest.frame.len() as u64
            }),
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
        let limit = topic.limits.max_pending_bytes;
        // With Redis, a subscriber behind the log reads what it missed from Redis when it is
        // next polled: only its byte backlog within the log counts.
        let resumable = !matches!(topic.backend, Backend::Memory);
        let behind: Vec<(u64, u64)> = self
            .subscribers
            .iter()
            .filter(|(_, subscriber)| !subscriber.dropped && !subscriber.backfilling)
            .filter_map(|(key, subscriber)| {
                let cursor = subscriber.cursor?;
                (!resumable || cursor >= self.base).then(|| (key, self.backlog(cursor)))
            })
            .filter(|(_, backlog)| *backlog > limit)
            .collect();
        for (key, backlog) in behind {
            topic.woke();
            if self.drop_subscriber(key) {
                topic
                    .counters
                    .dropped_subscribers
                    .fetch_add(1, Ordering::Relaxed);
            }
            let pending = if backlog == u64::MAX {
                "events that have left the replay log".to_owned()
            } else {
                format!("{backlog} bytes of events")
            };
            tracing::warn!(
                target: "Hub",
                "a subscriber{} is not reading its events ({pending} pending, limit {limit}): disconnecting it; it can resume from the replay log",
                topic.describe(),
            );
        }
    }

    /// Ends a subscription that fell behind (counted in the stats) and closes its connection.
    /// Whether it was still going.
    pub(super) fn drop_subscriber(&mut self, key: u64) -> bool {
        let ended = self.subscribers.get_mut(&key).is_some_and(Subscriber::end);
        if ended {
            self.dropped_subscribers += 1;
        }
        ended
    }
}

impl Subscriber {
    /// Ends the subscription: closes the connection it was made on and wakes its stream, which
    /// then ends. Whether it was still going.
    pub(super) fn end(&mut self) -> bool {
        if self.dropped {
            return false;
        }
        self.dropped = true;
        if let Some(connection) = &self.connection {
            connection.cancel();
        }
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
        true
    }
}
