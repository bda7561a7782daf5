//! [`interval`]: RxJS's `interval(period)` as a `Stream`, for the NestJS docs example.

use std::{
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use futures_core::Stream;
use tokio::time::{Instant, Interval, MissedTickBehavior};

/// A stream of `0, 1, 2, …`, one every `period`, the first one `period` after the stream is first
/// polled: RxJS's `interval(period)`, which the NestJS SSE docs map into events.
///
/// A late tick is not made up for with a burst: the next one comes a full `period` later. A zero
/// `period` is taken as one millisecond. The timer is created when the stream is first polled,
/// so the stream may be built outside a Tokio runtime.
///
/// # Example
/// ```
/// use std::time::Duration;
/// use nest_core::{MessageEvent, sse::interval};
/// use futures_util::StreamExt;
/// use serde_json::json;
///
/// let events = interval(Duration::from_secs(1))
///     .map(|_| MessageEvent::json(&json!({ "hello": "world" })));
/// # drop(events);
/// ```
pub fn interval(period: Duration) -> IntervalStream {
    IntervalStream {
        period: period.max(Duration::from_millis(1)),
        timer: None,
        count: 0,
    }
}

/// The stream returned by [`interval`].
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct IntervalStream {
    period: Duration,
    timer: Option<Interval>,
    count: u64,
}

impl Stream for IntervalStream {
    type Item = u64;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u64>> {
        let this = self.get_mut();
        let period = this.period;
        let timer = this.timer.get_or_insert_with(|| {
            let mut timer = tokio::time::interval_at(Instant::now() + period, period);
            timer.set_missed_tick_behavior(MissedTickBehavior::Delay);
            timer
        });
        timer.poll_tick(cx).map(|_| {
            let count = this.count;
            this.count += 1;
            Some(count)
        })
    }
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn ticks_count_from_zero_one_period_apart() {
        let start = Instant::now();
        let ticks: Vec<u64> = interval(Duration::from_secs(1)).take(3).collect().await;
        assert_eq!(ticks, [0, 1, 2]);
        assert_eq!(start.elapsed(), Duration::from_secs(3));
    }
}
