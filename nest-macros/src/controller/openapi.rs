//! What `#[controller]` writes for the OpenAPI document: the `#[api_*]` attributes and doc
//! comments are read (and removed) before the routes are parsed ([`take`]); each route then
//! gets a `.doc(|| RouteDoc { ... })` call ([`route_doc`]) describing its parameters, body and
//! responses from its signature.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Expr, ImplItem, ItemImpl, LitInt, LitStr, Type};

use super::ir::{ArgSource, Controller, Handler, Method, Route, RouteOption};
use crate::{
    errors::Errors,
    names::{ApiAttr, ApiOption},
    paths,
};

/// The OpenAPI attributes of a controller.
#[derive(Default)]
pub(crate) struct ApiDocs {
    /// `#[api_tags(...)]` on the `impl` block.
    tags: Vec<LitStr>,
    /// `#[api_bearer_auth]` on the `impl` block: the security schemes every route requires.
    security: Vec<String>,
    /// By method name.
    methods: HashMap<String, MethodDocs>,
}

/// The OpenAPI attributes and doc comment of one method.
#[derive(Default)]
struct MethodDocs {
    doc: Vec<String>,
    tags: Vec<LitStr>,
    security: Vec<String>,
    summary: Option<LitStr>,
    description: Option<LitStr>,
    responses: Vec<ApiResponse>,
    excluded: bool,
    deprecated: bool,
}

/// `#[api_response(status = 403, description = "Forbidden.", type = T)]`.
struct ApiResponse {
    status: LitInt,
    description: Option<LitStr>,
    ty: Option<Type>,
}

fn api_attr(attr: &syn::Attribute) -> Option<ApiAttr> {
    attr.path().get_ident().and_then(ApiAttr::from_ident)
}

fn tags(attr: &syn::Attribute) -> syn::Result<Vec<LitStr>> {
    let tags = attr
        .parse_args_with(syn::punctuated::Punctuated::<LitStr, syn::Token![,]>::parse_terminated)?;
    Ok(tags.into_iter().collect())
}

/// `#[api_bearer_auth]` (the `bearer` scheme, as `@ApiBearerAuth()`) or
/// `#[api_bearer_auth("name")]`.
fn bearer_auth(attr: &syn::Attribute) -> syn::Result<String> {
    match &attr.meta {
        syn::Meta::Path(_) => Ok("bearer".to_owned()),
        _ => Ok(attr.parse_args::<LitStr>()?.value()),
    }
}

fn unknown(
    meta: &syn::meta::ParseNestedMeta<'_>,
    attr: ApiAttr,
    known: &[ApiOption],
) -> syn::Error {
    meta.error(format!(
        "unknown `#[{}]` option: expected {}",
        attr.name(),
        ApiOption::list(known)
    ))
}

