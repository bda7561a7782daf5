//! NestJS routing beyond `:id`, ported: a tenant read from the host
//! (`@Controller({ host: ':tenant.localhost' })`, `@HostParam`), a parameter in a controller
//! prefix, an optional part, a wildcard, registration order, header versioning with a
//! version list and `VERSION_NEUTRAL`, and an admin module served under `/admin` by
//! `RouterModule`.
//!
//! ```text
//! cargo run -p nest-examples --bin routing
//! curl localhost:3000/health                                  # neutral: any version, or none
//! curl localhost:3000/docs                                    # optional part: page none
//! curl localhost:3000/docs/intro                              # page intro
//! curl localhost:3000/files/a/b/c.txt                         # wildcard: a/b/c.txt
//! curl localhost:3000/eu/rooms/lobby                          # prefix parameter: region eu
//! curl localhost:3000/tenant -H 'Host: acme.localhost:3000'   # host parameter: acme
//! curl localhost:3000/cats -H 'X-API-Version: 1'              # cats v1
//! curl localhost:3000/cats -H 'X-API-Version: 3'              # cats v2 or v3
//! curl localhost:3000/cats                                    # 404: no version
//! curl localhost:3000/admin/users                             # RouterModule: the admin module's path
//! ```
//!
//! `PORT` picks another port.

#[path = "../support.rs"]
mod support;

use nest_core::VERSION_NEUTRAL;
use nest_core::app::{RouteTree, RouterModule, Versioning};
use nest_core::prelude::*;

#[derive(Default)]
struct DocsController;

#[controller]
impl DocsController {
    /// `@Get('docs{/:page}')` (NestJS 10: `docs/:page?`).
    #[get("docs{/:page}")]
    fn page(&self, #[param("page")] page: Option<String>) -> String {
        format!("page {}", page.as_deref().unwrap_or("none"))
    }

    /// `@Get('files/*path')`: the rest of the path, decoded.
    #[get("files/*path")]
    fn file(&self, #[param("path")] path: String) -> String {
        format!("file {path}")
    }

    /// Declared before `orders/:id`: `/orders/new` is this route, as in Express.
    #[get("orders/new")]
    fn new_order(&self) -> &'static str {
        "new order form"
    }

    #[get("orders/:id")]
    fn order(&self, #[param("id")] id: u32) -> String {
        format!("order {id}")
    }
}

#[derive(Default)]
struct RoomsController;

/// `@Controller(':region/rooms')`.
#[controller(":region/rooms")]
impl RoomsController {
    #[get(":room")]
    fn room(&self, #[param("region")] region: String, #[param("room")] room: String) -> String {
        format!("room {room} in {region}")
    }
}

#[derive(Default)]
struct TenantController;

/// `@Controller({ path: 'tenant', host: ':tenant.localhost' })`.
#[controller("tenant", host = ":tenant.localhost")]
impl TenantController {
    #[get]
    fn tenant(&self, #[host_param("tenant")] tenant: String) -> String {
        format!("tenant {tenant}")
    }
}

#[derive(Default)]
struct CatsV1Controller;

#[controller("cats", version = "1")]
impl CatsV1Controller {
    #[get]
    fn find_all(&self) -> &'static str {
        "cats v1"
    }
}

#[derive(Default)]
struct CatsController;

#[controller("cats", version = ["2", "3"])]
impl CatsController {
    #[get]
    fn find_all(&self) -> &'static str {
        "cats v2 or v3"
    }
}

#[derive(Default)]
struct HealthController;

#[controller("health", version = VERSION_NEUTRAL)]
impl HealthController {
    #[get]
    fn check(&self) -> &'static str {
        "ok"
    }
}

#[derive(Default)]
struct UsersController;

/// `@Controller('users')` in `AdminModule`, served at `/admin/users` through `RouterModule`.
#[controller("users", version = VERSION_NEUTRAL)]
impl UsersController {
    #[get]
    fn find_all(&self) -> &'static str {
        "admin users"
    }
}

#[module(controllers = [UsersController])]
struct AdminModule;

/// `imports: [AdminModule, RouterModule.register([{ path: 'admin', module: AdminModule }])]`.
#[module(
    imports = [AdminModule, RouterModule::register([RouteTree::new::<AdminModule>("admin")])],
    controllers = [
        DocsController,
        RoomsController,
        TenantController,
        CatsV1Controller,
        CatsController,
        HealthController,
    ]
)]
struct AppModule;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    support::init_logging();
    let mut app = NestFactory::create::<AppModule>().await?;
    app.enable_versioning(Versioning::header("X-API-Version"));
    app.listen(support::port()).await
}
