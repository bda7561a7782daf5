//! Task scheduling, as `@nestjs/schedule`: import [`ScheduleModule::for_root()`], and mark methods of a
//! `#[provider]` block with `#[cron("45 * * * * *")]`, `#[interval(10000)]` or
//! `#[timeout(5000)]`. Jobs start once the application has started (the registry's
//! `OnApplicationBootstrap` hook) and stop when it closes (its `BeforeApplicationShutdown`
//! hook). The [`SchedulerRegistry`] lists, stops, adds and deletes them at run time.
//!
//! ```
//! use nest_core::prelude::*;
//! use nest_core::schedule::{CronExpression, ScheduleModule, SchedulerRegistry};
//!
//! #[derive(Injectable, Default)]
//! struct TasksService;
//!
//! #[provider]
//! impl TasksService {
//!     #[cron("45 * * * * *")]
//!     fn handle_cron(&self) {
//!         tracing::debug!("Called when the second is 45");
//!     }
//!
//!     #[cron(CronExpression::EVERY_30_SECONDS, name = "notifications")]
//!     fn notify(&self) {}
//!
//!     #[interval(10000)]
//!     async fn handle_interval(&self) {}
//!
//!     #[timeout(5000)]
//!     fn handle_timeout(&self) {}
//! }
//!
//! #[module(imports = [ScheduleModule::for_root()], providers = [TasksService])]
//! struct AppModule;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let app = NestFactory::create::<AppModule>().await.unwrap();
//! app.init().await;
//! let registry = app.get::<SchedulerRegistry>().unwrap();
//! assert!(registry.get_cron_job("notifications").unwrap().is_running());
//! assert_eq!(registry.get_intervals(), ["TasksService.handle_interval"]);
//! # }
//! ```
//!
//! A panic or an `Err` in a job is logged and the job keeps its schedule. Each run is a task of
//! its own, so a run still going when the next is due does not delay it (as with Node's timers).

use std::{
    collections::BTreeMap,
    fmt,
    future::Future,
    panic::AssertUnwindSafe,
    sync::{Arc, Mutex},
    time::Duration,
};

use futures_util::FutureExt;
use tokio::task::JoinHandle;

use crate::{
    app::module::{DynamicModule, Module, ModuleBuilder},
    di::{pick::Pick, provider::BoxFuture},
    lifecycle::{
        BeforeApplicationShutdown, Hooks, OnApplicationBootstrap, ViaBeforeApplicationShutdown,
        ViaOnApplicationBootstrap,
    },
    lock::lock,
    panic::message as panic_text,
};

/// NestJS's `CronExpression` constants, with the same patterns.
///
/// ```
/// use nest_core::schedule::CronExpression;
/// assert_eq!(CronExpression::EVERY_30_SECONDS, "*/30 * * * * *");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct CronExpression;

macro_rules! cron_expressions {
    ($($name:ident = $pattern:literal,)*) => {
        impl CronExpression {
            $(
                #[doc = concat!("`", $pattern, "`")]
                pub const $name: &'static str = $pattern;
            )*
        }
    };
}

