//! Custom providers and scopes, as NestJS's: `use_value`, `use_factory` (sync and async, with
//! injected arguments), injection tokens, optional dependencies, transient and request scope,
//! `app.get`, guards built by the injector, and the testing module's provider overrides.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use nest_core::di::Inject;
use nest_core::pipeline::{CanActivate, ExecutionContext, GuardFuture};
use nest_core::prelude::*;
use nest_core::testing::{Test, TestClient};
use nest_core::{RequestHead, injection_token};

/// A configuration provided by value.
struct Config {
    greeting: &'static str,
}

injection_token!(
    /// The database URL, a plain `String` told apart by its token.
    DatabaseUrl: String
);

/// A connection pool made by an async factory from the config and the URL token.
struct Pool {
    url: String,
    size: usize,
}

async fn connect(config: Arc<Config>, url: Inject<DatabaseUrl>) -> Result<Pool, String> {
    tokio::time::sleep(Duration::from_millis(20)).await;
    Ok(Pool {
        url: format!("{} {}", config.greeting, *url),
        size: 4,
    })
}

/// Made by a sync factory.
struct Clock {
    started: &'static str,
}

fn clock() -> Clock {
    Clock { started: "boot" }
}

/// Not provided anywhere: injected as `None`.
#[derive(Default)]
struct Metrics;

static TICKETS: AtomicUsize = AtomicUsize::new(0);

/// A number taken as it is built: `#[derive(Injectable)]` gives non-injected fields their
/// `Default`.
struct Ticket(usize);

impl Default for Ticket {
    fn default() -> Self {
        Self(TICKETS.fetch_add(1, Ordering::SeqCst))
    }
}

#[derive(Injectable)]
#[injectable(scope = "transient")]
struct LoggerService {
    ticket: Ticket,
}

/// Built once per request, from the request itself.
#[derive(Injectable)]
#[injectable(scope = "request")]
struct TenantService {
    request: Arc<RequestHead>,
    number: Arc<RequestNumber>,
}

/// Request-scoped, numbered as built.
#[derive(Injectable)]
#[injectable(scope = "request")]
struct RequestNumber {
    value: Ticket,
}

/// Depends on a request-scoped provider, so it is built per request too.
#[derive(Injectable)]
struct ReportService {
    tenant: Arc<TenantService>,
    number: Arc<RequestNumber>,
}

#[derive(Injectable)]
struct AppController {
    config: Arc<Config>,
    pool: Arc<Pool>,
    clock: Arc<Clock>,
    metrics: Option<Arc<Metrics>>,
    first_logger: Arc<LoggerService>,
    second_logger: Arc<LoggerService>,
}

#[controller]
impl AppController {
    #[get("pool")]
    fn pool(&self) -> String {
        format!(
            "{} x{} since {}",
            self.pool.url, self.pool.size, self.clock.started
        )
    }

    #[get("optional")]
    fn optional(&self) -> String {
        format!("metrics: {}", self.metrics.is_some())
    }

    #[get("loggers")]
    fn loggers(&self) -> String {
        let same = self.first_logger.ticket.0 == self.second_logger.ticket.0;
        format!("{} {same}", self.config.greeting)
    }
}

#[derive(Injectable)]
struct TenantController {
    report: Arc<ReportService>,
}

#[controller("tenant")]
impl TenantController {
    #[get]
    fn tenant(&self) -> String {
        let tenant = self
            .report
            .tenant
            .request
            .headers
            .get("x-tenant")
            .and_then(|value| value.to_str().ok())
            .unwrap_or("none");
        let shared = Arc::ptr_eq(&self.report.number, &self.report.tenant.number);
        format!("{tenant} {} {shared}", self.report.number.value.0)
    }
}

#[module(
    controllers = [AppController, TenantController],
    providers = [
        { provide: Config, use_value: Config { greeting: "hello" } },
        { provide: DatabaseUrl, use_value: "postgres://db/cats".to_owned() },
        { provide: Pool, use_async_factory: connect },
        { provide: Clock, use_factory: clock },
        LoggerService,
        TenantService,
        RequestNumber,
        ReportService,
    ],
)]
struct AppModule;

