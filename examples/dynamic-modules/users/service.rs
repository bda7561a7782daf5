//! `src/users/users.service.ts`.

use std::sync::{Arc, Mutex, PoisonError};

use nest_core::Injectable;
use serde::Serialize;

use crate::id_generator::IdGenerator;

/// `export interface User { id: string; name: string; }`
#[derive(Debug, Clone, Serialize)]
pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) name: String,
}

/// `private readonly users: User[] = []; constructor(private readonly idGenerator: IdGenerator) {}`
#[derive(Injectable)]
pub(crate) struct UsersService {
    users: Mutex<Vec<User>>,
    id_generator: Arc<IdGenerator>,
}

impl UsersService {
    /// `create(name: string): User`
    pub(crate) fn create(&self, name: String) -> User {
        let user = User {
            id: self.id_generator.generate(),
            name,
        };
        self.users
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(user.clone());
        user
    }

    /// `findAll(): User[]`
    pub(crate) fn find_all(&self) -> Vec<User> {
        self.users
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
