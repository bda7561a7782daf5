//! Events inside the application, as `@nestjs/event-emitter`: import
//! [`EventEmitterModule::for_root()`],
//! inject the [`EventEmitter`] (NestJS's `EventEmitter2`) and `emit`; methods marked
//! `#[on_event("order.created")]` in a `#[provider]` block listen.
//!
//! ```
//! use nest_core::prelude::*;
//! use nest_core::event_emitter::{EventEmitter, EventEmitterModule};
//! use std::sync::atomic::{AtomicUsize, Ordering};
//!
//! struct OrderCreatedEvent {
//!     name: String,
//! }
//!
//! #[derive(Injectable, Default)]
//! struct OrderCreatedListener {
//!     seen: AtomicUsize,
//! }
//!
//! #[provider]
//! impl OrderCreatedListener {
//!     #[on_event("order.created")]
//!     fn handle_order_created_event(&self, event: &OrderCreatedEvent) {
//!         println!("{}", event.name);
//!         self.seen.fetch_add(1, Ordering::SeqCst);
//!     }
//! }
//!
//! #[module(imports = [EventEmitterModule::for_root()], providers = [OrderCreatedListener])]
//! struct AppModule;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let app = NestFactory::create::<AppModule>().await.unwrap();
//! app.init().await; // listeners are registered here
//! let emitter = app.get::<EventEmitter>().unwrap();
//! emitter.emit("order.created", OrderCreatedEvent { name: "Order #1".into() });
//! assert_eq!(app.get::<OrderCreatedListener>().unwrap().seen.load(Ordering::SeqCst), 1);
//! # }
//! ```
//!
//! Payloads are typed: `emit` takes any `Send + Sync + 'static` value, and a listener takes
//! `&T` or `Arc<T>` (or nothing). A listener whose type is not the payload's is skipped
//! (NestJS would call it with whatever was emitted).

mod pattern;

use std::{
    any::Any,
    fmt,
    panic::AssertUnwindSafe,
    pin::Pin,
    sync::{
        Arc, RwLock,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
};

use futures_util::FutureExt;
use tokio::sync::mpsc;

use crate::{
    app::module::{DynamicModule, Module, ModuleBuilder},
    di::provider::BoxFuture,
    panic::message as panic_text,
};
use pattern::Pattern;

/// What an event carries: any value, shared by every listener.
pub type Payload = Arc<dyn Any + Send + Sync>;

/// What a listener's method returned: `Err` with its message when it failed.
pub(crate) type Outcome = Result<(), String>;

/// The emitter's settings, as `EventEmitterModule.forRoot({ wildcard, delimiter, maxListeners })`.
///
/// ```
/// use nest_core::event_emitter::EventEmitterOptions;
/// let options = EventEmitterOptions::default().wildcard(true).delimiter(":");
/// assert!(options.is_wildcard());
/// ```
#[derive(Debug, Clone)]
pub struct EventEmitterOptions {
    wildcard: bool,
    delimiter: String,
    max_listeners: usize,
    stream_capacity: usize,
}

impl Default for EventEmitterOptions {
    /// NestJS's defaults: no wildcards, `.` as the delimiter, a warning past 10 listeners of
    /// one event; and 64 events buffered per [`EventStream`].
    fn default() -> Self {
        Self {
            wildcard: false,
            delimiter: ".".to_owned(),
            max_listeners: 10,
            stream_capacity: 64,
        }
    }
}

impl EventEmitterOptions {
    /// Whether `*` (one segment) and `**` (any number of segments) in listeners' patterns are
    /// wildcards (EventEmitter2's `wildcard`, off by default: patterns are then plain names).
    pub fn wildcard(mut self, wildcard: bool) -> Self {
        self.wildcard = wildcard;
        self
    }

    /// Whether wildcards are on.
    pub fn is_wildcard(&self) -> bool {
        self.wildcard
    }

    /// The segment separator of event names (EventEmitter2's `delimiter`, `.` by default).
    pub fn delimiter(mut self, delimiter: impl Into<String>) -> Self {
        self.delimiter = delimiter.into();
        self
    }

    /// How many listeners one pattern may have before a warning is logged (EventEmitter2's
    /// `maxListeners`, 10 by default; 0 for no warning). It is a warning only, as in NestJS.
    pub fn max_listeners(mut self, max: usize) -> Self {
        self.max_listeners = max;
        self
    }

    /// How many events an [`EventStream`] holds for a consumer that has not taken them yet
    /// (64 by default); past it, new events are dropped for that stream (see
    /// [`EventStream::missed`]).
    pub fn stream_capacity(mut self, capacity: usize) -> Self {
        self.stream_capacity = capacity.max(1);
        self
    }
}

/// How one listener is called, as `@OnEvent(event, { async, prependListener, suppressErrors })`.
///
/// ```
/// use nest_core::event_emitter::OnEventOptions;
/// let options = OnEventOptions::default().prepend_listener(true).suppress_errors(false);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Copy)]
pub struct OnEventOptions {
    is_async: bool,
    prepend: bool,
    suppress_errors: bool,
}

impl Default for OnEventOptions {
    /// Called in `emit`, appended, errors logged (NestJS's `suppressErrors: true`).
    fn default() -> Self {
        Self {
            is_async: false,
            prepend: false,
            suppress_errors: true,
        }
    }
}

impl OnEventOptions {
    /// Runs a synchronous listener in a task of its own instead of inside `emit` (NestJS's
    /// `async: true`); an `async fn` listener always does under `emit`.
    pub fn is_async(mut self, is_async: bool) -> Self {
        self.is_async = is_async;
        self
    }

    /// Puts the listener before the others of its event (NestJS's `prependListener`).
    pub fn prepend_listener(mut self, prepend: bool) -> Self {
        self.prepend = prepend;
        self
    }

    /// Whether a failing listener (an `Err`, or a panic) is only logged (`true`, the default,
    /// as NestJS's `suppressErrors`), or also makes [`EventEmitter::emit_async`] return the
    /// error.
    pub fn suppress_errors(mut self, suppress: bool) -> Self {
        self.suppress_errors = suppress;
        self
    }
}

/// A listener that failed under [`EventEmitter::emit_async`] with `suppress_errors(false)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerError {
    /// The event emitted.
    pub event: String,
    /// The listener (`Type::method` for `#[on_event]` methods).
    pub listener: String,
    /// The error's message, or the panic's.
    pub message: String,
}

