//! The Redis hub against a real `redis-server` (started by each test on a free port, with its
//! data in a temporary directory): two application instances in one process, each with its own
//! `Hub` (its own connections and reader), share one ordered event stream; a client resumes on
//! either; a Redis restart loses nothing it acknowledged and keeps subscribers connected; what
//! Redis trimmed is announced. Every event is counted at every subscriber: none missing, none
//! twice. The same with processes and SIGKILL is `examples/tests/cluster.rs`. Rooms nobody
//! follows any more stop being read; a full Redis answers `503`.

use std::{
    collections::HashSet,
    net::SocketAddr,
    time::{Duration, Instant},
};

use futures_util::StreamExt;
use nest_core::RunningApp;
use nest_core::prelude::*;
use nest_core::sse::{Hub, HubError, HubFrame, HubId, HubOptions, RedisOptions, Subscription};
use nest_core::testing::TestClient;
use nest_tests::{Follower, RedisServer, assert_exactly_once, wait_for_all};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One instance's routes on a hub.
#[derive(Clone)]
struct RoomController {
    hub: Hub<String>,
}

#[controller]
impl RoomController {
    #[sse("events", keep_alive = "100ms")]
    fn events(&self, last: LastEventId<HubId>) -> impl Stream<Item = HubFrame> {
        self.hub.topic("room").subscribe(last.0)
    }

    #[post("publish/:text")]
    async fn publish(&self, #[param("text")] text: String) -> Result<String, HttpException> {
        Ok(self.hub.topic("room").publish(text).await?.to_string())
    }
}

fn redis_hub(redis: &RedisServer, options: HubOptions) -> Hub<String> {
    let redis = RedisOptions::new(redis.url())
        .unwrap()
        .key_prefix("test")
        .command_timeout(Duration::from_millis(500));
    Hub::with_options(options.redis(redis))
}

/// A hub (topic `room`) whose Redis stream keeps about 10 events (Redis trims whole nodes of
/// 100 entries, so some more).
fn short_stream_hub(redis: &RedisServer) -> Hub<String> {
    let redis = RedisOptions::new(redis.url())
        .unwrap()
        .key_prefix("test")
        .max_len(10);
    Hub::with_options(HubOptions::default().redis(redis)).topic("room")
}

/// An instance: its own hub (connections, reader, local log) on `redis`, served on a free port.
async fn instance(redis: &RedisServer, options: HubOptions) -> (Hub<String>, RunningApp) {
    let hub = redis_hub(redis, options);
    let app = nest_tests::serve(RoomController { hub: hub.clone() }).await;
    (hub.topic("room"), app)
}