cron_expressions! {
    EVERY_SECOND = "* * * * * *",
    EVERY_5_SECONDS = "*/5 * * * * *",
    EVERY_10_SECONDS = "*/10 * * * * *",
    EVERY_30_SECONDS = "*/30 * * * * *",
    EVERY_MINUTE = "*/1 * * * *",
    EVERY_5_MINUTES = "0 */5 * * * *",
    EVERY_10_MINUTES = "0 */10 * * * *",
    EVERY_15_MINUTES = "0 */15 * * * *",
    EVERY_30_MINUTES = "0 */30 * * * *",
    EVERY_HOUR = "0 0-23/1 * * *",
    EVERY_2_HOURS = "0 0-23/2 * * *",
    EVERY_3_HOURS = "0 0-23/3 * * *",
    EVERY_4_HOURS = "0 0-23/4 * * *",
    EVERY_5_HOURS = "0 0-23/5 * * *",
    EVERY_6_HOURS = "0 0-23/6 * * *",
    EVERY_7_HOURS = "0 0-23/7 * * *",
    EVERY_8_HOURS = "0 0-23/8 * * *",
    EVERY_9_HOURS = "0 0-23/9 * * *",
    EVERY_10_HOURS = "0 0-23/10 * * *",
    EVERY_11_HOURS = "0 0-23/11 * * *",
    EVERY_12_HOURS = "0 0-23/12 * * *",
    EVERY_DAY_AT_1AM = "0 01 * * *",
    EVERY_DAY_AT_2AM = "0 02 * * *",
    EVERY_DAY_AT_3AM = "0 03 * * *",
    EVERY_DAY_AT_4AM = "0 04 * * *",
    EVERY_DAY_AT_5AM = "0 05 * * *",
    EVERY_DAY_AT_6AM = "0 06 * * *",
    EVERY_DAY_AT_7AM = "0 07 * * *",
    EVERY_DAY_AT_8AM = "0 08 * * *",
    EVERY_DAY_AT_9AM = "0 09 * * *",
    EVERY_DAY_AT_10AM = "0 10 * * *",
    EVERY_DAY_AT_11AM = "0 11 * * *",
    EVERY_DAY_AT_NOON = "0 12 * * *",
    EVERY_DAY_AT_1PM = "0 13 * * *",
    EVERY_DAY_AT_2PM = "0 14 * * *",
    EVERY_DAY_AT_3PM = "0 15 * * *",
    EVERY_DAY_AT_4PM = "0 16 * * *",
    EVERY_DAY_AT_5PM = "0 17 * * *",
    EVERY_DAY_AT_6PM = "0 18 * * *",
    EVERY_DAY_AT_7PM = "0 19 * * *",
    EVERY_DAY_AT_8PM = "0 20 * * *",
    EVERY_DAY_AT_9PM = "0 21 * * *",
    EVERY_DAY_AT_10PM = "0 22 * * *",
    EVERY_DAY_AT_11PM = "0 23 * * *",
    EVERY_DAY_AT_MIDNIGHT = "0 0 * * *",
    EVERY_WEEK = "0 0 * * 0",
    EVERY_WEEKDAY = "0 0 * * 1-5",
    EVERY_WEEKEND = "0 0 * * 6,0",
    EVERY_1ST_DAY_OF_MONTH_AT_MIDNIGHT = "0 0 1 * *",
    EVERY_1ST_DAY_OF_MONTH_AT_NOON = "0 12 1 * *",
    EVERY_2ND_HOUR = "0 */2 * * *",
    EVERY_2ND_HOUR_FROM_1AM_THROUGH_11PM = "0 1-23/2 * * *",
    EVERY_2ND_MONTH = "0 0 1 */2 *",
    EVERY_QUARTER = "0 0 1 */3 *",
    EVERY_6_MONTHS = "0 0 1 */6 *",
    EVERY_YEAR = "0 0 1 1 *",
    EVERY_30_MINUTES_BETWEEN_9AM_AND_5PM = "0 */30 9-17 * * *",
    EVERY_30_MINUTES_BETWEEN_9AM_AND_6PM = "0 */30 9-18 * * *",
    EVERY_30_MINUTES_BETWEEN_10AM_AND_7PM = "0 */30 10-19 * * *",
    MONDAY_TO_FRIDAY_AT_1AM = "0 0 01 * * 1-5",
    MONDAY_TO_FRIDAY_AT_2AM = "0 0 02 * * 1-5",
    MONDAY_TO_FRIDAY_AT_3AM = "0 0 03 * * 1-5",
    MONDAY_TO_FRIDAY_AT_4AM = "0 0 04 * * 1-5",
    MONDAY_TO_FRIDAY_AT_5AM = "0 0 05 * * 1-5",
    MONDAY_TO_FRIDAY_AT_6AM = "0 0 06 * * 1-5",
    MONDAY_TO_FRIDAY_AT_7AM = "0 0 07 * * 1-5",
    MONDAY_TO_FRIDAY_AT_8AM = "0 0 08 * * 1-5",
    MONDAY_TO_FRIDAY_AT_9AM = "0 0 09 * * 1-5",
    MONDAY_TO_FRIDAY_AT_09_30AM = "0 30 09 * * 1-5",
    MONDAY_TO_FRIDAY_AT_10AM = "0 0 10 * * 1-5",
    MONDAY_TO_FRIDAY_AT_11AM = "0 0 11 * * 1-5",
    MONDAY_TO_FRIDAY_AT_11_30AM = "0 30 11 * * 1-5",
    MONDAY_TO_FRIDAY_AT_12PM = "0 0 12 * * 1-5",
    MONDAY_TO_FRIDAY_AT_1PM = "0 0 13 * * 1-5",
    MONDAY_TO_FRIDAY_AT_2PM = "0 0 14 * * 1-5",
    MONDAY_TO_FRIDAY_AT_3PM = "0 0 15 * * 1-5",
    MONDAY_TO_FRIDAY_AT_4PM = "0 0 16 * * 1-5",
    MONDAY_TO_FRIDAY_AT_5PM = "0 0 17 * * 1-5",
    MONDAY_TO_FRIDAY_AT_6PM = "0 0 18 * * 1-5",
    MONDAY_TO_FRIDAY_AT_7PM = "0 0 19 * * 1-5",
    MONDAY_TO_FRIDAY_AT_8PM = "0 0 20 * * 1-5",
    MONDAY_TO_FRIDAY_AT_9PM = "0 0 21 * * 1-5",
    MONDAY_TO_FRIDAY_AT_10PM = "0 0 22 * * 1-5",
    MONDAY_TO_FRIDAY_AT_11PM = "0 0 23 * * 1-5",
}

