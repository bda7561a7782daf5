//! The `#[controller]` IR: the prefix, and one [`Route`] per annotated method, read from the
//! `impl` block (whose route and parameter attributes are removed as they are read).

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use syn::{FnArg, Ident, ImplItem, ImplItemFn, ItemImpl, LitStr, ReturnType, Type};

use super::{
    args::{ARG_ATTRIBUTES, Arg, ArgSource, is_passthrough},
    response_attrs::{
        parse_metadata, parse_pipeline, parse_response_attribute, parse_version, parse_versions,
        response_attribute_name,
    },
};
use crate::{
    route_attr::{self, RouteAttr},
    route_path::{self, RoutePath},
};

pub(crate) struct Controller {
    /// The type's name, for logs (`AppController`).
    pub(crate) name: String,
    /// The normalised prefix (`/cats`, or empty).
    pub(crate) prefix: String,
    /// `version = "1"`: the versions of routes that name none.
    pub(crate) versions: Vec<String>,
    /// `#[use_guards(...)]`, `#[use_interceptors(...)]`, `#[use_filters(...)]` on the `impl`
    /// block: `.guard(...)`, `.interceptor(...)`, `.filter(...)` calls.
    pub(crate) guards: Vec<TokenStream>,
    pub(crate) routes: Vec<Route>,
}

pub(crate) struct Route {
    pub(crate) attr: RouteAttr,
    /// Builder calls for `#[http_code]`, `#[header]`, `#[redirect]` and `#[version]`.
    pub(crate) meta: Vec<TokenStream>,
    /// `#[version(...)]`, if any.
    pub(crate) versions: Vec<String>,
    pub(crate) method: Ident,
    pub(crate) is_async: bool,
    pub(crate) output: ReturnType,
    pub(crate) args: Vec<Arg>,
}

/// Collects errors so one build reports all of them.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(first) => first.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn finish<T>(self, value: T) -> syn::Result<T> {
        self.0.map_or(Ok(value), Err)
    }
}

impl Controller {
    /// Reads the controller from `#[controller(args)]` on `block`, removing the route and
    /// parameter attributes it consumes from `block`.
    pub(crate) fn from_impl(args: &TokenStream, block: &mut ItemImpl) -> syn::Result<Self> {
        let mut errors = Errors::default();
        let (prefix, versions) = match parse_controller_args(args) {
            Ok((prefix, versions)) => (prefix.normalized, versions),
            Err(error) => {
                errors.push(error);
                (String::new(), Vec::new())
            }
        };
        let mut guards = Vec::new();
        block.attrs.retain(|attr| {
            if !["use_guards", "use_interceptors", "use_filters"]
                .iter()
                .any(|name| attr.path().is_ident(name))
            {
                return true;
            }
            match parse_pipeline(attr) {
                Ok(calls) => guards.extend(calls),
                Err(error) => errors.push(error),
            }
            false
        });
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
        let name = match &*block.self_ty {
            Type::Path(path) => path
                .path
                .segments
                .last()
                .map_or_else(String::new, |segment| segment.ident.to_string()),
            other => {
                errors.push(syn::Error::new_spanned(
                    other,
                    "`#[controller]` must be placed on an `impl` block of a named type",
                ));
                String::new()
            }
        };
        let mut routes = Vec::new();
        for item in &mut block.items {
            if let ImplItem::Fn(function) = item {
                match Route::from_method(function) {
                    Ok(Some(route)) => routes.push(route),
                    Ok(None) => {}
                    Err(error) => errors.push(error),
                }
            }
        }
        check_duplicates(&prefix, &versions, &routes, &mut errors);
        errors.finish(Self {
            name,
            prefix,
            versions,
            guards,
            routes,
        })
    }
}

