//! Testing, as `@nestjs/testing`: a testing module whose providers can be overridden
//! ([`Test::create_testing_module`]), and a small client over real TCP for plain requests and
//! event streams parsed by a WHATWG-conforming parser (`eventsource-stream`). Enabled by the
//! `testing` feature.
//!
//! ```
//! use nest_core::prelude::*;
//! use nest_core::testing::TestClient;
//!
//! #[derive(Default)]
//! struct AppController;
//!
//! #[controller]
//! impl AppController {
//!     #[sse("sse")]
//!     fn sse(&self) -> impl Stream<Item = MessageEvent> {
//!         stream::iter(["one", "two"]).map(MessageEvent::from)
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let app = NestApplication::builder().controller(AppController).build()?;
//! let server = app.bind("127.0.0.1:0").await?;
//! let client = TestClient::new(server.local_addr());
//! let events = client.sse("/sse").await?.collect_events().await;
//! assert_eq!(events.iter().map(|e| e.data.as_str()).collect::<Vec<_>>(), ["one", "two"]);
//! assert_eq!(events[1].id, "2");
//! # Ok(())
//! # }
//! ```

mod client;
mod module;

pub use client::{Event, SseConnection, TestClient, TestResponse};
pub use module::{OverrideBy, Test, TestingModule, TestingModuleBuilder};
