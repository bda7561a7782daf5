//! [`ConfigModule`] and its [`ConfigModuleOptions`].

use std::{collections::HashMap, fmt, path::PathBuf, sync::Arc};

use super::service::{ConfigError, ConfigService};
use crate::{
    app::{DynamicModule, Module, ModuleBuilder},
    di::SyncFactory,
};

/// The module that provides [`ConfigService`] (NestJS's `ConfigModule` from
/// `@nestjs/config`); import [`for_root`](Self::for_root).
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::config::{ConfigModule, ConfigModuleOptions};
///
/// #[module(imports = [ConfigModule::for_root(ConfigModuleOptions {
///     is_global: true,
///     ignore_env_file: true,
///     ..ConfigModuleOptions::default()
/// })])]
/// struct AppModule;
/// # let _ = NestApplication::builder().import::<AppModule>().build().unwrap();
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ConfigModule;

impl Module for ConfigModule {
    const NAME: &'static str = "ConfigModule";

    fn configure(_: &mut ModuleBuilder<'_>) {}
}

impl ConfigModule {
    /// The configuration module (NestJS's `ConfigModule.forRoot(options)`): at start-up it
    /// reads the `.env` files (the first file that defines a key wins; a file that does not
    /// exist is skipped), adds the environment (which wins over the files), runs `validate`
    /// (its error stops the start-up with its message), and provides and exports
    /// [`ConfigService`]; global with `is_global`.
    ///
    /// ```
    /// use nest_core::prelude::*;
    /// use nest_core::config::{ConfigError, ConfigModule, ConfigModuleOptions, Validate};
    ///
    /// let options = ConfigModuleOptions {
    ///     ignore_env_file: true,
    ///     validate: Some(Validate::new(|config| {
    ///         match config.get("DOC_SURELY_UNDEFINED_KEY") {
    ///             Some(_) => Ok(config.clone()),
    ///             None => Err(ConfigError::new("DOC_SURELY_UNDEFINED_KEY is required")),
    ///         }
    ///     })),
    ///     ..ConfigModuleOptions::default()
    /// };
    /// let error = NestApplication::builder()
    ///     .import_dynamic(ConfigModule::for_root(options))
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(error.to_string(), "DOC_SURELY_UNDEFINED_KEY is required");
    /// ```
    pub fn for_root(options: ConfigModuleOptions) -> DynamicModule {
        let global = options.is_global;
        DynamicModule::new::<Self>()
            .set_global(global)
            .provide_factory::<ConfigService, _>(SyncFactory(move || load(&options)))
            .export::<ConfigService>()
    }
}

/// What a `validate` function is given and returns: the configuration, key to value.
pub type ConfigValues = HashMap<String, String>;

/// The options' `validate` function (NestJS's `validate: (config) => validatedConfig`): it is
/// given the `.env` files' values and the environment, and returns the values
/// [`ConfigService`] reads first, or the error that stops the start-up.
#[derive(Clone)]
pub struct Validate(
    #[allow(clippy::type_complexity, reason = "a shared validation function")]
    Arc<dyn Fn(&ConfigValues) -> Result<ConfigValues, ConfigError> + Send + Sync>,
);

impl Validate {
    /// Wraps the function.
    ///
    /// ```
    /// use nest_core::config::Validate;
    /// let validate = Validate::new(|config| Ok(config.clone()));
    /// # let _ = validate;
    /// ```
    pub fn new(
        validate: impl Fn(&ConfigValues) -> Result<ConfigValues, ConfigError> + Send + Sync + 'static,
    ) -> Self {
        Self(Arc::new(validate))
    }
}

impl fmt::Debug for Validate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Validate")
    }
}

/// A configuration factory for the options' `load` (NestJS's `load: [() => ({ ... })]`): it is
/// given the environment with the `.env` files' values (what NestJS's `process.env` holds by
/// then) and returns a JSON object whose values [`ConfigService::get`] reads by dotted path
/// (`"database.port"`), before anything else. [`register_as`] puts them under a namespace.
///
/// ```
/// use nest_core::config::{ConfigFactory, ConfigModule, ConfigModuleOptions, ConfigService, register_as};
/// use nest_core::NestApplication;
/// use nest_core::prelude::json;
///
/// let options = ConfigModuleOptions {
///     ignore_env_file: true,
///     load: vec![
///         register_as("database", |env| json!({
///             "host": env.get("DOC_DATABASE_HOST").map_or("localhost", String::as_str),
///             "port": 5432,
///         })),
///         ConfigFactory::new(|_| json!({ "http": { "timeout": 30 } })),
///     ],
///     ..ConfigModuleOptions::default()
/// };
/// let app = NestApplication::builder()
///     .import_dynamic(ConfigModule::for_root(options))
///     .build()
///     .unwrap();
/// let config = app.get::<ConfigService>().unwrap();
/// assert_eq!(config.get::<String>("database.host").as_deref(), Some("localhost"));
/// assert_eq!(config.get::<u16>("database.port"), Some(5432));
/// assert_eq!(config.get::<u32>("http.timeout"), Some(30));
/// ```
#[derive(Clone)]
pub struct ConfigFactory {
    namespace: Option<String>,
    #[allow(clippy::type_complexity, reason = "a shared factory")]
    make: Arc<dyn Fn(&ConfigValues) -> serde_json::Value + Send + Sync>,
}

