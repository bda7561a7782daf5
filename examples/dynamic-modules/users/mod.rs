//! `src/users/users.module.ts`: imports `IdGeneratorModule` registered with the `usr` prefix.

mod controller;
mod service;

use nest_core::module;

use crate::id_generator::{IdGeneratorModule, IdGeneratorModuleOptions};
pub(crate) use controller::UsersController;
pub(crate) use service::{User, UsersService};

/// `@Module({ imports: [IdGeneratorModule.register({ prefix: 'usr' })], controllers: [UsersController], providers: [UsersService] })`
#[module(
    imports = [IdGeneratorModule::register(IdGeneratorModuleOptions { prefix: "usr".to_owned() })],
    controllers = [UsersController],
    providers = [UsersService],
)]
pub(crate) struct UsersModule;
