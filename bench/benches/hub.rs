//! Hub latency: publish one event, then receive it, with 1 and with 1,000 subscribers, beside
//! `tokio::sync::broadcast` doing the same work in the same run.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use futures_util::{FutureExt, StreamExt};
use nest_core::sse::{Hub, HubOptions};

fn publish_to_receive(c: &mut Criterion) {
    let mut group = c.benchmark_group("publish_to_receive");
    for subscribers in [1usize, 1000] {
        let hub: Hub<&'static str> = Hub::with_options(HubOptions::default().capacity(1024));
        let mut subscriptions: Vec<_> = (0..subscribers).map(|_| hub.subscribe(None)).collect();
        group.bench_with_input(
            BenchmarkId::new("hub", subscribers),
            &subscribers,
            |b, _| {
                b.iter(|| {
                    hub.publish("{\"hello\":\"world\"}")
                        .now_or_never()
                        .expect("an in-memory publish is immediate")
                        .unwrap();
                    for subscription in &mut subscriptions {
                        let frame = subscription.next().now_or_never().flatten();
                        assert!(frame.is_some());
                    }
                });
            },
        );

        let (sender, _) = tokio::sync::broadcast::channel::<String>(1024);
        let mut receivers: Vec<_> = (0..subscribers).map(|_| sender.subscribe()).collect();
        group.bench_with_input(
            BenchmarkId::new("tokio_broadcast", subscribers),
            &subscribers,
            |b, _| {
                b.iter(|| {
                    sender.send("{\"hello\":\"world\"}".to_owned()).unwrap();
                    for receiver in &mut receivers {
                        assert!(receiver.try_recv().is_ok());
                    }
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, publish_to_receive);
criterion_main!(benches);
