//! `src/app.controller.ts`, and its unit test `app.controller.spec.ts` below.

use std::sync::Arc;

use nest_core::prelude::*;

use crate::app_service::AppService;

/// `constructor(private readonly appService: AppService) {}`
#[derive(Injectable)]
pub(crate) struct AppController {
    app_service: Arc<AppService>,
}

#[controller]
impl AppController {
    /// `@Get() getHello(): string`
    #[get]
    pub(crate) fn get_hello(&self) -> String {
        self.app_service.get_hello()
    }
}

#[cfg(test)]
mod tests {
    use nest_core::testing::Test;

    use super::*;
    use crate::config::ConfigService;

    /// `Test.createTestingModule({ controllers: [AppController], providers: [{ provide: AppService, useValue: appServiceMock }] })`:
    /// here the `ConfigService` the real `AppService` reads is the mock.
    #[module(controllers = [AppController], providers = [AppService, {
        provide: ConfigService,
        use_value: ConfigService::from_values([("HELLO_MESSAGE", "Hello World!")]),
    }])]
    struct TestModule;

    #[tokio::test]
    async fn root_returns_hello_world() {
        let app = Test::create_testing_module::<TestModule>()
            .compile()
            .await
            .unwrap();
        let app_controller = app.get::<AppController>().unwrap();
        assert_eq!(app_controller.get_hello(), "Hello World!");
    }
}
