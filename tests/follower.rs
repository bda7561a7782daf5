//! A browser-like event-stream client for the scale-out tests: it follows one stream across
//! several instances, reconnecting to the next instance with `Last-Event-ID` whenever its
//! connection ends or fails, and records every event it receives; and the checks the tests
//! make of what the followers received.

use std::{
    collections::HashSet,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use bytes::Bytes;
use http_body_util::Full;
use nest_core::{sse::HubId, testing::TestClient};

/// One event received: its id, its `event` name (`message` when none) and its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The `id` field (empty when the event had none).
    pub id: String,
    /// The event name.
    pub event: String,
    /// The data.
    pub data: String,
}

#[derive(Debug, Default)]
struct State {
    events: Vec<Received>,
    connections: usize,
}

/// Follows `path` on `instances` until dropped.
#[derive(Debug)]
pub struct Follower {
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Follower {
    /// Connects to `instances[0]` (then the next one after every disconnect) and follows.
    pub fn start(instances: Vec<SocketAddr>, path: &str) -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let path = path.to_owned();
        let task = tokio::spawn({
            let state = Arc::clone(&state);
            async move {
                let mut last_id: Option<String> = None;
                for addr in instances.iter().cycle() {
                    let mut request = http::Request::get(&path).header("host", "localhost");
                    if let Some(id) = &last_id {
                        request = request.header("last-event-id", id);
                    }
                    let request = request
                        .body(Full::new(Bytes::new()))
                        .expect("a valid request");
                    if let Ok(mut connection) = TestClient::new(*addr).sse_request(request).await
                        && connection.status == 200
                    {
                        state.lock().unwrap().connections += 1;
                        while let Some(event) = connection.next_event().await {
                            if !event.id.is_empty() {
                                last_id = Some(event.id.clone());
                            }
                            state.lock().unwrap().events.push(Received {
                                id: event.id,
                                event: event.event,
                                data: event.data,
                            });
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        });
        Self { state, task }
    }

    /// Every event received so far.
    pub fn events(&self) -> Vec<Received> {
        self.state.lock().unwrap().events.clone()
    }

    /// How many connections it opened (1 while it never had to reconnect).
    pub fn connections(&self) -> usize {
        self.state.lock().unwrap().connections
    }

    /// Waits up to 10 s until an event with `data` was received; whether one was.
    pub async fn wait_for_data(&self, data: &str) -> bool {
        self.wait_until(Duration::from_secs(10), |events| {
            events.iter().any(|event| event.data == data)
        })
        .await
    }

    /// Waits up to `timeout` until `done` holds for the events received; whether it did.
    pub async fn wait_until(&self, timeout: Duration, done: impl Fn(&[Received]) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if done(&self.state.lock().unwrap().events) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The events that count (those whose data mentions `warm-up` are left out: tests publish them
/// until every follower's position is fixed).
fn counted(events: &[Received]) -> Vec<Received> {
    events
        .iter()
        .filter(|event| !event.data.contains("warm-up"))
        .cloned()
        .collect()
}

/// Asserts that every follower received each of `acked` exactly once, and each of `maybe`
/// (publishes whose outcome the publisher could not know) at most once, nothing else, with
/// increasing ids, in one order shared by all.
///
/// # Panics
/// When one of these does not hold.
pub fn assert_exactly_once(
    followers: &[&Follower],
    acked: &HashSet<String>,
    maybe: &HashSet<String>,
) {
    let first = counted(&followers[0].events());
    for (index, follower) in followers.iter().enumerate() {
        let events = counted(&follower.events());
        let mut seen = HashSet::new();
        for event in &events {
            assert!(
                seen.insert(event.data.clone()),
                "follower {index} got {:?} twice",
                event.data
            );
            assert!(
                acked.contains(&event.data) || maybe.contains(&event.data),
                "follower {index} got {:?}, which was never published",
                event.data
            );
        }
        let missing: Vec<&String> = acked.iter().filter(|data| !seen.contains(*data)).collect();
        assert!(
            missing.is_empty(),
            "follower {index} is missing {missing:?}"
        );
        let ids: Vec<HubId> = events
            .iter()
            .map(|event| event.id.parse().expect("a hub id"))
            .collect();
        assert!(
            ids.windows(2).all(|pair| pair[0] < pair[1]),
            "follower {index}: ids out of order"
        );
        assert_eq!(
            events, first,
            "follower {index} saw another order than follower 0"
        );
    }
}

/// Waits (up to 15 s) until every follower received every one of `acked`.
///
/// # Panics
/// When one did not.
pub async fn wait_for_all(followers: &[&Follower], acked: &HashSet<String>) {
    for (index, follower) in followers.iter().enumerate() {
        let done = follower
            .wait_until(Duration::from_secs(15), |events| {
                let seen: HashSet<&str> = events.iter().map(|event| event.data.as_str()).collect();
                acked.iter().all(|data| seen.contains(data.as_str()))
            })
            .await;
        assert!(
            done,
            "follower {index} did not receive every acknowledged event"
        );
    }
}
