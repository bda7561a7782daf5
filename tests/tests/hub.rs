//! The `Hub`: fan-out with a replay log. A property test with random disconnects shows that a
//! client resuming with its last id receives every event exactly once, in order; over real TCP,
//! a browser-like client resumes with `Last-Event-ID`; clients that never read are disconnected
//! while fast ones keep receiving, and the hub's memory stays within its limits; rooms named by
//! URLs past the hub's topic limit are answered `503`.

use std::time::Duration;

use futures_util::FutureExt;
use nest_core::prelude::*;
use nest_core::sse::{Hub, HubFrame, HubId, HubOptions, Subscription};
use nest_core::testing::TestClient;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Publish(u8),
    Read(u8),
    Reconnect,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1u8..6).prop_map(Op::Publish),
        3 => (1u8..8).prop_map(Op::Read),
        1 => Just(Op::Reconnect),
    ]
}

/// Reads what is available now, without waiting.
fn read_now(subscription: &mut Subscription, at_most: u8) -> Vec<HubFrame> {
    let mut frames = Vec::new();
    for _ in 0..at_most {
        match subscription.next().now_or_never() {
            Some(Some(frame)) => frames.push(frame),
            _ => break,
        }
    }
    frames
}

/// What a browser makes of the frames: the ids of the events delivered, how many events were
/// announced lost by `lagged` frames, and its `Last-Event-ID` (the last id of any frame).
fn account(frames: &[HubFrame]) -> (Vec<u64>, u64, Option<u64>) {
    let mut ids = Vec::new();
    let mut lost = 0;
    let mut last = None;
    for frame in frames {
        let text = std::str::from_utf8(frame.as_bytes()).unwrap();
        last = frame.id().map(HubId::sequence).or(last);
        if let Some(rest) = text.strip_prefix("event: lagged\n") {
            let count = rest
                .lines()
                .find_map(|line| line.strip_prefix("data: "))
                .unwrap();
            lost += count.parse::<u64>().unwrap();
        } else {
            ids.push(frame.id().unwrap().sequence());
        }
    }
    (ids, lost, last)
}

/// A browser-like client of a hub: it reads, drops its connection and resumes from its
/// `Last-Event-ID`, while events are published.
struct Session {
    hub: Hub<String>,
    subscription: Subscription,
    received: Vec<HubFrame>,
    published: u64,
}

impl Session {
    fn new(hub: Hub<String>) -> Self {
        let subscription = hub.subscribe(None);
        Self {
            hub,
            subscription,
            received: Vec::new(),
            published: 0,
        }
    }

    fn run(&mut self, ops: Vec<Op>) {
        for op in ops {
            match op {
                Op::Publish(count) => {
                    for _ in 0..count {
                        self.published = self
                            .hub
                            .publish(format!("event {}", self.published))
                            .now_or_never()
                            .expect("an in-memory publish is immediate")
                            .unwrap()
                            .sequence();
                    }
                }
                Op::Read(count) => self
                    .received
                    .extend(read_now(&mut self.subscription, count)),
                Op::Reconnect => self.reconnect(),
            }
        }
    }

