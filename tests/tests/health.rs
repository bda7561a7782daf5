//! Health checks (`nest_core::health`, `@nestjs/terminus`) over real TCP, compared byte for
//! byte with what NestJS 12.6.3 and @nestjs/terminus 12.1.0 answer
//! (`tests/fixtures/nestjs-terminus/`, made by the app in `main.ts` there): the same routes,
//! the same indicators, the same statuses and bodies.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use nest_core::RunningApp;
use nest_core::health::{
    HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorSession, HubHealthIndicator,
    MemoryHealthIndicator, TerminusModule,
};
use nest_core::prelude::*;
use nest_core::sse::{Hub, HubOptions, RedisOptions};
use nest_core::testing::TestClient;

/// The custom indicator of the NestJS app (`RedisIndicator`).
#[derive(Injectable, Default)]
struct RedisIndicator;

impl RedisIndicator {
    fn up(&self, key: &str) -> HealthCheck<'static> {
        let session = HealthIndicatorSession::new(key);
        HealthCheck::new(async move { session.up() })
    }
    fn up_with(&self, key: &str) -> HealthCheck<'static> {
        let session = HealthIndicatorSession::new(key);
        HealthCheck::new(async move { session.up_with(json!({ "topics": 2 })) })
    }
    fn down(&self, key: &str) -> HealthCheck<'static> {
        let session = HealthIndicatorSession::new(key);
        HealthCheck::new(async move { session.down(json!({ "message": "Connection refused" })) })
    }
    fn down_string(&self, key: &str) -> HealthCheck<'static> {
        let session = HealthIndicatorSession::new(key);
        HealthCheck::new(async move { session.down("unreachable") })
    }
    fn degraded(&self, key: &str) -> HealthCheck<'static> {
        let session = HealthIndicatorSession::new(key);
        HealthCheck::new(async move { session.degraded(json!({ "lag": 3 })) })
    }
}

#[derive(Injectable)]
struct HealthController {
    health: Arc<HealthCheckService>,
    memory: Arc<MemoryHealthIndicator>,
    redis: Arc<RedisIndicator>,
}

const GIB: u64 = 1024 * 1024 * 1024;

#[controller("health")]
impl HealthController {
    #[get]
    #[header("Cache-Control", "no-cache, no-store, must-revalidate")]
    async fn check(&self) -> Result<HealthCheckResult, HttpException> {
        self.health
            .check([
                self.memory.check_heap("memory_heap", 64 * GIB),
                self.memory.check_rss("memory_rss", 64 * GIB),
                self.redis.up_with("redis"),
            ])
            .await
    }

    #[get("down")]
    #[header("Cache-Control", "no-cache, no-store, must-revalidate")]
    async fn down(&self) -> Result<HealthCheckResult, HttpException> {
        self.health
            .check([
                self.memory.check_heap("memory_heap", 1),
                self.redis.up("redis"),
                self.redis.down("other"),
            ])
            .await
    }

    #[get("down-string")]
    #[header("Cache-Control", "no-cache, no-store, must-revalidate")]
    async fn down_string(&self) -> Result<HealthCheckResult, HttpException> {
        self.health.check([self.redis.down_string("redis")]).await
    }

    #[get("degraded")]
    #[header("Cache-Control", "no-cache, no-store, must-revalidate")]
    async fn degraded(&self) -> Result<HealthCheckResult, HttpException> {
        self.health
            .check([self.redis.up("a"), self.redis.degraded("b")])
            .await
    }

    #[get("empty")]
    #[header("Cache-Control", "no-cache, no-store, must-revalidate")]
    async fn empty(&self) -> Result<HealthCheckResult, HttpException> {
        self.health.check([]).await
    }

    /// An indicator that fails unexpectedly: NestJS's indicator throws, this one panics.
    #[get("throws")]
    #[header("Cache-Control", "no-cache, no-store, must-revalidate")]
    async fn throws(&self) -> Result<HealthCheckResult, HttpException> {
        self.health
            .check([HealthCheck::new(async { panic!("boom") })])
            .await
    }

    #[get("same-key")]
    #[header("Cache-Control", "no-cache, no-store, must-revalidate")]
    async fn same_key(&self) -> Result<HealthCheckResult, HttpException> {
        self.health
            .check([self.redis.down("redis"), self.redis.up_with("redis")])
            .await
    }
}

