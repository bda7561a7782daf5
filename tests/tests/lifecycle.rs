//! Lifecycle hooks, in NestJS's order: `OnModuleInit` then `OnApplicationBootstrap` at start-up
//! (imported modules first), `OnModuleDestroy`, `BeforeApplicationShutdown` and
//! `OnApplicationShutdown` on close, the last once the server has stopped.

use std::sync::{Arc, Mutex};

use nest_core::lifecycle::{
    BeforeApplicationShutdown, OnApplicationBootstrap, OnApplicationShutdown, OnModuleDestroy,
    OnModuleInit,
};
use nest_core::prelude::*;
use nest_core::testing::TestClient;

/// What happened, in order.
static EVENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn record(event: impl Into<String>) {
    EVENTS.lock().unwrap().push(event.into());
}

#[derive(Injectable, Default)]
struct DatabaseService;

impl OnModuleInit for DatabaseService {
    async fn on_module_init(&self) {
        // A hook may wait (connect, warm a cache) before the next one runs.
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        record("DatabaseService.onModuleInit");
    }
}

impl OnApplicationBootstrap for DatabaseService {
    async fn on_application_bootstrap(&self) {
        record("DatabaseService.onApplicationBootstrap");
    }
}

impl OnModuleDestroy for DatabaseService {
    async fn on_module_destroy(&self) {
        record("DatabaseService.onModuleDestroy");
    }
}

impl BeforeApplicationShutdown for DatabaseService {
    async fn before_application_shutdown(&self, signal: Option<&str>) {
        record(format!(
            "DatabaseService.beforeApplicationShutdown({signal:?})"
        ));
    }
}

impl OnApplicationShutdown for DatabaseService {
    async fn on_application_shutdown(&self, signal: Option<&str>) {
        record(format!("DatabaseService.onApplicationShutdown({signal:?})"));
    }
}

#[module(providers = [DatabaseService], exports = [DatabaseService])]
struct DatabaseModule;

#[derive(Injectable)]
struct CatsService {
    database: Arc<DatabaseService>,
}

impl OnModuleInit for CatsService {
    async fn on_module_init(&self) {
        let _ = &self.database;
        record("CatsService.onModuleInit");
    }
}

impl OnApplicationShutdown for CatsService {
    async fn on_application_shutdown(&self, signal: Option<&str>) {
        record(format!("CatsService.onApplicationShutdown({signal:?})"));
    }
}

#[derive(Injectable)]
struct CatsController {
    cats: Arc<CatsService>,
}

#[controller("cats")]
impl CatsController {
    #[get]
    fn find_all(&self) -> &'static str {
        let _ = &self.cats;
        "cats"
    }
}

impl OnModuleInit for CatsController {
    async fn on_module_init(&self) {
        record("CatsController.onModuleInit");
    }
}

#[module(imports = [DatabaseModule], controllers = [CatsController], providers = [CatsService])]
struct AppModule;

#[tokio::test]
async fn hooks_run_in_nestjs_order_at_start_up_and_on_close() {
    let app = NestFactory::create::<AppModule>().await.unwrap();
    assert!(
        EVENTS.lock().unwrap().is_empty(),
        "building the application runs no hook"
    );
    let server = app.bind("127.0.0.1:0").await.unwrap();
    assert_eq!(
        *EVENTS.lock().unwrap(),
        [
            "DatabaseService.onModuleInit",
            "CatsService.onModuleInit",
            "CatsController.onModuleInit",
            "DatabaseService.onApplicationBootstrap",
        ],
        "imported modules first, init before bootstrap, all before serving"
    );
    let client = TestClient::new(server.local_addr());
    assert_eq!(client.get("/cats").await.unwrap().text(), "cats");
    EVENTS.lock().unwrap().clear();
    server.close().await;
    assert_eq!(
        *EVENTS.lock().unwrap(),
        [
            "DatabaseService.onModuleDestroy",
            "DatabaseService.beforeApplicationShutdown(None)",
            "DatabaseService.onApplicationShutdown(None)",
            "CatsService.onApplicationShutdown(None)",
        ]
    );
}
