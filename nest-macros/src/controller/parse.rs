//! Reads a `#[controller]` block into the typed form of [`super::ir`]: the prefix, the
//! enhancers, and one [`Route`] per method with a route attribute. The attributes read are
//! removed from the block. Syntax errors are collected, and reading goes on after each, so that
//! every malformed attribute (and every malformed part of one) is reported at once.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{
    Attribute, Expr, ExprLit, FnArg, Ident, ImplItem, ImplItemFn, ItemImpl, Lit, LitInt, LitStr,
    Meta, PatType, Token, Type, punctuated::Punctuated, spanned::Spanned,
};

use super::ir::{
    ApplyDecorators, Arg, ArgSource, Controller, ControllerDecorator, Enhancer, EnhancerKind,
    EnhancerTarget, Handler, Metadata, Method, Receiver, Route, RouteOption, SseSettings,
    VersionItem, Versions,
};
use crate::{
    errors::Errors,
    names::{Attr, AttrKind, COMPILER_ATTRIBUTES, ControllerOption, SseOption, VERSION_NEUTRAL},
    route_path::{self, RoutePath},
};

/// Reads `#[controller(args)]` and `block`, removing from `block` the attributes it reads.
pub(crate) fn controller(
    args: TokenStream,
    mut block: ItemImpl,
    errors: &mut Errors,
) -> Controller {
    let ControllerArgs {
        prefix,
        versions,
        hosts,
    } = controller_args(args, errors);
    let mut decorators = Vec::new();
    block.attrs.retain(|attr| match Attr::of(attr) {
        Some(
            name @ (Attr::UseGuards | Attr::UseInterceptors | Attr::UseFilters | Attr::UsePipes),
        ) => {
            if let Some(parsed) = errors.take(parse_enhancers(attr, name)) {
                decorators.push(ControllerDecorator::Enhancers(parsed));
            }
            false
        }
        Some(Attr::ApplyDecorators) => {
            if let Some(parsed) = errors.take(parse_apply(attr)) {
                decorators.push(ControllerDecorator::Apply(parsed));
            }
            false
        }
        _ => true,
    });
    let name = match &*block.self_ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .map_or_else(String::new, |segment| segment.ident.to_string()),
        _ => String::new(),
    };
    let mut routes = Vec::new();
    for (index, item) in block.items.iter_mut().enumerate() {
        errors.section(index + 1);
        if let ImplItem::Fn(function) = item
            && let Some(route) = route(function, index + 1, errors)
        {
            routes.push(route);
        }
    }
    errors.section(0);
    Controller {
        block,
        name,
        prefix,
        versions,
        hosts,
        decorators,
        routes,
        api: Default::default(),
    }
}

/// A string literal expression.
fn string(expr: &Expr) -> Option<&LitStr> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Some(lit),
        // A `$path:literal` of a `macro_rules!` arrives in an invisible group.
        Expr::Group(group) => string(&group.expr),
        _ => None,
    }
}

/// A `key = value` item: the key, if it is a plain identifier, and the value.
fn key_value(expr: &Expr) -> Option<(&Ident, &Expr)> {
    let Expr::Assign(assign) = expr else {
        return None;
    };
    let Expr::Path(path) = &*assign.left else {
        return None;
    };
    if path.qself.is_some() || !path.attrs.is_empty() {
        return None;
    }
    Some((path.path.get_ident()?, &assign.right))
}

/// What `#[controller(...)]` says.
struct ControllerArgs {
    prefix: RoutePath,
    versions: Versions,
    hosts: Vec<(LitStr, RoutePath)>,
}