/// Parses a cron pattern as NestJS's `cron` package reads it: 5 fields, or 6 with seconds
/// first; `*`, ranges, steps, lists, month and weekday names, `@daily`-style nicknames.
///
/// ```
/// assert!(nest_core::schedule::parse_cron("*/5 * * * * *").is_ok());
/// assert!(nest_core::schedule::parse_cron("61 * * * *").is_err());
/// ```
pub fn parse_cron(pattern: &str) -> Result<croner::Cron, ScheduleError> {
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Optional)
        .build()
        .parse(pattern)
        .map_err(|error| ScheduleError::InvalidCron {
            pattern: pattern.to_owned(),
            message: error.to_string(),
        })
}

/// What the registry refuses, in `@nestjs/schedule`'s words.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScheduleError {
    /// No job of that kind has that name.
    NotFound {
        /// `"Cron Job"`, `"Interval"` or `"Timeout"`.
        kind: &'static str,
        /// The name asked for.
        name: String,
    },
    /// A job of that kind already has that name.
    AlreadyExists {
        /// `"Cron Job"`, `"Interval"` or `"Timeout"`.
        kind: &'static str,
        /// The name.
        name: String,
    },
    /// A cron pattern that does not parse.
    InvalidCron {
        /// The pattern.
        pattern: String,
        /// What is wrong with it.
        message: String,
    },
    /// A time zone the system does not know.
    InvalidTimeZone {
        /// The zone's name.
        time_zone: String,
        /// What is wrong with it.
        message: String,
    },
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound { kind, name } => {
                write!(
                    f,
                    "No {kind} was found with the given name ({name}). Check that you created one with a decorator or with the create API."
                )
            }
            Self::AlreadyExists { kind, name } => {
                write!(
                    f,
                    "{kind} with the given name ({name}) already exists. Ignored."
                )
            }
            Self::InvalidCron { pattern, message } => {
                write!(f, "invalid cron pattern {pattern:?}: {message}")
            }
            Self::InvalidTimeZone { time_zone, message } => {
                write!(f, "invalid time zone {time_zone:?}: {message}")
            }
        }
    }
}

impl std::error::Error for ScheduleError {}

/// What a job runs: one call of the method.
pub(crate) type JobFn = Arc<dyn Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// A job's body, from a closure returning a future (generated code builds these).
#[doc(hidden)]
pub fn job<F, Fut>(run: F) -> JobFn
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    Arc::new(move || Box::pin(run()) as BoxFuture<'static, Result<(), String>>)
}

/// Runs one call of a job in a task of its own, logging a panic or an error.
fn run_once(name: &str, run: &JobFn) {
    let name = name.to_owned();
    let future = std::panic::catch_unwind(AssertUnwindSafe(|| run()));
    tokio::spawn(async move {
        let outcome = match future {
            Ok(future) => AssertUnwindSafe(future)
                .catch_unwind()
                .await
                .unwrap_or_else(|panic| Err(panic_text(&*panic).to_owned())),
            Err(panic) => Err(panic_text(&*panic).to_owned()),
        };
        if let Err(message) = outcome {
            tracing::error!(target: "Scheduler", "{name} failed: {message}");
        }
    });
}

