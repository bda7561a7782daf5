//! `#[derive(Injectable)]`: an `impl Injectable` that asks the resolver for every `Arc<T>` field
//! and gives every other field its `Default`, as NestJS injects constructor parameters.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{Data, DeriveInput, Fields, GenericArgument, PathArguments, Type, spanned::Spanned};

use crate::paths::private;

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
    let private = private();
    let ident = &input.ident;
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
    let mut dependencies = Vec::new();
    let mut values = Vec::new();
    for field in &data.fields {
        match injected(&field.ty) {
            Some(provider) => {
                let index = dependencies.len();
                dependencies.push(type_name(provider));
                values.push(
                    quote_spanned!(field.ty.span()=> __nest_resolver.get::<#provider>(#index)?),
                );
            }
            None => {
                values.push(quote_spanned!(field.ty.span()=> ::core::default::Default::default()))
            }
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
    Ok(quote! {
        const _: () = {
            #[automatically_derived]
            impl #private::Injectable for #ident {
                const NAME: &'static str = #name;

                fn dependencies() -> &'static [&'static str] {
                    &[#(#dependencies),*]
                }

                fn inject(
                    __nest_resolver: &mut #private::Resolver<'_>,
                ) -> ::core::result::Result<Self, #private::StartupError> {
                    ::core::result::Result::Ok(#body)
                }
            }
        };
    })
}

/// `Arc<T>` (by its last path segment) → `T`.
fn injected(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let segment = path.path.segments.last()?;
    if segment.ident != "Arc" {
        return None;
    }
    let PathArguments::AngleBracketed(arguments) = &segment.arguments else {
        return None;
    };
    match arguments.args.first()? {
        GenericArgument::Type(inner) if arguments.args.len() == 1 => Some(inner),
        _ => None,
    }
}

/// The type as written, without spaces (`CatsService`, `cats::CatsService`).
fn type_name(ty: &Type) -> String {
    quote!(#ty).to_string().replace(' ', "")
}
