//! Scheduled jobs in a running application: `#[interval]`, `#[timeout]` and `#[cron]` methods
//! of a `#[provider]` block run once the application has started (observed over HTTP), keep
//! their schedule when a run panics, stop when it closes; the `SchedulerRegistry` lists, stops,
//! adds and deletes them. Only lower bounds are asserted: a counter that grows, a job that has
//! run.

use std::sync::atomic::{AtomicUsize, Ordering};

use nest_core::RunningApp;
use nest_core::prelude::*;
use nest_core::schedule::{
    CronExpression, CronJob, CronOptions, ScheduleModule, SchedulerRegistry,
};
use nest_core::testing::TestClient;

#[derive(Injectable, Default)]
struct TasksService {
    intervals: AtomicUsize,
    timeouts: AtomicUsize,
    crons: AtomicUsize,
    panics: AtomicUsize,
    disabled: AtomicUsize,
}

#[provider]
impl TasksService {
    #[interval(50)]
    fn handle_interval(&self) {
        self.intervals.fetch_add(1, Ordering::SeqCst);
    }

    #[timeout("once", 50)]
    async fn handle_timeout(&self) {
        tokio::task::yield_now().await;
        self.timeouts.fetch_add(1, Ordering::SeqCst);
    }

    #[cron(CronExpression::EVERY_SECOND, name = "every_second")]
    fn handle_cron(&self) {
        self.crons.fetch_add(1, Ordering::SeqCst);
    }

    #[interval("panicking", 50)]
    fn panicking(&self) {
        self.panics.fetch_add(1, Ordering::SeqCst);
        panic!("a job panicked");
    }

    #[cron("* * * * * *", disabled)]
    fn never(&self) {
        self.disabled.fetch_add(1, Ordering::SeqCst);
    }
}

#[derive(Injectable)]
struct TasksController {
    tasks: Arc<TasksService>,
    registry: Arc<SchedulerRegistry>,
}

#[controller("tasks")]
impl TasksController {
    #[get]
    fn counts(&self) -> serde_json::Value {
        json!({
            "intervals": self.tasks.intervals.load(Ordering::SeqCst),
            "timeouts": self.tasks.timeouts.load(Ordering::SeqCst),
            "crons": self.tasks.crons.load(Ordering::SeqCst),
            "panics": self.tasks.panics.load(Ordering::SeqCst),
            "disabled": self.tasks.disabled.load(Ordering::SeqCst),
        })
    }

    #[get("registry")]
    fn registry(&self) -> serde_json::Value {
        let crons = self.registry.get_cron_jobs();
        json!({
            "crons": crons.keys().collect::<Vec<_>>(),
            "running": crons.iter().filter(|(_, job)| job.is_running()).map(|(name, _)| name).collect::<Vec<_>>(),
            "intervals": self.registry.get_intervals(),
            "timeouts": self.registry.get_timeouts(),
        })
    }
}

#[module(imports = [ScheduleModule::for_root()], controllers = [TasksController], providers = [TasksService])]
struct AppModule;

async fn counts(client: &TestClient) -> serde_json::Value {
    client.get("/tasks").await.unwrap().json().unwrap()
}

