//! `#[module(controllers = [...], imports = [...])]`: an `impl Module` that adds the imported
//! modules and the listed controllers to the application.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{Item, Path, Token, bracketed, punctuated::Punctuated, spanned::Spanned};

use crate::paths::private;

pub(crate) fn expand(args: TokenStream, item: &TokenStream) -> TokenStream {
    let parsed: Item = match syn::parse2(item.clone()) {
        Ok(item) => item,
        Err(error) => {
            let error = error.into_compile_error();
            return quote!(#error #item);
        }
    };
    let ident = match &parsed {
        Item::Struct(item) if item.generics.params.is_empty() => &item.ident,
        other => {
            let error = syn::Error::new_spanned(
                other,
                "`#[module]` must be placed on a struct without generics, as in `#[module(controllers = [AppController])] struct AppModule;`",
            )
            .into_compile_error();
            return quote!(#error #parsed);
        }
    };
    let mut controllers: Vec<Path> = Vec::new();
    let mut imports: Vec<Path> = Vec::new();
    let parser = syn::meta::parser(|meta| {
        let list = |meta: &syn::meta::ParseNestedMeta<'_>| -> syn::Result<Vec<Path>> {
            let content = meta.value()?;
            let inner;
            bracketed!(inner in content);
            let paths = Punctuated::<Path, Token![,]>::parse_terminated(&inner)?;
            Ok(paths.into_iter().collect())
        };
        if meta.path.is_ident("controllers") {
            controllers.extend(list(&meta)?);
            Ok(())
        } else if meta.path.is_ident("imports") {
            imports.extend(list(&meta)?);
            Ok(())
        } else {
            let name = meta
                .path
                .get_ident()
                .map_or_else(|| "?".to_owned(), ToString::to_string);
            Err(meta.error(format!(
                "unknown `#[module]` option `{name}`; expected one of: `controllers`, `imports`"
            )))
        }
    });
    let configure = syn::parse::Parser::parse2(parser, args).map(|()| {
        let imports = imports.iter().map(|path| {
            quote_spanned!(path.span()=> __nest_app.import::<#path>();)
        });
        let controllers = controllers.iter().map(|path| {
            quote_spanned!(path.span()=> __nest_app.controller(<#path as ::core::default::Default>::default());)
        });
        quote!(#(#imports)* #(#controllers)*)
    });
    let private = private();
    let (body, error) = match configure {
        Ok(body) => (body, TokenStream::new()),
        Err(error) => (TokenStream::new(), error.into_compile_error()),
    };
    quote! {
        #error
        #parsed

        const _: () = {
            #[automatically_derived]
            impl #private::Module for #ident {
                fn configure(__nest_app: &mut #private::AppBuilder) {
                    #body
                }
            }
        };
    }
}