    /// A new subscription from the last id seen (a first connection that saw nothing resumes
    /// from the start).
    fn reconnect(&mut self) {
        let last = account(&self.received).2.unwrap_or(0);
        self.subscription = self.hub.subscribe(Some(last.into()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// With a log big enough for everything published, a client that drops its connection at
    /// random and resumes from its last id receives 1..=N exactly once, in order.
    #[test]
    fn resuming_loses_nothing_and_repeats_nothing(ops in prop::collection::vec(op(), 1..60)) {
        let hub: Hub<String> = Hub::with_options(HubOptions::default().capacity(10_000));
        let mut session = Session::new(hub.clone());
        session.run(ops);
        let rest = read_now(&mut session.subscription, u8::MAX);
        session.received.extend(rest);
        let (ids, lost, _) = account(&session.received);
        prop_assert_eq!(lost, 0);
        prop_assert_eq!(ids, (1..=session.published).collect::<Vec<_>>());
        drop(session);
        prop_assert_eq!(hub.stats().subscribers, 0);
    }

    /// With a small log, events can be lost, but never silently: every gap is announced by a
    /// `lagged` frame of exactly its size, ids still only increase, and nothing is repeated.
    #[test]
    fn losses_are_announced_exactly(ops in prop::collection::vec(op(), 1..60), capacity in 1usize..8) {
        let hub: Hub<String> = Hub::with_options(HubOptions::default().capacity(capacity).max_pending_bytes(u64::MAX));
        let mut session = Session::new(hub);
        session.run(ops);
        // A subscriber that was overtaken by the log ends; resume it as a browser would.
        loop {
            let frames = read_now(&mut session.subscription, u8::MAX);
            let ended = session.subscription.next().now_or_never() == Some(None);
            session.received.extend(frames);
            if !ended {
                break;
            }
            session.reconnect();
        }
        let (ids, lost, _) = account(&session.received);
        prop_assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{:?}", ids);
        prop_assert_eq!(ids.len() as u64 + lost, session.published, "{:?}", ids);
        prop_assert_eq!(ids.last().copied().unwrap_or(0), session.published);
    }
}

/// A chat room over real TCP.
#[derive(Clone)]
struct ChatController {
    hub: Hub<String>,
}

#[controller("chat")]
impl ChatController {
    #[sse("events", keep_alive = false)]
    fn events(&self, last: LastEventId<HubId>) -> impl Stream<Item = HubFrame> {
        self.hub.subscribe(last.0)
    }
}

#[tokio::test]
async fn a_client_resumes_with_last_event_id_over_tcp() {
    let hub: Hub<String> = Hub::new();
    let server = nest_tests::serve(ChatController { hub: hub.clone() }).await;
    let client = TestClient::new(server.local_addr());

    let mut first = client.sse("/chat/events").await.unwrap();
    for n in 1..=3 {
        hub.publish(format!("message {n}")).await.unwrap();
    }
    let seen: Vec<String> = vec![
        first.next_event().await.unwrap().id,
        first.next_event().await.unwrap().id,
    ];
    assert_eq!(seen, ["1", "2"]);
    drop(first);
    hub.publish("message 4".into()).await.unwrap();

    let request = http::Request::get("/chat/events")
        .header("host", "localhost")
        .header("last-event-id", "2")
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();
    let mut resumed = client.sse_request(request).await.unwrap();
    let mut data = Vec::new();
    for _ in 0..2 {
        let event = resumed.next_event().await.unwrap();
        data.push((event.id, event.data));
    }
    assert_eq!(
        data,
        [
            ("3".to_owned(), "message 3".to_owned()),
            ("4".to_owned(), "message 4".to_owned())
        ]
    );
}

/// A lone frame goes to hyper as the hub's own bytes, and frames that arrive with it are copied
/// after it: bursts and single events alike must arrive complete and in order.
#[tokio::test]
async fn bursts_and_lone_events_arrive_in_order() {
    let hub: Hub<String> = Hub::new();
    let server = nest_tests::serve(ChatController { hub: hub.clone() }).await;
    let mut client = TestClient::new(server.local_addr())
        .sse("/chat/events")
        .await
        .unwrap();
    let mut expected = Vec::new();
    for round in 0..20 {
        // One event alone, then a burst published before the stream is polled again.
        for n in 0..=(round % 5) * 7 {
            let text = format!("round {round} event {n}");
            hub.publish(text.clone()).await.unwrap();
            expected.push(text);
        }
        for want in &expected[expected.len() - 1 - (round % 5) * 7..] {
            assert_eq!(&client.next_event().await.unwrap().data, want);
        }
    }
    assert_eq!(expected.len(), 20 + 7 * 10 * 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_never_read_are_dropped_while_fast_ones_keep_up() {
    let limit = 4 * 1024 * 1024;
    let hub: Hub<String> = Hub::with_options(
        HubOptions::default()
            .capacity(100_000)
            .max_pending_bytes(limit),
    );
    let server = nest_tests::serve(ChatController { hub: hub.clone() }).await;
    let addr = server.local_addr();

    // Ten clients that send the request and never read a byte.
    let mut stalled = Vec::new();
    for _ in 0..10 {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let mut stream = socket.connect(addr).await.unwrap();
        tokio::io::AsyncWriteExt::write_all(
            &mut stream,
            nest_tests::get_stream("/chat/events").as_bytes(),
        )
        .await
        .unwrap();
        stalled.push(stream);
    }
    // One client that reads everything.
    let mut fast = TestClient::new(addr).sse("/chat/events").await.unwrap();
    while hub.stats().subscribers < 11 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let total = 10_000u64;
    let reader = tokio::spawn(async move {
        let mut ids = Vec::new();
        while ids.len() < 10_000 {
            match fast.next_event().await {
                Some(event) => ids.push(event.id.parse::<u64>().unwrap()),
                None => break,
            }
        }
        // Keep the connection open until the counts are checked.
        (ids, fast)
    });
    let payload = "x".repeat(2048);
    for n in 0..total {
        hub.publish(format!("{n} {payload}")).await.unwrap();
        if n % 20 == 0 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    let (ids, _fast) = tokio::time::timeout(Duration::from_secs(60), reader)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ids,
        (1..=total).collect::<Vec<_>>(),
        "the fast client got every event once, in order"
    );

    let stats = hub.stats();
    assert_eq!(stats.dropped_subscribers, 10, "{stats:?}");
    assert_eq!(
        stats.subscribers, 1,
        "only the fast client is left: {stats:?}"
    );
    assert!(stats.retained_events <= 100_000);
    // The server closed the stalled connections: reading them ends.
    for mut stream in stalled {
        let mut sink = Vec::new();
        let read = tokio::time::timeout(
            Duration::from_secs(10),
            tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut sink),
        )
        .await;
        assert!(
            read.is_ok(),
            "the server closed the connection of a client that did not read"
        );
    }
}

#[tokio::test]
async fn a_new_room_past_max_topics_is_a_503_with_one_warning() {
    let logs = nest_tests::CapturedLogs::default();
    let _logging = tracing::subscriber::set_default(logs.subscriber());
    let hub: Hub<String> = Hub::with_options(HubOptions::default().max_topics(2));
    let server = nest_tests::serve(nest_tests::RoomsController { hub: hub.clone() }).await;
    let client = TestClient::new(server.local_addr());
    let mut red = client.sse("/rooms/red").await.unwrap();
    let blue = client.sse("/rooms/blue").await.unwrap();
    assert_eq!(red.status, 200);
    assert_eq!(blue.status, 200);

    let unavailable = r#"{"message":"Service Unavailable","statusCode":503}"#;
    for _ in 0..3 {
        let refused = tokio::time::timeout(Duration::from_secs(10), client.get("/rooms/green"))
            .await
            .expect("a refused room answers at once")
            .unwrap();
        assert_eq!(refused.status, 503);
        assert_eq!(refused.text(), unavailable);
        let post = nest_tests::request_with_body("POST", "/rooms/green/hi", "text/plain", "");
        let refused = client.request(post).await.unwrap();
        assert_eq!(refused.status, 503);
        assert_eq!(refused.text(), unavailable);
    }
    assert_eq!(hub.stats().topics, 2);
    assert_eq!(
        logs.text().matches("limit of 2 topics").count(),
        1,
        "one warning: {}",
        logs.text()
    );

    // The rooms the hub holds work as before.
    let post = nest_tests::request_with_body("POST", "/rooms/red/hello", "text/plain", "");
    assert_eq!(client.request(post).await.unwrap().status, 201);
    assert_eq!(red.next_event().await.unwrap().data, "hello");

    // Once a room is left (and dropped), a new one is accepted.
    drop(blue);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while hub.stats().topics > 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the room nobody follows was not dropped: {:?}",
            hub.stats()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let green = client.sse("/rooms/green").await.unwrap();
    assert_eq!(green.status, 200);
}