/// Reads and removes the `#[api_*]` attributes of `block` and its methods.
pub(crate) fn take(block: &mut ItemImpl, errors: &mut Errors) -> ApiDocs {
    let mut docs = ApiDocs::default();
    block.attrs.retain(|attr| match api_attr(attr) {
        Some(ApiAttr::Tags) => {
            if let Some(tags) = errors.take(tags(attr)) {
                docs.tags.extend(tags);
            }
            false
        }
        Some(ApiAttr::BearerAuth) => {
            if let Some(name) = errors.take(bearer_auth(attr)) {
                docs.security.push(name);
            }
            false
        }
        _ => true,
    });
    for item in &mut block.items {
        let ImplItem::Fn(function) = item else {
            continue;
        };
        let mut method = MethodDocs::default();
        function.attrs.retain(|attr| {
            if attr.path().is_ident("doc") {
                if let syn::Meta::NameValue(syn::MetaNameValue {
                    value:
                        Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(text),
                            ..
                        }),
                    ..
                }) = &attr.meta
                {
                    method.doc.push(text.value());
                }
                return true;
            }
            if attr.path().is_ident("deprecated") {
                method.deprecated = true;
                return true;
            }
            let Some(name) = api_attr(attr) else {
                return true;
            };
            match name {
                ApiAttr::Tags => {
                    if let Some(tags) = errors.take(tags(attr)) {
                        method.tags.extend(tags);
                    }
                }
                ApiAttr::ExcludeEndpoint => method.excluded = true,
                ApiAttr::BearerAuth => {
                    if let Some(name) = errors.take(bearer_auth(attr)) {
                        method.security.push(name);
                    }
                }
                ApiAttr::Operation => {
                    let parsed = attr.parse_nested_meta(|meta| {
                        match meta.path.get_ident().and_then(ApiOption::from_ident) {
                            Some(ApiOption::Summary) => method.summary = Some(meta.value()?.parse()?),
                            Some(ApiOption::Description) => {
                                method.description = Some(meta.value()?.parse()?);
                            }
                            _ => {
                                return Err(unknown(
                                    &meta,
                                    name,
                                    &[ApiOption::Summary, ApiOption::Description],
                                ));
                            }
                        }
                        Ok(())
                    });
                    errors.take(parsed);
                }
                ApiAttr::Response => {
                    let (mut status, mut description, mut ty) = (None, None, None);
                    let parsed = attr.parse_nested_meta(|meta| {
                        match meta.path.get_ident().and_then(ApiOption::from_ident) {
                            Some(ApiOption::Status) => status = Some(meta.value()?.parse()?),
                            Some(ApiOption::Description) => {
                                description = Some(meta.value()?.parse()?);
                            }
                            Some(ApiOption::Type) => ty = Some(meta.value()?.parse()?),
                            _ => {
                                return Err(unknown(
                                    &meta,
                                    name,
                                    &[ApiOption::Status, ApiOption::Description, ApiOption::Type],
                                ));
                            }
                        }
                        Ok(())
                    });
                    if errors.take(parsed).is_some() {
                        match status {
                            Some(status) => method.responses.push(ApiResponse {
                                status,
                                description,
                                ty,
                            }),
                            None => errors.push(syn::Error::new_spanned(
                                attr,
                                "`#[api_response]` needs a status: `#[api_response(status = 403, description = \"Forbidden.\")]`",
                            )),
                        }
                    }
                }
            }
            false
        });
        docs.methods.insert(function.sig.ident.to_string(), method);
    }
    docs
}

/// The doc comment's first paragraph (the summary) and the rest (the description).
fn split_doc(lines: &[String]) -> (Option<String>, Option<String>) {
    let lines: Vec<&str> = lines
        .iter()
        .flat_map(|line| line.split('\n'))
        .map(|line| line.strip_prefix(' ').unwrap_or(line).trim_end())
        .collect();
    let mut paragraphs = lines
        .split(|line| line.trim().is_empty())
        .filter(|p| !p.is_empty());
    let summary = paragraphs.next().map(|p| p.join(" "));
    let rest: Vec<String> = paragraphs.map(|p| p.join("\n")).collect();
    (summary, (!rest.is_empty()).then(|| rest.join("\n\n")))
}

