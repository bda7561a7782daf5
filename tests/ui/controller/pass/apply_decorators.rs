//! `#[apply_decorators]` on routes and on a controller, beside the other route attributes,
//! with guards built by the injector and guard instances.
#![deny(warnings)]

use nest_core::pipeline::{CanActivate, Decorators, ExecutionContext, GuardFuture, Reflector};
use nest_core::prelude::*;

#[derive(Injectable)]
struct RolesGuard {
    reflector: Arc<Reflector>,
}

impl CanActivate for RolesGuard {
    fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
        Box::pin(async move { Ok(self.reflector.get_all_and_override("roles", context).is_none()) })
    }
}

struct Open;

impl CanActivate for Open {
    fn can_activate<'a>(&'a self, _: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
        Box::pin(async { Ok(true) })
    }
}

fn auth(roles: &[&'static str]) -> Decorators {
    Decorators::new().roles(roles).use_guards::<RolesGuard>()
}

#[derive(Default)]
struct CatsController;

#[controller("cats")]
#[apply_decorators(auth(&["admin"]), Decorators::new().use_guard(Open))]
impl CatsController {
    #[get]
    #[http_code(200)]
    #[apply_decorators(auth(&["user"]).http_code(203), Decorators::new().header("X-A", "b"))]
    #[roles("owner")]
    fn find_all(&self) -> &'static str {
        "cats"
    }

    #[sse("events")]
    #[apply_decorators(auth(&["admin"]))]
    fn events(&self) -> impl Stream<Item = MessageEvent> {
        stream::empty()
    }
}

fn main() {
    let _ = NestApplication::builder().controller(CatsController);
}
