//! [`Pick`]: the marker the macros' autoref dispatch starts from.

use std::marker::PhantomData;

/// A type named in `#[module(providers = [...], controllers = [...])]`, an enhancer or a
/// lifecycle hook, on its way to being built or registered the way it supports: through
/// `Injectable` first, else `Default` (autoref: `&&Pick<T>` methods are found before
/// `&Pick<T>` ones).
#[doc(hidden)]
#[derive(Debug)]
pub struct Pick<T>(PhantomData<fn() -> T>);

impl<T> Pick<T> {
    /// The pick for `T`.
    pub fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T> Default for Pick<T> {
    fn default() -> Self {
        Self::new()
    }
}
