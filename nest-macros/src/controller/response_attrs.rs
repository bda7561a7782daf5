//! The attributes that shape a route's responses and addresses: `#[http_code]`, `#[header]`,
//! `#[redirect]` and `#[version]`, each turned into a `RouteDefinition` builder call.

use proc_macro2::TokenStream;
use syn::LitStr;

/// `#[version("1")]` or `#[version("1", "2")]`.
pub(super) fn parse_versions(attr: &syn::Attribute) -> syn::Result<Vec<String>> {
    use syn::{Token, punctuated::Punctuated};

    let versions = attr
        .parse_args_with(Punctuated::<LitStr, Token![,]>::parse_terminated)
        .ok()
        .filter(|versions| !versions.is_empty())
        .ok_or_else(|| {
            syn::Error::new_spanned(
                attr,
                "expected `#[version(\"1\")]` or `#[version(\"1\", \"2\")]`",
            )
        })?;
    versions.iter().map(parse_version).collect()
}

/// A version is what goes after `v` in `/v1/...`: letters, digits, `.`, `-` and `_`.
pub(super) fn parse_version(lit: &LitStr) -> syn::Result<String> {
    let version = lit.value();
    if version.is_empty()
        || !version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return Err(syn::Error::new_spanned(
            lit,
            "invalid version: use letters, digits, `.`, `-` or `_`, as in \"1\" or \"2.1\"",
        ));
    }
    Ok(version)
}

/// `#[http_code]`, `#[header]` or `#[redirect]` on a route method.
pub(super) fn response_attribute_name(attr: &syn::Attribute) -> Option<&'static str> {
    let name = attr.path().get_ident()?.to_string();
    [
        "http_code",
        "header",
        "redirect",
        "version",
        "use_guards",
        "use_interceptors",
        "use_filters",
        "roles",
        "set_metadata",
    ]
    .into_iter()
    .find(|known| *known == name)
}

/// Parses one response attribute into a `RouteDefinition` builder call.
pub(super) fn parse_response_attribute(
    attr: &syn::Attribute,
    kind: &str,
) -> syn::Result<TokenStream> {
    use quote::quote;
    use syn::{LitInt, Token, punctuated::Punctuated};

    match kind {
        "version" => {
            let versions = parse_versions(attr)?;
            Ok(quote!(.versions(&[#(#versions),*])))
        }
        "http_code" => {
            let code: LitInt = attr.parse_args().map_err(|_| {
                syn::Error::new_spanned(attr, "expected `#[http_code(204)]` with a status code")
            })?;
            let status: u16 = code.base10_parse()?;
            if !(100..=999).contains(&status) {
                return Err(syn::Error::new_spanned(
                    &code,
                    "a status code is between 100 and 999",
                ));
            }
            Ok(quote!(.http_code(#status)))
        }
        "header" => {
            let args = attr
                .parse_args_with(Punctuated::<LitStr, Token![,]>::parse_terminated)
                .ok()
                .filter(|args| args.len() == 2)
                .ok_or_else(|| {
                    syn::Error::new_spanned(attr, "expected `#[header(\"Name\", \"value\")]`")
                })?;
            let (name, value) = (&args[0], &args[1]);
            let valid_name = !name.value().is_empty()
                && name
                    .value()
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !valid_name {
                return Err(syn::Error::new_spanned(name, "invalid header name"));
            }
            if value
                .value()
                .bytes()
                .any(|b| b < 0x20 && b != b'\t' || b == 0x7f)
            {
                return Err(syn::Error::new_spanned(
                    value,
                    "a header value cannot hold control characters",
                ));
            }
            Ok(quote!(.header(#name, #value)))
        }
        _ => {
            let parsed = attr.parse_args_with(|input: syn::parse::ParseStream<'_>| {
                let url: LitStr = input.parse()?;
                let status = if input.parse::<Option<Token![,]>>()?.is_some() {
                    Some(input.parse::<LitInt>()?)
                } else {
                    None
                };
                Ok((url, status))
            });
            let (url, status) = parsed.map_err(|_| {
                syn::Error::new_spanned(
                    attr,
                    "expected `#[redirect(\"url\")]` or `#[redirect(\"url\", 301)]`",
                )
            })?;
            if url.value().bytes().any(|b| b < 0x20 || b == 0x7f) {
                return Err(syn::Error::new_spanned(
                    &url,
                    "a redirect URL cannot hold control characters",
                ));
            }
            let code: u16 = match &status {
                Some(status) => status.base10_parse()?,
                None => 302,
            };
            if !(300..=399).contains(&code) {
                let span = status.map_or_else(|| url.span(), |status| status.span());
                return Err(syn::Error::new(
                    span,
                    "a redirect status is between 300 and 399",
                ));
            }
            Ok(quote!(.redirect(#url, #code)))
        }
    }
}

/// `#[use_guards(AuthGuard, RolesGuard)]`, `#[use_interceptors(LoggingInterceptor)]` or
/// `#[use_filters(HttpExceptionFilter)]`: one `.guard(...)` / `.interceptor(...)` /
/// `.filter(...)` call each, built by the injector in the controller's module (`Injectable`
/// types get their dependencies, others `Default`; errors point at the type's name).
pub(crate) fn parse_pipeline(attr: &syn::Attribute) -> syn::Result<Vec<TokenStream>> {
    use quote::{format_ident, quote_spanned};
    use syn::{Path, Token, punctuated::Punctuated, spanned::Spanned};

    let (method, example, kind) = if attr.path().is_ident("use_guards") {
        ("guard", "#[use_guards(AuthGuard, ...)]", "CanActivate")
    } else if attr.path().is_ident("use_filters") {
        (
            "filter",
            "#[use_filters(HttpExceptionFilter, ...)]",
            "ExceptionFilter",
        )
    } else {
        (
            "interceptor",
            "#[use_interceptors(LoggingInterceptor, ...)]",
            "NestInterceptor",
        )
    };

    let method = format_ident!("{method}");
    let types = attr
        .parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
        .ok()
        .filter(|types| !types.is_empty())
        .ok_or_else(|| {
            syn::Error::new_spanned(attr, format!("expected `{example}` naming types"))
        })?;
    Ok(types
        .iter()
        .map(|ty| {
            let private = crate::paths::private_at(ty.span());
            let kind = syn::Ident::new(kind, ty.span());
            quote_spanned!(ty.span()=> .#method({
                #[allow(unused_imports)]
                use #private::{ViaDefaultEnhancer as _, ViaInjectableEnhancer as _};
                (&&#private::Pick::<#ty>::new()).__nest_enhancer::<dyn #private::#kind>()
            }))
        })
        .collect())
}

/// `#[roles("admin", "user")]` (the key `roles`) or `#[set_metadata("key", "value", ...)]`.
pub(super) fn parse_metadata(
    attr: &syn::Attribute,
    kind: &str,
) -> syn::Result<(String, Vec<String>)> {
    use syn::{Token, punctuated::Punctuated};

    let values = attr
        .parse_args_with(Punctuated::<LitStr, Token![,]>::parse_terminated)
        .map_err(|_| {
            syn::Error::new_spanned(
                attr,
                format!("expected `#[{kind}(\"...\", ...)]` with string literals"),
            )
        })?;
    let mut values: Vec<String> = values.iter().map(LitStr::value).collect();
    if kind == "roles" {
        return Ok(("roles".to_owned(), values));
    }
    if values.is_empty() {
        return Err(syn::Error::new_spanned(
            attr,
            "expected `#[set_metadata(\"key\", \"value\", ...)]`",
        ));
    }
    let key = values.remove(0);
    Ok((key, values))
}
