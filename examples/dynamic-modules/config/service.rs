//! `src/config/config.service.ts`, and its test `config.service.spec.ts` below.

use std::collections::HashMap;
use std::path::Path;

use nest_core::di::Inject;

use super::ConfigOptions;

/// `@Injectable() export class ConfigService { private readonly envConfig: EnvConfig; }`: its
/// constructor reads a file, so it is provided by a factory (`ConfigService::new`) whose
/// argument is injected.
#[derive(Debug)]
pub(crate) struct ConfigService {
    env_config: HashMap<String, String>,
}

impl ConfigService {
    /// `constructor(@Inject(CONFIG_OPTIONS) options: ConfigOptions)`: reads
    /// `<folder>/<NODE_ENV or development>.env`.
    pub(crate) fn new(options: Inject<ConfigOptions>) -> Result<Self, String> {
        let file_path = format!(
            "{}.env",
            std::env::var("NODE_ENV").unwrap_or_else(|_| "development".to_owned())
        );
        let env_file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("dynamic-modules")
            .join(&options.folder)
            .join(file_path);
        let env_config = dotenvy::from_path_iter(&env_file)
            .and_then(Iterator::collect)
            .map_err(|error| format!("{}: {error}", env_file.display()))?;
        Ok(Self { env_config })
    }

    /// A service over these values, for tests.
    #[cfg(test)]
    pub(crate) fn from_values<'a>(values: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self {
            env_config: values
                .into_iter()
                .map(|(key, value)| (key.to_owned(), value.to_owned()))
                .collect(),
        }
    }

    /// `get(key: string): string`
    pub(crate) fn get(&self, key: &str) -> Option<String> {
        self.env_config.get(key).cloned()
    }
}

#[cfg(test)]
mod tests {
    use nest_core::module;
    use nest_core::testing::Test;

    use super::*;
    use crate::config::ConfigModuleOptions;

    /// `providers: [ConfigService, { provide: CONFIG_OPTIONS, useValue: { folder: 'config' } }]`
    #[module(providers = [{ provide: ConfigService, use_factory: ConfigService::new }, {
        provide: ConfigOptions,
        use_value: ConfigModuleOptions { folder: "config".to_owned() },
    }])]
    struct TestModule;

    /// `it('should be defined')`; the sample mocks `fs` and `dotenv`, here the real file is read.
    #[tokio::test]
    async fn should_be_defined() {
        let module = Test::create_testing_module::<TestModule>()
            .compile()
            .await
            .unwrap();
        let service = module.get::<ConfigService>().unwrap();
        assert_eq!(
            service.get("HELLO_MESSAGE").as_deref(),
            Some("Hello there, world!")
        );
    }
}
