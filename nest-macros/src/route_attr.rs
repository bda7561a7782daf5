//! The route attributes a `#[controller]` reads on its methods: `#[get]`, `#[post]`, …, and
//! `#[sse]`, which differ only in data.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{
    Attribute, Ident, LitStr, Meta, Token, ext::IdentExt, parse::ParseStream, spanned::Spanned,
};

use crate::{
    paths::private,
    route_path::{self, RoutePath},
};

/// An HTTP method, as NestJS's `RequestMethod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verb {
    Get,
    Post,
    Put,
    Delete,
    Patch,
    Options,
    Head,
    All,
}

impl Verb {
    fn from_attribute(name: &str) -> Option<Self> {
        Some(match name {
            "get" | "sse" => Self::Get,
            "post" => Self::Post,
            "put" => Self::Put,
            "delete" => Self::Delete,
            "patch" => Self::Patch,
            "options" => Self::Options,
            "head" => Self::Head,
            "all" => Self::All,
            _ => return None,
        })
    }

    fn from_method_name(name: &str) -> Option<Self> {
        Some(match name {
            "GET" => Self::Get,
            "POST" => Self::Post,
            "PUT" => Self::Put,
            "DELETE" => Self::Delete,
            "PATCH" => Self::Patch,
            _ => return None,
        })
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
            Self::Patch => "PATCH",
            Self::Options => "OPTIONS",
            Self::Head => "HEAD",
            Self::All => "ALL",
        }
    }

    /// `::nest_core::__private::RequestMethod::Get`, …
    pub(crate) fn to_tokens(self) -> TokenStream {
        let private = private();
        let variant = Ident::new(
            match self {
                Self::Get => "Get",
                Self::Post => "Post",
                Self::Put => "Put",
                Self::Delete => "Delete",
                Self::Patch => "Patch",
                Self::Options => "Options",
                Self::Head => "Head",
                Self::All => "All",
            },
            Span::call_site(),
        );
        quote!(#private::RequestMethod::#variant)
    }
}

/// The names `#[controller]` treats as route attributes (the last path segment, so
/// `#[nest_core::get]` counts too).
pub(crate) fn route_attribute_name(attr: &Attribute) -> Option<&'static str> {
    let name = attr.path().segments.last()?.ident.to_string();
    [
        "sse", "get", "post", "put", "delete", "patch", "options", "head", "all",
    ]
    .into_iter()
    .find(|known| *known == name)
}

/// One parsed route attribute.
#[derive(Debug)]
pub(crate) struct RouteAttr {
    /// `sse`, `get`, …
    pub(crate) name: &'static str,
    pub(crate) is_sse: bool,
    pub(crate) verb: Verb,
    pub(crate) path: RoutePath,
    /// The whole attribute, for errors that cover it.
    pub(crate) tokens: TokenStream,
}

/// Parses `#[get]`, `#[get("path")]`, `#[sse("path")]`, `#[sse("path", method = "POST")]`.
pub(crate) fn parse(attr: &Attribute, name: &'static str) -> syn::Result<RouteAttr> {
    let is_sse = name == "sse";
    let mut verb = Verb::from_attribute(name).unwrap_or(Verb::Get);
    let example = if is_sse {
        "#[sse(\"events\")]"
    } else {
        "#[get(\"cats/:id\")]"
    };
    let what = format!("`#[{name}]`");
    let missing_path = || {
        syn::Error::new_spanned(
            attr,
            format!(
                "`#[sse]` needs a path, as in `{example}`; use `#[sse(\"\")]` for the controller's own path"
            ),
        )
    };
    let path = match &attr.meta {
        Meta::Path(_) if is_sse => return Err(missing_path()),
        Meta::Path(_) => route_path::parse(&LitStr::new("", attr.span()), &what)?,
        Meta::NameValue(_) => {
            return Err(syn::Error::new_spanned(
                attr,
                format!("expected `#[{name}(\"path\")]`, as in `{example}`"),
            ));
        }
        Meta::List(list) => list.parse_args_with(|input: ParseStream<'_>| {
            if input.is_empty() {
                return if is_sse {
                    Err(missing_path())
                } else {
                    route_path::parse(&LitStr::new("", list.span()), &what)
                };
            }
            let lit: LitStr = input.parse().map_err(|error| {
                syn::Error::new(
                    error.span(),
                    format!("expected the route path as a string literal, as in `{example}`"),
                )
            })?;
            let path = route_path::parse(&lit, &what)?;
            while !input.is_empty() {
                input.parse::<Token![,]>()?;
                if input.is_empty() {
                    break;
                }
                let key = input.call(Ident::parse_any)?;
                match key.to_string().as_str() {
                    "method" if is_sse => {
                        input.parse::<Token![=]>()?;
                        let value: LitStr = input.parse()?;
                        verb = Verb::from_method_name(&value.value()).ok_or_else(|| {
                            syn::Error::new_spanned(
                                &value,
                                "expected one of: \"GET\", \"POST\", \"PUT\", \"PATCH\", \"DELETE\"",
                            )
                        })?;
                    }
                    other if is_sse => {
                        return Err(syn::Error::new_spanned(
                            &key,
                            format!("unknown `#[sse]` option `{other}`; expected `method`"),
                        ));
                    }
                    other => {
                        return Err(syn::Error::new_spanned(
                            &key,
                            format!("unknown `#[{name}]` option `{other}`; `#[{name}]` takes only a path"),
                        ));
                    }
                }
            }
            Ok(path)
        })?,
    };
    Ok(RouteAttr {
        name,
        is_sse,
        verb,
        path,
        tokens: quote!(#attr),
    })
}
