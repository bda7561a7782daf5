//! `src/config/config.module.ts`, with `constants.ts` and `interfaces/*.ts`: a dynamic module
//! whose `register` is given the folder of the `.env` files.

mod service;

use nest_core::{DynamicModule, di::SyncFactory, injection_token, module};

pub(crate) use service::ConfigService;

/// `export interface ConfigModuleOptions { folder: string; }`
#[derive(Debug, Clone)]
pub(crate) struct ConfigModuleOptions {
    pub(crate) folder: String,
}

injection_token!(
    /// `export const CONFIG_OPTIONS = 'CONFIG_OPTIONS';`
    pub(crate) ConfigOptions: ConfigModuleOptions
);

/// `@Module({}) export class ConfigModule`
#[module]
pub(crate) struct ConfigModule;

impl ConfigModule {
    /// `static register(options: ConfigModuleOptions): DynamicModule`:
    /// `{ module: ConfigModule, providers: [{ provide: CONFIG_OPTIONS, useValue: options }, ConfigService], exports: [ConfigService] }`
    pub(crate) fn register(options: ConfigModuleOptions) -> DynamicModule {
        DynamicModule::new::<Self>()
            .provide_token_value::<ConfigOptions>(options)
            .provide_factory::<ConfigService, _>(SyncFactory(ConfigService::new))
            .export::<ConfigService>()
    }
}
