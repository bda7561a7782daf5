//! The `cluster` example as processes: two instances of the chat app and a real `redis-server`.
//! Publishes go to both instances over HTTP while subscribers on both follow the room; Redis is
//! killed (SIGKILL) and started again mid-stream, then one instance is killed with SIGKILL and
//! its subscribers resume on the other with `Last-Event-ID`. Every subscriber must end with
//! every acknowledged message exactly once, in one order. Also: the one documented command
//! starts everything and stops everything, and the chat page works across instances in
//! headless Chromium.

mod common;

use std::{
    collections::HashSet,
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use common::{Browser, json_request, start_cluster_instance};
use nest_core::testing::TestClient;
use nest_tests::{Follower, RedisServer, assert_exactly_once, wait_for_all};
use serde_json::json;

const BINARY: &str = env!("CARGO_BIN_EXE_cluster");
const EVENTS: &str = "/rooms/lobby/events";

/// The data a browser receives for a message `text`.
fn data(text: &str) -> String {
    json!({ "text": text }).to_string()
}

/// Posts `text` to the room on `addr`; the status, or `None` when the request failed.
async fn say(addr: SocketAddr, text: &str) -> Option<u16> {
    let request = json_request("POST", "/rooms/lobby/messages", &json!({ "text": text }));
    let response = tokio::time::timeout(
        Duration::from_secs(5),
        TestClient::new(addr).request(request),
    )
    .await
    .ok()?
    .ok()?;
    Some(response.status.as_u16())
}

/// Posts `warm-up` messages to every instance until every follower received one.
async fn warm_up(instances: &[SocketAddr], followers: &[&Follower]) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        for addr in instances {
            say(*addr, "warm-up").await;
        }
        if followers.iter().all(|follower| {
            follower
                .events()
                .iter()
                .any(|event| event.data.contains("warm-up"))
        }) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the followers never got the warm-up messages"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What the publishers learnt of their messages.
#[derive(Default)]
struct Tally {
    /// Answered 201: stored by Redis.
    acked: HashSet<String>,
    /// No answer, or a 503: perhaps stored (at most once).
    maybe: HashSet<String>,
    /// 503 answers (Redis unavailable).
    unavailable: usize,
}

/// Posts numbered messages to `addr` until `stop`.
fn publisher(
    addr: SocketAddr,
    name: &'static str,
    tally: Arc<Mutex<Tally>>,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut n = 0;
        while !stop.load(Ordering::Relaxed) {
            n += 1;
            let text = format!("{name}-{n}");
            let status = say(addr, &text).await;
            {
                let mut tally = tally.lock().unwrap();
                match status {
                    Some(201) => {
                        tally.acked.insert(data(&text));
                    }
                    Some(503) => {
                        tally.unavailable += 1;
                        tally.maybe.insert(data(&text));
                    }
                    None => {
                        tally.maybe.insert(data(&text));
                    }
                    Some(other) => panic!("{text}: unexpected status {other}"),
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_message_is_lost_or_repeated_through_a_redis_restart_and_an_instance_killed() {
    let mut redis = RedisServer::start();
    let (mut instance_a, a) = start_cluster_instance(BINARY, &redis.url(), None);
    // B keeps only 2 messages per room: A's subscribers, resuming there after A is killed,
    // read what they missed from Redis.
    let (_instance_b, b) = start_cluster_instance(BINARY, &redis.url(), Some(2));
    let followers: Vec<Follower> = (0..6)
        .map(|n| {
            let order = if n % 2 == 0 { vec![a, b] } else { vec![b, a] };
            Follower::start(order, EVENTS)
        })
        .collect();
    let followers: Vec<&Follower> = followers.iter().collect();
    warm_up(&[a, b], &followers).await;

    let tally = Arc::new(Mutex::new(Tally::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let publishers = [
        publisher(a, "a", Arc::clone(&tally), Arc::clone(&stop)),
        publisher(b, "b", Arc::clone(&tally), Arc::clone(&stop)),
    ];
    tokio::time::sleep(Duration::from_millis(700)).await;

    // Redis crashes and comes back with what it acknowledged (append-only file, fsync always).
    redis.kill();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    redis.start_again();
    let acked_at_restart = tally.lock().unwrap().acked.len();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for (index, follower) in followers.iter().enumerate() {
        assert_eq!(
            follower.connections(),
            1,
            "follower {index} lost its connection while Redis was down"
        );
    }
    assert!(
        tally.lock().unwrap().unavailable > 0,
        "publishes while Redis was down answered 503"
    );

    let acked_at_kill = tally.lock().unwrap().acked.len();
    assert!(
        acked_at_kill > acked_at_restart,
        "publishes work again once Redis is back"
    );

    // An instance dies: its subscribers reconnect to the other with Last-Event-ID.
    instance_a.kill();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, Ordering::Relaxed);
    for publisher in publishers {
        publisher.await.unwrap();
    }

    let tally = std::mem::take(&mut *tally.lock().unwrap());
    assert!(
        tally.acked.len() > acked_at_kill,
        "publishes to the surviving instance go on"
    );
    eprintln!(
        "{} messages acknowledged ({acked_at_restart} at the Redis restart, {acked_at_kill} at the kill), {} perhaps published, {} answered 503",
        tally.acked.len(),
        tally.maybe.len(),
        tally.unavailable
    );
    wait_for_all(&followers, &tally.acked).await;
    assert_exactly_once(&followers, &tally.acked, &tally.maybe);
    for (index, follower) in followers.iter().enumerate() {
        let expected = if index % 2 == 0 { 2 } else { 1 };
        assert_eq!(
            follower.connections(),
            expected,
            "follower {index}: those on the killed instance reconnect once, the others never"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_command_starts_redis_and_two_instances_and_stops_them() {
    let ports: Vec<u16> = (0..3).map(|_| common::free_port()).collect();
    let child = std::process::Command::new(BINARY)
        .env("REDIS_PORT", ports[0].to_string())
        .env("PORTS", format!("{},{}", ports[1], ports[2]))
        .env("RUST_LOG", "warn")
        .env_remove("REDIS_URL")
        .spawn()
        .unwrap();
    let mut launcher = common::Running::from(child);
    let a = SocketAddr::from(([127, 0, 0, 1], ports[1]));
    let b = SocketAddr::from(([127, 0, 0, 1], ports[2]));
    common::wait_until_listening(&mut launcher, a, "instance a");
    common::wait_until_listening(&mut launcher, b, "instance b");
    let follower = Follower::start(vec![a], EVENTS);
    warm_up(&[b], &[&follower]).await;
    assert_eq!(say(b, "across").await, Some(201));
    assert!(follower.wait_for_data(&data("across")).await);
    launcher.terminate();
    assert!(launcher.wait_exit(Duration::from_secs(10)).is_some());
    for port in &ports {
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", *port)).is_err(),
            "port {port} still open after the launcher stopped"
        );
    }
}

const MESSAGES: &str =
    "return Array.from(document.querySelectorAll('#messages li'), li => li.textContent)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_page_shows_messages_posted_to_either_instance() {
    let redis = RedisServer::start();
    let (_instance_a, a) = start_cluster_instance(BINARY, &redis.url(), None);
    let (_instance_b, b) = start_cluster_instance(BINARY, &redis.url(), None);
    let browser = Browser::start().await;
    browser.open(&format!("http://{a}/?room=lobby")).await;
    browser
        .wait_for("return window.opens", |opens| opens == 1)
        .await;
    // The page's subscription is placed once instance a has read the room's position: post
    // warm-ups until one shows.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert_eq!(say(b, "warm-up").await, Some(201));
        let items = browser.eval(MESSAGES).await;
        if items.as_array().is_some_and(|items| !items.is_empty()) {
            break;
        }
        assert!(Instant::now() < deadline, "the page never showed a message");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for (addr, text) in [(b, "from b"), (a, "from a"), (b, "from b again")] {
        assert_eq!(say(addr, text).await, Some(201));
    }
    let messages = browser
        .wait_for(MESSAGES, |items| {
            items.as_array().is_some_and(|items| {
                items.last().and_then(|item| item.as_str()) == Some("from b again")
            })
        })
        .await;
    browser.quit().await;
    let messages: Vec<String> = serde_json::from_value(messages).unwrap();
    let counted: Vec<&str> = messages
        .iter()
        .map(String::as_str)
        .filter(|text| *text != "warm-up")
        .collect();
    assert_eq!(counted, ["from b", "from a", "from b again"]);
}
