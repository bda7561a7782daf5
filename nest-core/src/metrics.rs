//! Prometheus metrics, opt-in with
//! [`NestApplication::enable_metrics`](crate::NestApplication::enable_metrics): HTTP requests
//! by route, method and status with their latency, event streams by route (open, events and
//! heartbeats sent, how they ended), the server's connections (open, closed by a timeout or
//! shed), and the [`Hub`](crate::sse::Hub)s registered with [`Metrics::observe_hub`].
//!
//! The metrics are kept by the Prometheus project's client,
//! [`prometheus_client`] (re-exported here), in a registry of the application's own: register
//! your own metrics on it with [`Metrics::register`].
//!
//! What costs nothing to count is read when Prometheus scrapes (open connections and streams,
//! a hub's topics and subscribers); what happens on a hot path is counted there only when
//! metrics are enabled: per request, and per batch of events an event stream writes (in
//! counters sharded by thread, so streams on different cores do not share a cache line).
//!
//! Without metrics, the request path and the event path pay one branch each.

use std::{
    borrow::Cow,
    fmt,
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::Duration,
};

use prometheus_client::{
    collector::Collector,
    encoding::{
        DescriptorEncoder, EncodeLabelSet, EncodeLabelValue, EncodeMetric, LabelValueEncoder,
        MetricEncoder, NoLabelSet,
    },
    metrics::{
        MetricType, TypedMetric, counter::Counter, family::Family, gauge::Gauge,
        histogram::Histogram,
    },
    registry::{Metric, Registry},
};

pub use prometheus_client;

use crate::{context::Counts, lock::lock};

