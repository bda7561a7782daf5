//! [`interval`]: RxJS's `interval(period)` as a `Stream`, for the NestJS docs example.

use std::{
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use futures_core::Stream;
use tokio::time::{Instant, Interval, MissedTickBehavior};

/// A stream of `0, 1, 2, …`, one every `period`, the first after one `period`: RxJS's
/// `interval(period)`, which the NestJS SSE docs map into events.
///
/// A late tick is not made up for with a burst: the next one comes a full `period` later.
///
/// # Panics
/// If `period` is zero (as `tokio::time::interval` does).
///
/// # Example
/// ```
/// use std::time::Duration;
/// use nest_core::{MessageEvent, sse::interval};
/// use futures_util::StreamExt;
/// use serde_json::json;
///
/// let events = interval(Duration::from_secs(1)).map(|_| MessageEvent::json(&json!({ "hello": "world" })));
/// # drop(events);
/// ```
pub fn interval(period: Duration) -> IntervalStream {
    let mut interval = tokio::time::interval_at(Instant::now() + period, period);
    interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
    IntervalStream { interval, count: 0 }
}

/// The stream returned by [`interval`].
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct IntervalStream {
    interval: Interval,
    count: u64,
}

impl Stream for IntervalStream {
    type Item = u64;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u64>> {
        let this = self.get_mut();
        this.interval.poll_tick(cx).map(|_| {
            let count = this.count;
            this.count += 1;
            Some(count)
        })
    }
}
