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
    let mut providers: Vec<ProviderEntry> = Vec::new();
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
            let content = meta.value()?;
            let inner;
            bracketed!(inner in content);
            let entries = Punctuated::<ProviderEntry, Token![,]>::parse_terminated(&inner)?;
            providers.extend(entries);
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
        let providers = providers.iter().map(|entry| entry.register(&private));
        let exports = exports
            .iter()
            .map(|path| quote_spanned!(path.span()=> __nest_module.export::<#path>();));
        let controllers = controllers.iter().map(|path| {
            let hooks = hooks(path, &private);
            quote_spanned!(path.span()=> {
                #[allow(unused_imports)]
                use #private::{ViaDefaultController as _, ViaInjectableController as _};
                (&&#private::Pick::<#path>::new()).__nest_controller(__nest_module);
                #hooks
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

/// One entry of `providers = [...]`: a type, or NestJS's custom provider object
/// `{ provide: Key, use_value: expr }` / `use_factory: function` / `use_async_factory: function`.
enum ProviderEntry {
    Type(Path),
    Custom {
        key: Path,
        kind: syn::Ident,
        value: syn::Expr,
    },
}

impl syn::parse::Parse for ProviderEntry {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        if !input.peek(syn::token::Brace) {
            return input.parse().map(Self::Type);
        }
        let content;
        let braces = syn::braced!(content in input);
        let mut key = None;
        let mut using: Option<(syn::Ident, syn::Expr)> = None;
        while !content.is_empty() {
            let name: syn::Ident = content.parse()?;
            content.parse::<Token![:]>()?;
            match name.to_string().as_str() {
                "provide" => key = Some(content.parse::<Path>()?),
                "use_value" | "use_factory" | "use_async_factory" => {
                    if using.is_some() {
                        return Err(syn::Error::new_spanned(
                            &name,
                            "a provider has one of `use_value`, `use_factory` or `use_async_factory`",
                        ));
                    }
                    using = Some((name, content.parse()?));
                }
                other => {
                    return Err(syn::Error::new_spanned(
                        &name,
                        format!(
                            "unknown provider option `{other}`; expected `provide`, `use_value`, `use_factory` or `use_async_factory`"
                        ),
                    ));
                }
            }
            if !content.is_empty() {
                content.parse::<Token![,]>()?;
            }
        }
        match (key, using) {
            (Some(key), Some((kind, value))) => Ok(Self::Custom { key, kind, value }),
            _ => Err(syn::Error::new(
                braces.span.join(),
                "expected `{ provide: Type, use_value: expr }` (or `use_factory: function`, `use_async_factory: function`)",
            )),
        }
    }
}

impl ProviderEntry {
    /// The registration code.
    fn register(&self, private: &TokenStream) -> TokenStream {
        match self {
            Self::Type(path) => {
                let hooks = hooks(path, private);
                quote_spanned!(path.span()=> {
                    #[allow(unused_imports)]
                    use #private::{ViaDefault as _, ViaInjectable as _};
                    (&&#private::Pick::<#path>::new()).__nest_provider(__nest_module);
                    #hooks
                })
            }
            Self::Custom { key, kind, value } => {
                let call = match kind.to_string().as_str() {
                    "use_value" => quote_spanned!(value.span()=>
                        (&&#private::Pick::<#key>::new()).__nest_use_value(__nest_module, #value)
                    ),
                    "use_factory" => quote_spanned!(value.span()=>
                        (&&#private::Pick::<#key>::new())
                            .__nest_use_factory(__nest_module, #private::SyncFactory(#value))
                    ),
                    _ => quote_spanned!(value.span()=>
                        (&&#private::Pick::<#key>::new())
                            .__nest_use_factory(__nest_module, #private::AsyncFactory(#value))
                    ),
                };
                quote!({
                    #[allow(unused_imports)]
                    use #private::{ViaTokenKey as _, ViaTypeKey as _};
                    #call;
                })
            }
        }
    }
}

/// Registers the lifecycle hooks `ty` implements.
fn hooks(ty: &Path, private: &TokenStream) -> TokenStream {
    let methods = [
        "__nest_hook_init",
        "__nest_hook_bootstrap",
        "__nest_hook_destroy",
        "__nest_hook_before_shutdown",
        "__nest_hook_shutdown",
    ]
    .map(|name| syn::Ident::new(name, ty.span()));
    quote_spanned!(ty.span()=> {
        #[allow(unused_imports)]
        use #private::hooks::*;
        let mut __nest_hooks = #private::hooks::Hooks::default();
        #((&&#private::Pick::<#ty>::new()).#methods(&mut __nest_hooks);)*
        __nest_module.__hooks::<#ty>(__nest_hooks);
    })
}