/// `#[controller]`, `#[controller("prefix")]`, `#[controller("prefix", version = "1",
/// host = ":account.example.com")]`.
fn controller_args(args: TokenStream, errors: &mut Errors) -> ControllerArgs {
    const EXPECTED: &str = "expected `#[controller]`, `#[controller(\"prefix\")]` or `#[controller(\"prefix\", version = \"1\", host = \"...\")]`";
    let mut out = ControllerArgs {
        prefix: RoutePath::default(),
        versions: Versions::default(),
        hosts: Vec::new(),
    };
    let items =
        match syn::parse::Parser::parse2(Punctuated::<Expr, Token![,]>::parse_terminated, args) {
            Ok(items) => items,
            Err(error) => {
                errors.push(syn::Error::new(error.span(), EXPECTED));
                return out;
            }
        };
    let mut prefix = None;
    for (index, item) in items.iter().enumerate() {
        if let (0, Some(lit)) = (index, string(item)) {
            prefix = Some(lit.clone());
        } else if let Some((key, value)) = key_value(item) {
            match ControllerOption::from_ident(key) {
                Some(ControllerOption::Version) => {
                    if let Some(versions) = errors.take(version_value(value, "version = ")) {
                        out.versions.list |= versions.list;
                        out.versions.items.extend(versions.items);
                        out.versions.list |= out.versions.items.len() > 1;
                    }
                }
                Some(ControllerOption::Host) => {
                    let hosts = match value {
                        Expr::Array(array) => array.elems.iter().collect(),
                        other => vec![other],
                    };
                    for host in hosts {
                        match string(host) {
                            Some(lit) => {
                                if let Some(parsed) =
                                    errors.take(route_path::parse(lit, "`#[controller]` host"))
                                {
                                    out.hosts.push((lit.clone(), parsed));
                                }
                            }
                            None => errors.push(syn::Error::new_spanned(
                                host,
                                "expected a host string, as in `host = \":account.example.com\"` or `host = [\"a.example.com\", \"b.example.com\"]`",
                            )),
                        }
                    }
                }
                None => errors.push(syn::Error::new_spanned(
                    key,
                    format!(
                        "unknown `#[controller]` option `{key}`; expected {}",
                        ControllerOption::list(&[
                            ControllerOption::Version,
                            ControllerOption::Host
                        ])
                    ),
                )),
            }
        } else {
            errors.push(syn::Error::new_spanned(item, EXPECTED));
        }
    }
    if let Some(lit) = prefix
        && let Some(parsed) = errors.take(route_path::parse(&lit, "`#[controller]`"))
    {
        out.prefix = parsed;
    }
    out
}

/// A version value: `"1"`, `VERSION_NEUTRAL` or a list of them in brackets. `example` starts
/// the message's examples (`version = ` or `#[version(`).
fn version_value(value: &Expr, example: &str) -> syn::Result<Versions> {
    let close = if example.starts_with('#') { ")]" } else { "" };
    let message = format!(
        "expected a version string, `VERSION_NEUTRAL` or a list of them, as in `{example}\"1\"{close}` or `{example}[\"1\", \"2\"]{close}`"
    );
    let one = |item: &Expr| -> syn::Result<VersionItem> {
        if let Some(lit) = string(item) {
            return Ok(VersionItem::Version(lit.clone()));
        }
        if let Expr::Path(path) = item
            && path
                .path
                .segments
                .last()
                .is_some_and(|segment| segment.ident == VERSION_NEUTRAL)
        {
            return Ok(VersionItem::Neutral(path.path.clone()));
        }
        Err(syn::Error::new_spanned(item, &message))
    };
    match value {
        Expr::Array(array) => {
            if array.elems.is_empty() {
                return Err(syn::Error::new_spanned(value, "an empty list of versions"));
            }
            Ok(Versions {
                items: array.elems.iter().map(one).collect::<syn::Result<_>>()?,
                list: true,
            })
        }
        other => Ok(Versions {
            items: vec![one(other)?],
            list: false,
        }),
    }
}

