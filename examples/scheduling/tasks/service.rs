//! `src/tasks/tasks.service.ts`: three scheduled methods, each logging at `debug`.

use nest_core::{Injectable, provider};

/// `@Injectable() export class TasksService`, its logger named after it.
#[derive(Injectable, Default)]
pub(crate) struct TasksService;

#[provider]
impl TasksService {
    /// `@Cron('45 * * * * *')`: at second 45 of every minute.
    #[cron("45 * * * * *")]
    pub(crate) fn handle_cron(&self) {
        tracing::debug!(target: "TasksService", "Called when the second is 45");
    }

    /// `@Interval(10000)`.
    #[interval(10000)]
    pub(crate) fn handle_interval(&self) {
        tracing::debug!(target: "TasksService", "Called every 10 seconds");
    }

    /// `@Timeout(5000)`.
    #[timeout(5000)]
    pub(crate) fn handle_timeout(&self) {
        tracing::debug!(target: "TasksService", "Called once after 5 seconds");
    }
}

/// `src/tasks/tasks.service.spec.ts`: each method logs its line (the logger spy is a captured
/// subscriber).
#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use nest_core::testing::Test;

    use super::TasksService;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(call: impl FnOnce()) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, call);
        String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
    }

    #[tokio::test]
    async fn each_method_logs_its_line() {
        #[nest_core::module(providers = [TasksService])]
        struct TestModule;
        let module = Test::create_testing_module::<TestModule>()
            .compile()
            .await
            .unwrap();
        let service = module.get::<TasksService>().unwrap();
        assert!(logged(|| service.handle_cron()).contains("Called when the second is 45"));
        assert!(logged(|| service.handle_interval()).contains("Called every 10 seconds"));
        assert!(logged(|| service.handle_timeout()).contains("Called once after 5 seconds"));
    }
}
