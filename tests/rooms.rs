//! [`RoomsController`]: chat rooms named by the URL on a [`Hub`], as in the chat example, for
//! the hub tests over TCP (in memory and on Redis).

use nest_core::prelude::*;
use nest_core::sse::{Hub, HubError, HubId, Subscription};

/// `GET /rooms/:room` follows a room (resuming after `Last-Event-ID`, heartbeats every
/// 100 ms); `POST /rooms/:room/:text` publishes `text` there and answers its id.
///
/// ```no_run
/// # async fn run() {
/// let hub: nest_core::sse::Hub<String> = nest_core::sse::Hub::new();
/// let server = nest_tests::serve(nest_tests::RoomsController { hub: hub.clone() }).await;
/// # drop(server); }
/// ```
#[derive(Clone, Debug)]
pub struct RoomsController {
    /// Where the rooms' events are published.
    pub hub: Hub<String>,
}

#[controller("rooms")]
impl RoomsController {
    #[sse(":room", keep_alive = "100ms")]
    fn events(
        &self,
        #[param("room")] room: String,
        last: LastEventId<HubId>,
    ) -> Result<Subscription, HubError> {
        self.hub.topic(&room).try_subscribe(last.0)
    }

    #[post(":room/:text")]
    async fn say(
        &self,
        #[param("room")] room: String,
        #[param("text")] text: String,
    ) -> Result<String, HttpException> {
        Ok(self.hub.topic(&room).publish(text).await?.to_string())
    }
}