/// The route declared on `function`, if it has a route attribute and every attribute of it can
/// be read. Removes the attributes it reads from the method and its arguments.
fn route(function: &mut ImplItemFn, section: usize, errors: &mut Errors) -> Option<Route> {
    let mut first_option: Option<(Attr, TokenStream)> = None;
    let mut found: Option<(Attr, Attribute)> = None;
    let mut options = Vec::new();
    let mut kept = Vec::with_capacity(function.attrs.len());
    for attr in std::mem::take(&mut function.attrs) {
        if let Some(name) = Attr::route_of(&attr) {
            match &found {
                Some((first, _)) => errors.push(syn::Error::new_spanned(
                    &attr,
                    format!(
                        "a method can have only one route attribute, and this one already has {}",
                        first.display()
                    ),
                )),
                None => found = Some((name, attr)),
            }
            continue;
        }
        match Attr::of(&attr).filter(|name| name.kind() == AttrKind::RouteOption) {
            Some(name) => {
                first_option.get_or_insert_with(|| (name, attr.to_token_stream()));
                if let Some(parsed) = errors.take(route_option(&attr, name)) {
                    match parsed {
                        Parsed::Options(parsed) => options.extend(parsed),
                        Parsed::Metadata(entry) => options.push(RouteOption::Metadata(entry)),
                    }
                }
            }
            None => kept.push(attr),
        }
    }
    function.attrs = kept;
    let Some((name, attr)) = found else {
        if let Some((option, tokens)) = first_option {
            errors.push(syn::Error::new_spanned(
                tokens,
                format!(
                    "{} applies to a route: add a route attribute such as `#[get]` or `#[post(\"path\")]` to `{}`",
                    option.display(),
                    function.sig.ident
                ),
            ));
        }
        return None;
    };
    let parsed = route_attr(&attr, name, errors);
    let mut args = Vec::new();
    for input in function.sig.inputs.iter_mut().skip(1) {
        if let FnArg::Typed(typed) = input
            && let Some(arg) = argument(typed, errors)
        {
            args.push(arg);
        }
    }
    let (method, path, sse) = parsed?;
    let signature = &function.sig;
    let receiver = match signature.inputs.first() {
        Some(FnArg::Receiver(receiver))
            if receiver.mutability.is_none()
                && matches!(receiver.kind, syn::ReceiverKind::Reference(_, _, None)) =>
        {
            Receiver::Shared
        }
        Some(FnArg::Receiver(receiver)) => Receiver::Other(receiver.to_token_stream()),
        _ => Receiver::Missing,
    };
    let handler = Handler {
        ident: signature.ident.clone(),
        is_async: signature.asyncness.is_some(),
        output: signature.output.clone(),
        receiver,
        generics: (!signature.generics.params.is_empty()).then(|| signature.generics.clone()),
    };
    Some(Route {
        section,
        attr_tokens: attr.to_token_stream(),
        method,
        path,
        sse,
        handler,
        args,
        options,
    })
}

