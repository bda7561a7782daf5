//! The NestJS docs example (sample `28-sse`) in Rust: `GET /` serves a page whose `EventSource`
//! lists the messages, and `GET /sse` sends `{"hello":"world"}` every second.
//!
//! ```text
//! cargo run -p nest-examples --bin sse        # then open http://localhost:3000
//! curl -N localhost:3000/sse
//! ```
//!
//! `PORT` picks another port.

#[path = "../support.rs"]
mod support;

use nest_core::prelude::*;

#[derive(Default)]
struct AppController;

#[controller]
impl AppController {
    /// The page: `new EventSource('/sse')`, one `<li>` per message.
    #[get]
    fn index(&self) -> Html<&'static str> {
        Html(include_str!("index.html"))
    }

    /// `{"hello":"world"}` every second, as NestJS's `interval(1000).pipe(map(...))`.
    #[sse("sse")]
    fn sse(&self) -> impl Stream<Item = MessageEvent> {
        interval(Duration::from_secs(1)).map(|_| MessageEvent::json(&json!({ "hello": "world" })))
    }
}

#[module(controllers = [AppController])]
struct AppModule;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    support::init_logging();
    let app = NestFactory::create::<AppModule>().await?;
    app.listen(support::port()).await
}
