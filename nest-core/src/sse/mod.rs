//! Server-Sent Events: [`MessageEvent`], its wire encoding, and how an `#[sse]` route streams.
//!
//! The NestJS docs example, in Rust:
//!
//! ```no_run
//! use nest_core::prelude::*;
//!
//! #[derive(Default)]
//! struct AppController;
//!
//! #[controller]
//! impl AppController {
//!     #[sse("sse")]
//!     fn sse(&self) -> impl Stream<Item = MessageEvent> {
//!         interval(Duration::from_secs(1)).map(|_| MessageEvent::json(&json!({ "hello": "world" })))
//!     }
//! }
//!
//! #[module(controllers = [AppController])]
//! struct AppModule;
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     NestFactory::create::<AppModule>().await?.listen(3000).await
//! }
//! ```
//!
//! # What the browser receives
//! The response has NestJS 12.5.1's headers (`Content-Type: text/event-stream`, `Cache-Control:
//! private, no-cache, no-store, must-revalidate, max-age=0, no-transform`, `Pragma: no-cache`,
//! `Expires: 0`, `X-Accel-Buffering: no`, and `Connection: keep-alive` on HTTP/1.1), a blank line,
//! then one frame per event (see [`SseEncoder`]). Events without an id are numbered per
//! connection from 1.
//!
//! # Errors
//! * Before the first event (an extractor, the handler, or the stream's first item fails): the
//!   client gets a normal JSON error response with the error's status, as NestJS 12.
//! * After it: one `event: error` frame whose data is the [`HttpException`](crate::HttpException)'s
//!   message (`Internal server error` for any other error, whose text is only logged), then the
//!   stream ends.
//!
//! # Pitfalls
//! * **Line breaks** in `data` and comments are split into several lines (CR, LF and CRLF each
//!   count once); the browser joins them with `\n`. CR and LF in `event` and `id` are removed.
//! * **UTF-8 only**: `EventSource` decodes the stream as UTF-8, and every field here is a `String`.
//! * **Buffering**: nginx buffering is turned off by `X-Accel-Buffering: no`, and `no-transform`
//!   keeps compressing proxies out. Events are written as soon as the stream yields them.
//! * **Reconnects**: a browser reconnects when the stream ends. Return an error (e.g.
//!   `NotFoundException`) before the first event to make it stop: a non-200 status ends
//!   `EventSource` for good.
//! * **Disconnects**: when the client goes away the stream is dropped at once; put teardown in
//!   `Drop`.

pub(crate) mod body;
pub(crate) mod encoder;
pub(crate) mod event;
pub(crate) mod hub;
mod interval;
mod into_sse;
pub(crate) mod options;
mod response;
mod signal;
mod sink;

pub use encoder::{EncodeError, SseEncoder};
pub use event::MessageEvent;
#[cfg(feature = "redis")]
pub use hub::RedisOptions;
pub(crate) use hub::{CONNECTION, ConnectionClose};
pub use hub::{
    Hub, HubError, HubFrame, HubId, HubOptions, HubStats, ParseHubIdError, Subscription,
};
pub use interval::{IntervalStream, interval};
pub use into_sse::{IntoSse, SseFrame, SseItem, marker};
#[doc(hidden)]
pub use options::SseRouteOptions;
pub use options::{DEFAULT_KEEP_ALIVE, SseOptions};
pub use signal::SseSignal;

pub(crate) use response::PendingSse;
#[doc(hidden)]
pub use sink::SseSink;
