//! How `#[derive(Injectable)]` fills the fields it does not inject, chosen by autoref from what
//! the type supports: the struct's own `Default` when it has one (`Self { dep, ..Self::default() }`,
//! so a hand-written `impl Default` is kept), else each field's `Default`. A struct with
//! neither is a compile error naming the field (the derive adds that last fallback).

use std::marker::PhantomData;

/// The struct `S` being built, its injected values `D` and the types `P` of its other fields
/// (a list nested as `(A, (B, ()))`).
#[doc(hidden)]
pub struct Build<S, D, P>(PhantomData<Marks<S, D, P>>);

/// `Build`'s marker: no value of any of them is held.
type Marks<S, D, P> = fn() -> (S, D, P);

impl<S, D, P> Build<S, D, P> {
    /// The marker.
    pub fn new() -> Self {
        Self(PhantomData)
    }
}

impl<S, D, P> Default for Build<S, D, P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S, D, P> Clone for Build<S, D, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S, D, P> Copy for Build<S, D, P> {}

impl<S, D, P> std::fmt::Debug for Build<S, D, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Build")
    }
}

/// The struct has its own `Default`: the fields not injected come from it.
#[doc(hidden)]
pub trait ViaSelfDefault<S, D, P> {
    /// `whole(deps, S::default())`.
    fn __nest_build(
        self,
        deps: D,
        whole: impl FnOnce(D, S) -> S,
        parts: impl FnOnce(D, P) -> S,
    ) -> S;
}

impl<S: Default, D, P> ViaSelfDefault<S, D, P> for &&Build<S, D, P> {
    fn __nest_build(self, deps: D, whole: impl FnOnce(D, S) -> S, _: impl FnOnce(D, P) -> S) -> S {
        whole(deps, S::default())
    }
}

/// Every field not injected has a `Default`.
#[doc(hidden)]
pub trait ViaFieldDefaults<S, D, P> {
    /// `parts(deps, P::default())`.
    fn __nest_build(
        self,
        deps: D,
        whole: impl FnOnce(D, S) -> S,
        parts: impl FnOnce(D, P) -> S,
    ) -> S;
}

impl<S, D, P: Default> ViaFieldDefaults<S, D, P> for &Build<S, D, P> {
    fn __nest_build(self, deps: D, _: impl FnOnce(D, S) -> S, parts: impl FnOnce(D, P) -> S) -> S {
        parts(deps, P::default())
    }
}