/// `#[get]`, `#[get("path")]`, `#[sse("path")]`, `#[sse("path", method = "POST", ...)]`: the
/// method, the path and (for `#[sse]`) the settings.
fn route_attr(
    attr: &Attribute,
    name: Attr,
    errors: &mut Errors,
) -> Option<(Method, RoutePath, Option<SseSettings>)> {
    let is_sse = name == Attr::Sse;
    let what = name.display();
    let example = if is_sse {
        "#[sse(\"events\")]".to_owned()
    } else {
        format!("#[{}(\"cats/:id\")]", name.name())
    };
    let missing_path = || {
        syn::Error::new_spanned(
            attr,
            format!(
                "`#[sse]` needs a path, as in `{example}`; use `#[sse(\"\")]` for the controller's own path"
            ),
        )
    };
    let mut method = Method::of_attr(name);
    let mut sse = is_sse.then(SseSettings::default);
    let list = match &attr.meta {
        Meta::Path(_) if is_sse => {
            errors.push(missing_path());
            return None;
        }
        Meta::Path(_) => {
            let path = errors.take(route_path::parse(&LitStr::new("", attr.span()), &what))?;
            return Some((method, path, sse));
        }
        Meta::NameValue(_) => {
            errors.push(syn::Error::new_spanned(
                attr,
                format!("expected `#[{}(\"path\")]`, as in `{example}`", name.name()),
            ));
            return None;
        }
        Meta::List(list) => list,
    };
    let items = match list.parse_args_with(Punctuated::<Expr, Token![,]>::parse_terminated) {
        Ok(items) => items,
        Err(error) => {
            let expected = if is_sse {
                format!(
                    "expected the route path as a string literal, then options as `name = value`, as in `{example}`"
                )
            } else {
                format!("expected the route path as a string literal, as in `{example}`")
            };
            errors.push(syn::Error::new(error.span(), expected));
            return None;
        }
    };
    let mut items = items.iter();
    let path = match items.next() {
        None if is_sse => {
            errors.push(missing_path());
            None
        }
        None => errors.take(route_path::parse(&LitStr::new("", list.span()), &what)),
        Some(first) => match string(first) {
            Some(lit) => errors.take(route_path::parse(lit, &what)),
            None => {
                errors.push(syn::Error::new_spanned(
                    first,
                    format!("expected the route path as a string literal, as in `{example}`"),
                ));
                None
            }
        },
    };
    let mut seen: Vec<SseOption> = Vec::new();
    for item in items {
        let Some((key, value)) = key_value(item) else {
            errors.push(syn::Error::new_spanned(
                item,
                if is_sse {
                    format!(
                        "expected an option as `name = value`; `#[sse]` accepts {}",
                        SseOption::list(&sse_options())
                    )
                } else {
                    format!("{what} takes only a path, as in `{example}`")
                },
            ));
            continue;
        };
        let Some(settings) = &mut sse else {
            errors.push(syn::Error::new_spanned(
                key,
                format!("unknown {what} option `{key}`; {what} takes only a path"),
            ));
            continue;
        };
        let Some(option) = SseOption::from_ident(key) else {
            errors.push(syn::Error::new_spanned(
                key,
                format!(
                    "unknown `#[sse]` option `{key}`; expected one of: {}",
                    SseOption::list(&sse_options())
                ),
            ));
            continue;
        };
        if seen.contains(&option) {
            errors.push(syn::Error::new_spanned(
                key,
                format!("`{key}` is set twice in this `#[sse]`"),
            ));
            continue;
        }
        seen.push(option);
        if let Some(parsed_method) = errors.take(sse_option(settings, option, value)) {
            method = parsed_method.unwrap_or(method);
        }
    }
    // Kept even when an option is wrong, so that the route's other checks still run; nothing
    // is generated from a controller with errors.
    Some((method, path?, sse))
}

/// Every `#[sse]` option, in the order messages list them.
fn sse_options() -> Vec<SseOption> {
    SseOption::TABLE.iter().map(|&(_, option)| option).collect()
}

/// Reads one `#[sse]` option into `settings`; `method = "..."` returns the method.
fn sse_option(
    settings: &mut SseSettings,
    option: SseOption,
    value: &Expr,
) -> syn::Result<Option<Method>> {
    let expected = |example: &str| {
        syn::Error::new_spanned(value, format!("expected `{}` = {example}", option.name()))
    };
    let lit = match value {
        Expr::Lit(ExprLit { lit, .. }) => lit,
        _ => return Err(expected(sse_option_example(option))),
    };
    match (option, lit) {
        (SseOption::KeepAlive, Lit::Bool(flag)) if flag.value => Err(syn::Error::new_spanned(
            flag,
            "heartbeats are on by default; write `keep_alive = \"15s\"` to set the interval or `keep_alive = false` to turn them off",
        )),
        (SseOption::KeepAlive, Lit::Bool(_)) => {
            settings.keep_alive = Some(None);
            Ok(None)
        }
        (SseOption::KeepAlive, Lit::Str(lit)) => {
            settings.keep_alive = Some(Some(crate::duration::parse(lit)?));
            Ok(None)
        }
        (SseOption::Retry, Lit::Str(lit)) => {
            settings.retry = Some(crate::duration::parse(lit)?);
            Ok(None)
        }
        (SseOption::MaxLifetime, Lit::Str(lit)) => {
            settings.max_lifetime = Some(crate::duration::parse(lit)?);
            Ok(None)
        }
        (SseOption::ShutdownEvent, Lit::Str(lit)) => {
            settings.shutdown_event = Some(lit.clone());
            Ok(None)
        }
        (SseOption::ContinueIds, Lit::Bool(flag)) => {
            settings.continue_ids = Some(flag.value);
            Ok(None)
        }
        (SseOption::Method, Lit::Str(lit)) => {
            const ALLOWED: [Method; 5] = [
                Method::Get,
                Method::Post,
                Method::Put,
                Method::Patch,
                Method::Delete,
            ];
            ALLOWED
                .into_iter()
                .find(|method| lit.value() == method.as_str())
                .map(Some)
                .ok_or_else(|| {
                    let names: Vec<String> = ALLOWED
                        .iter()
                        .map(|method| format!("\"{}\"", method.as_str()))
                        .collect();
                    syn::Error::new_spanned(
                        lit,
                        format!("an `#[sse]` `method` is one of: {}", names.join(", ")),
                    )
                })
        }
        _ => Err(expected(sse_option_example(option))),
    }
}

