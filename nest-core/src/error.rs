//! [`StartupError`]: why an application could not be built.

use std::{fmt, io};

/// Why an application could not be built (two routes that cannot both be matched, …).
///
/// Converts into `std::io::Error`, so `main` can return `std::io::Result<()>` and use `?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartupError {
    message: String,
}

impl fmt::Display for StartupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StartupError {}

impl StartupError {
    pub(crate) fn new(message: String) -> Self {
        Self { message }
    }
}

impl From<StartupError> for io::Error {
    fn from(error: StartupError) -> Self {
        Self::other(error)
    }
}
