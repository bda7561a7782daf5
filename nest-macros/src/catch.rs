//! `#[catch(NotFoundException, ...)]` on an `impl ExceptionFilter for T` block: adds the
//! `catches` method that says which exceptions the filter handles (NestJS's `@Catch(...)`).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{ItemImpl, Path, Token, punctuated::Punctuated, spanned::Spanned};

use crate::paths;

pub(crate) fn expand(args: TokenStream, item: &TokenStream) -> TokenStream {
    let mut block = match syn::parse2::<ItemImpl>(item.clone()) {
        Ok(block) if block.trait_.is_some() => block,
        _ => {
            let error = syn::Error::new_spanned(
                item,
                "`#[catch(...)]` goes on an `impl ExceptionFilter for YourFilter` block",
            )
            .into_compile_error();
            return quote!(#error #item);
        }
    };
    let types = match syn::parse::Parser::parse2(
        Punctuated::<Path, Token![,]>::parse_terminated,
        args,
    ) {
        Ok(types) => types,
        Err(error) => {
            let error = syn::Error::new(
                error.span(),
                "expected `#[catch]` or `#[catch(HttpException, NotFoundException, ...)]` naming exception types",
            )
            .into_compile_error();
            return quote!(#error #block);
        }
    };
    let (exception_type, http_exception) = (paths::exception_type(), paths::http_exception());
    let body = if types.is_empty() {
        quote!(true)
    } else {
        let checks = types
            .iter()
            .map(|ty| quote_spanned!(ty.span()=> <#ty as #exception_type>::matches(exception)));
        quote!(#(#checks)||*)
    };
    block.items.push(syn::parse_quote! {
        fn catches(&self, exception: &#http_exception) -> bool {
            #body
        }
    });
    quote!(#block)
}
