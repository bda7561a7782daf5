//! The chat application, shared by the `chat` example (one process) and the `cluster` example
//! (several processes sharing Redis): a page, a room's event stream, and a publish route.
//!
//! The hub is chosen by configuration: with `REDIS_URL` set, it keeps the rooms in Redis
//! Streams (every process with the same Redis serves the same rooms, and a browser resumes on
//! any of them); without it, in this process's memory.

use std::{sync::Arc, time::Duration};

use nest_core::health::{
    HealthCheckResult, HealthCheckService, HubHealthIndicator, MemoryHealthIndicator,
    TerminusModule,
};
use nest_core::prelude::*;
use nest_core::sse::{Hub, HubError, HubId, HubOptions, RedisOptions, Subscription};
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
///
/// Rooms are named by the URL, so by anyone: every bound below holds whatever they send.
fn chat_hub() -> Result<ChatHub, HubError> {
    let capacity = std::env::var("HUB_CAPACITY")
        .ok()
        .and_then(|capacity| capacity.parse().ok())
        .unwrap_or(10_000);
    let options = HubOptions::default()
        // Per room, the replay log keeps at most this many messages and bytes; the oldest
        // leave first, and a browser resuming from before them gets `event: lagged`.
        .capacity(capacity)
        .max_log_bytes(16 << 20)
        // Messages leave the log after 5 minutes, published to or not.
        .max_age(Some(Duration::from_secs(300)))
        // A browser more than 4 MiB behind is disconnected, and resumes.
        .max_pending_bytes(4 << 20)
        // Rooms nobody follows, whose log is empty, are dropped; past 100,000 rooms held at
        // once, a new room is answered `503 Service Unavailable`.
        .max_topics(100_000);
    Ok(match std::env::var("REDIS_URL") {
        Ok(url) => {
            // A room is read from Redis while browsers follow it here, and 30 s more.
            let redis = RedisOptions::new(url)?
                .key_prefix("chat")
                .read_grace(Duration::from_secs(30));
            Hub::with_options(options.redis(redis))
        }
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
    /// Redis), then live ones. `503` for a new room past the hub's limit of rooms.
    #[sse("rooms/:room/events", retry = "500ms", shutdown_event = "shutdown")]
    fn events(
        &self,
        #[param("room")] room: String,
        last: LastEventId<HubId>,
    ) -> Result<Subscription, HubError> {
        self.hub.topic(&room).try_subscribe(last.0)
    }

    /// Publishes a message to a room; answers its id. `503` when Redis is unavailable or
    /// full, or for a new room past the hub's limit of rooms.
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

/// `GET /health`: terminus's answer, `503` when the hub's Redis does not answer or the
/// process holds more than 1 GiB (`HEALTH_MAX_RSS` bytes).
#[derive(Injectable)]
pub(crate) struct HealthController {
    health: Arc<HealthCheckService>,
    hub_indicator: Arc<HubHealthIndicator>,
    memory: Arc<MemoryHealthIndicator>,
    hub: Arc<ChatHub>,
}

#[controller("health")]
impl HealthController {
    #[get]
    #[header("Cache-Control", "no-cache, no-store, must-revalidate")]
    async fn check(&self) -> Result<HealthCheckResult, HttpException> {
        let max_rss = std::env::var("HEALTH_MAX_RSS")
            .ok()
            .and_then(|bytes| bytes.parse().ok())
            .unwrap_or(1 << 30);
        self.health
            .check([
                self.hub_indicator.ping_check("hub", &self.hub),
                self.memory.check_rss("memory_rss", max_rss),
            ])
            .await
    }
}

#[module(
    imports = [TerminusModule],
    controllers = [ChatController, HealthController],
    providers = [{ provide: ChatHub, use_factory: chat_hub }],
)]
pub(crate) struct AppModule;