/// Waits until `counter` reaches `at_least` (each check over HTTP).
async fn wait_for(client: &TestClient, counter: &str, at_least: u64) {
    for _ in 0..1_000 {
        if counts(client).await[counter].as_u64().unwrap() >= at_least {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "{counter} never reached {at_least}: {}",
        counts(client).await
    );
}

async fn start() -> (
    RunningApp,
    TestClient,
    Arc<TasksService>,
    Arc<SchedulerRegistry>,
) {
    let app = NestFactory::create::<AppModule>().await.unwrap();
    let tasks = app.get::<TasksService>().unwrap();
    let registry = app.get::<SchedulerRegistry>().unwrap();
    // Nothing runs before the application starts.
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(tasks.intervals.load(Ordering::SeqCst), 0);
    assert_eq!(tasks.timeouts.load(Ordering::SeqCst), 0);
    let running = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(running.local_addr());
    (running, client, tasks, registry)
}

#[tokio::test]
async fn jobs_run_once_started_and_stop_when_the_application_closes() {
    let (running, client, tasks, app_registry) = start().await;
    wait_for(&client, "intervals", 3).await;
    wait_for(&client, "timeouts", 1).await;
    // A cron every second: a second boundary passes within the wait.
    wait_for(&client, "crons", 1).await;
    // A job that panics keeps its schedule.
    wait_for(&client, "panics", 3).await;
    let registry: serde_json::Value = client.get("/tasks/registry").await.unwrap().json().unwrap();
    assert_eq!(
        registry,
        json!({
            "crons": ["TasksService.never", "every_second"],
            "running": ["every_second"],
            "intervals": ["TasksService.handle_interval", "panicking"],
            "timeouts": ["once"],
        })
    );
    // The registry outlives the application here: the jobs stop because the application
    // closes, not because the registry is dropped.
    let registry = app_registry;
    running.close().await;
    assert!(registry.get_intervals().is_empty());
    let after_close = tasks.intervals.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(tasks.intervals.load(Ordering::SeqCst), after_close);
    // The timeout ran once, the disabled cron never.
    assert_eq!(tasks.timeouts.load(Ordering::SeqCst), 1);
    assert_eq!(tasks.disabled.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn the_registry_stops_starts_adds_and_deletes_jobs() {
    let app = NestFactory::create::<AppModule>().await.unwrap();
    let registry = app.get::<SchedulerRegistry>().unwrap();
    let running = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(running.local_addr());

    // A cron job, stopped and started again.
    let job = registry.get_cron_job("every_second").unwrap();
    assert!(job.is_running());
    job.stop();
    assert!(!registry.get_cron_job("every_second").unwrap().is_running());
    job.start();
    assert!(job.is_running());
    assert!(job.next_date().is_some());

    // A cron job added at run time runs once started.
    let added = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&added);
    let job = CronJob::new("* * * * * *", CronOptions::default(), move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async {}
    })
    .unwrap();
    registry.add_cron_job("added", job.clone()).unwrap();
    assert_eq!(
        registry
            .add_cron_job("added", job.clone())
            .unwrap_err()
            .to_string(),
        "Cron Job with the given name (added) already exists. Ignored."
    );
    job.start();
    while added.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(job.last_date().is_some());
    registry.delete_cron_job("added").unwrap();
    assert!(!job.is_running());
    // Both messages as @nestjs/schedule 12.0.2 words them.
    assert_eq!(
        registry.get_cron_job("added").unwrap_err().to_string(),
        "No Cron Job was found with the given name (added). Check that you created one with a decorator or with the create API."
    );

    // An interval added at run time, then deleted.
    let ticks = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&ticks);
    registry
        .add_interval("dynamic", Duration::from_millis(20), move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async {}
        })
        .unwrap();
    assert!(registry.does_exist("interval", "dynamic"));
    while ticks.load(Ordering::SeqCst) < 2 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    registry.delete_interval("dynamic").unwrap();
    let after_delete = ticks.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(ticks.load(Ordering::SeqCst), after_delete);
    assert!(registry.delete_interval("dynamic").is_err());

    // A timeout deleted before it fires never runs.
    let fired = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&fired);
    registry
        .add_timeout("later", Duration::from_millis(100), move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async {}
        })
        .unwrap();
    registry.delete_timeout("later").unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(fired.load(Ordering::SeqCst), 0);

    wait_for(&client, "intervals", 1).await;
    running.close().await;
}

#[test]
fn bad_patterns_and_time_zones_are_errors() {
    assert!(CronJob::new("61 * * * *", CronOptions::default(), || async {}).is_err());
    let error = CronJob::new(
        "0 * * * *",
        CronOptions::default().time_zone("Nowhere/Atlantis"),
        || async {},
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("invalid time zone \"Nowhere/Atlantis\""),
        "{error}"
    );
    assert!(
        CronJob::new(
            CronExpression::EVERY_DAY_AT_NOON,
            CronOptions::default().time_zone("Europe/Paris"),
            || async {}
        )
        .is_ok()
    );
}
