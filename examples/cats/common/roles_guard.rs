//! `src/common/guards/roles.guard.ts`.

use std::sync::Arc;

use nest_core::Injectable;
use nest_core::pipeline::{CanActivate, ExecutionContext, GuardFuture, Reflector};

/// Lets a request through when the route names no roles (`#[roles(...)]`), or when the user
/// has one of them. The sample reads `request.user`, set by an authentication middleware; the
/// user's roles come from the `x-roles` header here (comma-separated).
/// `constructor(private reflector: Reflector) {}`
#[derive(Injectable)]
pub(crate) struct RolesGuard {
    reflector: Arc<Reflector>,
}

impl CanActivate for RolesGuard {
    fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
        Box::pin(async move {
            // `const roles = this.reflector.get(Roles, context.getHandler()); if (!roles) return true;`
            let Some(roles) = self.reflector.get("roles", context) else {
                return Ok(true);
            };
            // `const user = request.user; return matchRoles(roles, user.roles);`
            let user_roles = context
                .request()
                .headers()
                .get("x-roles")
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default();
            Ok(user_roles
                .split(',')
                .map(str::trim)
                .any(|role| roles.contains(&role)))
        })
    }
}