/// `Some(|schemas| schema of ty)`, or `None` for a type that cannot be named here.
fn schema_fn(ty: &Type) -> TokenStream {
    if mentions_impl(ty) {
        return quote!(|_| ::core::option::Option::None);
    }
    let openapi = paths::openapi();
    quote!(|__nest_schemas| (&&#openapi::Probe::<#ty>::new()).__nest_schema(__nest_schemas))
}

fn required_fn(ty: &Type) -> TokenStream {
    if mentions_impl(ty) {
        return quote!(|| true);
    }
    let openapi = paths::openapi();
    quote!(|| (&&#openapi::Probe::<#ty>::new()).__nest_required())
}

/// Whether `ty` has an `impl Trait` (or `_`) in it: such a type cannot be named elsewhere.
fn mentions_impl(ty: &Type) -> bool {
    let text = quote!(#ty).to_string();
    text.contains("impl ") || text.split_whitespace().any(|token| token == "_")
}

/// The last segment of a path type, with its first generic argument.
fn last_segment(ty: &Type) -> Option<(String, Option<&Type>)> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    let first = match &last.arguments {
        syn::PathArguments::AngleBracketed(arguments) => {
            arguments.args.iter().find_map(|argument| match argument {
                syn::GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
        }
        _ => None,
    };
    Some((last.ident.to_string(), first))
}

/// What a handler's return type sends: its media type and the type of its JSON, if any.
fn response_body(ty: &Type) -> Option<(&'static str, TokenStream)> {
    let mut ty = ty;
    loop {
        match ty {
            Type::Paren(inner) => ty = &inner.elem,
            Type::Group(inner) => ty = &inner.elem,
            Type::Tuple(tuple) if tuple.elems.is_empty() => return None,
            Type::Reference(reference) => {
                if let Type::Path(path) = &*reference.elem
                    && path.path.is_ident("str")
                {
                    return Some(("text/html", string_schema()));
                }
                return None;
            }
            _ => match last_segment(ty) {
                Some((name, Some(inner))) if name == "Result" || name == "Json" => ty = inner,
                Some((name, _)) if name == "Html" || name == "String" => {
                    return Some(("text/html", string_schema()));
                }
                Some((name, _)) if name == "Response" || name == "HttpException" => return None,
                _ if mentions_impl(ty) => return None,
                _ => return Some(("application/json", schema_fn(ty))),
            },
        }
    }
}

fn string_schema() -> TokenStream {
    let openapi = paths::openapi();
    quote!(|__nest_schemas| ::core::option::Option::Some(
        <::std::string::String as #openapi::ApiSchema>::api_schema(__nest_schemas)
    ))
}

/// `T` in `impl Stream<Item = T>` (`Result<T, E>` too).
fn stream_item(handler: &Handler) -> Option<&Type> {
    let item = handler.stream_item()?;
    match last_segment(item) {
        Some((name, Some(inner))) if name == "Result" => Some(inner),
        _ => Some(item),
    }
}

/// The JSON Schema type a pipe converts its value to (`ParseIntPipe`: `integer`).
fn pipe_type(pipes: &[Expr]) -> Option<&'static str> {
    pipes.iter().rev().find_map(|pipe| {
        let text = quote!(#pipe).to_string();
        if text.contains("ParseIntPipe") {
            Some("integer")
        } else if text.contains("ParseFloatPipe") {
            Some("number")
        } else if text.contains("ParseBoolPipe") {
            Some("boolean")
        } else {
            None
        }
    })
}

fn option_str(text: Option<&str>) -> TokenStream {
    match text {
        Some(text) => quote!(::core::option::Option::Some(#text)),
        None => quote!(::core::option::Option::None),
    }
}

/// `.doc(|| RouteDoc { ... })` for one route.
pub(crate) fn route_doc(controller: &Controller, route: &Route) -> TokenStream {
    let openapi = paths::openapi();
    let empty = MethodDocs::default();
    let method_name = route.handler.ident.to_string();
    let docs = controller.api.methods.get(&method_name).unwrap_or(&empty);
    let operation_id = format!("{}_{}", controller.name, method_name);
    let (doc_summary, doc_description) = split_doc(&docs.doc);
    let summary = docs.summary.as_ref().map(LitStr::value).or(doc_summary);
    let description = docs
        .description
        .as_ref()
        .map(LitStr::value)
        .or(doc_description);
    let (summary, description) = (
        option_str(summary.as_deref()),
        option_str(description.as_deref()),
    );
    let tags = controller.api.tags.iter().chain(&docs.tags);
    let mut security: Vec<&str> = Vec::new();
    for name in controller.api.security.iter().chain(&docs.security) {
        if !security.contains(&name.as_str()) {
            security.push(name);
        }
    }
    // A generic method's types cannot be named outside it.
    let generic = route.handler.generics.is_some();
    let mut params = Vec::new();
    let mut body = quote!(::core::option::Option::None);
    for arg in &route.args {
        let (location, name) = match &arg.source {
            ArgSource::Param(name) => (quote!(Path), name.value()),
            ArgSource::Query(name) => (quote!(Query), name.clone()),
            ArgSource::Header(name) => (quote!(Header), name.clone()),
            ArgSource::QueryAll => (quote!(QueryObject), String::new()),
            ArgSource::Body => {
                if !generic {
                    let schema = schema_fn(&arg.ty);
                    body = quote!(::core::option::Option::Some(#schema));
                }
                continue;
            }
            _ => continue,
        };
        let (schema, required) = if generic {
            (quote!(|_| ::core::option::Option::None), quote!(|| true))
        } else {
            (schema_fn(&arg.ty), required_fn(&arg.ty))
        };
        let pipe = option_str(pipe_type(&arg.pipes));
        params.push(quote! {
            #openapi::ParamDoc {
                location: #openapi::ParamIn::#location,
                name: #name,
                schema: #schema,
                required: #required,
                pipe_type: #pipe,
            }
        });
    }
    // The successful response: `#[http_code]`, `#[redirect]`, else NestJS's 201 for POST and
    // 200 for the rest.
    let mut status: u16 = if route.method == Method::Post && route.sse.is_none() {
        201
    } else {
        200
    };
    let mut redirect = false;
    for option in &route.options {
        match option {
            RouteOption::HttpCode(code) => status = code.base10_parse().unwrap_or(status),
            RouteOption::Redirect { status: code, .. } => {
                redirect = true;
                status = code
                    .as_ref()
                    .and_then(|code| code.base10_parse().ok())
                    .unwrap_or(302);
            }
            _ => {}
        }
    }
    let none = quote!(::core::option::Option::None);
    let (media, schema) = if route.sse.is_some() {
        let schema = match stream_item(&route.handler) {
            Some(item) if !generic && !mentions_impl(item) => {
                quote!(|__nest_schemas| ::core::option::Option::Some(
                    (&&#openapi::Probe::<#item>::new())
                        .__nest_schema(__nest_schemas)
                        .unwrap_or_else(|| #openapi::Value::Object(::core::default::Default::default()))
                ))
            }
            _ => {
                quote!(|_| ::core::option::Option::Some(#openapi::Value::Object(::core::default::Default::default())))
            }
        };
        (
            "text/event-stream",
            quote!(::core::option::Option::Some(#schema)),
        )
    } else {
        match &route.handler.output {
            syn::ReturnType::Type(_, ty) if !redirect && !generic => match response_body(ty) {
                Some((media, schema)) => (media, quote!(::core::option::Option::Some(#schema))),
                None => ("application/json", none.clone()),
            },
            _ => ("application/json", none.clone()),
        }
    };
    let mut responses = vec![quote! {
        #openapi::ResponseDoc {
            status: #status,
            description: ::core::option::Option::None,
            media: #media,
            schema: #schema,
        }
    }];
    for response in &docs.responses {
        let status = &response.status;
        let description = match &response.description {
            Some(text) => quote!(::core::option::Option::Some(#text)),
            None => none.clone(),
        };
        let schema = match &response.ty {
            Some(ty) => {
                let schema = schema_fn(ty);
                quote!(::core::option::Option::Some(#schema))
            }
            None => none.clone(),
        };
        responses.push(quote! {
            #openapi::ResponseDoc {
                status: #status,
                description: #description,
                media: "application/json",
                schema: #schema,
            }
        });
    }
    let (excluded, deprecated) = (docs.excluded, docs.deprecated);
    quote! {
        .doc(|| {
            #[allow(unused_imports)]
            use #openapi::ViaApiSchema as _;
            #[allow(unused_imports)]
            use #openapi::NoApiSchema as _;
            #openapi::RouteDoc {
                operation_id: #operation_id,
                summary: #summary,
                description: #description,
                tags: ::std::vec![#(#tags),*],
                security: ::std::vec![#(#security),*],
                params: ::std::vec![#(#params),*],
                body: #body,
                responses: ::std::vec![#(#responses),*],
                excluded: #excluded,
                deprecated: #deprecated,
            }
        })
    }
}
