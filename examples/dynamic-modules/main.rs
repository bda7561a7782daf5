//! NestJS's `sample/25-dynamic-modules`, ported file for file: `IdGeneratorModule::register`
//! is a dynamic module imported twice with different options (users get `usr_` identifiers,
//! orders `ord_`), and `ConfigModule::register({ folder })` reads
//! `<folder>/<NODE_ENV or development>.env` for the `AppService`'s greeting. Its tests are
//! ported too (`cargo test -p nest-examples --bin dynamic-modules`, and
//! `examples/tests/dynamic_modules.rs` over TCP).
//!
//! | NestJS file | here |
//! | --- | --- |
//! | `src/main.ts` | `main.rs` |
//! | `src/app.module.ts` | `app_module.rs` |
//! | `src/app.controller.ts` (+ `.spec.ts`) | `app_controller.rs` |
//! | `src/app.service.ts` | `app_service.rs` |
//! | `src/config/config.module.ts`, `constants.ts`, `interfaces/*.ts` | `config/mod.rs` |
//! | `src/config/config.service.ts` (+ `.spec.ts`) | `config/service.rs` |
//! | `config/development.env` | `config/development.env` |
//! | `src/id-generator/id-generator.module.ts` (+ `.spec.ts`), `id-generator.interfaces.ts` | `id_generator/mod.rs` |
//! | `src/id-generator/id-generator.ts` | `id_generator/generator.rs` |
//! | `src/users/users.{module,controller,service}.ts` | `users/{mod,controller,service}.rs` |
//! | `src/orders/orders.{module,controller,service}.ts` | `orders/{mod,controller,service}.rs` |
//! | `e2e/app/app.e2e-spec.ts` | `examples/tests/dynamic_modules.rs` |
//!
//! ```text
//! cargo run -p nest-examples --bin dynamic-modules
//! curl localhost:3000
//! curl -X POST localhost:3000/users -H 'content-type: application/json' -d '{"name":"Kamil"}'
//! curl -X POST localhost:3000/orders -H 'content-type: application/json' -d '{"product":"T-shirt"}'
//! ```
//!
//! The sample's `ConfigService` resolves the folder against the project's root
//! (`path.resolve(__dirname, '../../', folder)`); here it is resolved against this example's
//! directory. `PORT` picks another port.

#[path = "../support.rs"]
mod support;

mod app_controller;
mod app_module;
mod app_service;
mod config;
mod id_generator;
mod orders;
mod users;

use nest_core::NestFactory;

use app_module::AppModule;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    support::init_logging();
    let app = NestFactory::create::<AppModule>().await?;
    app.listen(support::port()).await
}
