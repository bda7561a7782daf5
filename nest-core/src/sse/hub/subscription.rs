//! [`Subscription`]: one subscriber's stream of a hub topic's frames, and [`HubFrame`].

use std::{
    fmt,
    pin::Pin,
    sync::{Arc, atomic::Ordering},
    task::{Context, Poll, Waker},
};

use bytes::Bytes;
use futures_core::Stream;

use super::{Backend, HubId, log::Topic};
use crate::lock::lock;

/// A frame encoded once by a [`Hub`](super::Hub) for all its subscribers: the item type of a
/// [`Subscription`]. An `#[sse]` route writes it as it is.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use futures_util::StreamExt;
/// use nest_core::sse::{Hub, HubId};
///
/// let hub: Hub<&str> = Hub::new();
/// let mut subscription = hub.subscribe(None);
/// hub.publish("hi").await.unwrap();
/// let frame = subscription.next().await.unwrap();
/// assert_eq!(frame.as_bytes(), b"id: 1\ndata: hi\n\n");
/// assert_eq!(frame.id(), Some(HubId::from(1)));
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubFrame(pub(super) Bytes);

impl HubFrame {
    /// The encoded bytes (`id: 7\ndata: …\n\n`).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The encoded bytes, shared with every other subscriber's copy of the frame.
    pub(crate) fn into_bytes(self) -> Bytes {
        self.0
    }

    /// The event id in the frame.
    pub fn id(&self) -> Option<HubId> {
        let text = std::str::from_utf8(&self.0).ok()?;
        text.lines()
            .find_map(|line| line.strip_prefix("id: "))
            .and_then(|id| id.parse().ok())
    }

    pub(super) fn lagged(lagged: Lagged) -> Self {
        let missed = lagged
            .missed
            .map_or_else(|| "unknown".to_owned(), |missed| missed.to_string());
        Self(Bytes::from(format!(
            "event: lagged\nid: {}\ndata: {missed}\n\n",
            lagged.resume_after
        )))
    }
}

/// Events asked for that had already left the log when the subscription was made.
#[derive(Debug, Clone, Copy)]
pub(super) struct Lagged {
    /// How many; `None` when the backend cannot count them (Redis).
    pub(super) missed: Option<u64>,
    /// The id of the last lost event: the `lagged` frame carries it, so that the browser's
    /// `Last-Event-ID` moves past the loss and it is not announced again.
    pub(super) resume_after: HubId,
}

/// A stream of the frames published to a hub after its position; from
/// [`Hub::subscribe`](super::Hub::subscribe).
///
/// Ends when the subscriber fell too far behind (and was disconnected).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use futures_util::StreamExt;
/// use nest_core::sse::Hub;
///
/// let hub: Hub<&str> = Hub::new();
/// hub.publish("a").await.unwrap();
/// hub.publish("b").await.unwrap();
/// // A browser that saw event 1 resumes with event 2.
/// let frames: Vec<_> = hub.subscribe(Some(1.into())).take(1).collect().await;
/// assert_eq!(frames[0].as_bytes(), b"id: 2\ndata: b\n\n");
/// # }
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Subscription {
    pub(super) topic: Arc<Topic>,
    pub(super) key: u64,
    pub(super) lagged: Option<Lagged>,
    /// Whether the position was checked against the log once the log was ready.
    pub(super) placed: bool,
    /// Set when this subscription left its waker in the log with nothing left to read.
    pub(super) armed: Option<Armed>,
    #[cfg(feature = "redis")]
    pub(super) backfill: Option<super::redis::Backfill>,
}

/// What a subscription saw when it left its waker in the log with nothing left to read: the
/// topic's [`wakes`](Topic::wakes) count, and which waker it left (its identity: data and
/// vtable addresses, as `Waker::will_wake` compares them).
pub(super) struct Armed {
    wakes: u64,
    waker: (usize, usize),
}

