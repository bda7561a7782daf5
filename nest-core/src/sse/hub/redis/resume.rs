//! Resuming from Redis: a subscription whose position is older than the local log (or newer
//! than this process has read) reads what it missed with `XRANGE`, in pages, then joins the
//! local log.

use std::{
    collections::VecDeque,
    future::Future,
    pin::Pin,
    sync::{Arc, atomic::Ordering},
    task::{Context, Poll, ready},
    time::Duration,
};

use bytes::Bytes;
use redis::Value;

use super::{
    RedisBackend, no_such_key,
    reply::{self, StreamInfo},
    snapshot,
};
use crate::{
    lock::lock,
    sse::hub::{
        HubError, HubId,
        log::Topic,
        subscription::{HubFrame, Lagged},
    },
};

const PAGE: usize = 512;
const RETRY: Duration = Duration::from_millis(500);

/// One page of a resume.
struct Page {
    /// The position the page was read after: the subscription's, or the stream's end if that
    /// was before it (an id from the future).
    from: HubId,
    /// The id just before the oldest event Redis kept, if it trimmed events after `from`.
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

impl RedisBackend {
    /// A resume from Redis for a subscription of `topic` positioned after `cursor`.
    pub(in crate::sse) fn backfill(self: &Arc<Self>, topic: &Topic, cursor: HubId) -> Backfill {
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
    /// after `after` and where the stream ends, as of the same instant.
    async fn page(
        self: Arc<Self>,
        key: String,
        after: HubId,
        first: bool,
    ) -> Result<Page, HubError> {
        let (info, entries) = if first {
            match self
                .query::<(Value, Value)>(&snapshot(&key, after, PAGE))
                .await
            {
                Ok((info, entries)) => (Some(StreamInfo::read(&info)), entries),
                // No stream: nothing was published to this topic, or Redis lost it.
                Err(error) if no_such_key(&error) => (None, Value::Nil),
                Err(error) => return Err(error),
            }
        } else {
            let xrange = redis::cmd("XRANGE")
                .arg(&key)
                .arg(format!("({}", after.redis_form()))
                .arg("+")
                .arg("COUNT")
                .arg(PAGE)
                .clone();
            (None, self.query::<Value>(&xrange).await?)
        };
        let events = reply::entries(entries)?;
        let full = events.len() == PAGE;
        Ok(Page {
            // An id from the future (another deployment's, or made up) means "now".
            from: info.map_or(after, |info| after.min(info.last_generated)),
            lagged: info
                .and_then(|info| info.trimmed_through)
                .filter(|last_lost| *last_lost > after),
            events: reply::frames(events)?,
            full,
        })
    }
}

impl Backfill {
    /// The next missed frame; `None` once caught up with the local log (the subscription's
    /// cursor is then set, and it reads from the log).
    pub(in crate::sse) fn poll_next(
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
                Ok(page) => self.take(page, topic),
                Err(error) => {
                    if !std::mem::replace(&mut self.warned, true) {
                        tracing::warn!(target: "Hub", "a subscriber{} could not read missed events from Redis ({error}); retrying", topic.describe());
                    }
                    self.retry = Some(Box::pin(tokio::time::sleep(RETRY)));
                }
            }
        }
    }

    /// Queues a page's events (after a `lagged` frame if Redis trimmed some), and decides
    /// whether the local log takes over after them.
    fn take(&mut self, page: Page, topic: &Topic) {
        self.first = false;
        self.cursor = page.from;
        if let Some(last_lost) = page.lagged {
            topic.counters.lagged.fetch_add(1, Ordering::Relaxed);
            self.queue.push_back((last_lost, lagged(last_lost)));
        }
        topic
            .counters
            .replayed_events
            .fetch_add(page.events.len() as u64, Ordering::Relaxed);
        self.queue.extend(page.events);
        let reached = self.queue.back().map_or(self.cursor, |(id, _)| *id);
        let base = lock(&topic.log).base;
        if reached >= base {
            self.done = true;
        } else if !page.full {
            // Redis ends before what this process still holds: it lost the events between
            // (a restart without persistence, a deleted stream). Announce them and join.
            topic.counters.lagged.fetch_add(1, Ordering::Relaxed);
            self.queue.push_back((base, lagged(base)));
            self.done = true;
        }
    }
}

fn lagged(last_lost: HubId) -> Bytes {
    HubFrame::lagged(Lagged {
        missed: None,
        resume_after: last_lost,
    })
    .0
}
