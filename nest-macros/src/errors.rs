//! Collecting errors, so that one build reports every mistake, each at its own span.

/// Errors combined with `syn::Error::combine`.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(first) => first.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// The value of `result`, or `None` with its error kept.
    pub(crate) fn take<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }

    /// How many errors are kept: a parse step compares it before and after to know whether it
    /// added any.
    pub(crate) fn count(&self) -> usize {
        self.0.as_ref().map_or(0, |error| error.into_iter().count())
    }

    /// The combined error, if any.
    pub(crate) fn into_error(self) -> Option<syn::Error> {
        self.0
    }
}
