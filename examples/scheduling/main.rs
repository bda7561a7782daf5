//! NestJS's `sample/27-scheduling`, ported file for file: a `TasksService` whose methods run on
//! a cron schedule (`#[cron("45 * * * * *")]`), every 10 seconds (`#[interval(10000)]`) and
//! once after 5 seconds (`#[timeout(5000)]`), with `ScheduleModule::for_root()` imported by
//! the root module. Its unit and e2e tests are ported too
//! (`cargo test -p nest-examples --bin scheduling`).
//!
//! | NestJS file | here |
//! | --- | --- |
//! | `src/main.ts` | `main.rs` |
//! | `src/app.module.ts` (+ `app.module.spec.ts`) | `app_module.rs` |
//! | `src/tasks/tasks.module.ts` | `tasks/mod.rs` |
//! | `src/tasks/tasks.service.ts` (+ `.spec.ts`) | `tasks/service.rs` |
//! | `e2e/app/app.e2e-spec.ts` | `e2e.rs` |
//!
//! ```text
//! cargo run -p nest-examples --bin scheduling
//! ```
//!
//! The service logs at the `debug` level, which NestJS's logger prints by default; here the
//! default filter is `info,TasksService=debug` (`RUST_LOG` overrides it). `PORT` picks another
//! port than 3000. The sample's `app.controller.spec.ts` tests an `AppController` the sample
//! does not have, and is not ported.

#[path = "../support.rs"]
#[allow(
    dead_code,
    reason = "the sample logs at debug, with a filter of its own"
)]
mod support;

mod app_module;
#[cfg(test)]
mod e2e;
mod tasks;

use nest_core::NestFactory;

use app_module::AppModule;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,TasksService=debug".into()),
        )
        .init();
    let mut app = NestFactory::create::<AppModule>().await?;
    app.enable_shutdown_hooks();
    app.listen(support::port()).await
}