/// An example value of an `#[sse]` option, for messages.
fn sse_option_example(option: SseOption) -> &'static str {
    match option {
        SseOption::Method => "\"POST\"",
        SseOption::KeepAlive => "\"15s\"` or `false",
        SseOption::Retry => "\"3s\"",
        SseOption::MaxLifetime => "\"1h\"",
        SseOption::ShutdownEvent => "\"shutdown\"",
        SseOption::ContinueIds => "true",
    }
}

/// What one route option attribute holds.
enum Parsed {
    Options(Vec<RouteOption>),
    Metadata(Metadata),
}

/// The comma-separated arguments of `attr`, at least one, or an error saying `expected`.
fn some_args<T: syn::parse::Parse>(
    attr: &Attribute,
    expected: impl std::fmt::Display,
) -> syn::Result<Punctuated<T, Token![,]>> {
    attr.parse_args_with(Punctuated::<T, Token![,]>::parse_terminated)
        .ok()
        .filter(|items| !items.is_empty())
        .ok_or_else(|| syn::Error::new_spanned(attr, expected))
}

/// `#[http_code]`, `#[header]`, `#[redirect]`, `#[version]`, the enhancers, `#[roles]` and
/// `#[set_metadata]`.
fn route_option(attr: &Attribute, name: Attr) -> syn::Result<Parsed> {
    use syn::parse::ParseStream;

    let option = match name {
        Attr::Version => {
            let items = some_args::<Expr>(
                attr,
                "expected `#[version(\"1\")]`, `#[version(\"1\", \"2\")]`, `#[version([\"1\", \"2\"])]` or `#[version(VERSION_NEUTRAL)]`",
            )?;
            let mut versions = Versions::default();
            for item in &items {
                let parsed = version_value(item, "#[version(")?;
                versions.list |= parsed.list;
                versions.items.extend(parsed.items);
            }
            versions.list |= versions.items.len() > 1;
            RouteOption::Versions(versions)
        }
        Attr::HttpCode => RouteOption::HttpCode(attr.parse_args::<LitInt>().map_err(|_| {
            syn::Error::new_spanned(attr, "expected `#[http_code(204)]` with a status code")
        })?),
        Attr::Header => {
            let mut args = attr
                .parse_args_with(Punctuated::<LitStr, Token![,]>::parse_terminated)
                .ok()
                .filter(|args| args.len() == 2)
                .ok_or_else(|| {
                    syn::Error::new_spanned(attr, "expected `#[header(\"Name\", \"value\")]`")
                })?
                .into_iter();
            let (Some(name), Some(value)) = (args.next(), args.next()) else {
                unreachable!("two arguments were checked")
            };
            RouteOption::Header { name, value }
        }
        Attr::Redirect => {
            let (url, status) = attr
                .parse_args_with(|input: ParseStream<'_>| {
                    let url: LitStr = input.parse()?;
                    let status = if input.parse::<Option<Token![,]>>()?.is_some() {
                        Some(input.parse::<LitInt>()?)
                    } else {
                        None
                    };
                    Ok((url, status))
                })
                .map_err(|_| {
                    syn::Error::new_spanned(
                        attr,
                        "expected `#[redirect(\"url\")]` or `#[redirect(\"url\", 301)]`",
                    )
                })?;
            RouteOption::Redirect { url, status }
        }
        Attr::Roles | Attr::SetMetadata => return parse_metadata(attr, name).map(Parsed::Metadata),
        Attr::ApplyDecorators => RouteOption::Apply(parse_apply(attr)?),
        _ => RouteOption::Enhancers(parse_enhancers(attr, name)?),
    };
    Ok(Parsed::Options(vec![option]))
}