impl Armed {
    fn identity(waker: &Waker) -> (usize, usize) {
        (
            waker.data() as usize,
            std::ptr::from_ref(waker.vtable()) as usize,
        )
    }
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
        if let Some(lagged) = this.lagged.take() {
            this.topic.counters.lagged.fetch_add(1, Ordering::Relaxed);
            return Poll::Ready(Some(HubFrame::lagged(lagged)));
        }
        #[cfg(feature = "redis")]
        if let Some(backfill) = &mut this.backfill {
            // Ended meanwhile (`disconnect_all`), even while Redis is down.
            let ended = lock(&this.topic.log)
                .subscribers
                .get(&this.key)
                .is_none_or(|subscriber| subscriber.dropped);
            if ended {
                return Poll::Ready(None);
            }
            match backfill.poll_next(&this.topic, this.key, cx) {
                Poll::Ready(Some(frame)) => return Poll::Ready(Some(frame)),
                Poll::Pending => return Poll::Pending,
                // Caught up: the local log takes over.
                Poll::Ready(None) => this.backfill = None,
            }
        }
        // Nothing was appended, and no waker taken, since this subscription read everything
        // and left its (same) waker: nothing to do, and no lock to take.
        if let Some(armed) = this.armed.take() {
            if armed.waker == Armed::identity(cx.waker())
                && this.topic.wakes.load(Ordering::Acquire) == armed.wakes
            {
                this.armed = Some(armed);
                return Poll::Pending;
            }
        }
        let mut log = lock(&this.topic.log);
        let ready = log.ready;
        let (base, last_id) = (log.base, log.last_id);
        let Some(subscriber) = log.subscribers.get_mut(&this.key) else {
            return Poll::Ready(None);
        };
        if subscriber.dropped {
            return Poll::Ready(None);
        }
        if !ready {
            subscriber.waker = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let cursor = *subscriber.cursor.get_or_insert(last_id);
        // A position newer than this process has read is only taken on trust after Redis
        // confirmed it (the backfill clamps it to the end of the stream).
        let unplaced = !std::mem::replace(&mut this.placed, true) && cursor > last_id;
        if cursor < base || (unplaced && !matches!(this.topic.backend, Backend::Memory)) {
            match &this.topic.backend {
                // The next event already left the log: this subscriber lost events.
                Backend::Memory => {
                    this.topic.woke();
                    if log.drop_subscriber(this.key) {
                        this.topic
                            .counters
                            .dropped_subscribers
                            .fetch_add(1, Ordering::Relaxed);
                    }
                    tracing::warn!(target: "Hub", "a subscriber{} lost events that left the replay log: ending its stream; it can resume from the log", this.topic.describe());
                    return Poll::Ready(None);
                }
                // Older than this process holds (or newer than it has read): Redis has them.
                #[cfg(feature = "redis")]
                Backend::Redis(redis) => {
                    subscriber.backfilling = true;
                    drop(log);
                    this.backfill = Some(redis.backfill(&this.topic, cursor));
                    return Pin::new(this).poll_next(cx);
                }
            }
        }
        let hint = subscriber.next;
        let poll = match log.next_after(cursor, hint) {
            Some((id, frame, next)) => {
                if let Some(subscriber) = log.subscribers.get_mut(&this.key) {
                    subscriber.cursor = Some(id);
                    subscriber.next = next;
                }
                let ready = Poll::Ready(Some(HubFrame(frame)));
                if log.next_after(id, next).is_some() {
                    return ready;
                }
                // The last one: leave the waker now (below), so that the next poll, which will
                // find nothing, need not take the lock.
                ready
            }
            None => Poll::Pending,
        };
        if let Some(subscriber) = log.subscribers.get_mut(&this.key) {
            match &mut subscriber.waker {
                Some(waker) if waker.will_wake(cx.waker()) => {}
                slot => *slot = Some(cx.waker().clone()),
            }
            // Exact: `wakes` only changes under the lock held here.
            this.armed = Some(Armed {
                wakes: this.topic.wakes.load(Ordering::Relaxed),
                waker: Armed::identity(cx.waker()),
            });
        }
        poll
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        lock(&self.topic.log).subscribers.remove(&self.key);
    }
}
