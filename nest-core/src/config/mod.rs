//! Configuration from `.env` files and the environment, as NestJS's `@nestjs/config`:
//! [`ConfigModule::for_root`] loads it once at start-up and provides a [`ConfigService`]
//! whose [`get`](ConfigService::get) reads a key, typed.
//!
//! ```
//! use nest_core::prelude::*;
//! use nest_core::config::{ConfigModule, ConfigModuleOptions, ConfigService};
//!
//! # let dir = std::env::temp_dir().join(format!("nest-config-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! # let env_file = dir.join(".env");
//! std::fs::write(&env_file, "DOC_EXAMPLE_PORT=3000\n").unwrap();
//!
//! #[derive(Injectable)]
//! struct AppService {
//!     config: Arc<ConfigService>,
//! }
//!
//! #[module(providers = [AppService])]
//! struct AppModule;
//!
//! let app = NestApplication::builder()
//!     .import_dynamic(ConfigModule::for_root(ConfigModuleOptions {
//!         is_global: true,
//!         env_file_path: vec![env_file],
//!         ..ConfigModuleOptions::default()
//!     }))
//!     .import::<AppModule>()
//!     .build()
//!     .unwrap();
//! let config = &app.get::<AppService>().unwrap().config;
//! assert_eq!(config.get::<u16>("DOC_EXAMPLE_PORT"), Some(3000));
//! assert_eq!(
//!     config.get_or_throw::<String>("DOC_EXAMPLE_MISSING").unwrap_err().to_string(),
//!     r#"Configuration key "DOC_EXAMPLE_MISSING" does not exist"#
//! );
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

mod module;
mod service;

pub use module::{
    ConfigFactory, ConfigModule, ConfigModuleOptions, ConfigValues, Validate, register_as,
};
pub use service::{ConfigError, ConfigService};
