//! `#[controller]`: parse the `impl` block and its route methods into typed data ([`ir`]),
//! validate it collecting every error, and generate from it the `Controller` impl that lists
//! the routes.
//!
//! On error the `impl` block is still emitted (with the attributes read removed), with the
//! errors and a stub `Controller` impl, so the rest of the program type-checks and only the real
//! mistakes are reported.

mod expand;
mod ir;
mod parse;
mod validate;

use proc_macro2::TokenStream;
use quote::quote;

use crate::errors::Errors;

pub(crate) fn expand(args: &TokenStream, item: &TokenStream) -> TokenStream {
    let item: syn::Item = match syn::parse2(item.clone()) {
        Ok(item) => item,
        Err(error) => {
            let error = error.into_compile_error();
            return quote!(#error #item);
        }
    };
    let syn::Item::Impl(block) = item else {
        let error = syn::Error::new_spanned(
            &item,
            "`#[controller]` must be placed on an inherent `impl` block, as in `#[controller] impl CatsController { ... }`",
        )
        .into_compile_error();
        return quote!(#error #item);
    };
    let mut errors = Errors::default();
    let controller = parse::controller(args.clone(), block, &mut errors);
    validate::controller(&controller, &mut errors);
    match errors.into_error() {
        None => expand::controller(&controller),
        Some(error) => expand::fallback(&controller.block, &error),
    }
}