/// The settings of a cron job, as `@Cron(expr, { name, timeZone, disabled })`.
///
/// ```
/// use nest_core::schedule::CronOptions;
/// let options = CronOptions::default().name("reports").time_zone("Europe/Paris").disabled(true);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default)]
pub struct CronOptions {
    name: Option<String>,
    time_zone: Option<String>,
    disabled: bool,
}

impl CronOptions {
    /// The job's name in the [`SchedulerRegistry`] (default `Type.method`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The IANA time zone the pattern is read in (default: the system's).
    pub fn time_zone(mut self, time_zone: impl Into<String>) -> Self {
        self.time_zone = Some(time_zone.into());
        self
    }

    /// Registers the job without starting it (start it with [`CronJob::start`]).
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = disabled;
        self
    }

    /// The name, or the default one.
    pub(crate) fn name_or(&self, default: impl FnOnce() -> String) -> String {
        self.name.clone().unwrap_or_else(default)
    }
}

struct CronState {
    task: Option<JoinHandle<()>>,
    last: Option<jiff::Zoned>,
}

struct CronInner {
    name: Mutex<String>,
    pattern: croner::Cron,
    time_zone: jiff::tz::TimeZone,
    run: JobFn,
    state: Mutex<CronState>,
}

/// A cron job (NestJS's `CronJob` of the `cron` package): a pattern and what it runs.
/// Cloning gives another handle on the same job.
///
/// ```
/// use nest_core::schedule::{CronJob, CronOptions};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let job = CronJob::new("0 0 * * *", CronOptions::default(), || async { println!("midnight") }).unwrap();
/// assert!(!job.is_running());
/// job.start();
/// assert!(job.is_running());
/// assert!(job.next_date().is_some());
/// job.stop();
/// # }
/// ```
#[derive(Clone)]
pub struct CronJob {
    inner: Arc<CronInner>,
}

impl fmt::Debug for CronJob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CronJob")
            .field("pattern", &self.inner.pattern.as_str())
            .field("running", &self.is_running())
            .finish()
    }
}

impl CronJob {
    /// A job running `run` at the times `pattern` says, not started yet.
    pub fn new<F, Fut>(pattern: &str, options: CronOptions, run: F) -> Result<Self, ScheduleError>
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Self::from_parts(
            pattern,
            &options,
            job(move || {
                let future = run();
                async move {
                    future.await;
                    Ok(())
                }
            }),
        )
    }

    pub(crate) fn from_parts(
        pattern: &str,
        options: &CronOptions,
        run: JobFn,
    ) -> Result<Self, ScheduleError> {
        let time_zone = match &options.time_zone {
            Some(zone) => {
                jiff::tz::TimeZone::get(zone).map_err(|error| ScheduleError::InvalidTimeZone {
                    time_zone: zone.clone(),
                    message: error.to_string(),
                })?
            }
            None => jiff::tz::TimeZone::system(),
        };
        Ok(Self {
            inner: Arc::new(CronInner {
                name: Mutex::new(options.name.clone().unwrap_or_default()),
                pattern: parse_cron(pattern)?,
                time_zone,
                run,
                state: Mutex::new(CronState {
                    task: None,
                    last: None,
                }),
            }),
        })
    }

    /// The pattern, as written.
    pub fn pattern(&self) -> &str {
        self.inner.pattern.as_str()
    }

    /// Starts the job (nothing if it runs already).
    pub fn start(&self) {
        let mut state = lock(&self.inner.state);
        if state.task.as_ref().is_some_and(|task| !task.is_finished()) {
            return;
        }
        let inner = Arc::clone(&self.inner);
        state.task = Some(tokio::spawn(async move {
            let mut after = jiff::Zoned::now().with_time_zone(inner.time_zone.clone());
            loop {
                let Ok(next) = inner.pattern.find_next_occurrence(&after, false) else {
                    tracing::warn!(target: "Scheduler", "{} has no next date: stopped", lock(&inner.name));
                    return;
                };
                let now = jiff::Zoned::now().with_time_zone(inner.time_zone.clone());
                let wait = now
                    .duration_until(&next)
                    .try_into()
                    .unwrap_or(Duration::ZERO);
                tokio::time::sleep(wait).await;
                // A timer may wake a little early: wait until the date is really reached, so
                // that the next date computed is the one after.
                let now = jiff::Zoned::now();
                if now.timestamp() < next.timestamp() {
                    let rest = now
                        .duration_until(&next)
                        .try_into()
                        .unwrap_or(Duration::ZERO);
                    tokio::time::sleep(rest).await;
                }
                lock(&inner.state).last = Some(next.clone());
                let name = lock(&inner.name).clone();
                run_once(&name, &inner.run);
                after = next;
            }
        }));
    }

    /// Stops the job; a run in progress finishes.
    pub fn stop(&self) {
        if let Some(task) = lock(&self.inner.state).task.take() {
            task.abort();
        }
    }

    /// Whether the job is started (NestJS's `job.running`).
    pub fn is_running(&self) -> bool {
        lock(&self.inner.state)
            .task
            .as_ref()
            .is_some_and(|task| !task.is_finished())
    }

    /// When it last ran (NestJS's `job.lastDate()`).
    pub fn last_date(&self) -> Option<jiff::Zoned> {
        lock(&self.inner.state).last.clone()
    }

    /// When it runs next (NestJS's `job.nextDate()`).
    pub fn next_date(&self) -> Option<jiff::Zoned> {
        let now = jiff::Zoned::now().with_time_zone(self.inner.time_zone.clone());
        self.inner.pattern.find_next_occurrence(&now, false).ok()
    }
}

