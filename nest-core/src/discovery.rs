//! Finding the event listeners and scheduled jobs a provider declares (NestJS's
//! `DiscoveryService` and metadata scanning): `#[provider]` implements [`ProviderMethods`],
//! `#[module]` detects it (autoref, as the lifecycle hooks) and the application hands the
//! declared methods to the [`EventEmitter`] and the [`SchedulerRegistry`] between the
//! `OnModuleInit` and `OnApplicationBootstrap` hooks.

use std::{
    any::{Any, TypeId},
    fmt,
    sync::Arc,
    time::Duration,
};

use crate::{
    di::{pick::Pick, provider::AnyArc},
    event_emitter::{EventEmitter, ListenerCall, OnEventOptions},
    lifecycle::Hooks,
    schedule::{CronOptions, Declared, JobFn, SchedulerRegistry},
};

/// What `#[provider]` implements: the listeners and jobs of a type's methods.
#[doc(hidden)]
pub trait ProviderMethods: Send + Sync + 'static {
    /// The type's name, for job names and logs.
    const NAME: &'static str;

    /// Declares the methods of `this`.
    fn __nest_methods(this: &Arc<Self>, methods: &mut Methods);
}

/// The listeners and jobs of one instance, as its methods declare them.
#[doc(hidden)]
pub struct Methods {
    provider: &'static str,
    listeners: Vec<(String, String, OnEventOptions, ListenerCall)>,
    jobs: Vec<Declared>,
}

impl fmt::Debug for Methods {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Methods")
            .field("provider", &self.provider)
            .field("listeners", &self.listeners.len())
            .field("jobs", &self.jobs.len())
            .finish()
    }
}

impl Methods {
    fn name(&self, method: &str) -> String {
        format!("{}.{method}", self.provider)
    }

    /// `#[on_event(event, ...)]` on `method`.
    pub fn listener(
        &mut self,
        method: &str,
        event: &str,
        options: OnEventOptions,
        call: ListenerCall,
    ) {
        let name = self.name(method);
        self.listeners.push((event.to_owned(), name, options, call));
    }

    /// `#[cron(pattern, ...)]` on `method`.
    pub fn cron(&mut self, method: &str, pattern: &str, options: CronOptions, run: JobFn) {
        let name = options.name_or(|| self.name(method));
        self.jobs.push(Declared::Cron {
            name,
            pattern: pattern.to_owned(),
            options,
            run,
        });
    }

    /// `#[interval(ms)]` or `#[interval("name", ms)]` on `method`.
    pub fn interval(&mut self, method: &str, name: Option<&str>, millis: u64, run: JobFn) {
        let name = name.map_or_else(|| self.name(method), str::to_owned);
        self.jobs.push(Declared::Interval {
            name,
            every: Duration::from_millis(millis),
            run,
        });
    }

    /// `#[timeout(ms)]` or `#[timeout("name", ms)]` on `method`.
    pub fn timeout(&mut self, method: &str, name: Option<&str>, millis: u64, run: JobFn) {
        let name = name.map_or_else(|| self.name(method), str::to_owned);
        self.jobs.push(Declared::Timeout {
            name,
            after: Duration::from_millis(millis),
            run,
        });
    }

    /// Hands the listeners to the application's emitter and the jobs to its registry.
    fn install(self, find: &dyn Fn(TypeId) -> Option<AnyArc>) {
        if !self.listeners.is_empty() {
            match find(TypeId::of::<EventEmitter>()).and_then(downcast::<EventEmitter>) {
                Some(emitter) => {
                    for (event, name, options, call) in self.listeners {
                        emitter.add(&event, name, options, call);
                    }
                }
                None => tracing::warn!(
                    target: "EventEmitter",
                    "{} has #[on_event] listeners but no module imports EventEmitterModule: they never run",
                    self.provider
                ),
            }
        }
        if !self.jobs.is_empty() {
            match find(TypeId::of::<SchedulerRegistry>()).and_then(downcast::<SchedulerRegistry>) {
                Some(registry) => {
                    for job in self.jobs {
                        registry.declare(job);
                    }
                }
                None => tracing::warn!(
                    target: "Scheduler",
                    "{} has scheduled jobs but no module imports ScheduleModule: they never run",
                    self.provider
                ),
            }
        }
    }
}

fn downcast<T: Send + Sync + 'static>(instance: AnyArc) -> Option<Arc<T>> {
    (instance as Arc<dyn Any + Send + Sync>)
        .downcast::<T>()
        .ok()
}

fn discover<T: ProviderMethods>(instance: AnyArc, find: &dyn Fn(TypeId) -> Option<AnyArc>) {
    let Some(instance) = downcast::<T>(instance) else {
        return;
    };
    let mut methods = Methods {
        provider: T::NAME,
        listeners: Vec::new(),
        jobs: Vec::new(),
    };
    T::__nest_methods(&instance, &mut methods);
    methods.install(find);
}

/// Registers the listeners and jobs of a type whose methods declare some (autoref: this impl
/// applies when `T` implements [`ProviderMethods`], [`NoProviderMethods`] otherwise).
#[doc(hidden)]
pub trait ViaProviderMethods {
    /// Adds the discovery.
    fn __nest_hook_methods(self, hooks: &mut Hooks);
}

impl<T: ProviderMethods> ViaProviderMethods for &&Pick<T> {
    fn __nest_hook_methods(self, hooks: &mut Hooks) {
        hooks.methods = Some(discover::<T>);
    }
}

/// Adds nothing: the type declares no listener nor job.
#[doc(hidden)]
pub trait NoProviderMethods {
    /// Adds nothing.
    fn __nest_hook_methods(self, hooks: &mut Hooks);
}

impl<T> NoProviderMethods for &Pick<T> {
    fn __nest_hook_methods(self, _: &mut Hooks) {}
}

/// What a listener's or job's method may return: nothing, or a `Result` whose error is
/// logged (and, for a listener with `suppress_errors = false`, returned by `emit_async`).
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "an `#[on_event]`, `#[cron]`, `#[interval]` or `#[timeout]` method returns `()` or a `Result`, not `{Self}`",
    label = "returns `{Self}`"
)]
pub trait MethodOutput {
    /// `Err` with the error's message.
    fn outcome(self) -> Result<(), String>;
}

impl MethodOutput for () {
    fn outcome(self) -> Result<(), String> {
        Ok(())
    }
}

impl<T, E: fmt::Display> MethodOutput for Result<T, E> {
    fn outcome(self) -> Result<(), String> {
        self.map(drop).map_err(|error| error.to_string())
    }
}
