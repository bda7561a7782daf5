//! `src/cats/cats.service.ts`: the provider that holds the cats.

use std::sync::{Mutex, PoisonError};

use nest_core::{Injectable, lifecycle::OnApplicationShutdown};

use super::Cat;

/// `@Injectable() export class CatsService { private readonly cats: Cat[] = []; }`
#[derive(Injectable, Default)]
pub(crate) struct CatsService {
    cats: Mutex<Vec<Cat>>,
}

impl CatsService {
    /// A service holding `cats` (what the tests put in place of the real one).
    #[cfg(test)]
    pub(crate) fn with(cats: Vec<Cat>) -> Self {
        Self {
            cats: Mutex::new(cats),
        }
    }

    /// `create(cat: Cat) { this.cats.push(cat); }`
    pub(crate) fn create(&self, cat: Cat) {
        self.cats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(cat);
    }

    /// `findAll(): Cat[] { return this.cats; }`
    pub(crate) fn find_all(&self) -> Vec<Cat> {
        self.cats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The cat at `index`, if any.
    pub(crate) fn find_one(&self, index: usize) -> Option<Cat> {
        self.cats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(index)
            .cloned()
    }
}

/// Not in the sample: shows `app.enable_shutdown_hooks()` at work on SIGTERM.
impl OnApplicationShutdown for CatsService {
    async fn on_application_shutdown(&self, signal: Option<&str>) {
        let count = self.find_all().len();
        tracing::info!(target: "CatsService", "shutting down ({}) with {count} cat(s)", signal.unwrap_or("close"));
    }
}
