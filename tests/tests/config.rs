//! `ConfigModule::for_root` and `ConfigService`, as @nestjs/config's: `.env` files (the first
//! to define a key wins, a missing one is skipped), the environment winning over them,
//! `validate` (its error stops the start-up), global configuration, and a user's dynamic module
//! whose `for_root_async` factory is given the `ConfigService`.
//!
//! The expected values were captured from @nestjs/config 12.0.1 with @nestjs/core 12.6.3,
//! Node 20: `{"A":"from-first","B":"from-second","pkg":"from-process","def":"dflt",
//! "throwName":"TypeError","throwMsg":"Configuration key \"CFG_NOPE\" does not exist",
//! "validate":"CFG_REQUIRED is missing"}` for the same files and options.
//!
//! The tests never change the process environment: they read `CARGO_PKG_NAME`, which cargo
//! sets for every test process, and use variable names no environment defines.

use std::path::PathBuf;

use nest_core::config::{
    ConfigError, ConfigFactory, ConfigModule, ConfigModuleOptions, ConfigService, ConfigValues,
    Validate, register_as,
};
use nest_core::prelude::*;
use nest_core::{DynamicModule, di::AsyncFactory, testing::TestClient};

/// A fresh directory for one test's `.env` files.
fn env_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nest-config-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `first.env` and `second.env`, as in the NestJS capture.
fn two_files(test: &str) -> (PathBuf, Vec<PathBuf>) {
    let dir = env_dir(test);
    std::fs::write(
        dir.join("first.env"),
        "NEST_CFG_A=from-first\nNEST_CFG_ONLY_FIRST=1\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("second.env"),
        "NEST_CFG_A=from-second\nNEST_CFG_B=from-second\nCARGO_PKG_NAME=from-file\n",
    )
    .unwrap();
    let paths = vec![
        dir.join("first.env"),
        dir.join("missing.env"),
        dir.join("second.env"),
    ];
    (dir, paths)
}

#[derive(Injectable)]
struct ConfigController {
    config: Arc<ConfigService>,
}

#[controller("config")]
impl ConfigController {
    #[get]
    fn values(&self) -> serde_json::Value {
        let config = &self.config;
        json!({
            "A": config.get::<String>("NEST_CFG_A"),
            "B": config.get::<String>("NEST_CFG_B"),
            "pkg": config.get::<String>("CARGO_PKG_NAME"),
            "missing": config.get::<String>("NEST_CFG_NOPE"),
            "def": config.get_or("NEST_CFG_NOPE", "dflt".to_owned()),
            "number": config.get::<u8>("NEST_CFG_ONLY_FIRST"),
            "throwMsg": config.get_or_throw::<String>("NEST_CFG_NOPE").unwrap_err().to_string(),
        })
    }
}

#[module(controllers = [ConfigController])]
struct ConfigAppModule;

