//! `#[derive(Injectable)]`: an `impl Injectable` that takes every `Arc<T>`, `Option<Arc<T>>` and
//! `Inject<K>` field from the resolved dependencies and takes the others from the struct's own
//! `Default` when it has one, else from each field's (see `build_with_defaults`), as NestJS
//! injects constructor parameters; `#[injectable(scope = "...")]` sets the scope.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::{Data, DeriveInput, GenericArgument, PathArguments, Type, spanned::Spanned};

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
    // Injected fields: (member, type, local holding the value).
    let mut injected_fields = Vec::new();
    // The other fields: (member, type).
    let mut other_fields = Vec::new();
    for (position, field) in data.fields.iter().enumerate() {
        let ty = &field.ty;
        let member = field.ident.clone().map_or_else(
            || {
                syn::Member::Unnamed(syn::Index {
                    index: u32::try_from(position).unwrap_or(u32::MAX),
                    span: ty.span(),
                })
            },
            syn::Member::Named,
        );
        if injected(ty) {
            let index = dependencies.len();
            dependencies.push(quote_spanned!(ty.span()=>
                <#ty as #inject_field>::dependency()
            ));
            injected_fields.push((member, ty, format_ident!("__nest_dep_{index}")));
        } else {
            other_fields.push((member, ty));
        }
    }
    let takes = injected_fields
        .iter()
        .enumerate()
        .map(|(index, (_, ty, local))| {
            quote_spanned!(ty.span()=>
                let #local = <#ty as #inject_field>::take(__nest_resolver, #index)?;
            )
        });
    let injected_members: Vec<_> = injected_fields
        .iter()
        .map(|(member, _, _)| member)
        .collect();
    let locals: Vec<_> = injected_fields.iter().map(|(_, _, local)| local).collect();
    let body = if other_fields.is_empty() {
        quote!(Self { #(#injected_members: #locals),* })
    } else {
        build_with_defaults(ident, &injected_fields, &other_fields)
    };
    let body = quote!({
        #(#takes)*
        #body
    });
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

/// The struct built when some fields are not injected: with the struct's own `Default` if it
/// has one (`Self { dep, ..Self::default() }`), else with each field's `Default`, else a
/// compile error at each field that has no `Default` (autoref over `__private::Build`).
fn build_with_defaults(
    ident: &syn::Ident,
    injected_fields: &[(syn::Member, &Type, syn::Ident)],
    other_fields: &[(syn::Member, &Type)],
) -> TokenStream {
    let (build, via_self_default, via_field_defaults) = (
        paths::build(),
        paths::via_self_default(),
        paths::via_field_defaults(),
    );
    let injected_members: Vec<_> = injected_fields
        .iter()
        .map(|(member, _, _)| member)
        .collect();
    let locals: Vec<_> = injected_fields.iter().map(|(_, _, local)| local).collect();
    let injected_types: Vec<_> = injected_fields.iter().map(|(_, ty, _)| ty).collect();
    let deps_type = quote!((#(#injected_types,)*));
    // `(A, (B, ()))`: a nested list has a `Default` however many fields there are.
    let parts_type = other_fields
        .iter()
        .rev()
        .fold(quote!(()), |rest, (_, ty)| quote!((#ty, #rest)));
    let part_locals: Vec<_> = (0..other_fields.len())
        .map(|index| format_ident!("__nest_part_{index}"))
        .collect();
    let parts_pattern = part_locals
        .iter()
        .rev()
        .fold(quote!(()), |rest, local| quote!((#local, #rest)));
    let other_members: Vec<_> = other_fields.iter().map(|(member, _)| member).collect();
    // The last fallback: one trait per field, implemented by every `Default` type, whose
    // message names the field.
    let generics: Vec<_> = (0..other_fields.len())
        .map(|index| format_ident!("__NestPart{index}"))
        .collect();
    let generic_parts = generics
        .iter()
        .rev()
        .fold(quote!(()), |rest, generic| quote!((#generic, #rest)));
    let field_traits: Vec<_> = (0..other_fields.len())
        .map(|index| format_ident!("__NestFieldDefault{index}"))
        .collect();
    let trait_defs = other_fields.iter().zip(&field_traits).map(|((member, ty), name)| {
        let field = match member {
            syn::Member::Named(name) => name.to_string(),
            syn::Member::Unnamed(index) => index.index.to_string(),
        };
        let message = format!(
            "`#[derive(Injectable)]` cannot build field `{field}` of `{ident}`: `{{Self}}` is not injected and has no `Default`"
        );
        let note = format!(
            "inject it (`Arc<T>`, `Option<Arc<T>>`, `Inject<Token>`), give `{{Self}}` a `Default`, or implement `Default` for `{ident}` (the fields it does not inject then come from `{ident}::default()`)"
        );
        quote_spanned!(ty.span()=>
            #[diagnostic::on_unimplemented(message = #message, label = "not injected, and not `Default`", note = #note)]
            trait #name {}
            impl<T: ::core::default::Default> #name for T {}
        )
    });
    let bounds = generics
        .iter()
        .zip(&field_traits)
        .zip(other_fields)
        .map(|((generic, name), (_, ty))| quote_spanned!(ty.span()=> #generic: #name));
    let bounds: Vec<_> = bounds.collect();
    quote!({
        #[allow(unused_imports)]
        use #via_self_default as _;
        #[allow(unused_imports)]
        use #via_field_defaults as _;
        #(#trait_defs)*
        #[allow(dead_code)]
        trait __NestNoDefault<#(#generics),*> {
            fn __nest_build<__NestDeps>(
                self,
                deps: __NestDeps,
                whole: impl ::core::ops::FnOnce(__NestDeps, #ident) -> #ident,
                parts: impl ::core::ops::FnOnce(__NestDeps, #generic_parts) -> #ident,
            ) -> #ident
            where
                #(#bounds),*;
        }
        impl<__NestDeps, #(#generics),*> __NestNoDefault<#(#generics),*>
            for #build<#ident, __NestDeps, #generic_parts>
        {
            fn __nest_build<__NestDeps2>(
                self,
                _: __NestDeps2,
                _: impl ::core::ops::FnOnce(__NestDeps2, #ident) -> #ident,
                _: impl ::core::ops::FnOnce(__NestDeps2, #generic_parts) -> #ident,
            ) -> #ident
            where
                #(#bounds),*
            {
                ::core::unreachable!("a struct without `Default` is built with its fields' `Default`")
            }
        }
        (&&#build::<Self, #deps_type, #parts_type>::new()).__nest_build(
            (#(#locals,)*),
            |(#(#locals,)*): #deps_type, __nest_base: Self| Self { #(#injected_members: #locals,)* ..__nest_base },
            |(#(#locals,)*): #deps_type, #parts_pattern: #parts_type| Self {
                #(#injected_members: #locals,)*
                #(#other_members: #part_locals,)*
            },
        )
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
