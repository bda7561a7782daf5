//! NestJS's `sample/01-cats-app`, ported file for file: a `CatsModule` with its controller and
//! service, a validated `CreateCatDto`, a `RolesGuard` reading `#[roles]`, logging, transform
//! and timeout interceptors, `ParseIntPipe`, and an `HttpExceptionFilter`. Its unit and e2e
//! tests are ported too (`cargo test -p nest-examples --bin cats`).
//!
//! | NestJS file | here |
//! | --- | --- |
//! | `src/main.ts` | `main.rs` |
//! | `src/app.module.ts` | `app_module.rs` |
//! | `src/cats/cats.module.ts` | `cats/mod.rs` |
//! | `src/cats/cats.controller.ts` (+ `.spec.ts`) | `cats/controller.rs` |
//! | `src/cats/cats.service.ts` | `cats/service.rs` |
//! | `src/cats/dto/create-cat.dto.ts`, `interfaces/cat.interface.ts` | `cats/dto.rs` |
//! | `src/common/guards/roles.guard.ts` | `common/roles_guard.rs` |
//! | `src/common/middleware/logger.middleware.ts` | `common/logger_middleware.rs` |
//! | `src/common/filters/http-exception.filter.ts` | `common/http_exception_filter.rs` |
//! | `src/core/interceptors/*.ts` | `common/interceptors.rs` |
//! | `test/cats/cats.e2e-spec.ts` | `e2e.rs` |
//!
//! ```text
//! cargo run -p nest-examples --bin cats
//! curl localhost:3000/cats
//! curl -X POST localhost:3000/cats -H 'x-roles: admin' -H 'content-type: application/json' -d '{"name":"Pixel","age":2,"breed":"Bombay"}'
//! curl localhost:3000/cats/0
//! ```
//!
//! As NestJS's OpenAPI chapter adds `@nestjs/swagger` to this sample, the API's document is
//! served at `/api-json` and Swagger UI at `/api` (`DocumentBuilder` and
//! `SwaggerModule::setup` in `main`).
//!
//! The sample's `RolesGuard` reads `request.user`, which an authentication middleware would
//! set; here the user's roles come from the `x-roles` header, which stands in for it. `PORT`
//! picks another port.

#[path = "../support.rs"]
mod support;

mod app_module;
mod cats;
mod common;
#[cfg(test)]
mod e2e;

use nest_core::openapi::{DocumentBuilder, SwaggerModule};
use nest_core::{NestFactory, ValidationPipe};

use app_module::AppModule;
use common::HttpExceptionFilter;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    support::init_logging();
    let mut app = NestFactory::create::<AppModule>().await?;
    // `app.useGlobalPipes(new ValidationPipe())`
    app.use_global_pipes(ValidationPipe::new())
        .use_global_filters(HttpExceptionFilter)
        .enable_shutdown_hooks();
    // `SwaggerModule.setup('api', app, SwaggerModule.createDocument(app, config))`
    let config = DocumentBuilder::new()
        .set_title("Cats example")
        .set_description("The cats API description")
        .set_version("1.0")
        .add_tag("cats", None)
        .build();
    let document = SwaggerModule::create_document(&app, &config);
    SwaggerModule::setup("api", &mut app, &document);
    app.listen(support::port()).await
}
