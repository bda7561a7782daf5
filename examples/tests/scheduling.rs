//! The scheduling sample as a user runs it (`cargo run -p nest-examples --bin scheduling`):
//! the `#[timeout(5000)]` job logs its line once the application has started, and SIGTERM
//! stops the application and its jobs.

mod common;

use std::time::Duration;

use common::start_example_logged;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timeout_job_runs_and_sigterm_stops_the_application() {
    let (mut app, _, log) = start_example_logged(env!("CARGO_BIN_EXE_scheduling"));
    let line = "Called once after 5 seconds";
    let mut logs = String::new();
    // The job runs 5 s after start; wait up to 60 s (a loaded machine), never asserting an
    // upper bound on its timing.
    for _ in 0..600 {
        logs = std::fs::read_to_string(&log).unwrap();
        if logs.contains(line) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.terminate();
    let status = app
        .wait_exit(Duration::from_secs(15))
        .expect("the process exits");
    let _ = std::fs::remove_file(&log);
    assert!(logs.contains(line), "{logs}");
    assert!(logs.contains("TasksService"), "{logs}");
    assert!(status.success(), "{status:?}");
}
