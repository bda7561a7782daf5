//! `#[derive(Injectable)]`: an `impl Injectable` that takes every `Arc<T>`, `Option<Arc<T>>` and
//! `Inject<K>` field from the resolved dependencies and gives every other field its `Default`,
//! as NestJS injects constructor parameters; `#[injectable(scope = "...")]` sets the scope.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::{Data, DeriveInput, Fields, GenericArgument, PathArguments, Type, spanned::Spanned};

use crate::{
    names::{Attr, InjectableOption},
    paths,
};

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.into_compile_error(),
    };
    match derive(&input) {
        Ok(tokens) => tokens,
        Err(error) => error.into_compile_error(),
    }
}

fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let ident = &input.ident;
    let inject_field = paths::inject_field();
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "`#[derive(Injectable)]` does not support generic types",
        ));
    }
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            ident,
            "`#[derive(Injectable)]` is for structs: their `Arc<T>` fields are injected",
        ));
    };
    let scope = scope(input)?;
    let mut dependencies = Vec::new();
    let mut values = Vec::new();
    for field in &data.fields {
        let ty = &field.ty;
        if injected(ty) {
            let index = dependencies.len();
            dependencies.push(quote_spanned!(ty.span()=>
                <#ty as #inject_field>::dependency()
            ));
            values.push(quote_spanned!(ty.span()=>
                <#ty as #inject_field>::take(__nest_resolver, #index)?
            ));
        } else {
            values.push(quote_spanned!(ty.span()=> ::core::default::Default::default()));
        }
    }
    let body = match &data.fields {
        Fields::Named(fields) => {
            let names = fields.named.iter().map(|field| &field.ident);
            quote!(Self { #(#names: #values),* })
        }
        Fields::Unnamed(_) => quote!(Self(#(#values),*)),
        Fields::Unit => quote!(Self),
    };
    let name = ident.to_string();
    let scope = scope.map(|scope| {
        let variant = format_ident!("{scope}");
        let scope_type = paths::scope();
        quote!(const SCOPE: #scope_type = #scope_type::#variant;)
    });
    let (injectable, dependency, resolver, startup_error) = (
        paths::injectable(),
        paths::dependency(),
        paths::resolver(),
        paths::startup_error(),
    );
    Ok(quote! {
        const _: () = {
            #[automatically_derived]
            impl #injectable for #ident {
                const NAME: &'static str = #name;
                #scope

                fn dependencies() -> ::std::vec::Vec<#dependency> {
                    ::std::vec![#(#dependencies),*]
                }

                fn inject(
                    __nest_resolver: &mut #resolver,
                ) -> ::core::result::Result<Self, #startup_error> {
                    ::core::result::Result::Ok(#body)
                }
            }
        };
    })
}

/// `#[injectable(scope = "transient")]` (or `"request"`, `"singleton"`): the `Scope` variant.
fn scope(input: &DeriveInput) -> syn::Result<Option<&'static str>> {
    let mut scope = None;
    for attr in input
        .attrs
        .iter()
        .filter(|attr| Attr::of(attr) == Some(Attr::Injectable))
    {
        attr.parse_nested_meta(|meta| {
            if !meta.path.is_ident(InjectableOption::Scope.name()) {
                return Err(meta.error("expected `#[injectable(scope = \"transient\")]`"));
            }
            let value: syn::LitStr = meta.value()?.parse()?;
            scope = Some(match value.value().as_str() {
                "singleton" | "default" => "Singleton",
                "transient" => "Transient",
                "request" => "Request",
                _ => {
                    return Err(syn::Error::new_spanned(
                        &value,
                        "expected `\"singleton\"`, `\"transient\"` or `\"request\"`",
                    ));
                }
            });
            Ok(())
        })?;
    }
    Ok(scope)
}

/// Whether a field is injected: `Arc<T>`, `Option<Arc<T>>`, `Inject<K>`, `Option<Inject<K>>`
/// (by their last path segment).
fn injected(ty: &Type) -> bool {
    match last_segment(ty) {
        Some(segment) if segment.ident == "Arc" || segment.ident == "Inject" => true,
        Some(segment) if segment.ident == "Option" => {
            let PathArguments::AngleBracketed(arguments) = &segment.arguments else {
                return false;
            };
            match arguments.args.first() {
                Some(GenericArgument::Type(inner)) if arguments.args.len() == 1 => {
                    last_segment(inner)
                        .is_some_and(|inner| inner.ident == "Arc" || inner.ident == "Inject")
                }
                _ => false,
            }
        }
        _ => false,
    }
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    let Type::Path(path) = ty else { return None };
    path.path.segments.last()
}
