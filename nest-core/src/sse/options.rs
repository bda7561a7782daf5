//! [`SseOptions`]: how event streams behave (heartbeats, retry hint, lifetime, shutdown frame),
//! set for the whole application and overridden per route in `#[sse(...)]`.

use std::{sync::Arc, time::Duration};

/// Settings for every `#[sse]` route of an application; a route overrides any of them in its
/// attribute (`#[sse("feed", keep_alive = "5s", retry = "3s")]`).
///
/// | setting | default | per route | what it does |
/// | --- | --- | --- | --- |
/// | `keep_alive` | 15 s | `keep_alive = "5s"` / `keep_alive = false` | a `: keep-alive` comment after that long without an event, so proxies and load balancers keep the connection open and a dead client is noticed |
/// | `retry` | none | `retry = "3s"` | a `retry:` field sent when the stream opens: the browser's reconnection delay |
/// | `max_lifetime` | none | `max_lifetime = "1h"` | ends the stream after that long; the browser reconnects (and passes the guards again) |
/// | `shutdown_event` | none | `shutdown_event = "shutdown"` | on shutdown, a last `event: <name>` frame (with the `retry` hint, if any) before the stream ends |
/// | `continue_ids` | off | `continue_ids = true` | automatic ids continue from a numeric `Last-Event-ID` (any other is ignored) instead of restarting at 1 |
///
/// ```
/// use std::{sync::Arc, time::Duration};
/// use nest_core::sse::SseOptions;
///
/// let options = SseOptions::default()
///     .keep_alive(Some(Duration::from_secs(30)))
///     .retry(Some(Duration::from_secs(3)))
///     .shutdown_event(Some("shutdown"));
/// assert_eq!(options.keep_alive_interval(), Some(Duration::from_secs(30)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseOptions {
    keep_alive: Option<Duration>,
    retry: Option<Duration>,
    max_lifetime: Option<Duration>,
    shutdown_event: Option<Arc<str>>,
    continue_ids: bool,
}

/// The default heartbeat interval: a `: keep-alive` comment after 15 s without an event.
pub const DEFAULT_KEEP_ALIVE: Duration = Duration::from_secs(15);

impl Default for SseOptions {
    fn default() -> Self {
        Self {
            keep_alive: Some(DEFAULT_KEEP_ALIVE),
            retry: None,
            max_lifetime: None,
            shutdown_event: None,
            continue_ids: false,
        }
    }
}

impl SseOptions {
    /// Heartbeat interval (`None` turns heartbeats off). Zero is taken as one millisecond.
    #[must_use]
    pub fn keep_alive(mut self, interval: Option<Duration>) -> Self {
        self.keep_alive = interval.map(at_least_a_millisecond);
        self
    }

    /// Reconnection delay sent as `retry:` when each stream opens (`None`: not sent).
    #[must_use]
    pub fn retry(mut self, delay: Option<Duration>) -> Self {
        self.retry = delay;
        self
    }

    /// Longest time a stream stays open (`None`: no limit).
    #[must_use]
    pub fn max_lifetime(mut self, lifetime: Option<Duration>) -> Self {
        self.max_lifetime = lifetime;
        self
    }

    /// Name of the last event sent when the application shuts down (`None`: the stream just ends).
    #[must_use]
    pub fn shutdown_event(mut self, name: Option<&str>) -> Self {
        self.shutdown_event = name.map(Arc::from);
        self
    }

    /// Whether automatic ids continue from the client's numeric `Last-Event-ID` (`n + 1`, …)
    /// instead of restarting at 1 on every connection (NestJS restarts).
    #[must_use]
    pub fn continue_ids(mut self, continue_ids: bool) -> Self {
        self.continue_ids = continue_ids;
        self
    }

    /// Whether automatic ids continue from `Last-Event-ID`.
    pub fn continues_ids(&self) -> bool {
        self.continue_ids
    }

    /// The heartbeat interval, if heartbeats are on.
    pub fn keep_alive_interval(&self) -> Option<Duration> {
        self.keep_alive
    }

    /// The reconnection delay sent when a stream opens, if any.
    pub fn retry_delay(&self) -> Option<Duration> {
        self.retry
    }