async fn serve() -> (nest_core::RunningApp, TestClient) {
    let app = NestFactory::create::<AppModule>().await.unwrap();
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(server.local_addr());
    (server, client)
}

#[tokio::test]
async fn value_factory_async_factory_and_token_providers_are_injected() {
    let (_server, client) = serve().await;
    assert_eq!(
        client.get("/pool").await.unwrap().text(),
        "hello postgres://db/cats x4 since boot"
    );
}

#[tokio::test]
async fn a_missing_optional_dependency_is_none() {
    let (_server, client) = serve().await;
    assert_eq!(
        client.get("/optional").await.unwrap().text(),
        "metrics: false"
    );
}

#[tokio::test]
async fn a_transient_provider_is_a_new_instance_for_each_consumer() {
    let (_server, client) = serve().await;
    assert_eq!(client.get("/loggers").await.unwrap().text(), "hello false");
}

#[tokio::test]
async fn request_scoped_providers_are_built_per_request_and_shared_within_it() {
    let (_server, client) = serve().await;
    let first = client
        .request(nest_tests::get_with_headers(
            "/tenant",
            &[("x-tenant", "acme")],
        ))
        .await
        .unwrap()
        .text();
    let second = client
        .request(nest_tests::get_with_headers(
            "/tenant",
            &[("x-tenant", "umbrella")],
        ))
        .await
        .unwrap()
        .text();
    let (first, second): (Vec<&str>, Vec<&str>) =
        (first.split(' ').collect(), second.split(' ').collect());
    assert_eq!(first[0], "acme", "the provider sees its own request");
    assert_eq!(second[0], "umbrella");
    assert_ne!(first[1], second[1], "a new instance for each request");
    assert_eq!(first[2], "true", "one instance within a request");
    assert_eq!(second[2], "true");
}

#[tokio::test]
async fn app_get_returns_singletons_and_tokens() {
    let app = NestFactory::create::<AppModule>().await.unwrap();
    assert_eq!(app.get::<Pool>().unwrap().size, 4);
    assert_eq!(
        app.get_token::<DatabaseUrl>().unwrap().as_str(),
        "postgres://db/cats"
    );
    assert!(app.get::<Metrics>().is_none());
    assert!(
        app.get::<TenantService>().is_none(),
        "request-scoped providers have no application instance"
    );
}

/// A factory's error stops the start-up with its message.
async fn refuse() -> Result<Pool, String> {
    Err("connection refused (db:5432)".to_owned())
}

#[module(providers = [{ provide: Pool, use_async_factory: refuse }])]
struct BrokenModule;

#[tokio::test]
async fn a_failing_factory_is_a_startup_error() {
    let error = NestFactory::create::<BrokenModule>().await.unwrap_err();
    assert_eq!(error.to_string(), "connection refused (db:5432)");
}

#[tokio::test]
async fn building_an_async_provider_without_awaiting_says_what_to_do() {
    let error = NestApplication::builder()
        .import::<AppModule>()
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("NestFactory::create"), "{error}");
}

/// A guard with a dependency, built by the injector in the controller's module.
#[derive(Injectable)]
struct ApiKeyGuard {
    keys: Arc<ApiKeys>,
}

struct ApiKeys(Vec<&'static str>);

impl CanActivate for ApiKeyGuard {
    fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
        Box::pin(async move {
            let key = context.request().headers().get("x-api-key");
            Ok(key
                .and_then(|key| key.to_str().ok())
                .is_some_and(|key| self.keys.0.contains(&key)))
        })
    }
}

#[derive(Default)]
struct SecretController;

#[controller("secret")]
#[use_guards(ApiKeyGuard)]
impl SecretController {
    #[get]
    fn secret(&self) -> &'static str {
        "the secret"
    }
}

#[module(
    controllers = [SecretController],
    providers = [{ provide: ApiKeys, use_value: ApiKeys(vec!["k1"]) }],
)]
struct SecretModule;

