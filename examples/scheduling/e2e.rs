//! `e2e/app/app.e2e-spec.ts`: the application initialised from a testing module registers the
//! cron job, the interval and the timeout in the `SchedulerRegistry`.

use nest_core::schedule::SchedulerRegistry;
use nest_core::testing::Test;

use crate::app_module::AppModule;
use crate::tasks::TasksService;

#[tokio::test]
async fn registers_the_tasks_jobs() {
    let module = Test::create_testing_module::<AppModule>()
        .compile()
        .await
        .unwrap();
    let scheduler_registry = module.get::<SchedulerRegistry>().unwrap();
    assert!(module.get::<TasksService>().is_some());
    let app = module.create_nest_application();
    app.init().await;

    assert!(!scheduler_registry.get_cron_jobs().is_empty());
    assert!(!scheduler_registry.get_intervals().is_empty());
    assert!(!scheduler_registry.get_timeouts().is_empty());
    assert!(
        scheduler_registry
            .get_cron_job("TasksService.handle_cron")
            .unwrap()
            .is_running()
    );

    let running = app.bind("127.0.0.1:0").await.unwrap();
    running.close().await;
    // `app.close()` stopped them.
    assert!(scheduler_registry.get_intervals().is_empty());
}
