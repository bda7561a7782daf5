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

/// The event-stream settings an `#[sse(...)]` attribute overrides.
#[derive(Debug, Default)]
pub(crate) struct SseSettings {
    /// `keep_alive = "5s"` (milliseconds) or `keep_alive = false` (`None`).
    keep_alive: Option<Option<u64>>,
    retry: Option<u64>,
    max_lifetime: Option<u64>,
    shutdown_event: Option<String>,
    continue_ids: Option<bool>,
}

impl SseSettings {
    /// `::nest_core::__private::SseRouteOptions::new().keep_alive(...)...`
    pub(crate) fn to_tokens(&self) -> TokenStream {
        let private = private();
        let mut tokens = quote!(#private::SseRouteOptions::new());
        if let Some(keep_alive) = self.keep_alive {
            let value = match keep_alive {
                Some(millis) => quote!(::core::option::Option::Some(#millis)),
                None => quote!(::core::option::Option::None),
            };
            tokens.extend(quote!(.keep_alive(#value)));
        }
        if let Some(millis) = self.retry {
            tokens.extend(quote!(.retry(#millis)));
        }
        if let Some(millis) = self.max_lifetime {
            tokens.extend(quote!(.max_lifetime(#millis)));
        }
        if let Some(name) = &self.shutdown_event {
            tokens.extend(quote!(.shutdown_event(#name)));
        }
        if let Some(continue_ids) = self.continue_ids {
            tokens.extend(quote!(.continue_ids(#continue_ids)));
        }
        tokens
    }
}

/// The options `#[sse]` accepts, for messages.
const SSE_OPTIONS: &str =
    "`method`, `keep_alive`, `retry`, `max_lifetime`, `shutdown_event`, `continue_ids`";

/// One parsed route attribute.
#[derive(Debug)]
pub(crate) struct RouteAttr {
    /// `sse`, `get`, …
    pub(crate) name: &'static str,
    pub(crate) is_sse: bool,
    pub(crate) verb: Verb,
    pub(crate) path: RoutePath,
    /// `#[sse]` only: the settings it overrides.
    pub(crate) sse: SseSettings,
    /// The whole attribute, for errors that cover it.
    pub(crate) tokens: TokenStream,
}

/// Parses `#[get]`, `#[get("path")]`, `#[sse("path")]`, `#[sse("path", method = "POST")]`.
pub(crate) fn parse(attr: &Attribute, name: &'static str) -> syn::Result<RouteAttr> {
    let is_sse = name == "sse";
    let mut verb = Verb::from_attribute(name).unwrap_or(Verb::Get);
    let mut sse = SseSettings::default();
    let mut seen: Vec<String> = Vec::new();
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
                let key_name = key.to_string();
                if seen.contains(&key_name) {
                    return Err(syn::Error::new_spanned(
                        &key,
                        format!("`{key_name}` is set twice in this `#[{name}]`"),
                    ));
                }
                seen.push(key_name);
                match key.to_string().as_str() {
                    "keep_alive" if is_sse => {
                        input.parse::<Token![=]>()?;
                        if input.peek(syn::LitBool) {
                            let flag: syn::LitBool = input.parse()?;
                            if flag.value {
                                return Err(syn::Error::new_spanned(
                                    &flag,
                                    "heartbeats are on by default; write `keep_alive = \"15s\"` to set the interval or `keep_alive = false` to turn them off",
                                ));
                            }
                            sse.keep_alive = Some(None);
                        } else {
                            let value: LitStr = input.parse().map_err(|error| {
                                syn::Error::new(error.span(), "expected `keep_alive = \"15s\"` or `keep_alive = false`")
                            })?;
                            sse.keep_alive = Some(Some(crate::duration::parse(&value)?));
                        }
                    }
                    "retry" if is_sse => {
                        input.parse::<Token![=]>()?;
                        sse.retry = Some(crate::duration::parse(&input.parse()?)?);
                    }
                    "max_lifetime" if is_sse => {
                        input.parse::<Token![=]>()?;
                        sse.max_lifetime = Some(crate::duration::parse(&input.parse()?)?);
                    }
                    "shutdown_event" if is_sse => {
                        input.parse::<Token![=]>()?;
                        let value: LitStr = input.parse()?;
                        let event = value.value();
                        if event.is_empty() || event.contains(['\r', '\n']) {
                            return Err(syn::Error::new_spanned(
                                &value,
                                "the shutdown event name must be non-empty and on one line",
                            ));
                        }
                        sse.shutdown_event = Some(event);
                    }
                    "continue_ids" if is_sse => {
                        input.parse::<Token![=]>()?;
                        let flag: syn::LitBool = input.parse()?;
                        sse.continue_ids = Some(flag.value);
                    }
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
                            format!("unknown `#[sse]` option `{other}`; expected one of: {SSE_OPTIONS}"),
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
        sse,
        tokens: quote!(#attr),
    })
}