impl ConfigFactory {
    /// A factory whose object's keys are read as they are (no namespace).
    pub fn new(make: impl Fn(&ConfigValues) -> serde_json::Value + Send + Sync + 'static) -> Self {
        Self {
            namespace: None,
            make: Arc::new(make),
        }
    }
}

impl fmt::Debug for ConfigFactory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigFactory")
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

/// A configuration factory whose values are read under `namespace` (NestJS's
/// `registerAs('database', () => ({ host }))`, read as `get('database.host')`); see
/// [`ConfigFactory`].
pub fn register_as(
    namespace: impl Into<String>,
    make: impl Fn(&ConfigValues) -> serde_json::Value + Send + Sync + 'static,
) -> ConfigFactory {
    ConfigFactory {
        namespace: Some(namespace.into()),
        make: Arc::new(make),
    }
}

/// The options of [`ConfigModule::for_root`] (NestJS's `ConfigModuleOptions`), written as a
/// struct with `..ConfigModuleOptions::default()`.
///
/// ```
/// use nest_core::config::ConfigModuleOptions;
/// let options = ConfigModuleOptions {
///     is_global: true,
///     env_file_path: vec![".env.local".into(), ".env".into()],
///     ..ConfigModuleOptions::default()
/// };
/// assert!(!options.ignore_env_file);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ConfigModuleOptions {
    /// Whether `ConfigService` is available in every module (`isGlobal`).
    pub is_global: bool,
    /// The `.env` files to read, the first to define a key winning (`envFilePath`); empty
    /// means `.env` in the current directory.
    pub env_file_path: Vec<PathBuf>,
    /// Reads no `.env` file (`ignoreEnvFile`).
    pub ignore_env_file: bool,
    /// `${VAR}` in values refers to other variables (`expandVariables`). The `.env` parser
    /// (dotenvy) expands them in unquoted and double-quoted values whether this is set or
    /// not; single-quoted values stay as written.
    pub expand_variables: bool,
    /// Checks (and may change) the configuration at start-up (`validate`).
    pub validate: Option<Validate>,
    /// `ConfigService` does not read the environment and the `.env` files' values, only what
    /// `validate` returned (`skipProcessEnv`).
    pub skip_process_env: bool,
    /// Accepted for NestJS's `cache`: the configuration is always read once, at start-up.
    pub cache: bool,
    /// Configuration factories (`load`), read first by `ConfigService`.
    pub load: Vec<ConfigFactory>,
}

/// `ConfigModule.forRoot`'s loading: the files, the environment, `validate`.
fn load(options: &ConfigModuleOptions) -> Result<ConfigService, ConfigError> {
    let paths = if options.env_file_path.is_empty() {
        vec![PathBuf::from(".env")]
    } else {
        options.env_file_path.clone()
    };
    let mut files = ConfigValues::new();
    if !options.ignore_env_file {
        for path in paths.iter().filter(|path| path.exists()) {
            let entries = dotenvy::from_path_iter(path)
                .map_err(|error| ConfigError::new(format!("{}: {error}", path.display())))?;
            for entry in entries {
                let (key, value) = entry
                    .map_err(|error| ConfigError::new(format!("{}: {error}", path.display())))?;
                files.entry(key).or_insert(value);
            }
        }
    }
    let environment: ConfigValues = std::env::vars_os()
        .filter_map(|(key, value)| Some((key.into_string().ok()?, value.into_string().ok()?)))
        .collect();
    // The files' values, the environment winning.
    let mut merged = files;
    merged.extend(environment.clone());
    let validated = options
        .validate
        .as_ref()
        .map(|validate| (validate.0)(&merged))
        .transpose()?;
    // What NestJS assigns to `process.env`: the keys the environment does not define.
    let mut env = environment;
    for (key, value) in validated.as_ref().unwrap_or(&merged) {
        env.entry(key.clone()).or_insert_with(|| value.clone());
    }
    // `load`: run once the environment is complete, as NestJS runs them after assigning the
    // files to `process.env`.
    let mut internal = ConfigValues::new();
    for factory in &options.load {
        let value = (factory.make)(&env);
        flatten(factory.namespace.as_deref(), &value, &mut internal);
    }
    Ok(ConfigService::loaded(
        internal,
        validated,
        env,
        options.skip_process_env,
    ))
}

/// `value`'s leaves under their dotted paths (`database.port`); a string is its text, anything
/// else its JSON.
fn flatten(path: Option<&str>, value: &serde_json::Value, into: &mut ConfigValues) {
    match (value, path) {
        (serde_json::Value::Object(fields), _) => {
            for (key, field) in fields {
                let nested = path.map_or_else(|| key.clone(), |path| format!("{path}.{key}"));
                flatten(Some(&nested), field, into);
            }
        }
        (serde_json::Value::Null, _) | (_, None) => {}
        (serde_json::Value::String(text), Some(path)) => {
            into.insert(path.to_owned(), text.clone());
        }
        (other, Some(path)) => {
            into.insert(path.to_owned(), other.to_string());
        }
    }
}