/// `#[use_guards(AuthGuard, RolesGuard)]`, `#[use_interceptors(LoggingInterceptor)]`,
/// `#[use_filters(HttpExceptionFilter)]` or `#[use_pipes(ValidationPipe, TrimPipe::new())]`:
/// one enhancer per type (or, for pipes, per value).
fn parse_enhancers(attr: &Attribute, name: Attr) -> syn::Result<Vec<Enhancer>> {
    if name == Attr::UsePipes {
        let items = some_args::<Expr>(
            attr,
            "expected `#[use_pipes(ValidationPipe, ...)]` naming pipe types or values",
        )?;
        return Ok(items
            .into_iter()
            .map(|item| Enhancer {
                kind: EnhancerKind::Pipe,
                target: match item {
                    Expr::Path(path) if path.qself.is_none() => EnhancerTarget::Type(path.path),
                    other => EnhancerTarget::Instance(Box::new(other)),
                },
            })
            .collect());
    }
    let (kind, example) = match name {
        Attr::UseGuards => (EnhancerKind::Guard, "#[use_guards(AuthGuard, ...)]"),
        Attr::UseFilters => (
            EnhancerKind::Filter,
            "#[use_filters(HttpExceptionFilter, ...)]",
        ),
        _ => (
            EnhancerKind::Interceptor,
            "#[use_interceptors(LoggingInterceptor, ...)]",
        ),
    };
    let types = some_args::<syn::Path>(attr, format!("expected `{example}` naming types"))?;
    Ok(types
        .into_iter()
        .map(|ty| Enhancer {
            kind,
            target: EnhancerTarget::Type(ty),
        })
        .collect())
}

/// `#[apply_decorators(auth(&["admin"]), ...)]`: one or more expressions.
fn parse_apply(attr: &Attribute) -> syn::Result<ApplyDecorators> {
    let exprs = some_args::<Expr>(
        attr,
        format!(
            "expected `#[{}(auth(&[\"admin\"]), ...)]`: one or more expressions that evaluate to `nest_core::pipeline::Decorators`",
            Attr::ApplyDecorators.name()
        ),
    )?;
    Ok(ApplyDecorators {
        exprs: exprs.into_iter().collect(),
    })
}

/// `#[roles("admin", "user")]` (the key `roles`) or `#[set_metadata("key", "value", ...)]`.
fn parse_metadata(attr: &Attribute, name: Attr) -> syn::Result<Metadata> {
    let values = attr
        .parse_args_with(Punctuated::<LitStr, Token![,]>::parse_terminated)
        .map_err(|_| {
            syn::Error::new_spanned(
                attr,
                format!(
                    "expected `#[{}(\"...\", ...)]` with string literals",
                    name.name()
                ),
            )
        })?;
    let mut values: Vec<String> = values.iter().map(LitStr::value).collect();
    if name == Attr::Roles {
        return Ok(Metadata {
            key: name.name().to_owned(),
            values,
        });
    }
    if values.is_empty() {
        return Err(syn::Error::new_spanned(
            attr,
            "expected `#[set_metadata(\"key\", \"value\", ...)]`",
        ));
    }
    let key = values.remove(0);
    Ok(Metadata { key, values })
}

/// Whether `attr` is a compiler attribute, left on the argument.
fn is_compiler_attribute(attr: &Attribute) -> bool {
    COMPILER_ATTRIBUTES
        .iter()
        .any(|name| attr.path().is_ident(name))
}