impl fmt::Display for ListenerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "listener {} of event {:?} failed: {}",
            self.listener, self.event, self.message
        )
    }
}

impl std::error::Error for ListenerError {}

/// A synchronous listener: `None` when the payload is not its type.
type SyncCall = Arc<dyn Fn(&Payload) -> Option<Outcome> + Send + Sync>;

/// An async listener: `None` when the payload is not its type.
type AsyncCall = Arc<dyn Fn(&Payload) -> Option<BoxFuture<'static, Outcome>> + Send + Sync>;

/// How a listener is called.
#[doc(hidden)]
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub enum ListenerCall {
    /// A synchronous function: `None` when the payload is not its type.
    Sync(SyncCall),
    /// An async function: `None` when the payload is not its type.
    Async(AsyncCall),
}

impl ListenerCall {
    /// A synchronous listener.
    pub fn sync<F>(call: F) -> Self
    where
        F: Fn(&Payload) -> Option<Result<(), String>> + Send + Sync + 'static,
    {
        Self::Sync(Arc::new(call))
    }

    /// An async listener.
    pub fn future<F, Fut>(call: F) -> Self
    where
        F: Fn(&Payload) -> Option<Fut> + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        Self::Async(Arc::new(move |payload| {
            call(payload).map(|future| Box::pin(future) as BoxFuture<'static, Outcome>)
        }))
    }
}

/// One registered listener.
pub(crate) struct Listener {
    id: u64,
    pattern: Pattern,
    /// For logs and errors.
    name: String,
    options: OnEventOptions,
    call: ListenerCall,
}

/// A listener's handle, to remove it with [`EventEmitter::off`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListenerId(u64);

struct Inner {
    options: EventEmitterOptions,
    /// Copied on write, so that `emit` runs without a lock and listeners may add or remove
    /// listeners.
    listeners: RwLock<Arc<Vec<Arc<Listener>>>>,
    next_id: AtomicU64,
}

