//! NestJS's "Custom decorators" chapter: a param decorator, `@User('name')`, reading the user
//! the `AuthGuard` attached to the request (`createParamDecorator`); and decorator
//! composition: `@Auth('admin')`, one decorator for the roles metadata and the two guards that
//! check it (`applyDecorators(SetMetadata('roles', roles), UseGuards(AuthGuard, RolesGuard))`),
//! on a route and on a whole controller, and a composition of `HttpCode` and `Header`.
//!
//! ```text
//! cargo run -p nest-examples --bin custom-decorators
//! curl -i localhost:3000/users                                               # 403: no user
//! curl -i localhost:3000/users -H 'Authorization: Bearer ada' -H 'X-Role: user'   # 403: not admin
//! curl -i localhost:3000/users -H 'Authorization: Bearer ada' -H 'X-Role: admin'  # 200
//! curl -i localhost:3000/users/me -H 'Authorization: Bearer ada' -H 'X-Role: user'   # 200: Hello ada
//! curl -i -X POST localhost:3000/users/ping                                  # 204, Cache-Control: none
//! curl -i localhost:3000/admin -H 'Authorization: Bearer ada' -H 'X-Role: admin'  # 200: the controller's @Auth
//! ```
//!
//! `PORT` picks another port.

#[path = "../support.rs"]
mod support;

use nest_core::Request;
use nest_core::pipeline::{CanActivate, Decorators, ExecutionContext, GuardFuture, Reflector};
use nest_core::prelude::*;
use serde::Serialize;
use serde_json::Value;

/// The user a request is made for (NestJS's `request.user`).
#[derive(Clone, Serialize)]
struct User {
    name: String,
}

/// Lets a request through when it carries a bearer token (a real one would verify it), and
/// attaches the user it names.
#[derive(Injectable)]
struct AuthGuard;

impl CanActivate for AuthGuard {
    fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
        Box::pin(async move {
            let authorization = context.request().headers().get("authorization");
            let token = authorization
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.strip_prefix("Bearer "));
            let Some(name) = token else {
                return Ok(false);
            };
            context.attach(User {
                name: name.to_owned(),
            });
            Ok(true)
        })
    }
}

/// `export const User = createParamDecorator((data: string, ctx: ExecutionContext) => {
/// const user = ctx.switchToHttp().getRequest().user; return data ? user?.[data] : user; })`
fn user(data: Option<&str>, request: &Request) -> Value {
    let user = request
        .extensions()
        .get::<User>()
        .and_then(|user| serde_json::to_value(user).ok())
        .unwrap_or_default();
    match data {
        Some(key) => user.get(key).cloned().unwrap_or_default(),
        None => user,
    }
}

/// Compares the user's role (`X-Role` here) with the `roles` metadata of the route, else of
/// its controller (`reflector.getAllAndOverride('roles', [getHandler(), getClass()])`).
#[derive(Injectable)]
struct RolesGuard {
    reflector: Arc<Reflector>,
}

impl CanActivate for RolesGuard {
    fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
        Box::pin(async move {
            let Some(roles) = self.reflector.get_all_and_override("roles", context) else {
                return Ok(true);
            };
            let role = context.request().headers().get("x-role");
            Ok(role
                .and_then(|value| value.to_str().ok())
                .is_some_and(|role| roles.contains(&role)))
        })
    }
}

/// `export function Auth(...roles: Role[]) { return applyDecorators(SetMetadata('roles', roles), UseGuards(AuthGuard, RolesGuard)); }`
fn auth(roles: &[&'static str]) -> Decorators {
    Decorators::new()
        .roles(roles)
        .use_guards::<AuthGuard>()
        .use_guards::<RolesGuard>()
}

/// `applyDecorators(HttpCode(204), Header('Cache-Control', 'none'))`
fn no_content() -> Decorators {
    Decorators::new()
        .http_code(204)
        .header("Cache-Control", "none")
}

#[derive(Default)]
struct UsersController;

#[controller("users")]
impl UsersController {
    /// `@Get() @Auth('admin') findAllUsers()`
    #[get]
    #[apply_decorators(auth(&["admin"]))]
    fn find_all_users(&self) -> &'static str {
        "This action returns all users"
    }

    /// `@Get('me') @UseGuards(AuthGuard) me(@User('name') name: string)`
    #[get("me")]
    #[use_guards(AuthGuard)]
    fn me(&self, #[user("name")] name: String) -> String {
        format!("Hello {name}")
    }

    /// `@Post('ping') @NoContent() ping()`
    #[post("ping")]
    #[apply_decorators(no_content())]
    fn ping(&self) {}
}

/// `@Controller('admin') @Auth('admin')`: every route needs the role.
#[derive(Default)]
struct AdminController;

#[controller("admin")]
#[apply_decorators(auth(&["admin"]))]
impl AdminController {
    #[get]
    fn dashboard(&self) -> &'static str {
        "admin dashboard"
    }
}

#[module(controllers = [UsersController, AdminController])]
struct AppModule;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    support::init_logging();
    let app = NestFactory::create::<AppModule>().await?;
    app.listen(support::port()).await
}