/// Reads an argument's source attribute, removing it (and any unknown attribute, which is
/// reported). Without one, the type reads itself from the request (`FromRequest`).
fn argument(typed: &mut PatType, errors: &mut Errors) -> Option<Arg> {
    let before = errors.count();
    let mut found: Option<(Attr, Attribute)> = None;
    let mut custom: Option<Attribute> = None;
    for attr in std::mem::take(&mut typed.attrs) {
        if is_compiler_attribute(&attr) {
            typed.attrs.push(attr);
            continue;
        }
        match Attr::of(&attr).filter(|name| name.kind() == AttrKind::Argument) {
            Some(_) if found.is_some() => errors.push(syn::Error::new_spanned(
                &attr,
                format!(
                    "an argument can have only one of {}",
                    display_list(&Attr::ARGUMENTS)
                ),
            )),
            Some(name) => found = Some((name, attr)),
            None if Attr::of(&attr).is_some() => {
                let written = attr.path().to_token_stream().to_string().replace(' ', "");
                errors.push(syn::Error::new_spanned(
                    &attr,
                    format!(
                        "`#[{written}]` does not go on an argument; an argument takes one of: {}, or a custom parameter attribute",
                        display_list(&Attr::ARGUMENTS)
                    ),
                ));
            }
            // A misspelt attribute of ours, not a custom one.
            None if near_miss(&attr).is_some() => {
                let written = attr.path().to_token_stream().to_string().replace(' ', "");
                let meant = near_miss(&attr).map(Attr::display).unwrap_or_default();
                errors.push(syn::Error::new_spanned(
                    &attr,
                    format!(
                        "unknown argument attribute `#[{written}]`; did you mean {meant}? (an argument takes one of: {}, or a custom parameter attribute)",
                        display_list(&Attr::ARGUMENTS)
                    ),
                ));
            }
            // A custom parameter attribute: `#[user("email")]` calls `user`.
            None if custom.is_some() => errors.push(syn::Error::new_spanned(
                &attr,
                format!(
                    "an argument can have only one of {}, or one custom parameter attribute",
                    display_list(&Attr::ARGUMENTS)
                ),
            )),
            None => custom = Some(attr),
        }
    }
    if let Some(attr) = custom {
        if found.is_some() {
            errors.push(syn::Error::new_spanned(
                &attr,
                format!(
                    "an argument can have only one of {}, or one custom parameter attribute",
                    display_list(&Attr::ARGUMENTS)
                ),
            ));
            return None;
        }
        return custom_argument(typed, &attr, errors);
    }
    let ty = (*typed.ty).clone();
    let Some((kind, attr)) = found else {
        return (errors.count() == before).then(|| Arg {
            span: ty.span(),
            ty,
            source: ArgSource::Extract,
            pipes: Vec::new(),
            attr_tokens: TokenStream::new(),
        });
    };
    let (name, pipes) = match &attr.meta {
        Meta::Path(_) => (None, Vec::new()),
        Meta::List(_) => errors.take(name_and_pipes(&attr, kind))?,
        Meta::NameValue(_) => {
            errors.push(syn::Error::new_spanned(
                &attr,
                format!("expected `#[{0}]` or `#[{0}(\"name\")]`", kind.name()),
            ));
            return None;
        }
    };
    let span = name.as_ref().map_or_else(|| ty.span(), LitStr::span);
    let source = match (kind, name) {
        (Attr::Param, Some(name)) => ArgSource::Param(name),
        (Attr::Param, None) => ArgSource::ParamsAll,
        (Attr::Query, Some(name)) => ArgSource::Query(name.value()),
        (Attr::Query, None) => ArgSource::QueryAll,
        (Attr::Headers, Some(name)) => ArgSource::Header(name.value().to_ascii_lowercase()),
        (Attr::Headers, None) => ArgSource::HeadersAll,
        (Attr::Body, None) => ArgSource::Body,
        (Attr::Body, Some(field)) => ArgSource::BodyField(field.value()),
        (Attr::Ip, None) => ArgSource::Ip,
        (Attr::HostParam, Some(name)) => ArgSource::HostParam(name),
        (Attr::HostParam, None) => ArgSource::HostParamsAll,
        (Attr::Req, None) => ArgSource::Req,
        (kind, _) => {
            errors.push(syn::Error::new_spanned(
                &attr,
                format!("expected {}, without arguments", kind.display()),
            ));
            return None;
        }
    };
    (errors.count() == before).then(|| Arg {
        ty,
        source,
        pipes,
        attr_tokens: attr.to_token_stream(),
        span,
    })
}

