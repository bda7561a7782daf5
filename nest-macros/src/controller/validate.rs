//! Checks a parsed controller, collecting every error: the `impl` block's shape, each route's
//! handler, arguments and options, and routes that clash.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{LitInt, LitStr, ReturnType, Type};

use super::ir::{
    ApplyDecorators, ArgSource, Controller, ControllerDecorator, Receiver, Route, RouteOption,
    VersionItem, Versions,
};
use crate::{errors::Errors, names::Attr};

pub(crate) fn controller(controller: &Controller, errors: &mut Errors) {
    let block = &controller.block;
    if let Some((trait_path, _)) = &block.trait_ {
        errors.push(syn::Error::new_spanned(
            trait_path,
            "`#[controller]` must be placed on an inherent `impl` block, not a trait impl",
        ));
    }
    if !block.generics.params.is_empty() {
        errors.push(syn::Error::new_spanned(
            &block.generics,
            "`#[controller]` does not support generic `impl` blocks",
        ));
    }
    if !matches!(&*block.self_ty, Type::Path(_)) {
        errors.push(syn::Error::new_spanned(
            &block.self_ty,
            "`#[controller]` must be placed on an `impl` block of a named type",
        ));
    }
    check_versions(&controller.versions, errors);
    for decorator in &controller.decorators {
        if let ControllerDecorator::Apply(apply) = decorator {
            check_apply(apply, errors);
        }
    }
    for route in &controller.routes {
        errors.section(route.section);
        self::route(route, controller, errors);
    }
    duplicates(controller, errors);
    errors.section(0);
}

fn check_versions(versions: &Versions, errors: &mut Errors) {
    for item in &versions.items {
        if let VersionItem::Version(lit) = item {
            check_version(lit, errors);
        }
    }
}

/// A version is what goes after `v` in `/v1/...`: letters, digits, `.`, `-` and `_`.
fn check_version(lit: &LitStr, errors: &mut Errors) {
    let version = lit.value();
    if version.is_empty()
        || !version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        errors.push(syn::Error::new_spanned(
            lit,
            "invalid version: use letters, digits, `.`, `-` or `_`, as in \"1\" or \"2.1\"",
        ));
    }
}

/// A status code within `range`, or the error.
fn status(lit: &LitInt, range: std::ops::RangeInclusive<u16>, message: &str) -> syn::Result<u16> {
    match lit.base10_parse::<u16>() {
        Ok(status) if range.contains(&status) => Ok(status),
        _ => Err(syn::Error::new_spanned(lit, message)),
    }
}

/// The message for an `#[http_code]` out of range.
const HTTP_CODE_RANGE: &str = "a status code is between 100 and 999";
/// The message for a `#[redirect]` status out of range.
const REDIRECT_RANGE: &str = "a redirect status is between 300 and 399";

fn route(route: &Route, controller: &Controller, errors: &mut Errors) {
    let handler = &route.handler;
    if let Some(generics) = &handler.generics {
        errors.push(syn::Error::new_spanned(
            generics,
            "route handlers cannot have generic parameters",
        ));
    }
    match &handler.receiver {
        Receiver::Shared => {}
        Receiver::Other(tokens) => errors.push(syn::Error::new_spanned(
            tokens,
            "a route handler takes `&self`: the controller is shared by every request",
        )),
        Receiver::Missing => errors.push(syn::Error::new_spanned(
            &handler.ident,
            "a route handler takes `&self` as its first argument",
        )),
    }
    if route.sse.is_some() && matches!(handler.output, ReturnType::Default) {
        errors.push(syn::Error::new_spanned(
            &handler.ident,
            "an `#[sse]` route must return a Stream of MessageEvent, as in `-> impl Stream<Item = MessageEvent>`",
        ));
    }
    if let Some(event) = route
        .sse
        .as_ref()
        .and_then(|sse| sse.shutdown_event.as_ref())
    {
        let value = event.value();
        if value.is_empty() || value.contains(['\r', '\n']) {
            errors.push(syn::Error::new_spanned(
                event,
                "the shutdown event name must be non-empty and on one line",
            ));
        }
    }
    for option in &route.options {
        match option {
            RouteOption::HttpCode(code) => {
                errors.take(status(code, 100..=999, HTTP_CODE_RANGE));
            }
            RouteOption::Header { name, value } => check_header(name, value, errors),
            RouteOption::Redirect { url, status: code } => {
                if url.value().bytes().any(|b| b < 0x20 || b == 0x7f) {
                    errors.push(syn::Error::new_spanned(
                        url,
                        "a redirect URL cannot hold control characters",
                    ));
                }
                if let Some(code) = code {
                    errors.take(status(code, 300..=399, REDIRECT_RANGE));
                }
                if route.sse.is_some() {
                    errors.push(syn::Error::new_spanned(
                        &route.attr_tokens,
                        "an `#[sse]` route cannot also be a `#[redirect]`",
                    ));
                }
            }
            RouteOption::Versions(versions) => check_versions(versions, errors),
            RouteOption::Enhancers(_) | RouteOption::Metadata(_) => {}
            RouteOption::Apply(apply) => check_apply(apply, errors),
        }
    }
    arguments(route, controller, errors);
}

