//! The one place generated code names the runtime: everything goes through
//! `::nest_core::__private`, and std items through `::core`/`::std`, so nothing resolves in the
//! user's scope.

use proc_macro2::TokenStream;
use quote::quote;

/// `::nest_core::__private`
pub(crate) fn private() -> TokenStream {
    quote!(::nest_core::__private)
}

/// `::nest_core::__private`, spanned at `span`: errors about what it names point there.
pub(crate) fn private_at(span: proc_macro2::Span) -> TokenStream {
    quote::quote_spanned!(span=> ::nest_core::__private)
}
