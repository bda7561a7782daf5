//! `#[module(imports = [...], controllers = [...], providers = [...], exports = [...], global)]`:
//! an `impl Module` that declares them to the application.

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
    let mut providers: Vec<Path> = Vec::new();
    let mut exports: Vec<Path> = Vec::new();
    let mut global = false;
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
        } else if meta.path.is_ident("imports") {
            imports.extend(list(&meta)?);
        } else if meta.path.is_ident("providers") {
            providers.extend(list(&meta)?);
        } else if meta.path.is_ident("exports") {
            exports.extend(list(&meta)?);
        } else if meta.path.is_ident("global") {
            global = true;
        } else {
            let name = meta
                .path
                .get_ident()
                .map_or_else(|| "?".to_owned(), ToString::to_string);
            return Err(meta.error(format!(
                "unknown `#[module]` option `{name}`; expected one of: `imports`, `controllers`, `providers`, `exports`, `global`"
            )));
        }
        Ok(())
    });
    let private = private();
    let configure = syn::parse::Parser::parse2(parser, args).map(|()| {
        let imports = imports
            .iter()
            .map(|path| quote_spanned!(path.span()=> __nest_module.import::<#path>();));
        // Each provider and controller is registered the way it supports: `Injectable` first,
        // else `Default` (see nest_core::app::module).
        let providers = providers.iter().map(|path| {
            quote_spanned!(path.span()=> {
                #[allow(unused_imports)]
                use #private::{ViaDefault as _, ViaInjectable as _};
                (&&#private::Pick::<#path>::new()).__nest_provider(__nest_module);
            })
        });
        let exports = exports
            .iter()
            .map(|path| quote_spanned!(path.span()=> __nest_module.export::<#path>();));
        let controllers = controllers.iter().map(|path| {
            quote_spanned!(path.span()=> {
                #[allow(unused_imports)]
                use #private::{ViaDefaultController as _, ViaInjectableController as _};
                (&&#private::Pick::<#path>::new()).__nest_controller(__nest_module);
            })
        });
        let global = global.then(|| quote!(__nest_module.global();));
        quote!(#(#imports)* #(#providers)* #(#exports)* #(#controllers)* #global)
    });
    let (body, error) = match configure {
        Ok(body) => (body, TokenStream::new()),
        Err(error) => (TokenStream::new(), error.into_compile_error()),
    };
    let name = ident.to_string();
    quote! {
        #error
        #parsed

        const _: () = {
            #[automatically_derived]
            impl #private::Module for #ident {
                const NAME: &'static str = #name;

                fn configure(__nest_module: &mut #private::ModuleBuilder<'_>) {
                    #body
                }
            }
        };
    }
}