/// `#[apply_decorators(...)]`: its expressions are evaluated once, when the application
/// collects the controller's routes, where there is no `self`.
fn check_apply(apply: &ApplyDecorators, errors: &mut Errors) {
    for expr in &apply.exprs {
        if let Some(span) = self_token(expr.to_token_stream()) {
            errors.push(syn::Error::new(
                span,
                format!(
                    "`#[{}]` cannot use `self`: its decorators are built once, when the application collects the controller's routes; call a function that returns `Decorators`, as in `auth(&[\"admin\"])`",
                    Attr::ApplyDecorators.name()
                ),
            ));
        }
    }
}

fn check_header(name: &LitStr, value: &LitStr, errors: &mut Errors) {
    let text = name.value();
    let valid_name = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !valid_name {
        errors.push(syn::Error::new_spanned(
            name,
            "invalid header name: use letters, digits and `-`, as in \"Cache-Control\"",
        ));
    }
    if value
        .value()
        .bytes()
        .any(|b| b < 0x20 && b != b'\t' || b == 0x7f)
    {
        errors.push(syn::Error::new_spanned(
            value,
            "a header value cannot hold control characters",
        ));
    }
}

/// The arguments: each `#[param("name")]` names a parameter of the controller's or the
/// route's path, read once; each `#[host_param("name")]` one of the controller's hosts; one
/// `#[body]`; pipes only where they apply and without `self`. (A path parameter no argument
/// reads is fine, as in NestJS.)
fn arguments(route: &Route, controller: &Controller, errors: &mut Errors) {
    let mut seen: HashMap<String, Span> = HashMap::new();
    let mut body = false;
    let path_params: Vec<&str> = controller
        .prefix
        .params
        .iter()
        .chain(&route.path.params)
        .map(|param| param.name.as_str())
        .collect();
    for arg in &route.args {
        match &arg.source {
            ArgSource::Param(name) => {
                let value = name.value();
                if !path_params.contains(&value.as_str()) {
                    errors.push(unknown_param(name, &path_params));
                } else if seen.insert(value.clone(), arg.span).is_some() {
                    errors.push(syn::Error::new(
                        arg.span,
                        format!("the path parameter `{value}` is already read by another argument"),
                    ));
                }
            }
            ArgSource::HostParam(name) => host_param(name, controller, errors),
            ArgSource::HostParamsAll if controller.hosts.is_empty() => {
                errors.push(no_host(&arg.attr_tokens));
            }
            ArgSource::Body => {
                if body {
                    errors.push(syn::Error::new(
                        arg.span,
                        "two `#[body]` arguments: the whole body goes to one argument; read single fields with `#[body(\"field\")]`",
                    ));
                }
                body = true;
            }
            _ => {}
        }
        if let Some(first) = arg.pipes.first() {
            let pipe = first.to_token_stream().to_string();
            let message = match &arg.source {
                ArgSource::HeadersAll => Some(format!(
                    "a pipe transforms one header: name it, as in `#[headers(\"name\", {pipe})]`"
                )),
                ArgSource::Ip | ArgSource::Req | ArgSource::Extract => {
                    Some("`#[ip]` and `#[req]` take no pipes".to_owned())
                }
                _ => None,
            };
            if let Some(message) = message {
                errors.push(syn::Error::new_spanned(&arg.attr_tokens, message));
            }
        }
        for pipe in &arg.pipes {
            if let Some(span) = self_token(pipe.to_token_stream()) {
                errors.push(syn::Error::new(
                    span,
                    "a pipe cannot use `self`: pipes are built for each request before the handler runs; use a pipe type (`ParseIntPipe`), a constructor (`ParseIntPipe::new()`) or a constant, and inject what the pipe needs into the pipe itself",
                ));
            }
        }
    }
}

