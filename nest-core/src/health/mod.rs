//! Health checks, as `@nestjs/terminus`: import [`TerminusModule`], inject
//! [`HealthCheckService`] and the indicators into a controller, and answer a route with
//! [`HealthCheckService::check`]. The answer is terminus's, byte for byte: `200`
//! `{"status":"ok","info":{…},"error":{},"details":{…}}` while every indicator is up (or
//! degraded), `503` `{"status":"error",…}` once one is down.
//!
//! ```
//! use nest_core::prelude::*;
//! use nest_core::health::{HealthCheckResult, HealthCheckService, MemoryHealthIndicator, TerminusModule};
//!
//! #[derive(Injectable)]
//! struct HealthController {
//!     health: Arc<HealthCheckService>,
//!     memory: Arc<MemoryHealthIndicator>,
//! }
//!
//! #[controller("health")]
//! impl HealthController {
//!     #[get]
//!     #[header("Cache-Control", "no-cache, no-store, must-revalidate")]
//!     async fn check(&self) -> Result<HealthCheckResult, HttpException> {
//!         self.health
//!             .check([
//!                 self.memory.check_heap("memory_heap", 150 * 1024 * 1024),
//!                 self.memory.check_rss("memory_rss", 300 * 1024 * 1024),
//!             ])
//!             .await
//!     }
//! }
//!
//! #[module(imports = [TerminusModule], controllers = [HealthController])]
//! struct AppModule;
//! # let _ = NestApplication::builder().import::<AppModule>().build().unwrap();
//! ```

use std::{fmt, future::Future, pin::Pin};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::{
    app::module::{Module, ModuleBuilder},
    http::HttpException,
    sse::hub::Hub,
};

/// The status of one indicator: `up`, `down` or `degraded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthIndicatorStatus {
    /// Healthy.
    Up,
    /// Unhealthy: the check answers `503`.
    Down,
    /// Working, but not fully: the check answers `200` with `"status":"degraded"`.
    Degraded,
}

impl HealthIndicatorStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
            Self::Degraded => "degraded",
        }
    }
}

/// What an indicator reports: `{"<key>": {…data, "status": "up"}}`, as terminus's
/// `HealthIndicatorResult`. Made by a [`HealthIndicatorSession`].
#[derive(Debug, Clone, PartialEq)]
pub struct HealthIndicatorResult {
    key: String,
    status: HealthIndicatorStatus,
    detail: Map<String, Value>,
}

impl HealthIndicatorResult {
    /// The indicator's key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Its status.
    pub fn status(&self) -> HealthIndicatorStatus {
        self.status
    }

    /// Its detail: the data, then `status`.
    pub fn detail(&self) -> &Map<String, Value> {
        &self.detail
    }
}

/// Extra data of an indicator's result: an object's fields, or a text as `message` (terminus
/// takes either).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HealthData(Map<String, Value>);

impl From<&str> for HealthData {
    fn from(message: &str) -> Self {
        Self::from(message.to_owned())
    }
}

impl From<String> for HealthData {
    fn from(message: String) -> Self {
        let mut data = Map::new();
        data.insert("message".to_owned(), Value::String(message));
        Self(data)
    }
}

/// An object's fields; any other value adds nothing (as terminus ignores it).
impl From<Value> for HealthData {
    fn from(value: Value) -> Self {
        match value {
            Value::Object(fields) => Self(fields),
            _ => Self::default(),
        }
    }
}

impl From<Map<String, Value>> for HealthData {
    fn from(fields: Map<String, Value>) -> Self {
        Self(fields)
    }
}

/// Reports one indicator's health under its key, as terminus's `HealthIndicatorSession`
/// (`this.healthIndicatorService.check(key).up()`).
///
/// ```
/// use nest_core::health::HealthIndicatorSession;
/// let up = HealthIndicatorSession::new("redis").up_with(serde_json::json!({ "topics": 2 }));
/// assert_eq!(serde_json::to_string(up.detail()).unwrap(), r#"{"topics":2,"status":"up"}"#);
/// let down = HealthIndicatorSession::new("redis").down("Connection refused");
/// assert_eq!(serde_json::to_string(down.detail()).unwrap(), r#"{"message":"Connection refused","status":"down"}"#);
/// ```
#[derive(Debug, Clone)]
pub struct HealthIndicatorSession {
    key: String,
}

impl HealthIndicatorSession {
    /// A session for `key`.
    pub fn new(key: impl Into<String>) -> Self {
        Self { key: key.into() }
    }

    /// Up, with no data.
    pub fn up(self) -> HealthIndicatorResult {
        self.compose(HealthIndicatorStatus::Up, HealthData::default())
    }

    /// Up, with data.
    pub fn up_with(self, data: impl Into<HealthData>) -> HealthIndicatorResult {
        self.compose(HealthIndicatorStatus::Up, data.into())
    }

    /// Down, with data (a text becomes `message`).
    pub fn down(self, data: impl Into<HealthData>) -> HealthIndicatorResult {
        self.compose(HealthIndicatorStatus::Down, data.into())
    }