#[tokio::test]
async fn guards_are_built_by_the_injector_with_their_dependencies() {
    let app = NestFactory::create::<SecretModule>().await.unwrap();
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(server.local_addr());
    let allowed = client
        .request(nest_tests::get_with_headers(
            "/secret",
            &[("x-api-key", "k1")],
        ))
        .await
        .unwrap();
    assert_eq!(allowed.text(), "the secret");
    let refused = client.get("/secret").await.unwrap();
    assert_eq!(refused.status, 403);
}

#[module(controllers = [SecretController])]
struct GuardWithoutKeysModule;

#[tokio::test]
async fn a_guard_whose_dependency_is_missing_is_a_startup_error() {
    let error = NestFactory::create::<GuardWithoutKeysModule>()
        .await
        .unwrap_err();
    assert_eq!(
        first_line(&error),
        "Nest can\'t resolve dependencies of the ApiKeyGuard (?). Please make sure that the argument ApiKeys at index [0] is available in the GuardWithoutKeysModule module."
    );
}

#[tokio::test]
async fn the_testing_module_overrides_a_provider_everywhere_it_is_injected() {
    let module = Test::create_testing_module::<AppModule>()
        .override_provider::<Pool>()
        .use_value(Pool {
            url: "mock".to_owned(),
            size: 1,
        })
        .compile()
        .await
        .unwrap();
    assert_eq!(module.get::<Pool>().unwrap().url, "mock");
    let server = module
        .create_nest_application()
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let client = TestClient::new(server.local_addr());
    assert_eq!(
        client.get("/pool").await.unwrap().text(),
        "mock x1 since boot"
    );
}

#[tokio::test]
async fn overriding_a_provider_no_module_has_is_an_error() {
    let error = Test::create_testing_module::<SecretModule>()
        .override_provider::<Pool>()
        .use_value(Pool {
            url: String::new(),
            size: 0,
        })
        .compile()
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "override_provider: no module provides Pool"
    );
}

// ---- #[derive(Injectable)] keeps the struct's own `Default` ----

/// Logs nothing; injected into the store.
#[derive(Injectable, Default)]
struct StoreLogger;

/// A store seeded by its hand-written `Default`: the derive injects `logger` and takes `cats`
/// from `CatsStore::default()`, not from `Mutex::<Vec<_>>::default()`.
#[derive(Injectable)]
struct CatsStore {
    logger: Arc<StoreLogger>,
    cats: std::sync::Mutex<Vec<String>>,
    /// A tuple field and a plain one, both from the struct's `Default`.
    limit: usize,
}

impl Default for CatsStore {
    fn default() -> Self {
        Self {
            logger: Arc::new(StoreLogger),
            cats: std::sync::Mutex::new(vec!["Tom".to_owned(), "Garfield".to_owned()]),
            limit: 10,
        }
    }
}

/// No `Default` of its own: each field not injected gets its own `Default`.
#[derive(Injectable)]
struct Visits(Arc<StoreLogger>, AtomicUsize);

#[derive(Injectable)]
struct StoreController {
    store: Arc<CatsStore>,
    visits: Arc<Visits>,
}

#[controller("store")]
impl StoreController {
    #[get]
    fn all(&self) -> serde_json::Value {
        let _ = (&self.store.logger, &self.visits.0);
        let visits = self.visits.1.fetch_add(1, Ordering::SeqCst);
        let cats = self.store.cats.lock().unwrap().clone();
        json!({ "cats": cats, "limit": self.store.limit, "visits": visits })
    }
}

#[module(controllers = [StoreController], providers = [CatsStore, StoreLogger, Visits])]
struct StoreModule;

#[tokio::test]
async fn a_provider_with_its_own_default_keeps_the_values_it_seeds() {
    let app = NestFactory::create::<StoreModule>().await.unwrap();
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let response = TestClient::new(server.local_addr())
        .get("/store")
        .await
        .unwrap();
    assert_eq!(
        response.json().unwrap(),
        json!({ "cats": ["Tom", "Garfield"], "limit": 10, "visits": 0 })
    );
}

/// The first line of a start-up error (NestJS's potential solutions follow it).
fn first_line(error: &impl std::fmt::Display) -> String {
    error
        .to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}