/// The latency buckets of `http_request_duration_seconds`, in seconds: Prometheus's defaults.
const LATENCY_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The route label of a request no route took (a 404, or an answer from a middleware before
/// routing).
pub(crate) const UNMATCHED: &str = "";

/// An application's metrics: its Prometheus registry, with the server's metrics already
/// registered. Cloning gives another handle to the same registry.
///
/// Get it from [`NestApplication::metrics`](crate::NestApplication::metrics) once metrics are
/// enabled; scrape it at the path given to `enable_metrics`, or render it yourself with
/// [`Metrics::encode`].
///
/// ```
/// use nest_core::NestApplication;
/// use nest_core::metrics::prometheus_client::metrics::counter::Counter;
///
/// let mut app = NestApplication::builder().build().unwrap();
/// app.enable_metrics("/metrics");
/// let metrics = app.metrics().unwrap();
///
/// // Your own metrics live in the same registry.
/// let signups: Counter = Counter::default();
/// metrics.register("signups", "Accounts created", signups.clone());
/// signups.inc();
/// assert!(metrics.encode().contains("signups_total 1"));
/// ```
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Mutex<Registry>,
    http: HttpMetrics,
    hubs: Arc<Hubs>,
    servers: Arc<Servers>,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// The metrics the request and event paths update.
struct HttpMetrics {
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram, fn() -> Histogram>,
    streams_open: Family<RouteLabels, Gauge>,
    events: Family<RouteLabels, ShardedCounter>,
    heartbeats: Family<RouteLabels, ShardedCounter>,
    streams_ended: Family<EndLabels, Counter>,
}

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

impl Metrics {
    /// An empty registry with the server's metrics registered (what `enable_metrics` makes).
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let http = HttpMetrics {
            requests: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
            streams_open: Family::default(),
            events: Family::default(),
            heartbeats: Family::default(),
            streams_ended: Family::default(),
        };
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route pattern and status",
            http.requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its response's head (an event stream: until it opened), by method, route pattern and status",
            http.latency.clone(),
        );
        registry.register(
            "sse_streams_open",
            "Event streams open, by route pattern",
            http.streams_open.clone(),
        );
        registry.register(
            "sse_events_sent",
            "Events written to event streams, by route pattern",
            http.events.clone(),
        );
        registry.register(
            "sse_heartbeats_sent",
            "Heartbeats (keep-alive comments) written to event streams, by route pattern",
            http.heartbeats.clone(),
        );
        registry.register(
            "sse_streams_ended",
            "Event streams ended, by route pattern and reason (completed, error, lifetime, shutdown, closed: the client left or was dropped)",
            http.streams_ended.clone(),
        );
        let hubs = Arc::new(Hubs::default());
        registry.register_collector(Box::new(Arc::clone(&hubs)));
        let servers = Arc::new(Servers::default());
        registry.register_collector(Box::new(Arc::clone(&servers)));
        Self {
            inner: Arc::new(Inner {
                registry: Mutex::new(registry),
                http,
                hubs,
                servers,
            }),
        }
    }

    /// Registers a metric of your own (a [`Counter`], a [`Gauge`], a [`Family`] of them, …) in
    /// the application's registry; it is scraped with the others. A counter's name gets
    /// Prometheus's `_total` suffix.
    pub fn register(&self, name: &str, help: &str, metric: impl Metric) {
        lock(&self.inner.registry).register(name, help, metric);
    }

    /// Reports a hub's state under the label `hub="<name>"`, read at each scrape: its topics
    /// and subscribers, and since it was made, the subscribers dropped for falling behind,
    /// those told they lost events (`lagged`), the events replayed to resuming subscribers,
    /// and with Redis its errors and reconnections. A hub dropped since is no longer reported.
    ///
    /// ```
    /// use nest_core::metrics::Metrics;
    /// use nest_core::sse::Hub;
    ///
    /// let metrics = Metrics::new();
    /// let hub: Hub = Hub::new();
    /// let _lobby = hub.topic("lobby");
    /// metrics.observe_hub("chat", &hub);
    /// assert!(metrics.encode().contains("hub_topics{hub=\"chat\"} 1"));
    /// ```
    pub fn observe_hub(&self, name: &str, hub: &impl ObservedHub) {
        lock(&self.inner.hubs.hubs).push((name.to_owned(), hub.sampler()));
    }

    /// The metrics in Prometheus's text format (version 0.0.4), as a scrape gets them.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        let registry = lock(&self.inner.registry);
        // Writing into a `String` cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &registry);
        text
    }

    /// The metrics in the OpenMetrics text format, for a scraper that asks for it.
    pub fn encode_openmetrics(&self) -> String {
        let mut text = String::new();
        let registry = lock(&self.inner.registry);
        let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
        text
    }

    /// Reads a running server's counts at each scrape.
    pub(crate) fn observe_server(&self, counts: &Arc<Counts>) {
        lock(&self.inner.servers.counts).push(Arc::downgrade(counts));
    }

    /// Counts one answered request.
    pub(crate) fn request(
        &self,
        method: &http::Method,
        route: &Arc<str>,
        status: u16,
        took: Duration,
    ) {
        let labels = RequestLabels {
            method: method_label(method),
            route: Label(Arc::clone(route)),
            status,
        };
        let http = &self.inner.http;
        http.requests.get_or_create(&labels).inc();
        http.latency
            .get_or_create(&labels)
            .observe(took.as_secs_f64());
    }

    /// The counters of one event stream of `route`, counted open until dropped.
    pub(crate) fn stream(&self, route: &Arc<str>) -> StreamMetrics {
        let labels = RouteLabels {
            route: Label(Arc::clone(route)),
        };
        let http = &self.inner.http;
        let open = http.streams_open.get_or_create_owned(&labels);
        open.inc();
        StreamMetrics {
            events: http.events.get_or_create_owned(&labels),
            heartbeats: http.heartbeats.get_or_create_owned(&labels),
            open,
            metrics: self.clone(),
            route: labels.route,
        }
    }
}

/// Standard methods by their name; any other as `OTHER` (a label must not take whatever a
/// client sends).
fn method_label(method: &http::Method) -> &'static str {
    match *method {
        http::Method::GET => "GET",
        http::Method::POST => "POST",
        http::Method::PUT => "PUT",
        http::Method::DELETE => "DELETE",
        http::Method::PATCH => "PATCH",
        http::Method::HEAD => "HEAD",
        http::Method::OPTIONS => "OPTIONS",
        http::Method::CONNECT => "CONNECT",
        http::Method::TRACE => "TRACE",
        _ => "OTHER",
    }
}

/// A label value shared by every request of a route (no allocation per request).
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct Label(Arc<str>);

