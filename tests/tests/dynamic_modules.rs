//! Dynamic modules (NestJS's `ConfigModule.forRoot(...)`): a module configured where it is
//! imported, `for_root` with options, `for_root_async` with a factory whose arguments are
//! injected, `for_feature` called twice (two modules of one type), global dynamic modules,
//! re-exporting an imported module, and start-up errors naming the dynamic module.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use nest_core::prelude::*;
use nest_core::{
    DynamicModule,
    di::{AsyncFactory, SyncFactory},
    testing::TestClient,
};

// ---- for_root with options, global, re-exported ----

/// What `DatabaseModule::for_root` is given.
struct DatabaseOptions {
    url: String,
}

#[derive(Injectable)]
struct Database {
    options: Arc<DatabaseOptions>,
}

#[module(providers = [Database], exports = [Database])]
struct DatabaseModule;

impl DatabaseModule {
    fn for_root(url: &str) -> DynamicModule {
        DynamicModule::new::<Self>().provide_value(DatabaseOptions {
            url: url.to_owned(),
        })
    }

    /// NestJS's `forRootAsync({ imports: [SettingsModule], useFactory, inject: [Settings] })`.
    fn for_root_async() -> DynamicModule {
        DynamicModule::new::<Self>()
            .import::<SettingsModule>()
            .provide_factory::<DatabaseOptions, _>(AsyncFactory(
                |settings: Arc<Settings>| async move {
                    DatabaseOptions {
                        url: format!("{}/async", settings.host),
                    }
                },
            ))
    }
}

#[derive(Injectable)]
struct DatabaseController {
    database: Arc<Database>,
}

#[controller("database")]
impl DatabaseController {
    #[get]
    fn url(&self) -> String {
        self.database.options.url.clone()
    }
}

#[module(
    imports = [DatabaseModule::for_root("postgres://localhost/cats")],
    controllers = [DatabaseController],
)]
struct ForRootModule;

#[tokio::test]
async fn for_root_provides_its_options_to_its_own_providers() {
    let app = NestFactory::create::<ForRootModule>().await.unwrap();
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let response = TestClient::new(server.local_addr())
        .get("/database")
        .await
        .unwrap();
    assert_eq!(
        (response.status.as_u16(), response.text()),
        (200, "postgres://localhost/cats".to_owned())
    );
}

struct Settings {
    host: &'static str,
}

#[module(providers = [{ provide: Settings, use_value: Settings { host: "db.internal" } }], exports = [Settings])]
struct SettingsModule;

#[module(imports = [DatabaseModule::for_root_async()], controllers = [DatabaseController])]
struct ForRootAsyncModule;

#[tokio::test]
async fn for_root_async_injects_the_factory_arguments() {
    let app = NestFactory::create::<ForRootAsyncModule>().await.unwrap();
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let text = TestClient::new(server.local_addr())
        .get("/database")
        .await
        .unwrap()
        .text();
    assert_eq!(text, "db.internal/async");
}

/// NestJS's `@Module({ imports: [DatabaseModule.forRoot()], exports: [DatabaseModule] })`.
#[module(imports = [DatabaseModule::for_root("postgres://common")], exports = [DatabaseModule])]
struct CommonModule;

#[module(imports = [CommonModule], controllers = [DatabaseController])]
struct ReExportModule;

#[tokio::test]
async fn exporting_an_imported_dynamic_module_re_exports_its_exports() {
    let app = NestFactory::create::<ReExportModule>().await.unwrap();
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let text = TestClient::new(server.local_addr())
        .get("/database")
        .await
        .unwrap()
        .text();
    assert_eq!(text, "postgres://common");
}

/// Imports `DatabaseModule` without exporting it.
#[module(imports = [DatabaseModule::for_root("postgres://hidden")])]
struct HidingModule;

#[module(imports = [HidingModule], controllers = [DatabaseController])]
struct NoReExportModule;

#[test]
fn an_imported_module_that_is_not_exported_is_not_re_exported() {
    let error = NestApplication::builder()
        .import::<NoReExportModule>()
        .build()
        .unwrap_err();
    assert_eq!(
        first_line(&error),
        "Nest can\'t resolve dependencies of the DatabaseController (?). Please make sure that the argument Database at index [0] is available in the NoReExportModule module."
    );
}

#[derive(Injectable)]
struct UsersController {
    database: Arc<Database>,
}

#[controller("users")]
impl UsersController {
    #[get]
    fn url(&self) -> String {
        self.database.options.url.clone()
    }
}

/// Does not import `DatabaseModule`: the global dynamic module provides `Database`.
#[module(controllers = [UsersController])]
struct UsersModule;

#[module(imports = [DatabaseModule::for_root("postgres://global").global(), UsersModule])]
struct GlobalModule;

#[tokio::test]
async fn a_global_dynamic_module_provides_its_exports_everywhere() {
    let app = NestFactory::create::<GlobalModule>().await.unwrap();
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let text = TestClient::new(server.local_addr())
        .get("/users")
        .await
        .unwrap()
        .text();
    assert_eq!(text, "postgres://global");
}

