//! The arguments of a route method: where each value comes from (`#[param]`, `#[query]`,
//! `#[body]`, `#[headers]`, `#[ip]`, `#[req]`, or an extractor type), read and removed from the
//! method's signature.

use proc_macro2::Span;
use syn::{LitStr, Type, spanned::Spanned};

use crate::route_path::RoutePath;

/// A handler argument and where its value comes from.
pub(crate) struct Arg {
    pub(crate) ty: Type,
    pub(crate) source: ArgSource,
    /// `#[param("id", ParseIntPipe)]`: the pipes, in order.
    pub(crate) pipes: Vec<syn::Expr>,
}

pub(crate) enum ArgSource {
    /// `#[param("name")]`: a path parameter.
    Param(String),
    /// No attribute: the type reads itself from the request (`FromRequest`).
    Extract,
    /// `#[body]`: the JSON body.
    Body,
    /// `#[query("name")]`: one query parameter.
    Query(String),
    /// `#[query]`: the whole query string, into a `Deserialize` type.
    QueryAll,
    /// `#[headers("name")]`: one header (lower-case name).
    Header(String),
    /// `#[headers]`: every header, as a `HeaderMap`.
    HeadersAll,
    /// `#[ip]`: the client's IP address.
    Ip,
    /// `#[param]`: every path parameter, into a map or struct.
    ParamsAll,
    /// `#[body("field")]`: one field of the JSON body.
    BodyField(String),
    /// `#[req]`: the request head.
    Req,
}

/// Attributes on an argument that are not ours to read and are left to the compiler.
pub(super) fn is_passthrough(attr: &syn::Attribute) -> bool {
    ["allow", "warn", "deny", "expect", "cfg", "cfg_attr", "doc"]
        .iter()
        .any(|name| attr.path().is_ident(name))
}

/// The attributes that say where an argument's value comes from.
pub(super) const ARG_ATTRIBUTES: [&str; 6] = ["param", "query", "body", "headers", "ip", "req"];

impl Arg {
    /// Reads the argument's source attribute (removing it); a `#[param]` is checked against the
    /// route path. Without one, the type reads itself from the request (`FromRequest`).
    pub(super) fn from_input(
        typed: &mut syn::PatType,
        path: &RoutePath,
    ) -> syn::Result<(Self, Span)> {
        let mut found: Option<syn::Attribute> = None;
        let mut result = Ok(());
        typed.attrs.retain(|attr| {
            let Some(name) = attr.path().get_ident().map(ToString::to_string) else {
                return true;
            };
            if !ARG_ATTRIBUTES.contains(&name.as_str()) {
                return true;
            }
            if found.is_some() {
                result = Err(syn::Error::new_spanned(
                    attr,
                    "an argument can have only one of `#[param]`, `#[query]`, `#[body]`, `#[headers]`, `#[ip]` and `#[req]`",
                ));
            } else {
                found = Some(attr.clone());
            }
            false
        });
        result?;
        let ty = (*typed.ty).clone();
        let Some(attr) = found else {
            return Ok((
                Self {
                    ty,
                    source: ArgSource::Extract,
                    pipes: Vec::new(),
                },
                typed.ty.span(),
            ));
        };
        let kind = attr
            .path()
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        let (name, pipes) = match &attr.meta {
            syn::Meta::Path(_) => (None, Vec::new()),
            syn::Meta::List(_) => name_and_pipes(&attr, &kind)?,
            syn::Meta::NameValue(_) => {
                return Err(syn::Error::new_spanned(
                    &attr,
                    format!("expected `#[{kind}]` or `#[{kind}(\"name\")]`"),
                ));
            }
        };
        let span = name.as_ref().map_or_else(|| typed.ty.span(), LitStr::span);
        let source = match (kind.as_str(), name) {
            ("param", Some(name)) => ArgSource::Param(check_param(&name, path)?),
            ("param", None) => ArgSource::ParamsAll,
            ("query", Some(name)) => ArgSource::Query(name.value()),
            ("query", None) => ArgSource::QueryAll,
            ("headers", Some(name)) => ArgSource::Header(name.value().to_ascii_lowercase()),
            ("headers", None) => ArgSource::HeadersAll,
            ("body", None) => ArgSource::Body,
            ("body", Some(field)) => ArgSource::BodyField(field.value()),
            ("ip", None) => ArgSource::Ip,
            ("req", None) => ArgSource::Req,
            (kind, _) => {
                let expected = if kind == "ip" {
                    "`#[ip]`, without arguments"
                } else {
                    "`#[req]`, without arguments"
                };
                return Err(syn::Error::new_spanned(
                    &attr,
                    format!("expected {expected}"),
                ));
            }
        };
        if !pipes.is_empty()
            && !matches!(
                source,
                ArgSource::Param(_) | ArgSource::Query(_) | ArgSource::Header(_) | ArgSource::Body
            )
        {
            return Err(syn::Error::new_spanned(
                &attr,
                "pipes go on `#[param(\"name\", ...)]`, `#[query(\"name\", ...)]`, `#[headers(\"name\", ...)]` and `#[body(...)]`",
            ));
        }
        Ok((Self { ty, source, pipes }, span))
    }
}

/// `("name", Pipe, ...)`: the name (a string literal, first, optional) and the pipes.
fn name_and_pipes(
    attr: &syn::Attribute,
    kind: &str,
) -> syn::Result<(Option<LitStr>, Vec<syn::Expr>)> {
    use syn::{Expr, ExprLit, Lit, Token, punctuated::Punctuated};

    let items = attr
        .parse_args_with(Punctuated::<Expr, Token![,]>::parse_terminated)
        .map_err(|_| {
            syn::Error::new_spanned(
                attr,
                format!("expected `#[{kind}]`, `#[{kind}(\"name\")]` or `#[{kind}(\"name\", SomePipe, ...)]`"),
            )
        })?;
    let mut items = items.into_iter().peekable();
    let name = match items.peek() {
        Some(Expr::Lit(ExprLit {
            lit: Lit::Str(name),
            ..
        })) => {
            let name = name.clone();
            items.next();
            Some(name)
        }
        _ => None,
    };
    let pipes: Vec<Expr> = items.collect();
    if let Some(Expr::Lit(literal)) = pipes.first() {
        return Err(if name.is_some() {
            syn::Error::new_spanned(
                literal,
                format!("expected a pipe here: `#[{kind}(\"name\", SomePipe)]`"),
            )
        } else {
            syn::Error::new_spanned(
                attr,
                format!(
                    "expected `#[{kind}]` or `#[{kind}(\"name\")]` with the name as a string literal"
                ),
            )
        });
    }
    if name.is_none() && pipes.is_empty() {
        return Err(syn::Error::new_spanned(
            attr,
            format!(
                "expected `#[{kind}]` or `#[{kind}(\"name\")]` with the name as a string literal"
            ),
        ));
    }
    Ok((name, pipes))
}

/// `name` must be one of the route path's `:name` parameters.
fn check_param(name: &LitStr, path: &RoutePath) -> syn::Result<String> {
    let value = name.value();
    if path.params.contains(&value) {
        return Ok(value);
    }
    let known = if path.params.is_empty() {
        "the route path has no parameters".to_owned()
    } else {
        format!(
            "the route path has {}",
            path.params
                .iter()
                .map(|p| format!("`:{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Err(syn::Error::new_spanned(
        name,
        format!("`#[param(\"{value}\")]` names no parameter of the route path; {known}"),
    ))
}