/// The application's event bus, as NestJS's `EventEmitter2`: provided by
/// [`EventEmitterModule`], injected as `Arc<EventEmitter>`.
///
/// ```
/// use nest_core::event_emitter::{EventEmitter, EventEmitterOptions};
/// use std::sync::{Arc, Mutex};
///
/// let emitter = EventEmitter::new(EventEmitterOptions::default().wildcard(true));
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let log = Arc::clone(&seen);
/// emitter.on("order.*", move |total: &u32| log.lock().unwrap().push(*total));
/// assert!(emitter.emit("order.created", 42_u32));
/// assert!(!emitter.emit("user.created", 1_u32)); // no listener
/// assert_eq!(*seen.lock().unwrap(), [42]);
/// ```
#[derive(Clone)]
pub struct EventEmitter {
    inner: Arc<Inner>,
}

impl fmt::Debug for EventEmitter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventEmitter")
            .field("options", &self.inner.options)
            .field("listeners", &self.snapshot().len())
            .finish()
    }
}

impl Default for EventEmitter {
    fn default() -> Self {
        Self::new(EventEmitterOptions::default())
    }
}

impl EventEmitter {
    /// An emitter with these settings (an application gets its own from
    /// [`EventEmitterModule`]).
    pub fn new(options: EventEmitterOptions) -> Self {
        Self {
            inner: Arc::new(Inner {
                options,
                listeners: RwLock::default(),
                next_id: AtomicU64::new(1),
            }),
        }
    }

    /// The settings.
    pub fn options(&self) -> &EventEmitterOptions {
        &self.inner.options
    }