impl EncodeLabelValue for Label {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> Result<(), fmt::Error> {
        fmt::Write::write_str(encoder, &self.0)
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: Label,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: Label,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EndLabels {
    route: Label,
    reason: &'static str,
}

/// One event stream's counters; counts it open until dropped.
pub(crate) struct StreamMetrics {
    events: ShardedCounter,
    heartbeats: ShardedCounter,
    open: Gauge,
    metrics: Metrics,
    route: Label,
}

impl StreamMetrics {
    pub(crate) fn sent(&self, events: u64, heartbeats: u64) {
        if events > 0 {
            self.events.add(events);
        }
        if heartbeats > 0 {
            self.heartbeats.add(heartbeats);
        }
    }

    pub(crate) fn ended(&self, reason: &'static str) {
        let labels = EndLabels {
            route: self.route.clone(),
            reason,
        };
        self.metrics
            .inner
            .http
            .streams_ended
            .get_or_create(&labels)
            .inc();
    }
}

impl Drop for StreamMetrics {
    fn drop(&mut self) {
        self.open.dec();
    }
}

/// How many shards a [`ShardedCounter`] has: more than the cores that usually write to it.
const SHARDS: usize = 16;

/// One shard, alone on its cache line(s).
#[derive(Debug, Default)]
#[repr(align(128))]
struct Shard(AtomicU64);

/// A counter whose additions go to the calling thread's shard, so that threads on different
/// cores do not contend for one cache line; a scrape adds the shards up.
#[derive(Debug, Clone, Default)]
struct ShardedCounter(Arc<[Shard; SHARDS]>);

static NEXT_SHARD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static SHARD: usize = NEXT_SHARD.fetch_add(1, Ordering::Relaxed) % SHARDS;
}

impl ShardedCounter {
    fn add(&self, n: u64) {
        let shard = SHARD.with(|shard| *shard);
        self.0[shard].0.fetch_add(n, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.0
            .iter()
            .map(|shard| shard.0.load(Ordering::Relaxed))
            .sum()
    }
}

impl TypedMetric for ShardedCounter {
    const TYPE: MetricType = MetricType::Counter;
}

impl EncodeMetric for ShardedCounter {
    fn encode(&self, mut encoder: MetricEncoder<'_>) -> Result<(), fmt::Error> {
        encoder.encode_counter::<NoLabelSet, _, u64>(&self.get(), None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

/// The request a route answered, shared between the server (which counts it) and the route
/// (which names itself), while metrics or request spans are on.
#[derive(Debug, Default)]
pub(crate) struct MatchedRoute(OnceLock<Arc<str>>);

impl MatchedRoute {
    pub(crate) fn set(&self, route: &Arc<str>) {
        let _ = self.0.set(Arc::clone(route));
    }

    pub(crate) fn get(&self) -> Option<&Arc<str>> {
        self.0.get()
    }
}

/// A hub's counts at one scrape; see [`Metrics::observe_hub`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HubSample {
    /// Topics held now.
    pub topics: u64,
    /// Subscriptions alive now, over every topic.
    pub subscribers: u64,
    /// Subscribers dropped so far for falling behind.
    pub dropped_subscribers: u64,
    /// `event: lagged` frames sent so far: subscribers told that events they asked for were
    /// gone.
    pub lagged: u64,
    /// Events sent so far to resuming subscribers from before they subscribed.
    pub replayed_events: u64,
    /// Redis commands that failed so far.
    pub redis_errors: u64,
    /// Times the hub read from Redis again after losing it.
    pub redis_reconnects: u64,
}

/// Reads a hub's counts at each scrape; `None` once the hub is gone.
pub type HubSampler = Box<dyn Fn() -> Option<HubSample> + Send + Sync>;

/// What [`Metrics::observe_hub`] takes: a [`Hub`](crate::sse::Hub).
pub trait ObservedHub {
    /// A function that reads the hub's counts, holding no strong reference to it.
    fn sampler(&self) -> HubSampler;
}

#[derive(Default)]
struct Hubs {
    hubs: Mutex<Vec<(String, HubSampler)>>,
}

impl fmt::Debug for Hubs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hubs").finish_non_exhaustive()
    }
}

impl Collector for Hubs {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), fmt::Error> {
        let samples: Vec<(String, HubSample)> = {
            let mut hubs = lock(&self.hubs);
            let mut samples = Vec::with_capacity(hubs.len());
            hubs.retain(|(name, sampler)| match sampler() {
                Some(sample) => {
                    samples.push((name.clone(), sample));
                    true
                }
                None => false,
            });
            samples
        };
        if samples.is_empty() {
            return Ok(());
        }
        type Read = fn(&HubSample) -> u64;
        let metrics: [(&str, &str, MetricType, Read); 7] = [
            (
                "hub_topics",
                "Topics the hub holds",
                MetricType::Gauge,
                |s| s.topics,
            ),
            (
                "hub_subscribers",
                "Subscriptions alive, over every topic",
                MetricType::Gauge,
                |s| s.subscribers,
            ),
            (
                "hub_subscribers_dropped",
                "Subscribers dropped for falling behind",
                MetricType::Counter,
                |s| s.dropped_subscribers,
            ),
            (
                "hub_lagged",
                "Subscribers told that events they asked for were gone (event: lagged)",
                MetricType::Counter,
                |s| s.lagged,
            ),
            (
                "hub_replayed_events",
                "Events sent to resuming subscribers from before they subscribed",
                MetricType::Counter,
                |s| s.replayed_events,
            ),
            (
                "hub_redis_errors",
                "Redis commands of the hub that failed",
                MetricType::Counter,
                |s| s.redis_errors,
            ),
            (
                "hub_redis_reconnects",
                "Times the hub read from Redis again after losing it",
                MetricType::Counter,
                |s| s.redis_reconnects,
            ),
        ];
        for (name, help, kind, read) in metrics {
            let mut metric = encoder.encode_descriptor(name, help, None, kind)?;
            for (hub, sample) in &samples {
                let labels = [("hub", hub.as_str())];
                let mut family = metric.encode_family(&labels)?;
                let value = read(sample);
                match kind {
                    MetricType::Counter => {
                        family.encode_counter::<NoLabelSet, _, u64>(&value, None)?
                    }
                    _ => family.encode_gauge(&i64::try_from(value).unwrap_or(i64::MAX))?,
                }
            }
        }
        Ok(())
    }
}

/// The running servers' counts, read at each scrape.
#[derive(Debug, Default)]
struct Servers {
    counts: Mutex<Vec<std::sync::Weak<Counts>>>,
}

impl Collector for Servers {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), fmt::Error> {
        let mut total = crate::context::CountsSample::default();
        lock(&self.counts).retain(|counts| match counts.upgrade() {
            Some(counts) => {
                total.add(&counts.sample());
                true
            }
            None => false,
        });
        let gauge = |encoder: &mut DescriptorEncoder<'_>, name: &str, help: &str, value: usize| {
            let metric = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
            let mut metric = metric;
            metric.encode_gauge(&i64::try_from(value).unwrap_or(i64::MAX))
        };
        gauge(
            &mut encoder,
            "http_connections_open",
            "Client connections open",
            total.connections,
        )?;
        gauge(
            &mut encoder,
            "sse_streams_running",
            "Event streams running, every route (from their handler's start to their end)",
            total.streams,
        )?;
        let mut metric = encoder.encode_descriptor(
            "http_connections_closed",
            "Connections (HTTP/2: streams) the server ended, by reason: send_timeout (the client took no byte: a slow client), header_timeout (no request head in time), idle_timeout (HTTP/2 with no stream), shed (closed to admit a newer one)",
            None,
            MetricType::Counter,
        )?;
        for (reason, value) in total.closed() {
            let labels: [(Cow<'static, str>, Cow<'static, str>); 1] =
                [(Cow::Borrowed("reason"), Cow::Borrowed(reason))];
            metric
                .encode_family(&labels)?
                .encode_counter::<NoLabelSet, _, u64>(&value, None)?;
        }
        Ok(())
    }
}

/// Whether a request's or an event stream's span would be recorded now (a subscriber takes
/// `nest_core::request` or `nest_core::stream` at debug level).
pub(crate) fn spans_enabled() -> bool {
    tracing::enabled!(target: "nest_core::request", tracing::Level::DEBUG)
        || tracing::enabled!(target: "nest_core::stream", tracing::Level::DEBUG)
}
