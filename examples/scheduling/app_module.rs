//! `src/app.module.ts`: `@Module({ imports: [ScheduleModule.forRoot(), TasksModule] })`.

use nest_core::module;
use nest_core::schedule::ScheduleModule;

use crate::tasks::TasksModule;

/// The application's root module.
#[module(imports = [ScheduleModule::for_root(), TasksModule])]
pub(crate) struct AppModule;

/// `src/app.module.spec.ts`.
#[cfg(test)]
mod tests {
    use nest_core::testing::Test;

    use super::AppModule;
    use crate::tasks::TasksService;

    #[tokio::test]
    async fn compiles_the_module_and_provides_tasks_service() {
        let module = Test::create_testing_module::<AppModule>()
            .compile()
            .await
            .unwrap();
        assert!(module.get::<TasksService>().is_some());
    }
}