/// `#[controller]` or `#[controller("prefix")]`.
fn parse_controller_args(args: &TokenStream) -> syn::Result<(RoutePath, Vec<String>)> {
    use syn::{Token, parse::ParseStream};

    let expected = "expected `#[controller]`, `#[controller(\"prefix\")]` or `#[controller(\"prefix\", version = \"1\")]`";
    let (lit, versions) = syn::parse::Parser::parse2(
        |input: ParseStream<'_>| {
            let lit = if input.peek(LitStr) {
                Some(input.parse::<LitStr>()?)
            } else {
                None
            };
            let mut versions = Vec::new();
            while !input.is_empty() {
                if lit.is_some() || !versions.is_empty() {
                    input.parse::<Token![,]>()?;
                    if input.is_empty() {
                        break;
                    }
                }
                let key: syn::Ident = input.parse()?;
                if key != "version" {
                    return Err(syn::Error::new_spanned(
                        &key,
                        format!("unknown `#[controller]` option `{key}`; expected `version`"),
                    ));
                }
                input.parse::<Token![=]>()?;
                versions.push(parse_version(&input.parse::<LitStr>()?)?);
            }
            Ok((lit, versions))
        },
        args.clone(),
    )
    .map_err(|error| {
        if error.to_string().starts_with("unknown")
            || error.to_string().starts_with("invalid version")
        {
            error
        } else {
            syn::Error::new(error.span(), expected)
        }
    })?;
    let lit = lit.unwrap_or_else(|| LitStr::new("", Span::call_site()));
    let prefix = route_path::parse(&lit, "`#[controller]`")?;
    if !prefix.params.is_empty() || prefix.normalized.contains('*') {
        // Keep the simple case simple: a prefix is static, routes carry the parameters.
        return Err(syn::Error::new_spanned(
            &lit,
            "a `#[controller]` prefix cannot hold parameters; put them in the route paths",
        ));
    }
    Ok((prefix, versions))
}

