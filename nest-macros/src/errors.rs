//! Collecting errors, so that one build reports every mistake, each at its own span, in the
//! order of the source.

/// Errors, each filed under a section (0 for the item as a whole, then one per method in source
/// order), combined with `syn::Error::combine` section by section.
#[derive(Default)]
pub(crate) struct Errors {
    section: usize,
    errors: Vec<(usize, syn::Error)>,
}

impl Errors {
    /// Files the next errors under `section`: parsing and validation report a method's errors
    /// together, whichever step finds them.
    pub(crate) fn section(&mut self, section: usize) {
        self.section = section;
    }

    pub(crate) fn push(&mut self, error: syn::Error) {
        self.errors.push((self.section, error));
    }

    /// The value of `result`, or `None` with its error kept.
    pub(crate) fn take<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }

    /// How many errors are kept: a parse step compares it before and after to know whether it
    /// added any.
    pub(crate) fn count(&self) -> usize {
        self.errors.len()
    }

    /// The combined error, if any, section by section.
    pub(crate) fn into_error(mut self) -> Option<syn::Error> {
        self.errors.sort_by_key(|(section, _)| *section);
        self.errors
            .into_iter()
            .map(|(_, error)| error)
            .reduce(|mut first, error| {
                first.combine(error);
                first
            })
    }
}
