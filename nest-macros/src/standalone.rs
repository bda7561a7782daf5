//! A route attribute used outside `#[controller]`: an error, with the item kept so that the
//! rest of the code still type-checks.

use proc_macro2::{Span, TokenStream};
use quote::quote;

pub(crate) fn expand(name: &str, item: &TokenStream) -> TokenStream {
    let message =
        format!("`#[{name}]` must be used on a method of an `impl` block marked `#[controller]`");
    let error = syn::Error::new(Span::call_site(), message).into_compile_error();
    quote!(#error #item)
}