#[module(
    imports = [TerminusModule],
    controllers = [HealthController],
    providers = [RedisIndicator]
)]
struct AppModule;

fn fixture(name: &str) -> (u16, String, String) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/nestjs-terminus");
    let headers = std::fs::read_to_string(dir.join(format!("{name}.headers"))).unwrap();
    let body = std::fs::read_to_string(dir.join(format!("{name}.body"))).unwrap();
    let status = headers.split(' ').nth(1).unwrap().parse().unwrap();
    let cache_control = headers
        .lines()
        .find_map(|line| line.strip_prefix("Cache-Control: "))
        .unwrap()
        .trim()
        .to_owned();
    (status, cache_control, body)
}

async fn serve() -> (RunningApp, SocketAddr) {
    let app = NestFactory::create::<AppModule>().await.unwrap();
    let running = app.bind("127.0.0.1:0").await.unwrap();
    let addr = running.local_addr();
    (running, addr)
}

#[tokio::test]
async fn every_answer_is_terminus_s() {
    let (running, addr) = serve().await;
    let client = TestClient::new(addr);
    for (name, path) in [
        ("ok", "/health"),
        ("down", "/health/down"),
        ("down-string", "/health/down-string"),
        ("degraded", "/health/degraded"),
        ("empty", "/health/empty"),
        ("throws", "/health/throws"),
        ("same-key", "/health/same-key"),
    ] {
        let (status, cache_control, body) = fixture(name);
        let response = client.get(path).await.unwrap();
        assert_eq!(response.status.as_u16(), status, "{name}");
        assert_eq!(response.text(), body, "{name}");
        assert_eq!(
            response.header("cache-control"),
            Some(&*cache_control),
            "{name}"
        );
        assert_eq!(
            response.header("content-type"),
            Some("application/json; charset=utf-8"),
            "{name}"
        );
    }
    running.close().await;
}

/// The hub's indicator against a Redis that is not there: down, with the error, within the
/// command timeout; and an in-memory hub: up.
#[derive(Injectable)]
struct HubHealthController {
    health: Arc<HealthCheckService>,
    indicator: Arc<HubHealthIndicator>,
    hub: Arc<Hub>,
}

#[controller("health")]
impl HubHealthController {
    #[get]
    async fn check(&self) -> Result<HealthCheckResult, HttpException> {
        self.health
            .check([self.indicator.ping_check("hub", &self.hub)])
            .await
    }
}

async fn hub_health(hub: Hub) -> (u16, serde_json::Value) {
    #[module(imports = [TerminusModule], controllers = [HubHealthController])]
    struct HubModule;
    let app = NestApplication::builder()
        .import_dynamic(nest_core::DynamicModule::new::<HubModule>().provide_value(hub))
        .build()
        .unwrap();
    let running = app.bind("127.0.0.1:0").await.unwrap();
    let response = TestClient::new(running.local_addr())
        .get("/health")
        .await
        .unwrap();
    running.close().await;
    (response.status.as_u16(), response.json().unwrap())
}

#[tokio::test]
async fn the_hub_indicator_is_up_in_memory_and_down_without_redis() {
    let (status, body) = hub_health(Hub::new()).await;
    assert_eq!(status, 200);
    assert_eq!(body["details"], json!({ "hub": { "status": "up" } }));

    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let redis = RedisOptions::new(format!("redis://127.0.0.1:{port}"))
        .unwrap()
        .command_timeout(Duration::from_millis(300));
    let (status, body) = hub_health(Hub::with_options(HubOptions::default().redis(redis))).await;
    assert_eq!(status, 503);
    assert_eq!(body["status"], "error");
    assert_eq!(body["error"]["hub"]["status"], "down");
    assert!(
        body["error"]["hub"]["message"]
            .as_str()
            .unwrap()
            .starts_with("the hub's Redis is unavailable: "),
        "{body}"
    );
}

/// A live Redis: up.
#[tokio::test]
async fn the_hub_indicator_is_up_with_redis() {
    let redis = nest_tests::RedisServer::start();
    let options = RedisOptions::new(redis.url()).unwrap();
    let (status, body) = hub_health(Hub::with_options(HubOptions::default().redis(options))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["details"], json!({ "hub": { "status": "up" } }));
}