/// The argument attribute of ours `attr` is one letter away from (`#[params]`, `#[header]`,
/// `#[bdy]`): a typo rather than a custom parameter attribute.
fn near_miss(attr: &Attribute) -> Option<Attr> {
    let written = attr.path().get_ident()?.to_string();
    Attr::ARGUMENTS.into_iter().find(|known| {
        let known = known.name();
        let (a, b) = (written.as_bytes(), known.as_bytes());
        let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
        match long.len() - short.len() {
            // One letter changed.
            0 => a.iter().zip(b).filter(|(x, y)| x != y).count() == 1,
            // One letter added or removed.
            1 => (0..long.len()).any(|skip| {
                long[..skip]
                    .iter()
                    .chain(&long[skip + 1..])
                    .eq(short.iter())
            }),
            _ => false,
        }
    })
}

/// `#[user]`, `#[user("email")]`, `#[user("email", SomePipe)]`, `#[user(SomePipe)]`: a custom
/// parameter attribute, the function of that name called with the data and the request.
fn custom_argument(typed: &PatType, attr: &Attribute, errors: &mut Errors) -> Option<Arg> {
    let ty = (*typed.ty).clone();
    let function = attr.path().clone();
    let written = function.to_token_stream().to_string().replace(' ', "");
    let (data, pipes) = match &attr.meta {
        Meta::Path(_) => (None, Vec::new()),
        Meta::List(list) => {
            let items = errors.take(
                list.parse_args_with(Punctuated::<Expr, Token![,]>::parse_terminated)
                    .map_err(|_| {
                        syn::Error::new_spanned(
                            attr,
                            format!("expected `#[{written}]`, `#[{written}(\"data\")]` or `#[{written}(\"data\", SomePipe, ...)]`"),
                        )
                    }),
            )?;
            let mut items = items.into_iter().peekable();
            let data = items
                .next_if(|item| string(item).is_some())
                .and_then(|item| string(&item).cloned());
            (data, items.collect())
        }
        Meta::NameValue(_) => {
            errors.push(syn::Error::new_spanned(
                attr,
                format!("expected `#[{written}]` or `#[{written}(\"data\")]`"),
            ));
            return None;
        }
    };
    Some(Arg {
        span: function.span(),
        ty,
        source: ArgSource::Custom { function, data },
        pipes,
        attr_tokens: attr.to_token_stream(),
    })
}

/// "`#[a]`, `#[b]`, `#[c]`".
fn display_list(names: &[Attr]) -> String {
    names
        .iter()
        .map(|name| name.display())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `("name", Pipe, ...)`: the name (a string literal, first, optional) and the pipes.
fn name_and_pipes(attr: &Attribute, kind: Attr) -> syn::Result<(Option<LitStr>, Vec<Expr>)> {
    let kind = kind.name();
    let items = attr
        .parse_args_with(Punctuated::<Expr, Token![,]>::parse_terminated)
        .map_err(|_| {
            syn::Error::new_spanned(
                attr,
                format!("expected `#[{kind}]`, `#[{kind}(\"name\")]` or `#[{kind}(\"name\", SomePipe, ...)]`"),
            )
        })?;
    let mut items = items.into_iter().peekable();
    let name = items
        .next_if(|item| string(item).is_some())
        .and_then(|item| string(&item).cloned());
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

/// The span of a route's return type, or of its name when it returns nothing.
pub(crate) fn output_span(handler: &Handler) -> Span {
    match &handler.output {
        syn::ReturnType::Type(_, ty) => ty.span(),
        syn::ReturnType::Default => handler.ident.span(),
    }
}
