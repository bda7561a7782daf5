//! `#[module(imports = [...], controllers = [...], providers = [...], exports = [...], global)]`:
//! an `impl Module` that declares them to the application.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{Item, Path, Token, bracketed, punctuated::Punctuated, spanned::Spanned};

use crate::{
    errors::Errors,
    names::{ModuleOption, ProviderOption},
    paths,
};

/// `tokens` cut at each comma outside any group (empty pieces, as after a trailing comma, are
/// left out).
fn split_top_level_commas(tokens: TokenStream) -> Vec<TokenStream> {
    let mut pieces = vec![TokenStream::new()];
    for token in tokens {
        match &token {
            proc_macro2::TokenTree::Punct(punct) if punct.as_char() == ',' => {
                pieces.push(TokenStream::new());
            }
            _ => {
                if let Some(piece) = pieces.last_mut() {
                    piece.extend([token]);
                }
            }
        }
    }
    pieces.retain(|piece| !piece.is_empty());
    pieces
}

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
    let mut imports: Vec<syn::Expr> = Vec::new();
    let mut providers: Vec<ProviderEntry> = Vec::new();
    let mut exports: Vec<Path> = Vec::new();
    let mut global = false;
    // Each top-level `name = value` is read on its own, so that every mistake is reported.
    let mut errors = Errors::default();
    for option in split_top_level_commas(args) {
        let parsed = syn::parse::Parser::parse2(
            |input: syn::parse::ParseStream<'_>| {
                let name: syn::Ident = input.call(syn::ext::IdentExt::parse_any)?;
                let Some(option) = ModuleOption::from_ident(&name) else {
                    let all: Vec<ModuleOption> = ModuleOption::TABLE
                        .iter()
                        .map(|&(_, option)| option)
                        .collect();
                    return Err(syn::Error::new_spanned(
                        &name,
                        format!(
                            "unknown `#[module]` option `{name}`; expected one of: {}",
                            ModuleOption::list(&all)
                        ),
                    ));
                };
                if option == ModuleOption::Global {
                    global = true;
                    return Ok(());
                }
                input.parse::<Token![=]>()?;
                if !input.peek(syn::token::Bracket) {
                    return Err(input.error(format!(
                        "expected a list in square brackets, as in `{} = [AppController]`",
                        option.name()
                    )));
                }
                let inner;
                bracketed!(inner in input);
                if option == ModuleOption::Providers {
                    let entries = Punctuated::<ProviderEntry, Token![,]>::parse_terminated(&inner)?;
                    providers.extend(entries);
                    return Ok(());
                }
                if option == ModuleOption::Imports {
                    // A path is a module type; any other expression makes a `DynamicModule`.
                    let entries = Punctuated::<syn::Expr, Token![,]>::parse_terminated(&inner)?;
                    imports.extend(entries);
                    return Ok(());
                }
                let paths = Punctuated::<Path, Token![,]>::parse_terminated(&inner)?;
                match option {
                    ModuleOption::Controllers => controllers.extend(paths),
                    _ => exports.extend(paths),
                }
                Ok(())
            },
            option,
        );
        errors.take(parsed);
    }
    let configure = errors.into_error().map_or(Ok(()), Err).map(|()| {
        let imports = imports.iter().map(|import| match import {
            syn::Expr::Path(syn::ExprPath {
                qself: None, path, ..
            }) => quote_spanned!(path.span()=> __nest_module.import::<#path>();),
            dynamic => quote_spanned!(dynamic.span()=> __nest_module.import_dynamic(#dynamic);),
        });
        // Each provider and controller is registered the way it supports: `Injectable` first,
        // else `Default` (see nest_core::app::module).
        let providers = providers.iter().map(ProviderEntry::register);
        let exports = exports
            .iter()
            .map(|path| quote_spanned!(path.span()=> __nest_module.export::<#path>();));
        let (pick, via_default_controller, via_injectable_controller) = (
            paths::pick(),
            paths::via_default_controller(),
            paths::via_injectable_controller(),
        );
        // When a type is neither an `Injectable` nor a `Default` controller, method resolution
        // reaches `__NestControllerType`, whose bounds fail with `Controller`'s message (and
        // `Default`'s), at the type's name.
        let controllers = controllers.iter().map(|path| {
            let hooks = hooks(path);
            let span = path.span();
            let controller = paths::at(span, paths::controller());
            let module_builder = paths::at(span, paths::module_builder());
            let pick_at = paths::at(span, pick.clone());
            quote_spanned!(span=> {
                #[allow(unused_imports)]
                use #via_default_controller as _;
                #[allow(unused_imports)]
                use #via_injectable_controller as _;
                #[allow(dead_code)]
                trait __NestControllerType {
                    type Value;
                    fn __nest_controller(self, module: &mut #module_builder<'_>)
                    where
                        Self::Value: #controller,
                        Self::Value: ::core::default::Default;
                }
                impl<T> __NestControllerType for #pick_at<T> {
                    type Value = T;
                    fn __nest_controller(self, _: &mut #module_builder<'_>)
                    where
                        T: #controller,
                        T: ::core::default::Default,
                    {
                        ::core::unreachable!("a `Default` controller is registered through `ViaDefaultController`")
                    }
                }
                (&&#pick_at::<#path>::new()).__nest_controller(__nest_module);
                #hooks
            })
        });
        let global = global.then(|| quote!(__nest_module.global();));
        // A module that implements `NestModule` binds middleware (`configure(consumer)`).
        let (via_nest_module, via_plain_module) = (paths::via_nest_module(), paths::via_plain_module());
        let middleware = quote!({
            #[allow(unused_imports)]
            use #via_nest_module as _;
            #[allow(unused_imports)]
            use #via_plain_module as _;
            (&&#pick::<Self>::new()).__nest_middleware(__nest_module);
        });
        quote!(#(#imports)* #(#providers)* #(#exports)* #(#controllers)* #global #middleware)
    });
    let (body, error) = match configure {
        Ok(body) => (body, TokenStream::new()),
        Err(error) => (TokenStream::new(), error.into_compile_error()),
    };
    let name = ident.to_string();
    let (module, module_builder) = (paths::module(), paths::module_builder());
    quote! {
        #error
        #parsed

        const _: () = {
            #[automatically_derived]
            impl #module for #ident {
                const NAME: &'static str = #name;

                fn configure(__nest_module: &mut #module_builder<'_>) {
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
        kind: ProviderOption,
        value: syn::Expr,
    },
}

/// The keys that say how a custom provider is built.
const USING: [ProviderOption; 3] = [
    ProviderOption::UseValue,
    ProviderOption::UseFactory,
    ProviderOption::UseAsyncFactory,
];

/// Every key of a custom provider, in the order messages list them.
const ALL_PROVIDER_OPTIONS: [ProviderOption; 4] = [
    ProviderOption::Provide,
    ProviderOption::UseValue,
    ProviderOption::UseFactory,
    ProviderOption::UseAsyncFactory,
];

impl syn::parse::Parse for ProviderEntry {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        if !input.peek(syn::token::Brace) {
            return input.parse().map(Self::Type);
        }
        let content;
        let braces = syn::braced!(content in input);
        let mut key = None;
        let mut using: Option<(ProviderOption, syn::Expr)> = None;
        while !content.is_empty() {
            let name: syn::Ident = content.parse()?;
            content.parse::<Token![:]>()?;
            match ProviderOption::from_ident(&name) {
                Some(ProviderOption::Provide) => key = Some(content.parse::<Path>()?),
                Some(option) => {
                    if using.is_some() {
                        return Err(syn::Error::new_spanned(
                            &name,
                            format!(
                                "a provider has only one of {}",
                                ProviderOption::list(&USING)
                            ),
                        ));
                    }
                    using = Some((option, content.parse()?));
                }
                None => {
                    return Err(syn::Error::new_spanned(
                        &name,
                        format!(
                            "unknown provider option `{name}`; expected one of: {}",
                            ProviderOption::list(&ALL_PROVIDER_OPTIONS)
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
    fn register(&self) -> TokenStream {
        let pick = paths::pick();
        match self {
            Self::Type(path) => {
                let hooks = hooks(path);
                let (via_default, via_injectable) = (paths::via_default(), paths::via_injectable());
                quote_spanned!(path.span()=> {
                    #[allow(unused_imports)]
                    use #via_default as _;
                    #[allow(unused_imports)]
                    use #via_injectable as _;
                    (&&#pick::<#path>::new()).__nest_provider(__nest_module);
                    #hooks
                })
            }
            Self::Custom { key, kind, value } => {
                let call = match kind {
                    ProviderOption::UseValue => quote_spanned!(value.span()=>
                        (&&#pick::<#key>::new()).__nest_use_value(__nest_module, #value)
                    ),
                    ProviderOption::UseFactory => {
                        let factory = paths::sync_factory();
                        quote_spanned!(value.span()=>
                            (&&#pick::<#key>::new())
                                .__nest_use_factory(__nest_module, #factory(#value))
                        )
                    }
                    _ => {
                        let factory = paths::async_factory();
                        quote_spanned!(value.span()=>
                            (&&#pick::<#key>::new())
                                .__nest_use_factory(__nest_module, #factory(#value))
                        )
                    }
                };
                let (via_token_key, via_type_key) = (paths::via_token_key(), paths::via_type_key());
                quote!({
                    #[allow(unused_imports)]
                    use #via_token_key as _;
                    #[allow(unused_imports)]
                    use #via_type_key as _;
                    #call;
                })
            }
        }
    }
}

/// Registers the lifecycle hooks `ty` implements.
fn hooks(ty: &Path) -> TokenStream {
    let methods = [
        "__nest_hook_init",
        "__nest_hook_bootstrap",
        "__nest_hook_destroy",
        "__nest_hook_before_shutdown",
        "__nest_hook_shutdown",
        "__nest_hook_methods",
    ]
    .map(|name| syn::Ident::new(name, ty.span()));
    let (hooks_module, hooks, pick) = (paths::hooks_module(), paths::hooks(), paths::pick());
    quote_spanned!(ty.span()=> {
        #[allow(unused_imports)]
        use #hooks_module::*;
        let mut __nest_hooks = #hooks::default();
        #((&&#pick::<#ty>::new()).#methods(&mut __nest_hooks);)*
        __nest_module.__hooks::<#ty>(__nest_hooks);
    })
}