#[tokio::test]
async fn the_first_env_file_wins_and_the_environment_wins_over_the_files() {
    let (dir, paths) = two_files("precedence");
    let app = NestApplication::builder()
        .import_dynamic(ConfigModule::for_root(ConfigModuleOptions {
            is_global: true,
            env_file_path: paths,
            ..ConfigModuleOptions::default()
        }))
        .import::<ConfigAppModule>()
        .build()
        .unwrap();
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let response = TestClient::new(server.local_addr())
        .get("/config")
        .await
        .unwrap();
    let pkg = std::env::var("CARGO_PKG_NAME").unwrap();
    assert_eq!(
        response.json().unwrap(),
        json!({
            "A": "from-first",
            "B": "from-second",
            "pkg": pkg,
            "missing": null,
            "def": "dflt",
            "number": 1,
            "throwMsg": "Configuration key \"NEST_CFG_NOPE\" does not exist",
        })
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn ignore_env_file_reads_no_file() {
    let (dir, paths) = two_files("ignore");
    let app = NestApplication::builder()
        .import_dynamic(ConfigModule::for_root(ConfigModuleOptions {
            env_file_path: paths,
            ignore_env_file: true,
            ..ConfigModuleOptions::default()
        }))
        .build()
        .unwrap();
    let config = app.get::<ConfigService>().unwrap();
    assert_eq!(config.get::<String>("NEST_CFG_A"), None);
    std::fs::remove_dir_all(dir).unwrap();
}

fn require_key(config: &ConfigValues) -> Result<ConfigValues, ConfigError> {
    if config.contains_key("NEST_CFG_REQUIRED") {
        Ok(config.clone())
    } else {
        Err(ConfigError::new("NEST_CFG_REQUIRED is missing"))
    }
}

#[tokio::test]
async fn a_failing_validate_stops_the_start_up_with_its_message() {
    let error = NestApplication::builder()
        .import_dynamic(ConfigModule::for_root(ConfigModuleOptions {
            ignore_env_file: true,
            validate: Some(Validate::new(require_key)),
            ..ConfigModuleOptions::default()
        }))
        .build_async()
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "NEST_CFG_REQUIRED is missing");
}

#[test]
fn validate_sees_the_files_and_what_it_returns_is_read_first() {
    let dir = env_dir("validate");
    std::fs::write(
        dir.join(".env"),
        "NEST_CFG_REQUIRED=yes\nNEST_CFG_PORT=80\n",
    )
    .unwrap();
    let app = NestApplication::builder()
        .import_dynamic(ConfigModule::for_root(ConfigModuleOptions {
            env_file_path: vec![dir.join(".env")],
            validate: Some(Validate::new(|config| {
                let mut validated = require_key(config)?;
                // A validator may fill defaults and coerce values.
                validated.insert("NEST_CFG_PORT".to_owned(), "8080".to_owned());
                Ok(validated)
            })),
            ..ConfigModuleOptions::default()
        }))
        .build()
        .unwrap();
    let config = app.get::<ConfigService>().unwrap();
    assert_eq!(config.get::<u16>("NEST_CFG_PORT"), Some(8080));
    assert_eq!(
        config.get::<String>("NEST_CFG_REQUIRED").as_deref(),
        Some("yes")
    );
    std::fs::remove_dir_all(dir).unwrap();
}

// ---- global or not ----

#[derive(Injectable)]
struct UsersService {
    config: Arc<ConfigService>,
}

/// Does not import `ConfigModule`.
#[module(providers = [UsersService])]
struct UsersModule;

#[test]
fn a_config_module_that_is_not_global_is_not_in_other_modules_reach() {
    let error = NestApplication::builder()
        .import_dynamic(ConfigModule::for_root(ConfigModuleOptions {
            ignore_env_file: true,
            ..ConfigModuleOptions::default()
        }))
        .import::<UsersModule>()
        .build()
        .unwrap_err();
    assert_eq!(
        first_line(&error),
        "Nest can\'t resolve dependencies of the UsersService (?). Please make sure that the argument ConfigService at index [0] is available in the UsersModule module."
    );
    let app = NestApplication::builder()
        .import_dynamic(ConfigModule::for_root(ConfigModuleOptions {
            is_global: true,
            ignore_env_file: true,
            ..ConfigModuleOptions::default()
        }))
        .import::<UsersModule>()
        .build()
        .unwrap();
    let users = app.get::<UsersService>().unwrap();
    assert!(users.config.get::<String>("NEST_CFG_NOPE").is_none());
}

// ---- a user's for_root_async, given the ConfigService ----

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
    /// NestJS's `forRootAsync({ imports, useFactory, inject })`: `factory`'s arguments are
    /// injected from what this module reaches (`imports`).
    fn for_root_async<Args>(
        imports: DynamicModule,
        factory: impl nest_core::di::FactoryFn<Args, DatabaseOptions>,
    ) -> DynamicModule {
        DynamicModule::new::<Self>()
            .import_dynamic(imports)
            .provide_factory::<DatabaseOptions, Args>(factory)
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

/// `DatabaseModule::for_root_async` given the `ConfigService` of a `ConfigModule` it imports.
fn database_module() -> DynamicModule {
    let config = ConfigModule::for_root(ConfigModuleOptions {
        env_file_path: vec![env_dir("async").join(".env")],
        expand_variables: true,
        ..ConfigModuleOptions::default()
    });
    DatabaseModule::for_root_async(
        config,
        AsyncFactory(|config: Arc<ConfigService>| async move {
            Ok::<_, ConfigError>(DatabaseOptions {
                url: config.get_or_throw("NEST_CFG_DB_URL")?,
            })
        }),
    )
}

#[module(imports = [database_module()], controllers = [DatabaseController])]
struct DatabaseControllerModule;

#[tokio::test]
async fn for_root_async_is_given_the_config_service() {
    let dir = env_dir("async");
    std::fs::write(
        dir.join(".env"),
        "NEST_CFG_DB_HOST=db.internal\nNEST_CFG_DB_URL=postgres://${NEST_CFG_DB_HOST}/cats\n",
    )
    .unwrap();
    let app = NestFactory::create::<DatabaseControllerModule>()
        .await
        .unwrap();
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let text = TestClient::new(server.local_addr())
        .get("/database")
        .await
        .unwrap()
        .text();
    assert_eq!(text, "postgres://db.internal/cats");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_for_root_async_factory_error_stops_the_start_up() {
    // No `.env` file: `get_or_throw` fails in the factory.
    let error = NestApplication::builder()
        .import_dynamic(DatabaseModule::for_root_async(
            ConfigModule::for_root(ConfigModuleOptions {
                ignore_env_file: true,
                ..ConfigModuleOptions::default()
            }),
            AsyncFactory(|config: Arc<ConfigService>| async move {
                Ok::<_, ConfigError>(DatabaseOptions {
                    url: config.get_or_throw("NEST_CFG_DB_URL_UNSET")?,
                })
            }),
        ))
        .build_async()
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "Configuration key \"NEST_CFG_DB_URL_UNSET\" does not exist"
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

// ---- load, register_as ----

#[test]
fn load_factories_are_read_first_and_register_as_namespaces_them() {
    // Captured from @nestjs/config 12.0.1 with the same file and factories:
    // {"host":"db.from.file","port":5432,"A":"from-load","flag":true}
    let dir = env_dir("load");
    std::fs::write(
        dir.join("load.env"),
        "NEST_CFG_DB_HOST=db.from.file\nNEST_CFG_A=from-file\n",
    )
    .unwrap();
    let app = NestApplication::builder()
        .import_dynamic(ConfigModule::for_root(ConfigModuleOptions {
            env_file_path: vec![dir.join("load.env")],
            load: vec![
                register_as(
                    "database",
                    |env| json!({ "host": env.get("NEST_CFG_DB_HOST"), "port": 5432 }),
                ),
                ConfigFactory::new(
                    |_| json!({ "NEST_CFG_A": "from-load", "nested": { "flag": true } }),
                ),
            ],
            ..ConfigModuleOptions::default()
        }))
        .build()
        .unwrap();
    let config = app.get::<ConfigService>().unwrap();
    assert_eq!(
        json!({
            "host": config.get::<String>("database.host"),
            "port": config.get::<u16>("database.port"),
            "A": config.get::<String>("NEST_CFG_A"),
            "flag": config.get::<bool>("nested.flag"),
        }),
        json!({ "host": "db.from.file", "port": 5432, "A": "from-load", "flag": true })
    );
    std::fs::remove_dir_all(dir).unwrap();
}
