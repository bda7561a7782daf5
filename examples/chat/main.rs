//! A chat with rooms on a [`Hub`]: `GET /` is a page whose `EventSource` shows a room's
//! messages, `POST /rooms/:room/messages` publishes one, and a browser that loses its connection
//! resumes with `Last-Event-ID` without losing or repeating a message.
//!
//! ```text
//! cargo run -p nest-examples --bin chat        # then open http://localhost:3000/?room=lobby
//! curl -X POST localhost:3000/rooms/lobby/messages -H 'content-type: application/json' -d '{"text":"hi"}'
//! curl -X POST localhost:3000/rooms/lobby/disconnect   # drop every browser; they resume
//! ```
//!
//! `PORT` picks another port.

#[path = "../support.rs"]
mod support;

use nest_core::prelude::*;
use nest_core::sse::{Hub, HubFrame, HubId, SseOptions};
use serde::{Deserialize, Serialize};

/// One chat message, as posted and as sent to browsers.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ChatMessage {
    text: String,
}

impl From<ChatMessage> for MessageEvent {
    fn from(message: ChatMessage) -> Self {
        Self::json(&message)
    }
}

#[derive(Default)]
struct ChatController {
    hub: Hub<ChatMessage>,
}

#[controller]
impl ChatController {
    #[get]
    fn index(&self) -> Html<&'static str> {
        Html(include_str!("index.html"))
    }

    /// A room's messages: first those after `Last-Event-ID` from the replay log, then live ones.
    #[sse("rooms/:room/events", retry = "500ms", shutdown_event = "shutdown")]
    fn events(
        &self,
        #[param("room")] room: String,
        last: LastEventId<HubId>,
    ) -> impl Stream<Item = HubFrame> {
        self.hub.topic(&room).subscribe(last.0)
    }

    /// Publishes a message to a room; answers its id.
    #[post("rooms/:room/messages")]
    async fn post(
        &self,
        #[param("room")] room: String,
        #[body] message: ChatMessage,
    ) -> Result<Json<serde_json::Value>, HttpException> {
        let id = self.hub.topic(&room).publish(message).await?;
        let id = id.to_string();
        Ok(Json(json!({ "id": id })))
    }

    /// Drops every browser in the room at once, as a crash would; they reconnect and resume.
    #[post("rooms/:room/disconnect")]
    fn disconnect(&self, #[param("room")] room: String) -> Json<serde_json::Value> {
        let disconnected = self.hub.topic(&room).disconnect_all();
        Json(json!({ "disconnected": disconnected }))
    }
}

#[module(controllers = [ChatController])]
struct AppModule;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    support::init_logging();
    let mut app = NestFactory::create::<AppModule>().await?;
    app.set_sse_options(SseOptions::default().keep_alive(Some(Duration::from_secs(15))));
    app.listen(support::port()).await
}