    /// Degraded, with data.
    pub fn degraded(self, data: impl Into<HealthData>) -> HealthIndicatorResult {
        self.compose(HealthIndicatorStatus::Degraded, data.into())
    }

    /// `{...data, status}`; a `status` in the data is replaced (terminus refuses it).
    fn compose(self, status: HealthIndicatorStatus, data: HealthData) -> HealthIndicatorResult {
        let mut detail = data.0;
        detail.shift_remove("status");
        detail.insert(
            "status".to_owned(),
            Value::String(status.as_str().to_owned()),
        );
        HealthIndicatorResult {
            key: self.key,
            status,
            detail,
        }
    }
}

/// One indicator's check, not run yet: what [`HealthCheckService::check`] takes. The built-in
/// indicators return one; wrap your own future with [`HealthCheck::new`].
pub struct HealthCheck<'a>(Pin<Box<dyn Future<Output = HealthIndicatorResult> + Send + 'a>>);

impl fmt::Debug for HealthCheck<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HealthCheck").finish_non_exhaustive()
    }
}

impl<'a> HealthCheck<'a> {
    /// A check that runs `check`.
    ///
    /// ```
    /// use nest_core::health::{HealthCheck, HealthIndicatorSession};
    /// let check = HealthCheck::new(async { HealthIndicatorSession::new("dog").up() });
    /// # drop(check);
    /// ```
    pub fn new(check: impl Future<Output = HealthIndicatorResult> + Send + 'a) -> Self {
        Self(Box::pin(check))
    }
}

/// An indicator of your own, as terminus's `HealthIndicator` class: checked under a key.
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::health::{HealthCheck, HealthIndicator, HealthIndicatorSession};
///
/// #[derive(Injectable, Default)]
/// struct DogHealthIndicator;
///
/// impl HealthIndicator for DogHealthIndicator {
///     fn is_healthy<'a>(&'a self, key: &'a str) -> HealthCheck<'a> {
///         HealthCheck::new(async move {
///             let bad_boys = 0;
///             let session = HealthIndicatorSession::new(key);
///             if bad_boys == 0 { session.up() } else { session.down(serde_json::json!({ "badboys": bad_boys })) }
///         })
///     }
/// }
/// ```
pub trait HealthIndicator: Send + Sync {
    /// Checks the health, reported under `key`.
    fn is_healthy<'a>(&'a self, key: &'a str) -> HealthCheck<'a>;
}

/// The overall status of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthCheckStatus {
    /// Every indicator up.
    Ok,
    /// Every indicator up or degraded, one at least degraded.
    Degraded,
    /// An indicator down.
    Error,
}

/// The answer of a check, as terminus's `HealthCheckResult`: the status, the indicators up or
/// degraded (`info`), those down (`error`), and all of them (`details`). A handler that
/// returns it answers it as JSON with status `200`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthCheckResult {
    /// `ok`, `degraded` or `error`.
    pub status: HealthCheckStatus,
    /// The indicators up or degraded, by key.
    pub info: Map<String, Value>,
    /// The indicators down, by key.
    pub error: Map<String, Value>,
    /// Every indicator: those up or degraded, then those down.
    pub details: Map<String, Value>,
}

impl HealthCheckResult {
    /// The result of these indicators' reports, in their order (terminus's `getResult`).
    pub fn of(results: impl IntoIterator<Item = HealthIndicatorResult>) -> Self {
        let (mut ups, mut downs) = (Vec::new(), Vec::new());
        for result in results {
            match result.status {
                HealthIndicatorStatus::Down => downs.push(result),
                _ => ups.push(result),
            }
        }
        let summary = |results: &[HealthIndicatorResult]| {
            let mut summary = Map::new();
            for result in results {
                summary.insert(result.key.clone(), Value::Object(result.detail.clone()));
            }
            summary
        };
        let info = summary(&ups);
        let error = summary(&downs);
        let mut details = info.clone();
        for result in &downs {
            details.insert(result.key.clone(), Value::Object(result.detail.clone()));
        }
        let status = if !downs.is_empty() {
            HealthCheckStatus::Error
        } else if ups
            .iter()
            .any(|result| result.status == HealthIndicatorStatus::Degraded)
        {
            HealthCheckStatus::Degraded
        } else {
            HealthCheckStatus::Ok
        };
        Self {
            status,
            info,
            error,
            details,
        }
    }

    fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// Runs health checks, as terminus's `HealthCheckService`: provided by [`TerminusModule`].
#[derive(Debug, Default)]
pub struct HealthCheckService;

impl HealthCheckService {
    /// Runs every indicator at once, and answers terminus's result: `Ok` while none is down,
    /// else a `503 Service Unavailable` whose body is the result (with `"status":"error"`),
    /// logged as terminus logs it. An indicator that panics is a `500`, as one that throws in
    /// NestJS.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use nest_core::health::{HealthCheck, HealthCheckService, HealthIndicatorSession};
    /// let health = HealthCheckService::default();
    /// let error = health
    ///     .check([
    ///         HealthCheck::new(async { HealthIndicatorSession::new("a").up() }),
    ///         HealthCheck::new(async { HealthIndicatorSession::new("b").down("gone") }),
    ///     ])
    ///     .await
    ///     .unwrap_err();
    /// assert_eq!(error.status(), 503);
    /// assert_eq!(
    ///     error.body_json(),
    ///     r#"{"status":"error","info":{"a":{"status":"up"}},"error":{"b":{"message":"gone","status":"down"}},"details":{"a":{"status":"up"},"b":{"message":"gone","status":"down"}}}"#
    /// );
    /// # }
    /// ```
    pub async fn check<'a>(
        &self,
        indicators: impl IntoIterator<Item = HealthCheck<'a>>,
    ) -> Result<HealthCheckResult, HttpException> {
        let results =
            futures_util::future::join_all(indicators.into_iter().map(|check| check.0)).await;
        let result = HealthCheckResult::of(results);
        if result.status != HealthCheckStatus::Error {
            return Ok(result);
        }
        let details = serde_json::to_string(&result.details).unwrap_or_default();
        tracing::error!(target: "HealthCheckService", "Health Check has failed! {details}");
        Err(HttpException::from_body(result.to_json(), 503))
    }
}

/// The process's memory, as terminus's `MemoryHealthIndicator`: down once it uses more than
/// a threshold (in bytes). Provided by [`TerminusModule`].
///
/// Read from `/proc/self/status` (Linux): `check_rss` compares the resident set (`VmRSS`),
/// `check_heap` the resident anonymous memory (`RssAnon`: the heap and the other memory the
/// process allocated, without its mapped files), the nearest a Rust process has to V8's
/// `heapUsed`. Elsewhere both are down with a message saying the usage cannot be read.
#[derive(Debug, Default)]
pub struct MemoryHealthIndicator;

impl MemoryHealthIndicator {
    /// Down (`Used heap exceeded the set threshold`) when the resident anonymous memory is
    /// above `threshold` bytes.
    pub fn check_heap(&self, key: &str, threshold: u64) -> HealthCheck<'static> {
        memory_check(key, "heap", "RssAnon:", threshold)
    }

    /// Down (`Used rss exceeded the set threshold`) when the resident set is above
    /// `threshold` bytes.
    pub fn check_rss(&self, key: &str, threshold: u64) -> HealthCheck<'static> {
        memory_check(key, "rss", "VmRSS:", threshold)
    }
}

fn memory_check(
    key: &str,
    keyword: &'static str,
    field: &'static str,
    threshold: u64,
) -> HealthCheck<'static> {
    let session = HealthIndicatorSession::new(key);
    HealthCheck::new(async move {
        match process_memory(field) {
            Some(used) if used > threshold => {
                session.down(format!("Used {keyword} exceeded the set threshold"))
            }
            Some(_) => session.up(),
            None => session.down(format!("the process's {keyword} usage cannot be read here")),
        }
    })
}

/// A `kB` field of `/proc/self/status`, in bytes.
fn process_memory(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    let kb: u64 = line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// A [`Hub`]'s health: up while it can publish (with Redis, while Redis answers a `PING`
/// within the command timeout), else down with the error as `message`. NestJS's nearest is
/// terminus's `MicroserviceHealthIndicator.pingCheck` with the Redis transport. Provided by
/// [`TerminusModule`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use nest_core::health::{HealthCheckService, HubHealthIndicator};
/// use nest_core::sse::Hub;
/// let hub: Hub = Hub::new();
/// let result = HealthCheckService.check([HubHealthIndicator.ping_check("hub", &hub)]).await.unwrap();
/// assert_eq!(serde_json::to_string(&result.details).unwrap(), r#"{"hub":{"status":"up"}}"#);
/// # }
/// ```
#[derive(Debug, Default)]
pub struct HubHealthIndicator;

impl HubHealthIndicator {
    /// Checks `hub`, reported under `key`.
    pub fn ping_check<T: Into<crate::sse::event::MessageEvent> + 'static>(
        &self,
        key: &str,
        hub: &Hub<T>,
    ) -> HealthCheck<'static> {
        let hub = hub.clone();
        let session = HealthIndicatorSession::new(key);
        HealthCheck::new(async move {
            match hub.ping().await {
                Ok(()) => session.up(),
                Err(error) => session.down(error.to_string()),
            }
        })
    }
}

/// Provides [`HealthCheckService`], [`MemoryHealthIndicator`] and [`HubHealthIndicator`]
/// to the module that imports it (NestJS's `TerminusModule`).
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::health::{HealthCheckService, TerminusModule};
/// #[module(imports = [TerminusModule])]
/// struct AppModule;
/// let app = NestApplication::builder().import::<AppModule>().build().unwrap();
/// assert!(app.get::<HealthCheckService>().is_some());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct TerminusModule;

impl Module for TerminusModule {
    const NAME: &'static str = "TerminusModule";

    fn configure(module: &mut ModuleBuilder<'_>) {
        module.__provider_default::<HealthCheckService>();
        module.__provider_default::<MemoryHealthIndicator>();
        module.__provider_default::<HubHealthIndicator>();
        module
            .export::<HealthCheckService>()
            .export::<MemoryHealthIndicator>()
            .export::<HubHealthIndicator>();
    }
}