    /// The longest a stream stays open, if limited.
    pub fn lifetime(&self) -> Option<Duration> {
        self.max_lifetime
    }

    /// The name of the event sent on shutdown, if any.
    pub fn shutdown_event_name(&self) -> Option<&str> {
        self.shutdown_event.as_deref()
    }
}

fn at_least_a_millisecond(duration: Duration) -> Duration {
    duration.max(Duration::from_millis(1))
}

/// What one `#[sse(...)]` attribute sets; the rest comes from the application's [`SseOptions`].
/// Built by the code `#[controller]` generates.
#[doc(hidden)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseRouteOptions {
    keep_alive: Option<Option<Duration>>,
    retry: Option<Option<Duration>>,
    max_lifetime: Option<Option<Duration>>,
    shutdown_event: Option<Option<Arc<str>>>,
    continue_ids: Option<bool>,
}

impl SseRouteOptions {
    /// Nothing overridden.
    pub fn new() -> Self {
        Self::default()
    }

    /// `keep_alive = "…"` (milliseconds) or `keep_alive = false` (`None`).
    #[must_use]
    pub fn keep_alive(mut self, millis: Option<u64>) -> Self {
        self.keep_alive = Some(millis.map(Duration::from_millis));
        self
    }

    /// `retry = "…"`, in milliseconds.
    #[must_use]
    pub fn retry(mut self, millis: u64) -> Self {
        self.retry = Some(Some(Duration::from_millis(millis)));
        self
    }

    /// `max_lifetime = "…"`, in milliseconds.
    #[must_use]
    pub fn max_lifetime(mut self, millis: u64) -> Self {
        self.max_lifetime = Some(Some(Duration::from_millis(millis)));
        self
    }

    /// `shutdown_event = "name"`.
    #[must_use]
    pub fn shutdown_event(mut self, name: &str) -> Self {
        self.shutdown_event = Some(Some(Arc::from(name)));
        self
    }

    /// `continue_ids = true`.
    #[must_use]
    pub fn continue_ids(mut self, continue_ids: bool) -> Self {
        self.continue_ids = Some(continue_ids);
        self
    }

    /// The options a stream of this route runs with: `app`'s own (shared) when the route
    /// overrides nothing, as most do.
    pub(crate) fn resolve(&self, app: &Arc<SseOptions>) -> Arc<SseOptions> {
        if *self == Self::default() {
            Arc::clone(app)
        } else {
            Arc::new(self.apply(app))
        }
    }

    /// The application's options with this route's overrides applied.
    pub(crate) fn apply(&self, app: &SseOptions) -> SseOptions {
        let mut options = app.clone();
        if let Some(keep_alive) = self.keep_alive {
            options = options.keep_alive(keep_alive);
        }
        if let Some(retry) = self.retry {
            options.retry = retry;
        }
        if let Some(lifetime) = self.max_lifetime {
            options.max_lifetime = lifetime;
        }
        if let Some(name) = &self.shutdown_event {
            options.shutdown_event.clone_from(name);
        }
        if let Some(continue_ids) = self.continue_ids {
            options.continue_ids = continue_ids;
        }
        options
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_overrides_only_what_it_sets() {
        let app = SseOptions::default().retry(Some(Duration::from_secs(1)));
        let route = SseRouteOptions::new()
            .keep_alive(None)
            .shutdown_event("bye");
        let merged = route.apply(&app);
        assert_eq!(merged.keep_alive_interval(), None);
        assert_eq!(merged.retry_delay(), Some(Duration::from_secs(1)));
        assert_eq!(merged.shutdown_event_name(), Some("bye"));
        assert_eq!(SseRouteOptions::new().apply(&app), app);
    }

    #[test]
    fn a_route_that_overrides_nothing_shares_the_applications_options() {
        let app = Arc::new(SseOptions::default().retry(Some(Duration::from_secs(1))));
        assert!(Arc::ptr_eq(&SseRouteOptions::new().resolve(&app), &app));
        let own = SseRouteOptions::new().continue_ids(true).resolve(&app);
        assert!(!Arc::ptr_eq(&own, &app));
        assert!(own.continues_ids());
        assert_eq!(own.retry_delay(), Some(Duration::from_secs(1)));
    }
}