impl Route {
    /// The route declared on `function`, if it has a route attribute. Removes the route
    /// attribute and the `#[param]` attributes of its arguments.
    fn from_method(function: &mut ImplItemFn) -> syn::Result<Option<Self>> {
        let mut errors = Errors::default();
        let mut found: Option<RouteAttr> = None;
        let mut meant_as_route = false;
        let mut kept = Vec::with_capacity(function.attrs.len());
        let mut meta = Vec::new();
        let mut redirects = false;
        let mut versions = Vec::new();
        let mut metadata: Vec<(String, Vec<String>)> = Vec::new();
        for attr in std::mem::take(&mut function.attrs) {
            if let Some(kind) = response_attribute_name(&attr) {
                redirects |= kind == "redirect";
                if kind == "use_guards" || kind == "use_interceptors" || kind == "use_filters" {
                    match parse_pipeline(&attr) {
                        Ok(calls) => meta.extend(calls),
                        Err(error) => errors.push(error),
                    }
                    continue;
                }
                if kind == "roles" || kind == "set_metadata" {
                    match parse_metadata(&attr, kind) {
                        Ok(entry) => metadata.push(entry),
                        Err(error) => errors.push(error),
                    }
                    continue;
                }
                if kind == "version" {
                    match parse_versions(&attr) {
                        Ok(parsed) => versions.extend(parsed),
                        Err(error) => errors.push(error),
                    }
                }
                match parse_response_attribute(&attr, kind) {
                    Ok(call) => meta.push(call),
                    Err(error) => errors.push(error),
                }
                continue;
            }
            let Some(name) = route_attr::route_attribute_name(&attr) else {
                kept.push(attr);
                continue;
            };
            meant_as_route = true;
            match (&found, route_attr::parse(&attr, name)) {
                (Some(first), _) => errors.push(syn::Error::new_spanned(
                    &attr,
                    format!(
                        "a method can have only one route attribute, and this one already has `#[{}]`",
                        first.name
                    ),
                )),
                (None, Ok(parsed)) => found = Some(parsed),
                (None, Err(error)) => errors.push(error),
            }
        }
        function.attrs = kept;
        let Some(attr) = found else {
            if meant_as_route {
                // The route attribute was malformed: still consume the `#[param]`s, so that
                // only the real mistake is reported.
                for input in &mut function.sig.inputs {
                    if let FnArg::Typed(typed) = input {
                        typed.attrs.retain(|attr| {
                            !attr.path().is_ident("param") && !attr.path().is_ident("body")
                        });
                    }
                }
            }
            return errors.finish(None);
        };
        let signature = &function.sig;
        if !signature.generics.params.is_empty() {
            errors.push(syn::Error::new_spanned(
                &signature.generics,
                "route handlers cannot have generic parameters",
            ));
        }
        match signature.inputs.first() {
            Some(FnArg::Receiver(receiver))
                if receiver.mutability.is_none()
                    && matches!(receiver.kind, syn::ReceiverKind::Reference(_, _, None)) => {}
            Some(FnArg::Receiver(receiver)) => errors.push(syn::Error::new_spanned(
                receiver,
                "a route handler takes `&self`: the controller is shared by every request",
            )),
            _ => errors.push(syn::Error::new_spanned(
                &signature.ident,
                "a route handler takes `&self` as its first argument",
            )),
        }
        if attr.is_sse && matches!(signature.output, ReturnType::Default) {
            errors.push(syn::Error::new_spanned(
                &signature.ident,
                "an `#[sse]` route must return a Stream of MessageEvent, as in `-> impl Stream<Item = MessageEvent>`",
            ));
        }
        let mut args = Vec::new();
        let mut seen: HashMap<String, Span> = HashMap::new();
        let mut body: Option<Span> = None;
        let mut arguments_failed = false;
        for input in function.sig.inputs.iter_mut().skip(1) {
            let FnArg::Typed(typed) = input else { continue };
            for unknown in typed.attrs.iter().filter(|attr| !is_passthrough(attr)) {
                if !ARG_ATTRIBUTES
                    .iter()
                    .any(|name| unknown.path().is_ident(name))
                {
                    arguments_failed = true;
                    errors.push(syn::Error::new_spanned(
                        unknown,
                        "unknown parameter attribute; expected one of: `#[param]`, `#[query]`, `#[body]`, `#[headers(\"name\")]`, `#[ip]`, `#[req]`",
                    ));
                }
            }
            typed.attrs.retain(|attr| {
                is_passthrough(attr) || ARG_ATTRIBUTES.iter().any(|name| attr.path().is_ident(name))
            });
            match Arg::from_input(typed, &attr.path) {
                Ok((arg, span)) => {
                    if let ArgSource::Param(name) = &arg.source
                        && seen.insert(name.clone(), span).is_some()
                    {
                        errors.push(syn::Error::new(
                            span,
                            format!(
                                "the path parameter `{name}` is already read by another argument"
                            ),
                        ));
                    }
                    if matches!(arg.source, ArgSource::Body) {
                        if body.is_some() {
                            errors.push(syn::Error::new(
                                span,
                                "two `#[body]` arguments: the whole body goes to one argument; read single fields with `#[body(\"field\")]`",
                            ));
                        }
                        body = Some(span);
                    }
                    args.push(arg);
                }
                Err(error) => {
                    arguments_failed = true;
                    errors.push(error);
                }
            }
        }
        // After a malformed argument attribute this would only repeat the same mistake.
        let reads_all = args
            .iter()
            .any(|arg| matches!(arg.source, ArgSource::ParamsAll));
        for param in attr
            .path
            .params
            .iter()
            .filter(|_| !arguments_failed && !reads_all)
        {
            if !seen.contains_key(param) {
                errors.push(syn::Error::new_spanned(
                    &attr.tokens,
                    format!(
                        "the route path has `:{param}` but no argument reads it; add `#[param(\"{param}\")] {param}: String`"
                    ),
                ));
            }
        }
        if !metadata.is_empty() {
            let entries = metadata
                .iter()
                .map(|(key, values)| quote::quote!((#key, &[#(#values),*])));
            meta.push(quote::quote!(.metadata(&[#(#entries),*])));
        }
        if attr.is_sse && redirects {
            errors.push(syn::Error::new_spanned(
                &attr.tokens,
                "an `#[sse]` route cannot also be a `#[redirect]`",
            ));
        }
        let route = Self {
            meta,
            versions,
            method: function.sig.ident.clone(),
            is_async: function.sig.asyncness.is_some(),
            output: function.sig.output.clone(),
            args,
            attr,
        };
        errors.finish(Some(route))
    }
}

/// Two routes of one controller with the same method, path shape and a version in common (or
/// no versions): the second could never be reached.
fn check_duplicates(
    prefix: &str,
    controller_versions: &[String],
    routes: &[Route],
    errors: &mut Errors,
) {
    let versions_of = |route: &Route| -> Vec<String> {
        if route.versions.is_empty() {
            controller_versions.to_vec()
        } else {
            route.versions.clone()
        }
    };
    for (index, route) in routes.iter().enumerate() {
        let key = (route.attr.verb, route.attr.path.shape());
        let versions = versions_of(route);
        let clash = routes[..index].iter().find(|first| {
            let first_versions = versions_of(first);
            (first.attr.verb, first.attr.path.shape()) == key
                && (versions.is_empty() && first_versions.is_empty()
                    || versions
                        .iter()
                        .any(|version| first_versions.contains(version)))
        });
        if let Some(first) = clash {
            let path = if route.attr.path.normalized.is_empty() && prefix.is_empty() {
                "/"
            } else {
                &route.attr.path.normalized
            };
            errors.push(syn::Error::new_spanned(
                &route.attr.tokens,
                format!(
                    "duplicate route `{} {prefix}{path}`: `{}` already maps it",
                    route.attr.verb.as_str(),
                    first.method
                ),
            ));
        }
    }
}
