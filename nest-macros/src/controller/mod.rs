//! `#[controller]`: parse the `impl` block and its route methods, check them, and generate the
//! `Controller` impl that lists the routes.
//!
//! On error the `impl` block is still emitted (with our attributes removed), with the errors
//! and a stub `Controller` impl, so the rest of the program type-checks and only the real
//! mistakes are reported.

mod args;
mod expand;
mod parse;
mod response_attrs;

use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn expand(args: &TokenStream, item: &TokenStream) -> TokenStream {
    let item: syn::Item = match syn::parse2(item.clone()) {
        Ok(item) => item,
        Err(error) => {
            let error = error.into_compile_error();
            return quote!(#error #item);
        }
    };
    let syn::Item::Impl(mut block) = item else {
        let error = syn::Error::new_spanned(
            &item,
            "`#[controller]` must be placed on an inherent `impl` block, as in `#[controller] impl CatsController { ... }`",
        )
        .into_compile_error();
        return quote!(#error #item);
    };
    let parsed = parse::Controller::from_impl(args, &mut block);
    match parsed {
        Ok(controller) => expand::controller(&block, &controller),
        Err(error) => expand::fallback(&block, &error),
    }
}
