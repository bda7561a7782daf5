//! `src/id-generator/id-generator.module.ts` and `id-generator.interfaces.ts`: a dynamic
//! module each importer registers with its own prefix; its test
//! `id-generator.module.spec.ts` below.

mod generator;

use nest_core::{DynamicModule, injection_token, module};

pub(crate) use generator::IdGenerator;

/// `export interface IdGeneratorModuleOptions { prefix: string; }`
#[derive(Debug, Clone)]
pub(crate) struct IdGeneratorModuleOptions {
    pub(crate) prefix: String,
}

injection_token!(
    /// `export const ID_GENERATOR_OPTIONS = 'ID_GENERATOR_OPTIONS';`
    pub(crate) IdGeneratorOptions: IdGeneratorModuleOptions
);

/// `@Module({}) export class IdGeneratorModule`
#[module]
pub(crate) struct IdGeneratorModule;

impl IdGeneratorModule {
    /// `static register(options: IdGeneratorModuleOptions): DynamicModule`:
    /// `{ module: IdGeneratorModule, providers: [{ provide: ID_GENERATOR_OPTIONS, useValue: options }, IdGenerator], exports: [IdGenerator] }`
    pub(crate) fn register(options: IdGeneratorModuleOptions) -> DynamicModule {
        DynamicModule::new::<Self>()
            .provide_token_value::<IdGeneratorOptions>(options)
            .provider::<IdGenerator>()
            .export::<IdGenerator>()
    }
}

#[cfg(test)]
mod tests {
    use nest_core::module;
    use nest_core::testing::Test;

    use super::*;
    use crate::orders::{OrdersModule, OrdersService};
    use crate::users::{UsersModule, UsersService};

    /// `/^usr_[0-9a-f-]{36}$/`, and the same for another prefix.
    pub(crate) fn is_id(id: &str, prefix: &str) -> bool {
        id.strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('_'))
            .is_some_and(|uuid| {
                uuid.len() == 36 && uuid.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
            })
    }

    #[module(imports = [IdGeneratorModule::register(IdGeneratorModuleOptions { prefix: "usr".to_owned() })])]
    struct RegisteredModule;

    #[tokio::test]
    async fn should_generate_identifiers_with_the_registered_prefix() {
        let module_ref = Test::create_testing_module::<RegisteredModule>()
            .compile()
            .await
            .unwrap();
        let id = module_ref.get::<IdGenerator>().unwrap().generate();
        assert!(is_id(&id, "usr"), "{id}");
    }

    #[module(imports = [UsersModule, OrdersModule])]
    struct BothModule;

    #[tokio::test]
    async fn should_configure_each_import_separately() {
        let module_ref = Test::create_testing_module::<BothModule>()
            .compile()
            .await
            .unwrap();
        let user = module_ref
            .get::<UsersService>()
            .unwrap()
            .create("Kamil".to_owned());
        assert!(user.id.starts_with("usr_"), "{}", user.id);
        let order = module_ref
            .get::<OrdersService>()
            .unwrap()
            .create("T-shirt".to_owned());
        assert!(order.id.starts_with("ord_"), "{}", order.id);
    }
}
