//! The chat application, shared by the `chat` example (one process) and the `cluster` example
//! (several processes sharing Redis): a page, a room's event stream, and a publish route.
//!
//! The hub is chosen by configuration: with `REDIS_URL` set, it keeps the rooms in Redis
//! Streams (every process with the same Redis serves the same rooms, and a browser resumes on
//! any of them); without it, in this process's memory.

use std::sync::Arc;

use nest_core::prelude::*;
use nest_core::sse::{Hub, HubError, HubFrame, HubId, HubOptions, RedisOptions};
use serde::{Deserialize, Serialize};

/// One chat message, as posted and as sent to browsers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ChatMessage {
    text: String,
}

impl From<ChatMessage> for MessageEvent {
    fn from(message: ChatMessage) -> Self {
        Self::json(&message)
    }
}

/// The rooms: one hub topic each.
pub(crate) type ChatHub = Hub<ChatMessage>;

/// The hub for this process: on Redis when `REDIS_URL` is set (streams `chat:<room>`), else
/// in memory. `HUB_CAPACITY` sets how many events each room keeps in this process (10,000 by
/// default; with Redis, older ones are read back from Redis).
fn chat_hub() -> Result<ChatHub, HubError> {
    let mut options = HubOptions::default();
    if let Some(capacity) = std::env::var("HUB_CAPACITY")
        .ok()
        .and_then(|capacity| capacity.parse().ok())
    {
        options = options.capacity(capacity);
    }
    Ok(match std::env::var("REDIS_URL") {
        Ok(url) => Hub::with_options(options.redis(RedisOptions::new(url)?.key_prefix("chat"))),
        Err(_) => Hub::with_options(options),
    })
}

#[derive(Injectable)]
pub(crate) struct ChatController {
    hub: Arc<ChatHub>,
}

#[controller]
impl ChatController {
    #[get]
    fn index(&self) -> Html<&'static str> {
        Html(include_str!("index.html"))
    }

    /// A room's messages: first those after `Last-Event-ID` (from the replay log, or from
    /// Redis), then live ones.
    #[sse("rooms/:room/events", retry = "500ms", shutdown_event = "shutdown")]
    fn events(
        &self,
        #[param("room")] room: String,
        last: LastEventId<HubId>,
    ) -> impl Stream<Item = HubFrame> {
        self.hub.topic(&room).subscribe(last.0)
    }

    /// Publishes a message to a room; answers its id. `503` when Redis is unavailable.
    #[post("rooms/:room/messages")]
    async fn post(
        &self,
        #[param("room")] room: String,
        #[body] message: ChatMessage,
    ) -> Result<Json<serde_json::Value>, HttpException> {
        let id = self.hub.topic(&room).publish(message).await?;
        Ok(Json(json!({ "id": id.to_string() })))
    }

    /// Drops every browser in the room at once (in this process), as a crash would; they
    /// reconnect and resume.
    #[post("rooms/:room/disconnect")]
    fn disconnect(&self, #[param("room")] room: String) -> Json<serde_json::Value> {
        let disconnected = self.hub.topic(&room).disconnect_all();
        Json(json!({ "disconnected": disconnected }))
    }
}

#[module(
    controllers = [ChatController],
    providers = [{ provide: ChatHub, use_factory: chat_hub }],
)]
pub(crate) struct AppModule;
