//! [`ConfigService`]: the configuration values, read by key.

use std::{collections::HashMap, fmt, str::FromStr};

/// The configuration, as NestJS's `ConfigService`: what [`ConfigModule::for_root`] loaded from
/// the `.env` files and the environment, read with [`get`](Self::get) (typed by
/// [`FromStr`]), [`get_or`](Self::get_or) and [`get_or_throw`](Self::get_or_throw).
///
/// A key is looked up as NestJS looks it up: in the values given to [`new`](Self::new) or
/// made by the options' `load` factories (nested objects by dotted path: `database.port`), then
/// in what `validate` returned (when the options have one), then in the environment as it was
/// at start-up with the `.env` files' values for the keys it did not define (unless
/// `skip_process_env`).
///
/// [`ConfigModule::for_root`]: super::ConfigModule::for_root
///
/// ```
/// use nest_core::config::ConfigService;
///
/// let config = ConfigService::new([("PORT", "3000"), ("DEBUG", "true")]);
/// assert_eq!(config.get::<u16>("PORT"), Some(3000));
/// assert_eq!(config.get::<bool>("DEBUG"), Some(true));
/// assert_eq!(config.get_or("HOST", "localhost".to_owned()), "localhost");
/// assert_eq!(
///     config.get_or_throw::<u16>("HOST").unwrap_err().to_string(),
///     r#"Configuration key "HOST" does not exist"#
/// );
/// ```
#[derive(Clone, Default)]
pub struct ConfigService {
    /// Values given to `new` or made by `load` (NestJS's internal configuration).
    internal: HashMap<String, String>,
    /// What `validate` returned.
    validated: Option<HashMap<String, String>>,
    /// The environment at start-up, with the `.env` files' values it did not define.
    env: HashMap<String, String>,
    skip_process_env: bool,
}

impl fmt::Debug for ConfigService {
    /// The keys only: values are often secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut keys: Vec<&String> = self.internal.keys().collect();
        if let Some(validated) = &self.validated {
            keys.extend(validated.keys());
        }
        keys.sort();
        keys.dedup();
        f.debug_struct("ConfigService")
            .field("keys", &keys)
            .finish_non_exhaustive()
    }
}

impl ConfigService {
    /// A configuration of these values alone (NestJS's `new ConfigService({ ... })`), as in
    /// tests.
    pub fn new<K: Into<String>, V: Into<String>>(values: impl IntoIterator<Item = (K, V)>) -> Self {
        Self {
            internal: values
                .into_iter()
                .map(|(key, value)| (key.into(), value.into()))
                .collect(),
            validated: None,
            env: HashMap::new(),
            skip_process_env: true,
        }
    }

    /// The configuration `ConfigModule::for_root` loads.
    pub(super) fn loaded(
        internal: HashMap<String, String>,
        validated: Option<HashMap<String, String>>,
        env: HashMap<String, String>,
        skip_process_env: bool,
    ) -> Self {
        Self {
            internal,
            validated,
            env,
            skip_process_env,
        }
    }

    /// The text of `key`, if it is defined.
    ///
    /// ```
    /// use nest_core::config::ConfigService;
    /// let config = ConfigService::new([("NAME", "cats")]);
    /// assert_eq!(config.get_str("NAME"), Some("cats"));
    /// ```
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.internal
            .get(key)
            .or_else(|| self.validated.as_ref()?.get(key))
            .or_else(|| {
                if self.skip_process_env {
                    None
                } else {
                    self.env.get(key)
                }
            })
            .map(String::as_str)
    }

    /// The value of `key` as a `T` (NestJS's `configService.get<T>(key)`): `None` when the
    /// key is not defined, or when its text is not a `T` (use
    /// [`get_or_throw`](Self::get_or_throw) to tell these apart).
    ///
    /// ```
    /// use nest_core::config::ConfigService;
    /// let config = ConfigService::new([("PORT", "3000"), ("NAME", "cats")]);
    /// assert_eq!(config.get::<u16>("PORT"), Some(3000));
    /// assert_eq!(config.get::<u16>("NAME"), None);
    /// ```
    pub fn get<T: FromStr>(&self, key: &str) -> Option<T> {
        self.get_str(key)?.parse().ok()
    }

    /// The value of `key` as a `T`, or `default` when it is not defined or not a `T`
    /// (NestJS's `configService.get(key, defaultValue)`).
    pub fn get_or<T: FromStr>(&self, key: &str, default: T) -> T {
        self.get(key).unwrap_or(default)
    }

    /// The value of `key` as a `T`, or an error (NestJS's `getOrThrow`, whose `TypeError`
    /// says `Configuration key "KEY" does not exist`). In a provider's factory, `?` turns it
    /// into a start-up error.
    ///
    /// ```
    /// use nest_core::config::ConfigService;
    /// let config = ConfigService::new([("PORT", "eighty")]);
    /// assert_eq!(
    ///     config.get_or_throw::<u16>("PORT").unwrap_err().to_string(),
    ///     r#"Configuration key "PORT" is not a valid u16: invalid digit found in string"#
    /// );
    /// ```
    pub fn get_or_throw<T: FromStr>(&self, key: &str) -> Result<T, ConfigError>
    where
        T::Err: fmt::Display,
    {
        let text = self.get_str(key).ok_or_else(|| ConfigError {
            message: format!("Configuration key \"{key}\" does not exist"),
        })?;
        text.parse().map_err(|error: T::Err| ConfigError {
            message: format!(
                "Configuration key \"{key}\" is not a valid {}: {error}",
                std::any::type_name::<T>()
            ),
        })
    }
}

/// Why a configuration value could not be read, or the configuration loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    message: String,
}

impl ConfigError {
    /// An error with this message (as a `validate` function returns).
    ///
    /// ```
    /// use nest_core::config::ConfigError;
    /// assert_eq!(ConfigError::new("PORT is required").to_string(), "PORT is required");
    /// ```
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}
