//! `src/app.module.ts`.

use nest_core::module;

use crate::app_controller::AppController;
use crate::app_service::AppService;
use crate::config::{ConfigModule, ConfigModuleOptions};
use crate::orders::OrdersModule;
use crate::users::UsersModule;

/// `@Module({ imports: [ConfigModule.register({ folder: './config' }), UsersModule, OrdersModule], controllers: [AppController], providers: [AppService] })`
#[module(
    imports = [
        ConfigModule::register(ConfigModuleOptions { folder: "./config".to_owned() }),
        UsersModule,
        OrdersModule,
    ],
    controllers = [AppController],
    providers = [AppService],
)]
pub(crate) struct AppModule;
