//! The hub's fan-out through Redis Streams against the in-memory hub, in one run: latency from
//! publish to every subscriber (events paced at 1,000/s), and throughput (events published as
//! fast as the publishers can, until every subscriber has them all), with one instance in
//! memory, one instance on Redis, and two instances on Redis (each its own `Hub`: its own
//! connections and reader; publishes and subscribers split between them).
//!
//! `cargo run --release -p nest-bench --bin hub-redis` (starts its own `redis-server`, which
//! `scripts/test.sh` installs; append-only file with `appendfsync everysec`, Redis's default
//! durable setting; `--always` uses `appendfsync always`, as the fault tests do).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use nest_core::sse::{Hub, HubOptions, RedisOptions};
use nest_tests::RedisServer;

const SUBSCRIBERS: usize = 200;
const PACED_EVENTS: u64 = 2_000;
const BURST_EVENTS: u64 = 20_000;
const PUBLISHERS: u64 = 32;

fn now_nanos() -> u64 {
    u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    )
    .unwrap_or(u64::MAX)
}

/// One scenario's hubs (one per instance).
struct Setup {
    name: &'static str,
    hubs: Vec<Hub<String>>,
}

/// Subscribes `SUBSCRIBERS` (split over the instances) and returns, once `events` events have
/// reached every one, the latencies seen (ns) and when the last one arrived.
fn subscribe(setup: &Setup, events: u64) -> Vec<tokio::task::JoinHandle<(Vec<u64>, Instant)>> {
    (0..SUBSCRIBERS)
        .map(|n| {
            let mut subscription = setup.hubs[n % setup.hubs.len()].subscribe(None);
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(usize::try_from(events).unwrap_or(0));
                while (latencies.len() as u64) < events {
                    let frame = subscription.next().await.expect("the hub goes on");
                    let text = std::str::from_utf8(frame.as_bytes()).expect("UTF-8");
                    let sent: u64 = text
                        .lines()
                        .find_map(|line| line.strip_prefix("data: "))
                        .and_then(|data| data.parse().ok())
                        .expect("a timestamp");
                    latencies.push(now_nanos().saturating_sub(sent));
                }
                (latencies, Instant::now())
            })
        })
        .collect()
}

/// Waits until a subscription placed now receives events (a Redis topic is placed once the
/// instance read its position), then returns with no event pending.
async fn settle(setup: &Setup) {
    for hub in &setup.hubs {
        let mut probe = hub.subscribe(None);
        loop {
            hub.publish("0".to_owned()).await.expect("publish");
            if tokio::time::timeout(Duration::from_millis(200), probe.next())
                .await
                .is_ok()
            {
                break;
            }
        }
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
}

struct Figures {
    p50: f64,
    p99: f64,
    max: f64,
    events_per_second: f64,
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index] as f64 / 1e6
}

async fn measure(setup: &Setup) -> Figures {
    // Latency: paced publishes, alternating instances.
    settle(setup).await;
    let waiting = subscribe(setup, PACED_EVENTS);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    for n in 0..PACED_EVENTS {
        tick.tick().await;
        let hub = &setup.hubs[usize::try_from(n).unwrap_or(0) % setup.hubs.len()];
        hub.publish(now_nanos().to_string()).await.expect("publish");
    }
    let mut latencies = Vec::new();
    for task in waiting {
        latencies.extend(task.await.expect("subscriber").0);
    }
    latencies.sort_unstable();

    // Throughput: PUBLISHERS concurrent publishers, as fast as they can.
    settle(setup).await;
    let waiting = subscribe(setup, BURST_EVENTS);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let start = Instant::now();
    let publishers: Vec<_> = (0..PUBLISHERS)
        .map(|publisher| {
            let hub =
                setup.hubs[usize::try_from(publisher).unwrap_or(0) % setup.hubs.len()].clone();
            tokio::spawn(async move {
                for _ in 0..BURST_EVENTS / PUBLISHERS {
                    hub.publish(now_nanos().to_string()).await.expect("publish");
                }
            })
        })
        .collect();
    for publisher in publishers {
        publisher.await.expect("publisher");
    }
    let mut last = start;
    for task in waiting {
        last = last.max(task.await.expect("subscriber").1);
    }
    Figures {
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        max: percentile(&latencies, 1.0),
        events_per_second: BURST_EVENTS as f64 / (last - start).as_secs_f64(),
    }
}

fn redis_hub(redis: &RedisServer, prefix: &str) -> Hub<String> {
    let options = RedisOptions::new(redis.url())
        .expect("a Redis URL")
        .key_prefix(prefix)
        .max_len(1_000_000);
    Hub::with_options(
        HubOptions::default()
            .capacity(BURST_EVENTS as usize * 2)
            .redis(options),
    )
    .topic("bench")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let always = std::env::args().any(|arg| arg == "--always");
    let redis = RedisServer::start();
    if !always {
        redis.run("CONFIG SET appendfsync everysec");
    }
    let setups = [
        Setup {
            name: "in memory, 1 instance",
            hubs: vec![
                Hub::with_options(HubOptions::default().capacity(BURST_EVENTS as usize * 2))
                    .topic("bench"),
            ],
        },
        Setup {
            name: "Redis, 1 instance",
            hubs: vec![redis_hub(&redis, "one")],
        },
        Setup {
            name: "Redis, 2 instances",
            hubs: vec![redis_hub(&redis, "two"), redis_hub(&redis, "two")],
        },
    ];
    let mut results = Vec::new();
    for setup in &setups {
        results.push((setup.name, measure(setup).await));
    }
    let base = &results[0].1;
    println!(
        "hub fan-out, {SUBSCRIBERS} subscribers; latency over {PACED_EVENTS} events paced at 1/ms; throughput over {BURST_EVENTS} events from {PUBLISHERS} concurrent publishers; appendfsync {}",
        if always { "always" } else { "everysec" }
    );
    println!("| setup | p50 ms | p99 ms | max ms | p99 / memory | events/s | events/s / memory |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for (name, figures) in &results {
        println!(
            "| {name} | {:.2} | {:.2} | {:.2} | {:.1}× | {:.0} | {:.2}× |",
            figures.p50,
            figures.p99,
            figures.max,
            figures.p99 / base.p99,
            figures.events_per_second,
            figures.events_per_second / base.events_per_second
        );
    }
}
