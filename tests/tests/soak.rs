//! Soak: thousands of event-stream connections opened and dropped leave nothing behind: no
//! connection, no running stream, no hub subscriber (as counted by the application itself), no
//! task (as counted by tokio), and no memory (as counted by the allocator).

use std::{alloc::System, time::Duration};

use nest_core::prelude::*;
use nest_core::{
    app::ServerStats,
    sse::{Hub, HubFrame},
    testing::TestClient,
};

/// Counts the bytes allocated by this test binary.
#[global_allocator]
static ALLOCATOR: cap::Cap<System> = cap::Cap::new(System, usize::MAX);

#[derive(Clone, Default)]
struct SoakController {
    hub: Hub<String>,
}

#[controller]
impl SoakController {
    #[sse("ticks")]
    fn ticks(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter(["first"])
            .map(MessageEvent::from)
            .chain(stream::pending())
    }

    #[sse("hub")]
    fn hub(&self, last: LastEventId<nest_core::sse::HubId>) -> impl Stream<Item = HubFrame> {
        self.hub.subscribe(last.0)
    }
}

async fn wait_for_idle(server: &nest_core::RunningApp, hub: &Hub<String>) -> (ServerStats, usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let stats = server.stats();
        let subscribers = hub.stats().subscribers;
        if (stats == ServerStats::default() && subscribers == 0)
            || tokio::time::Instant::now() > deadline
        {
            return (stats, subscribers);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_connections_leave_nothing_behind() {
    rlimit::increase_nofile_limit(10_000).unwrap();
    let controller = SoakController::default();
    let hub = controller.hub.clone();
    let server = nest_tests::serve(controller).await;
    let client = TestClient::new(server.local_addr());

    // The counts see what is open.
    let mut open = Vec::new();
    for _ in 0..10 {
        open.push(client.sse("/hub").await.unwrap());
    }
    while hub.stats().subscribers < 10 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        server.stats(),
        ServerStats {
            open_connections: 10,
            open_streams: 10,
            dropped: 0,
        }
    );
    drop(open);

    // One round first, so that what is allocated once (buffers, tokio's slabs) is in the
    // baseline.
    let mut baseline = None;
    for round in 0..30 {
        if round == 1 {
            wait_for_idle(&server, &hub).await;
            tokio::time::sleep(Duration::from_millis(100)).await;
            baseline = Some((
                ALLOCATOR.allocated(),
                tokio::runtime::Handle::current()
                    .metrics()
                    .num_alive_tasks(),
            ));
        }
        let batch = (0..100).map(|n| {
            let path = if n % 2 == 0 { "/ticks" } else { "/hub" };
            async move {
                let mut connection = client.sse(path).await.unwrap();
                assert_eq!(connection.status, 200);
                if path == "/ticks" {
                    assert_eq!(connection.next_event().await.unwrap().data, "first");
                }
            }
        });
        futures_util::future::join_all(batch).await;
        hub.publish(format!("round {round}")).await.unwrap();
    }

    let (stats, subscribers) = wait_for_idle(&server, &hub).await;
    assert_eq!(
        stats,
        ServerStats::default(),
        "3,000 connections opened and dropped"
    );
    assert_eq!(subscribers, 0);

    tokio::time::sleep(Duration::from_millis(100)).await;
    let (bytes_before, tasks_before) = baseline.unwrap();
    let tasks_after = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    assert!(
        tasks_after <= tasks_before,
        "no task left behind: {tasks_before} alive before, {tasks_after} after"
    );
    let bytes_after = ALLOCATOR.allocated();
    let growth = bytes_after.saturating_sub(bytes_before);
    // 2,900 connections, each costing kilobytes if it leaked; the hub's replay log keeps the
    // 29 small events published meanwhile.
    assert!(
        growth < 256 * 1024,
        "no memory left behind: {bytes_before} bytes allocated before, {bytes_after} after"
    );
}