#[test]
fn a_dynamic_module_that_is_not_global_is_not_in_reach() {
    #[module(imports = [DatabaseModule::for_root("postgres://local"), UsersModule])]
    struct LocalModule;

    let error = NestApplication::builder()
        .import::<LocalModule>()
        .build()
        .unwrap_err();
    assert_eq!(
        first_line(&error),
        "Nest can\'t resolve dependencies of the UsersController (?). Please make sure that the argument Database at index [0] is available in the UsersModule module."
    );
}

// ---- for_feature twice: two modules of one type ----

/// The entity a `RepositoryModule::for_feature` call is for.
struct Entity(&'static str);

#[derive(Injectable)]
struct Repository {
    entity: Arc<Entity>,
}

#[module(providers = [Repository], exports = [Repository])]
struct RepositoryModule;

impl RepositoryModule {
    fn for_feature(entity: &'static str) -> DynamicModule {
        DynamicModule::new::<Self>().provide_value(Entity(entity))
    }
}

#[derive(Injectable)]
struct CatsController {
    repository: Arc<Repository>,
}

#[controller("cats")]
impl CatsController {
    #[get]
    fn entity(&self) -> &'static str {
        self.repository.entity.0
    }
}

#[derive(Injectable)]
struct DogsController {
    repository: Arc<Repository>,
}

#[controller("dogs")]
impl DogsController {
    #[get]
    fn entity(&self) -> &'static str {
        self.repository.entity.0
    }
}

#[module(imports = [RepositoryModule::for_feature("cat")], controllers = [CatsController])]
struct CatsModule;

#[module(imports = [RepositoryModule::for_feature("dog")], controllers = [DogsController])]
struct DogsModule;

#[module(imports = [CatsModule, DogsModule])]
struct FeaturesModule;

#[tokio::test]
async fn each_for_feature_call_is_a_module_of_its_own() {
    let app = NestFactory::create::<FeaturesModule>().await.unwrap();
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(server.local_addr());
    assert_eq!(client.get("/cats").await.unwrap().text(), "cat");
    assert_eq!(client.get("/dogs").await.unwrap().text(), "dog");
}

/// Counts the pools built (only the test below builds them).
static POOLS: AtomicUsize = AtomicUsize::new(0);

struct Pool;

#[module]
struct PoolModule;

impl PoolModule {
    fn for_root() -> DynamicModule {
        DynamicModule::new::<Self>()
            .provide_factory::<Pool, _>(SyncFactory(|| {
                POOLS.fetch_add(1, Ordering::SeqCst);
                Pool
            }))
            .export::<Pool>()
    }
}

#[test]
fn one_dynamic_module_imported_twice_is_one_module_and_two_calls_are_two() {
    let shared = PoolModule::for_root();
    let app = NestApplication::builder()
        .import_dynamic(shared.clone())
        .import_dynamic(shared)
        .build()
        .unwrap();
    assert!(app.get::<Pool>().is_some());
    assert_eq!(POOLS.load(Ordering::SeqCst), 1);
    let _two = NestApplication::builder()
        .import_dynamic(PoolModule::for_root())
        .import_dynamic(PoolModule::for_root())
        .build()
        .unwrap();
    assert_eq!(POOLS.load(Ordering::SeqCst), 3);
}

// ---- errors name the dynamic module ----

#[module(providers = [Database], exports = [Database])]
struct UnconfiguredModule;

impl UnconfiguredModule {
    /// Forgets to provide `DatabaseOptions`.
    fn for_root() -> DynamicModule {
        DynamicModule::new::<Self>()
            .provide_factory::<Settings, _>(SyncFactory(|| Settings { host: "unused" }))
    }
}

#[module(imports = [UnconfiguredModule::for_root()])]
struct BrokenModule;

#[test]
fn a_missing_provider_in_a_dynamic_module_names_the_module() {
    let error = NestApplication::builder()
        .import::<BrokenModule>()
        .build()
        .unwrap_err();
    // Captured from NestJS 12.6.3 (@nestjs/core), Node 20, for the same modules:
    // `UnconfiguredModule.forRoot()` returning `{ module, providers: [Database], exports }`.
    assert_eq!(
        error.to_string(),
        "Nest can't resolve dependencies of the Database (?). Please make sure that the argument DatabaseOptions at index [0] is available in the UnconfiguredModule module.\n\nPotential solutions:\n- Is UnconfiguredModule a valid NestJS module?\n- If DatabaseOptions is a provider, is it part of the current UnconfiguredModule?\n- If DatabaseOptions is exported from a separate @Module, is that module imported within UnconfiguredModule?\n  @Module({\n    imports: [ /* the Module containing DatabaseOptions */ ]\n  })\n\nFor more common dependency resolution issues, see: https://docs.nestjs.com/faq/common-errors"
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
