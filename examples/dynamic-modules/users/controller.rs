//! `src/users/users.controller.ts`.

use std::sync::Arc;

use nest_core::prelude::*;

use super::{User, UsersService};

/// `constructor(private readonly usersService: UsersService) {}`
#[derive(Injectable)]
pub(crate) struct UsersController {
    users_service: Arc<UsersService>,
}

#[controller("users")]
impl UsersController {
    /// `@Post() create(@Body('name') name: string): User`
    #[post]
    fn create(&self, #[body("name")] name: String) -> User {
        self.users_service.create(name)
    }

    /// `@Get() findAll(): User[]`
    #[get]
    fn find_all(&self) -> Vec<User> {
        self.users_service.find_all()
    }
}