impl Drop for CronInner {
    fn drop(&mut self) {
        if let Some(task) = lock(&self.state).task.take() {
            task.abort();
        }
    }
}

/// A job a `#[provider]` method declares, started with the application.
pub(crate) enum Declared {
    Cron {
        name: String,
        pattern: String,
        options: CronOptions,
        run: JobFn,
    },
    Interval {
        name: String,
        every: Duration,
        run: JobFn,
    },
    Timeout {
        name: String,
        after: Duration,
        run: JobFn,
    },
}

/// A running interval or timeout.
struct Timer {
    task: JoinHandle<()>,
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Default)]
struct Registry {
    crons: BTreeMap<String, CronJob>,
    intervals: BTreeMap<String, Timer>,
    timeouts: BTreeMap<String, Timer>,
    /// Declared jobs waiting for the application to start.
    pending: Vec<Declared>,
    started: bool,
}

/// The application's jobs, by name, as NestJS's `SchedulerRegistry`: provided by
/// [`ScheduleModule`], injected as `Arc<SchedulerRegistry>`.
///
/// ```
/// use nest_core::schedule::SchedulerRegistry;
/// use std::time::Duration;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let registry = SchedulerRegistry::default();
/// registry.add_interval("ping", Duration::from_secs(1), || async {}).unwrap();
/// assert_eq!(registry.get_intervals(), ["ping"]);
/// assert!(registry.add_interval("ping", Duration::from_secs(1), || async {}).is_err());
/// registry.delete_interval("ping").unwrap();
/// assert!(registry.get_intervals().is_empty());
/// # }
/// ```
#[derive(Default)]
pub struct SchedulerRegistry {
    registry: Mutex<Registry>,
}

impl fmt::Debug for SchedulerRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let registry = lock(&self.registry);
        f.debug_struct("SchedulerRegistry")
            .field("cron_jobs", &registry.crons.keys().collect::<Vec<_>>())
            .field("intervals", &registry.intervals.keys().collect::<Vec<_>>())
            .field("timeouts", &registry.timeouts.keys().collect::<Vec<_>>())
            .finish()
    }
}

const CRON: &str = "Cron Job";
const INTERVAL: &str = "Interval";
const TIMEOUT: &str = "Timeout";

fn spawn_interval(name: String, every: Duration, run: JobFn) -> Timer {
    Timer {
        task: tokio::spawn(async move {
            let start = tokio::time::Instant::now() + every;
            let mut ticks = tokio::time::interval_at(start, every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                run_once(&name, &run);
            }
        }),
    }
}

fn spawn_timeout(name: String, after: Duration, run: JobFn) -> Timer {
    Timer {
        task: tokio::spawn(async move {
            tokio::time::sleep(after).await;
            run_once(&name, &run);
        }),
    }
}