    fn snapshot(&self) -> Arc<Vec<Arc<Listener>>> {
        Arc::clone(
            &self
                .inner
                .listeners
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Adds a listener; `#[on_event]` methods come through here.
    pub(crate) fn add(
        &self,
        pattern: &str,
        name: String,
        options: OnEventOptions,
        call: ListenerCall,
    ) -> ListenerId {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let listener = Arc::new(Listener {
            id,
            pattern: Pattern::new(
                pattern,
                self.inner.options.wildcard,
                &self.inner.options.delimiter,
            ),
            name,
            options,
            call,
        });
        let mut listeners = self
            .inner
            .listeners
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut next: Vec<Arc<Listener>> = listeners.as_ref().clone();
        let same = next
            .iter()
            .filter(|other| other.pattern == listener.pattern)
            .count();
        let max = self.inner.options.max_listeners;
        if max > 0 && same == max {
            tracing::warn!(
                target: "EventEmitter",
                "MaxListenersExceededWarning: more than {max} listeners of {pattern:?}; \
                 raise `EventEmitterOptions::max_listeners` if this is intended",
            );
        }
        if options.prepend {
            next.insert(0, listener);
        } else {
            next.push(listener);
        }
        *listeners = Arc::new(next);
        ListenerId(id)
    }

    /// Adds a listener of `event` taking the payload as `&T` (NestJS's `emitter.on(event, fn)`);
    /// payloads of another type do not reach it.
    ///
    /// ```
    /// # use nest_core::event_emitter::EventEmitter;
    /// let emitter = EventEmitter::default();
    /// emitter.on("ping", |text: &&str| println!("{text}"));
    /// emitter.emit("ping", "hello");
    /// ```
    pub fn on<T, F>(&self, event: &str, listener: F) -> ListenerId
    where
        T: Send + Sync + 'static,
        F: Fn(&T) + Send + Sync + 'static,
    {
        self.add(
            event,
            format!("on({event:?})"),
            OnEventOptions::default(),
            ListenerCall::sync(move |payload: &Payload| {
                payload.downcast_ref::<T>().map(|value| {
                    listener(value);
                    Ok(())
                })
            }),
        )
    }

    /// Removes a listener (NestJS's `emitter.off`); `false` if it was not there.
    pub fn off(&self, id: ListenerId) -> bool {
        let mut listeners = self
            .inner
            .listeners
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !listeners.iter().any(|listener| listener.id == id.0) {
            return false;
        }
        let next: Vec<Arc<Listener>> = listeners
            .iter()
            .filter(|listener| listener.id != id.0)
            .cloned()
            .collect();
        *listeners = Arc::new(next);
        true
    }

    /// How many listeners an event named `event` reaches (NestJS's `listenerCount`, counted
    /// by matching, so with wildcards it counts the patterns `event` matches).
    pub fn listener_count(&self, event: &str) -> usize {
        self.matching(event).len()
    }

    fn matching(&self, event: &str) -> Vec<Arc<Listener>> {
        let delimiter = &self.inner.options.delimiter;
        self.snapshot()
            .iter()
            .filter(|listener| listener.pattern.matches(event, delimiter))
            .cloned()
            .collect()
    }

    /// Emits `event` with `payload` (NestJS's `emit`): synchronous listeners run now, in
    /// order; `async fn` listeners and those with `async` are spawned on the Tokio runtime
    /// (outside one they are skipped with a warning). Errors and panics of listeners are
    /// logged. Returns whether any listener matched the event's name.
    ///
    /// ```
    /// # use nest_core::event_emitter::EventEmitter;
    /// let emitter = EventEmitter::default();
    /// assert!(!emitter.emit("nobody.listens", ()));
    /// ```
    pub fn emit<T: Send + Sync + 'static>(&self, event: &str, payload: T) -> bool {
        self.emit_payload(event, &(Arc::new(payload) as Payload))
    }

    /// [`emit`](Self::emit) with a payload already shared.
    pub fn emit_payload(&self, event: &str, payload: &Payload) -> bool {
        let listeners = self.matching(event);
        for listener in &listeners {
            match &listener.call {
                ListenerCall::Sync(call) if !listener.options.is_async => {
                    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| call(payload)))
                        .unwrap_or_else(|panic| Some(Err(panic_text(&*panic).to_owned())));
                    if let Some(Err(message)) = outcome {
                        log_failure(event, &listener.name, &message);
                    }
                }
                _ => {
                    let Some(future) = start(listener, payload) else {
                        continue;
                    };
                    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
                        tracing::warn!(
                            target: "EventEmitter",
                            "{} of {event:?} is async and no Tokio runtime is running: skipped",
                            listener.name
                        );
                        continue;
                    };
                    let (event, name) = (event.to_owned(), listener.name.clone());
                    runtime.spawn(async move {
                        if let Err(message) = future.await {
                            log_failure(&event, &name, &message);
                        }
                    });
                }
            }
        }
        !listeners.is_empty()
    }

    /// Emits `event` and waits for every listener, async ones included, run concurrently
    /// (NestJS's `emitAsync`). Returns how many listeners ran, or the first error of a
    /// listener with `suppress_errors(false)` (the others are logged, as under `emit`).
    ///
    /// ```
    /// # use nest_core::event_emitter::EventEmitter;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let emitter = EventEmitter::default();
    /// emitter.on("order.created", |_: &()| {});
    /// assert_eq!(emitter.emit_async("order.created", ()).await, Ok(1));
    /// # }
    /// ```
    pub async fn emit_async<T: Send + Sync + 'static>(
        &self,
        event: &str,
        payload: T,
    ) -> Result<usize, ListenerError> {
        let payload: Payload = Arc::new(payload);
        let listeners = self.matching(event);
        let mut running = Vec::new();
        for listener in &listeners {
            if let Some(future) = start(listener, &payload) {
                running.push(async move { (listener, future.await) });
            }
        }
        let ran = running.len();
        let mut first = None;
        for (listener, outcome) in futures_util::future::join_all(running).await {
            if let Err(message) = outcome {
                if !listener.options.suppress_errors && first.is_none() {
                    first = Some(ListenerError {
                        event: event.to_owned(),
                        listener: listener.name.clone(),
                        message,
                    });
                } else {
                    log_failure(event, &listener.name, &message);
                }
            }
        }
        first.map_or(Ok(ran), Err)
    }

    /// The payloads of type `T` of the events matching `pattern`, as a stream, for an `#[sse]`
    /// route (a stream is a listener, removed when the stream is dropped).
    ///
    /// It buffers up to [`EventEmitterOptions::stream_capacity`] events (64 by default) for a
    /// consumer that is behind, such as a slow SSE client; past it, new events are dropped for
    /// this stream and counted ([`EventStream::missed`]), so a slow client never makes memory
    /// grow and never slows the emitter down.
    ///
    /// ```
    /// use nest_core::prelude::*;
    /// use nest_core::event_emitter::{EventEmitter, EventEmitterOptions};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let emitter = EventEmitter::new(EventEmitterOptions::default().wildcard(true));
    /// let mut orders = emitter.stream::<String>("order.*");
    /// emitter.emit("order.created", "Order #3".to_owned());
    /// assert_eq!(orders.next().await.as_deref().map(String::as_str), Some("Order #3"));
    /// # }
    /// ```
    pub fn stream<T: Send + Sync + 'static>(&self, pattern: &str) -> EventStream<T> {
        let (sender, receiver) = mpsc::channel(self.inner.options.stream_capacity);
        let missed = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&missed);
        let id = self.add(
            pattern,
            format!("stream({pattern:?})"),
            OnEventOptions::default(),
            ListenerCall::sync(move |payload: &Payload| {
                let value = Arc::clone(payload).downcast::<T>().ok()?;
                if let Err(mpsc::error::TrySendError::Full(_)) = sender.try_send(value) {
                    counted.fetch_add(1, Ordering::Relaxed);
                }
                Some(Ok(()))
            }),
        );
        EventStream {
            receiver,
            emitter: self.clone(),
            id,
            missed,
        }
    }
}

