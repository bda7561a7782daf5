//! Locking a `Mutex` that survives poisoning: a panic in one request must not take down the
//! state other requests share (the data behind these locks stays consistent at every await).

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `mutex`, taking the data even if a thread panicked while holding it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