/// `#[host_param]` in a controller without `host = ...`.
fn no_host(tokens: &TokenStream) -> syn::Error {
    syn::Error::new_spanned(
        tokens,
        format!(
            "`#[{}]` reads the controller's host pattern, but the controller has none; add one, as in `#[controller(\"cats\", host = \":account.example.com\")]`",
            Attr::HostParam.name()
        ),
    )
}

/// `#[host_param("name")]`: the controller has a host with that parameter.
fn host_param(name: &LitStr, controller: &Controller, errors: &mut Errors) {
    if controller.hosts.is_empty() {
        errors.push(no_host(&name.to_token_stream()));
        return;
    }
    let value = name.value();
    if !controller.hosts.iter().any(|(_, host)| host.has(&value)) {
        let known: Vec<String> = controller
            .hosts
            .iter()
            .flat_map(|(_, host)| host.params.iter().map(|param| format!("`:{}`", param.name)))
            .collect();
        let known = if known.is_empty() {
            "the controller's host has no parameters".to_owned()
        } else {
            format!("the controller's host has {}", known.join(", "))
        };
        errors.push(syn::Error::new_spanned(
            name,
            format!(
                "`#[{}(\"{value}\")]` names no parameter of the controller's host; {known}",
                Attr::HostParam.name()
            ),
        ));
    }
}

/// The span of the first `self` value in `tokens` (`self::module::Pipe` paths are fine).
fn self_token(tokens: TokenStream) -> Option<Span> {
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Ident(ident) if ident == "self" => {
                let is_path = matches!(tokens.peek(), Some(TokenTree::Punct(punct)) if punct.as_char() == ':');
                if !is_path {
                    return Some(ident.span());
                }
            }
            TokenTree::Group(group) => {
                if let Some(span) = self_token(group.stream()) {
                    return Some(span);
                }
            }
            _ => {}
        }
    }
    None
}

/// `#[param("name")]` naming no parameter of the route path.
fn unknown_param(name: &LitStr, params: &[&str]) -> syn::Error {
    let value = name.value();
    let known = if params.is_empty() {
        "the route path has no parameters".to_owned()
    } else {
        format!(
            "the route path has {}",
            params
                .iter()
                .map(|p| format!("`:{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    syn::Error::new_spanned(
        name,
        format!(
            "`#[{}(\"{value}\")]` names no parameter of the route path; {known}",
            Attr::Param.name()
        ),
    )
}

/// The versions a route answers: its own, else the controller's.
fn versions_of(route: &Route, controller: &Versions) -> Vec<String> {
    let own: Vec<String> = route
        .options
        .iter()
        .filter_map(|option| match option {
            RouteOption::Versions(versions) => Some(versions.values()),
            _ => None,
        })
        .flatten()
        .collect();
    if own.is_empty() {
        controller.values()
    } else {
        own
    }
}

/// Two routes of one controller with the same method, path shape and a version in common (or
/// no versions): the second could never be reached.
fn duplicates(controller: &Controller, errors: &mut Errors) {
    let routes = &controller.routes;
    let prefix = &controller.prefix.normalized;
    for (index, route) in routes.iter().enumerate() {
        let key = (route.method, route.path.shape());
        let versions = versions_of(route, &controller.versions);
        let clash = routes[..index].iter().find(|first| {
            let first_versions = versions_of(first, &controller.versions);
            (first.method, first.path.shape()) == key
                && (versions.is_empty() && first_versions.is_empty()
                    || versions
                        .iter()
                        .any(|version| first_versions.contains(version)))
        });
        if let Some(first) = clash {
            errors.section(route.section);
            let path = if route.path.normalized.is_empty() && prefix.is_empty() {
                "/"
            } else {
                &route.path.normalized
            };
            errors.push(syn::Error::new_spanned(
                &route.attr_tokens,
                format!(
                    "duplicate route `{} {prefix}{path}`: `{}` already maps it",
                    route.method.as_str(),
                    first.handler.ident
                ),
            ));
        }
    }
}