impl SchedulerRegistry {
    /// Whether a job of that kind (`"cron"`, `"interval"` or `"timeout"`) has that name
    /// (NestJS's `doesExist(type, name)`).
    pub fn does_exist(&self, kind: &str, name: &str) -> bool {
        let registry = lock(&self.registry);
        match kind {
            "cron" => registry.crons.contains_key(name),
            "interval" => registry.intervals.contains_key(name),
            "timeout" => registry.timeouts.contains_key(name),
            _ => false,
        }
    }

    /// The cron job named `name` (NestJS's `getCronJob`).
    pub fn get_cron_job(&self, name: &str) -> Result<CronJob, ScheduleError> {
        lock(&self.registry)
            .crons
            .get(name)
            .cloned()
            .ok_or_else(|| not_found(CRON, name))
    }

    /// Every cron job, by name (NestJS's `getCronJobs()`).
    pub fn get_cron_jobs(&self) -> BTreeMap<String, CronJob> {
        lock(&self.registry).crons.clone()
    }

    /// Adds a cron job under `name` (NestJS's `addCronJob`); it runs once started
    /// ([`CronJob::start`]), as in NestJS.
    pub fn add_cron_job(&self, name: &str, job: CronJob) -> Result<(), ScheduleError> {
        let mut registry = lock(&self.registry);
        if registry.crons.contains_key(name) {
            return Err(ScheduleError::AlreadyExists {
                kind: CRON,
                name: name.to_owned(),
            });
        }
        *lock(&job.inner.name) = name.to_owned();
        registry.crons.insert(name.to_owned(), job);
        Ok(())
    }

    /// Stops and removes the cron job `name` (NestJS's `deleteCronJob`).
    pub fn delete_cron_job(&self, name: &str) -> Result<(), ScheduleError> {
        let job = lock(&self.registry)
            .crons
            .remove(name)
            .ok_or_else(|| not_found(CRON, name))?;
        job.stop();
        Ok(())
    }

    /// The names of the intervals (NestJS's `getIntervals()`).
    pub fn get_intervals(&self) -> Vec<String> {
        lock(&self.registry).intervals.keys().cloned().collect()
    }

    /// Starts `run` every `every` (first after `every`) under `name` (NestJS's
    /// `addInterval(name, setInterval(run, ms))`).
    pub fn add_interval<F, Fut>(
        &self,
        name: &str,
        every: Duration,
        run: F,
    ) -> Result<(), ScheduleError>
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.add_timer(
            INTERVAL,
            name,
            |registry| &mut registry.intervals,
            || spawn_interval(name.to_owned(), every, unit_job(run)),
        )
    }

    /// Registers the timer `spawn` starts under `name` in the map `timers` picks, unless the
    /// name is taken there.
    fn add_timer(
        &self,
        kind: &'static str,
        name: &str,
        timers: fn(&mut Registry) -> &mut BTreeMap<String, Timer>,
        spawn: impl FnOnce() -> Timer,
    ) -> Result<(), ScheduleError> {
        let mut registry = lock(&self.registry);
        let timers = timers(&mut registry);
        if timers.contains_key(name) {
            return Err(ScheduleError::AlreadyExists {
                kind,
                name: name.to_owned(),
            });
        }
        timers.insert(name.to_owned(), spawn());
        Ok(())
    }

    /// Stops and removes the interval `name` (NestJS's `deleteInterval`).
    pub fn delete_interval(&self, name: &str) -> Result<(), ScheduleError> {
        lock(&self.registry)
            .intervals
            .remove(name)
            .map(drop)
            .ok_or_else(|| not_found(INTERVAL, name))
    }

    /// The names of the timeouts not run yet or still registered (NestJS's `getTimeouts()`).
    pub fn get_timeouts(&self) -> Vec<String> {
        lock(&self.registry).timeouts.keys().cloned().collect()
    }

    /// Runs `run` once after `after` under `name` (NestJS's
    /// `addTimeout(name, setTimeout(run, ms))`).
    pub fn add_timeout<F, Fut>(
        &self,
        name: &str,
        after: Duration,
        run: F,
    ) -> Result<(), ScheduleError>
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.add_timer(
            TIMEOUT,
            name,
            |registry| &mut registry.timeouts,
            || spawn_timeout(name.to_owned(), after, unit_job(run)),
        )
    }

    /// Cancels and removes the timeout `name` (NestJS's `deleteTimeout`).
    pub fn delete_timeout(&self, name: &str) -> Result<(), ScheduleError> {
        lock(&self.registry)
            .timeouts
            .remove(name)
            .map(drop)
            .ok_or_else(|| not_found(TIMEOUT, name))
    }

    /// Registers a job a `#[provider]` method declares; it starts with the application (at
    /// once if the application has started).
    pub(crate) fn declare(&self, declared: Declared) {
        let mut registry = lock(&self.registry);
        if registry.started {
            mount(&mut registry, declared);
        } else {
            registry.pending.push(declared);
        }
    }

    /// Starts the declared jobs (NestJS's `SchedulerOrchestrator.onApplicationBootstrap`).
    fn start(&self) {
        let mut registry = lock(&self.registry);
        registry.started = true;
        for declared in std::mem::take(&mut registry.pending) {
            mount(&mut registry, declared);
        }
    }

    /// Stops every job, declared or added (NestJS's `beforeApplicationShutdown`).
    fn stop_all(&self) {
        let mut registry = lock(&self.registry);
        for job in registry.crons.values() {
            job.stop();
        }
        registry.intervals.clear();
        registry.timeouts.clear();
        registry.started = false;
    }
}