/// Starts a listener as a future: `None` when the payload is not its type.
fn start(listener: &Listener, payload: &Payload) -> Option<BoxFuture<'static, Outcome>> {
    match &listener.call {
        ListenerCall::Sync(call) => {
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| call(payload)))
                .unwrap_or_else(|panic| Some(Err(panic_text(&*panic).to_owned())))?;
            Some(Box::pin(std::future::ready(outcome)))
        }
        ListenerCall::Async(call) => {
            let future = std::panic::catch_unwind(AssertUnwindSafe(|| call(payload)))
                .unwrap_or_else(|panic| {
                    let message = panic_text(&*panic).to_owned();
                    Some(Box::pin(std::future::ready(Err(message))))
                })?;
            Some(Box::pin(async move {
                AssertUnwindSafe(future)
                    .catch_unwind()
                    .await
                    .unwrap_or_else(|panic| Err(panic_text(&*panic).to_owned()))
            }))
        }
    }
}

fn log_failure(event: &str, listener: &str, message: &str) {
    tracing::error!(target: "EventSubscribersLoader", "{listener} failed on {event:?}: {message}");
}

/// The payloads of the events matching a pattern, from [`EventEmitter::stream`]; ends never
/// (drop it to stop listening).
pub struct EventStream<T> {
    receiver: mpsc::Receiver<Arc<T>>,
    emitter: EventEmitter,
    id: ListenerId,
    missed: Arc<AtomicU64>,
}

impl<T> fmt::Debug for EventStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("id", &self.id)
            .field("missed", &self.missed())
            .finish()
    }
}

impl<T> EventStream<T> {
    /// How many events were dropped because this stream's buffer was full.
    pub fn missed(&self) -> u64 {
        self.missed.load(Ordering::Relaxed)
    }
}

impl<T> futures_core::Stream for EventStream<T> {
    type Item = Arc<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Arc<T>>> {
        self.receiver.poll_recv(cx)
    }
}

impl<T> Drop for EventStream<T> {
    fn drop(&mut self) {
        self.emitter.off(self.id);
    }
}

/// Provides the application's [`EventEmitter`] everywhere: import
/// [`EventEmitterModule::for_root()`] (NestJS's `EventEmitterModule.forRoot()`), or
/// [`for_root_with(options)`](Self::for_root_with). The module is global, as NestJS's default.
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::event_emitter::{EventEmitter, EventEmitterModule, EventEmitterOptions};
///
/// #[module(imports = [EventEmitterModule::for_root()])]
/// struct AppModule;
///
/// #[module(imports = [EventEmitterModule::for_root_with(EventEmitterOptions::default().wildcard(true))])]
/// struct WildcardModule;
///
/// let app = NestApplication::builder().import::<AppModule>().build().unwrap();
/// assert!(!app.get::<EventEmitter>().unwrap().options().is_wildcard());
/// let app = NestApplication::builder().import::<WildcardModule>().build().unwrap();
/// assert!(app.get::<EventEmitter>().unwrap().options().is_wildcard());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct EventEmitterModule;

impl EventEmitterModule {
    /// The module with NestJS's default options (no wildcards, `.` as the delimiter).
    pub fn for_root() -> DynamicModule {
        DynamicModule::new::<Self>().global()
    }

    /// The module with these options (NestJS's `forRoot({ wildcard: true, ... })`).
    pub fn for_root_with(options: EventEmitterOptions) -> DynamicModule {
        Self::for_root().provide_value(EventEmitter::new(options))
    }
}

/// Imported as a plain path (`imports = [EventEmitterModule]`), it is `for_root()`.
impl Module for EventEmitterModule {
    const NAME: &'static str = "EventEmitterModule";

    fn configure(module: &mut ModuleBuilder<'_>) {
        module
            .provide_value(EventEmitter::default())
            .export::<EventEmitter>()
            .global();
    }
}