/// Publishes `warm-up` events on every hub until every follower received one, so that every
/// subscription's position is fixed before the counted events (a first subscription to a topic
/// starts once its instance has read the topic's position from Redis).
async fn warm_up(hubs: &[&Hub<String>], followers: &[&Follower]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        for hub in hubs {
            hub.publish("warm-up".to_owned()).await.unwrap();
        }
        if followers.iter().all(|follower| {
            follower
                .events()
                .iter()
                .any(|event| event.data == "warm-up")
        }) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the followers never got the warm-up events"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_serve_one_ordered_stream() {
    let redis = RedisServer::start();
    let (hub_a, app_a) = instance(&redis, HubOptions::default()).await;
    let (hub_b, app_b) = instance(&redis, HubOptions::default()).await;
    let (a, b) = (app_a.local_addr(), app_b.local_addr());
    let followers = [
        Follower::start(vec![a], "/events"),
        Follower::start(vec![a], "/events"),
        Follower::start(vec![b], "/events"),
        Follower::start(vec![b], "/events"),
    ];
    let followers: Vec<&Follower> = followers.iter().collect();
    warm_up(&[&hub_a, &hub_b], &followers).await;

    // Both instances publish at once, interleaved.
    let publish = |hub: Hub<String>, name: &'static str| async move {
        let mut acked = Vec::new();
        for n in 0..100 {
            let text = format!("{name}-{n}");
            hub.publish(text.clone()).await.unwrap();
            acked.push(text);
        }
        acked
    };
    let (from_a, from_b) = tokio::join!(
        tokio::spawn(publish(hub_a.clone(), "a")),
        tokio::spawn(publish(hub_b.clone(), "b")),
    );
    let acked: HashSet<String> = from_a.unwrap().into_iter().chain(from_b.unwrap()).collect();
    assert_eq!(acked.len(), 200);
    wait_for_all(&followers, &acked).await;
    assert_exactly_once(&followers, &acked, &HashSet::new());
    for follower in &followers {
        assert_eq!(follower.connections(), 1);
    }
    // The ids are Redis's: the same event has the same id on both instances.
    assert!(followers[0].events()[0].id.contains('-'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_resumes_on_the_other_instance_from_redis() {
    let redis = RedisServer::start();
    let (hub_a, app_a) = instance(&redis, HubOptions::default()).await;
    // B keeps only 5 events locally: a resume from further back reads Redis.
    let (_hub_b, app_b) = instance(&redis, HubOptions::default().capacity(5)).await;
    let mut ids = Vec::new();
    for n in 0..50 {
        ids.push(hub_a.publish(format!("event {n}")).await.unwrap());
    }
    // Let B's reader take the topic in (its first subscriber does), then resume there.
    let client_b = TestClient::new(app_b.local_addr());
    let request =
        nest_tests::get_with_headers("/events", &[("last-event-id", &ids[2].to_string())]);
    let mut resumed = client_b.sse_request(request).await.unwrap();
    let mut received = Vec::new();
    while received.len() < 47 {
        let event = tokio::time::timeout(Duration::from_secs(10), resumed.next_event())
            .await
            .expect("the resumed stream goes on")
            .unwrap();
        received.push((event.id, event.data));
    }
    let expected: Vec<(String, String)> = (3..50)
        .map(|n| (ids[n].to_string(), format!("event {n}")))
        .collect();
    assert_eq!(received, expected);
    // And it goes on live, with events published on A.
    let next = hub_a.publish("live".to_owned()).await.unwrap();
    let event = tokio::time::timeout(Duration::from_secs(10), resumed.next_event())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (event.id, event.data),
        (next.to_string(), "live".to_owned())
    );
    drop(app_a);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_from_redis_waits_while_redis_is_down() {
    let mut redis = RedisServer::start();
    let (hub_a, _app_a) = instance(&redis, HubOptions::default()).await;
    let (hub_b, app_b) = instance(&redis, HubOptions::default().capacity(5)).await;
    let mut ids = Vec::new();
    for n in 0..20 {
        ids.push(hub_a.publish(format!("event {n}")).await.unwrap());
    }
    // B has read the topic (its local log holds the last 5 events).
    let follower = Follower::start(vec![app_b.local_addr()], "/events");
    warm_up(&[&hub_b], &[&follower]).await;
    redis.kill();
    // A client resumes on B from further back than B holds, while Redis is down.
    let client = TestClient::new(app_b.local_addr());
    let request =
        nest_tests::get_with_headers("/events", &[("last-event-id", &ids[1].to_string())]);
    let mut resumed = client.sse_request(request).await.unwrap();
    assert_eq!(resumed.status, 200);
    tokio::time::sleep(Duration::from_millis(700)).await;
    redis.start_again();
    let mut received = Vec::new();
    while received.len() < 18 {
        let event = tokio::time::timeout(Duration::from_secs(10), resumed.next_event())
            .await
            .expect("the resume goes on once Redis is back")
            .expect("the stream stays open");
        received.push(event.data);
    }
    let expected: Vec<String> = (2..20).map(|n| format!("event {n}")).collect();
    assert_eq!(received, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_keeps_subscribers_connected_and_loses_nothing_acknowledged() {
    let mut redis = RedisServer::start();
    let (hub_a, app_a) = instance(&redis, HubOptions::default()).await;
    let (hub_b, app_b) = instance(&redis, HubOptions::default()).await;
    let (a, b) = (app_a.local_addr(), app_b.local_addr());
    let followers = [
        Follower::start(vec![a, b], "/events"),
        Follower::start(vec![b, a], "/events"),
    ];
    let followers: Vec<&Follower> = followers.iter().collect();
    warm_up(&[&hub_a, &hub_b], &followers).await;
    let mut raw = RawStream::open(a).await;

    let mut tally = Tally::default();
    for _ in 0..20 {
        tally.publish(&hub_a, "a").await;
        tally.publish(&hub_b, "b").await;
    }
    redis.kill();
    for _ in 0..5 {
        tally.publish(&hub_a, "a").await;
        tally.publish(&hub_b, "b").await;
    }
    // While Redis is down, the streams stay open and their keep-alive comments go on.
    raw.skip_available().await;
    let comments = raw.comments_within(Duration::from_millis(500)).await;
    assert!(
        comments >= 2,
        "{comments} keep-alive comments while Redis was down"
    );
    redis.start_again();
    let deadline = Instant::now() + Duration::from_secs(15);
    for _ in 0..20 {
        while !tally.publish(&hub_a, "a").await {
            assert!(Instant::now() < deadline, "publishes never worked again");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tally.publish(&hub_b, "b").await;
    }
    let Tally {
        acked,
        maybe,
        failures,
        ..
    } = tally;
    assert!(
        failures >= 10,
        "publishes while Redis was down failed ({failures} failures)"
    );
    wait_for_all(&followers, &acked).await;
    assert_exactly_once(&followers, &acked, &maybe);
    for follower in &followers {
        assert_eq!(follower.connections(), 1, "a subscriber had to reconnect");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_while_redis_is_down_is_a_503_with_nestjs_body() {
    let mut redis = RedisServer::start();
    let (_hub, app) = instance(&redis, HubOptions::default()).await;
    let client = TestClient::new(app.local_addr());
    let publish = async || {
        let request = nest_tests::request_with_body("POST", "/publish/hello", "text/plain", "");
        client.request(request).await.unwrap()
    };
    let ok = publish().await;
    assert_eq!(ok.status, 201, "{}", ok.text());
    redis.kill();
    let down = publish().await;
    assert_eq!(down.status, 503);
    assert_eq!(
        down.text(),
        r#"{"message":"The event hub is unavailable, try again later","error":"Service Unavailable","statusCode":503}"#
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_redis_trimmed_are_announced_once_as_lagged() {
    let redis = RedisServer::start();
    let hub: Hub<String> = redis_hub(&redis, HubOptions::default().capacity(5)).topic("room");
    let app = nest_tests::serve(RoomController { hub: hub.clone() }).await;
    let trimmed = short_stream_hub(&redis);
    let first = trimmed.publish("event 0".to_owned()).await.unwrap();
    let mut last = first;
    for n in 1..500 {
        last = trimmed.publish(format!("event {n}")).await.unwrap();
    }
    let client = TestClient::new(app.local_addr());
    let request = nest_tests::get_with_headers("/events", &[("last-event-id", &first.to_string())]);
    let mut resumed = client.sse_request(request).await.unwrap();
    let mut next = async || {
        tokio::time::timeout(Duration::from_secs(10), resumed.next_event())
            .await
            .unwrap()
            .unwrap()
    };
    let lagged = next().await;
    assert_eq!(lagged.event, "lagged");
    assert_eq!(lagged.data, "unknown");
    let lost_through: HubId = lagged.id.parse().unwrap();
    let mut previous = lost_through;
    let mut n_previous = None;
    loop {
        let event = next().await;
        let id: HubId = event.id.parse().unwrap();
        assert!(id > previous);
        previous = id;
        let n: u32 = event.data.strip_prefix("event ").unwrap().parse().unwrap();
        if let Some(before) = n_previous {
            assert_eq!(n, before + 1, "a gap after the announced loss");
        }
        n_previous = Some(n);
        if id == last {
            break;
        }
    }
    // Reconnecting after the lagged frame's id announces nothing more.
    let request =
        nest_tests::get_with_headers("/events", &[("last-event-id", &lost_through.to_string())]);
    let mut again = client.sse_request(request).await.unwrap();
    let event = tokio::time::timeout(Duration::from_secs(10), again.next_event())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(event.event, "message");
}

/// Adds 500 events, trimmed to about 10, in one transaction (after `first`, a command run in
/// the same transaction), while a follower of an instance whose hub keeps 10 follows; then
/// checks that the follower got one `lagged` frame, then the events Redis kept, with no gap,
/// then what came after, on one connection.
async fn assert_trim_is_announced(first: Option<&str>) {
    let redis = RedisServer::start();
    let hub = short_stream_hub(&redis);
    let app = nest_tests::serve(RoomController { hub: hub.clone() }).await;
    let follower = Follower::start(vec![app.local_addr()], "/events");
    warm_up(&[&hub], &[&follower]).await;
    let mut script = String::from("MULTI");
    if let Some(command) = first {
        script.push_str(&format!("\r\n{command}"));
    }
    for n in 0..500 {
        script.push_str(&format!(
            "\r\nXADD test:room MAXLEN ~ 10 * data trimmed-{n}"
        ));
    }
    script.push_str("\r\nEXEC");
    let reply = redis.run(&script);
    assert!(
        reply.contains(&format!("*{}", 500 + usize::from(first.is_some()))),
        "the transaction ran: {}",
        &reply[reply.len().saturating_sub(200)..]
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while hub.publish("after".to_owned()).await.is_err() {
        assert!(Instant::now() < deadline, "publishes never worked again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(follower.wait_for_data("after").await);
    let events: Vec<_> = follower
        .events()
        .into_iter()
        .filter(|event| event.data != "warm-up")
        .collect();
    assert_eq!(events[0].event, "lagged", "{:?}", &events[..3]);
    assert_eq!(events[0].data, "unknown");
    let kept: Vec<u32> = events[1..events.len() - 1]
        .iter()
        .map(|event| {
            event
                .data
                .strip_prefix("trimmed-")
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(kept.len() >= 10 && kept.len() < 500, "{} kept", kept.len());
    assert_eq!(kept, (500 - kept.len() as u32..500).collect::<Vec<_>>());
    assert_eq!(events.last().unwrap().data, "after");
    assert_eq!(follower.connections(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_trimmed_before_an_instance_read_them_are_announced_as_lagged() {
    // Every client is cut off first (the instance's reader among them): the trim happens
    // before the reader is back.
    assert_trim_is_announced(Some("CLIENT KILL TYPE normal SKIPME yes")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_trimmed_while_an_instance_reads_too_slowly_are_announced_as_lagged() {
    // The reader stays connected: the trim happens between two of its reads.
    assert_trim_is_announced(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_from_now_gets_the_next_event() {
    let redis = RedisServer::start();
    let hub: Hub<String> = redis_hub(&redis, HubOptions::default()).topic("room");
    // Published before anyone here subscribed: the instance does not read the topic for it.
    hub.publish("before".to_owned()).await.unwrap();
    for n in 0..20 {
        let mut subscription = hub.subscribe(None);
        let text = format!("next {n}");
        hub.publish(text.clone()).await.unwrap();
        // "From now" starts after the last event this instance has read: one published just
        // before, not read here yet, may come first.
        let arrived = tokio::time::timeout(Duration::from_secs(5), async {
            while let Some(frame) = subscription.next().await {
                if String::from_utf8_lossy(frame.as_bytes()).contains(&format!("data: {text}\n")) {
                    return true;
                }
            }
            false
        })
        .await;
        assert_eq!(arrived, Ok(true), "{text} did not arrive");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_that_subscribes_then_posts_sees_its_own_message() {
    let redis = RedisServer::start();
    for n in 0..5 {
        // A new instance and a topic it never read: no warm-up.
        let (_hub, app) = instance(&redis, HubOptions::default()).await;
        let client = TestClient::new(app.local_addr());
        let mut stream = client.sse("/events").await.unwrap();
        let posted = client
            .request(nest_tests::request_with_body(
                "POST",
                &format!("/publish/mine-{n}"),
                "text/plain",
                "",
            ))
            .await
            .unwrap();
        assert_eq!(posted.status, 201);
        let event = tokio::time::timeout(Duration::from_secs(5), stream.next_event())
            .await
            .expect("its own message arrives")
            .unwrap();
        assert_eq!(event.data, format!("mine-{n}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_is_not_dropped_while_the_instance_places_a_busy_topic() {
    let redis = RedisServer::start();
    let (hub_a, _app_a) = instance(&redis, HubOptions::default()).await;
    let mut ids = Vec::new();
    for n in 0..50 {
        ids.push(hub_a.publish(format!("event {n}")).await.unwrap());
    }
    // A fresh instance, small local log: a resume from far back while events keep coming.
    let hub_b = redis_hub(
        &redis,
        HubOptions::default().capacity(5).max_pending_bytes(64),
    )
    .topic("room");
    let subscription = hub_b.subscribe(Some(ids[0]));
    // The subscription is not polled while B places the topic and reads 100 more events (as a
    // response whose connection is busy would not be).
    for n in 50..150 {
        hub_a.publish(format!("event {n}")).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let frames: Vec<_> = tokio::time::timeout(
        Duration::from_secs(15),
        subscription.take(149).collect::<Vec<_>>(),
    )
    .await
    .expect("the resume goes on");
    let texts: Vec<String> = frames
        .iter()
        .map(|frame| {
            let text = String::from_utf8_lossy(frame.as_bytes()).into_owned();
            text.lines()
                .find_map(|line| line.strip_prefix("data: "))
                .unwrap()
                .to_owned()
        })
        .collect();
    let expected: Vec<String> = (1..150).map(|n| format!("event {n}")).collect();
    assert_eq!(texts, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_past_what_redis_lost_is_announced_and_joins_the_local_log() {
    let redis = RedisServer::start();
    let (hub, app) = instance(&redis, HubOptions::default().capacity(5)).await;
    let follower = Follower::start(vec![app.local_addr()], "/events");
    warm_up(&[&hub], &[&follower]).await;
    let mut ids = Vec::new();
    for n in 0..20 {
        ids.push(hub.publish(format!("event {n}")).await.unwrap());
    }
    assert!(follower.wait_for_data("event 19").await);
    // Redis loses the stream (a restart without persistence would do the same).
    redis.run("DEL test:room");
    let client = TestClient::new(app.local_addr());
    let request =
        nest_tests::get_with_headers("/events", &[("last-event-id", &ids[2].to_string())]);
    let mut resumed = client.sse_request(request).await.unwrap();
    let mut next = async || {
        tokio::time::timeout(Duration::from_secs(5), resumed.next_event())
            .await
            .expect("the resume goes on")
            .unwrap()
    };
    let lagged = next().await;
    assert_eq!(
        (lagged.event.as_str(), lagged.data.as_str()),
        ("lagged", "unknown")
    );
    // The instance still holds the last 5: 15 to 19.
    assert_eq!(lagged.id, ids[14].to_string());
    for n in 15..20 {
        assert_eq!(next().await.data, format!("event {n}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_from_the_future_starts_from_now() {
    let redis = RedisServer::start();
    let (hub, app) = instance(&redis, HubOptions::default()).await;
    hub.publish("before".to_owned()).await.unwrap();
    let client = TestClient::new(app.local_addr());
    let request = nest_tests::get_with_headers("/events", &[("last-event-id", "99999999999999-0")]);
    let mut stream = client.sse_request(request).await.unwrap();
    // The subscription is placed once Redis answered; keep publishing until one arrives.
    let publisher = tokio::spawn({
        let hub = hub.clone();
        async move {
            for n in 0.. {
                hub.publish(format!("after {n}")).await.unwrap();
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    });
    let event = tokio::time::timeout(Duration::from_secs(10), stream.next_event())
        .await
        .unwrap()
        .unwrap();
    publisher.abort();
    assert!(event.data.starts_with("after "), "{event:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_nobody_follows_are_no_longer_read_and_a_new_subscriber_resumes_from_redis() {
    let redis = RedisServer::start();
    let options = RedisOptions::new(redis.url())
        .unwrap()
        .key_prefix("test")
        .read_grace(Duration::from_millis(300));
    let hub: Hub<String> = Hub::with_options(HubOptions::default().redis(options));
    let app = nest_tests::serve(nest_tests::RoomsController { hub: hub.clone() }).await;
    let client = TestClient::new(app.local_addr());
    let post = async |text: &str| -> String {
        let request = nest_tests::request_with_body(
            "POST",
            &format!("/rooms/room-7/{text}"),
            "text/plain",
            "",
        );
        let response = client.request(request).await.unwrap();
        assert_eq!(response.status, 201, "{}", response.text());
        response.text()
    };
    let mut streams = Vec::new();
    for n in 0..50 {
        streams.push(client.sse(&format!("/rooms/room-{n}")).await.unwrap());
    }
    assert_eq!(hub.stats().read_topics, 50);
    let first = post("first").await;
    let second = post("second").await;
    for (id, text) in [(&first, "first"), (&second, "second")] {
        let event = tokio::time::timeout(Duration::from_secs(10), streams[7].next_event())
            .await
            .unwrap()
            .unwrap();
        assert_eq!((&event.id, event.data.as_str()), (id, text));
    }

    // Every browser leaves: after the grace period, no room is read or held any more.
    drop(streams);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let stats = hub.stats();
        if stats.read_topics == 0 && stats.topics == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "rooms nobody follows are still read: {stats:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Published while nobody here follows the room; then a browser resumes after `first`.
    let third = post("third").await;
    let request =
        nest_tests::get_with_headers("/rooms/room-7", &[("last-event-id", first.as_str())]);
    let mut resumed = client.sse_request(request).await.unwrap();
    let mut next = async || {
        tokio::time::timeout(Duration::from_secs(10), resumed.next_event())
            .await
            .expect("the resumed stream goes on")
            .unwrap()
    };
    for (id, text) in [(&second, "second"), (&third, "third")] {
        let event = next().await;
        assert_eq!((&event.id, event.data.as_str()), (id, text));
    }
    assert_eq!(hub.stats().read_topics, 1);
    // And live.
    let fourth = post("fourth").await;
    let event = next().await;
    assert_eq!((&event.id, event.data.as_str()), (&fourth, "fourth"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_topic_no_longer_read_is_read_again_for_its_next_subscriber() {
    let redis = RedisServer::start();
    let options = RedisOptions::new(redis.url())
        .unwrap()
        .key_prefix("test")
        .read_grace(Duration::from_millis(200));
    let hub: Hub<String> = Hub::with_options(HubOptions::default().redis(options));
    let held = hub.topic("held");
    let first = held.subscribe(None);
    let before = held.publish("before".to_owned()).await.unwrap();
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(10);
    while held.stats().read_topics > 0 {
        assert!(Instant::now() < deadline, "still read: {:?}", held.stats());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The handle keeps the topic; its local log starts again when it is next read.
    assert_eq!(held.stats().topics, 1);
    assert_eq!(held.stats().retained_events, 0);
    let unread = held.publish("while not read".to_owned()).await.unwrap();
    let mut resumed = held.subscribe(Some(before));
    let mut live = held.subscribe(None);
    let next = async |subscription: &mut Subscription| {
        let frame = tokio::time::timeout(Duration::from_secs(10), subscription.next())
            .await
            .expect("the subscription goes on")
            .unwrap();
        (
            frame.id().unwrap(),
            String::from_utf8_lossy(frame.as_bytes()).into_owned(),
        )
    };
    assert_eq!(next(&mut resumed).await.0, unread);
    // Read again since its subscriptions: what is published now reaches both.
    assert_eq!(held.stats().read_topics, 1);
    let after = held.publish("after".to_owned()).await.unwrap();
    assert_eq!(next(&mut resumed).await.0, after);
    assert!(next(&mut live).await.1.contains("data: after\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_to_a_full_redis_is_a_503() {
    let redis =
        RedisServer::start_with(&["--maxmemory", "1mb", "--maxmemory-policy", "noeviction"]);
    let (hub, app) = instance(&redis, HubOptions::default()).await;
    let big = "x".repeat(100_000);
    let mut refused = None;
    for _ in 0..100 {
        if let Err(error) = hub.publish(big.clone()).await {
            refused = Some(error);
            break;
        }
    }
    assert!(
        matches!(&refused, Some(HubError::Unavailable(why)) if why.contains("OOM")),
        "{refused:?}"
    );
    let client = TestClient::new(app.local_addr());
    let request = nest_tests::request_with_body("POST", "/publish/hello", "text/plain", "");
    let full = client.request(request).await.unwrap();
    assert_eq!(full.status, 503);
    assert_eq!(
        full.text(),
        r#"{"message":"The event hub is unavailable, try again later","error":"Service Unavailable","statusCode":503}"#
    );
}

/// What was published: acknowledged, or failed with `Unavailable` (Redis may still have it).
#[derive(Default)]
struct Tally {
    acked: HashSet<String>,
    maybe: HashSet<String>,
    failures: usize,
    n: usize,
}

impl Tally {
    /// Publishes the next numbered event; whether it was acknowledged.
    async fn publish(&mut self, hub: &Hub<String>, name: &str) -> bool {
        self.n += 1;
        let text = format!("{name}-{}", self.n);
        match hub.publish(text.clone()).await {
            Ok(_) => self.acked.insert(text),
            Err(HubError::Unavailable(_)) => {
                self.failures += 1;
                !self.maybe.insert(text)
            }
            Err(error) => panic!("unexpected publish error: {error}"),
        }
    }
}

/// A raw connection to `/events`, to see the keep-alive comments the test client hides.
struct RawStream(tokio::net::TcpStream);

impl RawStream {
    async fn open(addr: SocketAddr) -> Self {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET /events HTTP/1.1\r\nhost: localhost\r\n\r\n")
            .await
            .unwrap();
        Self(stream)
    }

    /// Reads what has arrived so far.
    async fn skip_available(&mut self) {
        let mut buf = vec![0; 64 * 1024];
        while let Ok(Ok(read)) =
            tokio::time::timeout(Duration::from_millis(50), self.0.read(&mut buf)).await
        {
            assert!(read > 0, "the stream ended");
        }
    }

    /// Counts the `:` comment lines that arrive within `window`.
    async fn comments_within(&mut self, window: Duration) -> usize {
        let deadline = tokio::time::Instant::now() + window;
        let mut text = Vec::new();
        let mut buf = vec![0; 64 * 1024];
        while let Ok(Ok(read)) = tokio::time::timeout_at(deadline, self.0.read(&mut buf)).await {
            assert!(read > 0, "the stream ended");
            text.extend_from_slice(&buf[..read]);
        }
        String::from_utf8_lossy(&text)
            .lines()
            .filter(|line| line.starts_with(':'))
            .count()
    }
}