fn mount(registry: &mut Registry, declared: Declared) {
    match declared {
        Declared::Cron {
            name,
            pattern,
            options,
            run,
        } => match CronJob::from_parts(&pattern, &options, run) {
            Ok(job) => {
                *lock(&job.inner.name) = name.clone();
                if !options.disabled {
                    job.start();
                }
                if registry.crons.insert(name.clone(), job).is_some() {
                    tracing::warn!(target: "Scheduler", "{}", ScheduleError::AlreadyExists { kind: CRON, name });
                }
            }
            Err(error) => tracing::error!(target: "Scheduler", "{name}: {error}"),
        },
        Declared::Interval { name, every, run } => {
            let timer = spawn_interval(name.clone(), every, run);
            registry.intervals.insert(name, timer);
        }
        Declared::Timeout { name, after, run } => {
            let timer = spawn_timeout(name.clone(), after, run);
            registry.timeouts.insert(name, timer);
        }
    }
}

fn not_found(kind: &'static str, name: &str) -> ScheduleError {
    ScheduleError::NotFound {
        kind,
        name: name.to_owned(),
    }
}

fn unit_job<F, Fut>(run: F) -> JobFn
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    job(move || {
        let future = run();
        async move {
            future.await;
            Ok(())
        }
    })
}

impl OnApplicationBootstrap for SchedulerRegistry {
    async fn on_application_bootstrap(&self) {
        self.start();
    }
}

impl BeforeApplicationShutdown for SchedulerRegistry {
    async fn before_application_shutdown(&self, _: Option<&str>) {
        self.stop_all();
    }
}

/// Provides the [`SchedulerRegistry`] everywhere and runs the `#[cron]`, `#[interval]` and
/// `#[timeout]` jobs: import [`ScheduleModule::for_root()`] (NestJS's
/// `ScheduleModule.forRoot()`, global).
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::schedule::{ScheduleModule, SchedulerRegistry};
///
/// #[module(imports = [ScheduleModule::for_root()])]
/// struct AppModule;
///
/// let app = NestApplication::builder().import::<AppModule>().build().unwrap();
/// assert!(app.get::<SchedulerRegistry>().unwrap().get_cron_jobs().is_empty());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ScheduleModule;

impl ScheduleModule {
    /// The module (NestJS's `ScheduleModule.forRoot()`).
    pub fn for_root() -> DynamicModule {
        DynamicModule::new::<Self>().global()
    }
}

/// Imported as a plain path (`imports = [ScheduleModule]`), it is `for_root()`.
impl Module for ScheduleModule {
    const NAME: &'static str = "ScheduleModule";

    fn configure(module: &mut ModuleBuilder<'_>) {
        module.__provider_default::<SchedulerRegistry>();
        let mut hooks = Hooks::default();
        (&&Pick::<SchedulerRegistry>::new()).__nest_hook_bootstrap(&mut hooks);
        (&&Pick::<SchedulerRegistry>::new()).__nest_hook_before_shutdown(&mut hooks);
        module.__hooks::<SchedulerRegistry>(hooks);
        module.export::<SchedulerRegistry>().global();
    }
}
