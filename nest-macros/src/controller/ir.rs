//! The typed form of a `#[controller]` block: what [`super::parse`] reads, [`super::validate`]
//! checks and [`super::expand`] turns into code. Every item keeps the span its errors point at.

use proc_macro2::{Span, TokenStream};
use syn::{Expr, Ident, ItemImpl, LitInt, LitStr, ReturnType, Type};

use crate::{names::Attr, route_path::RoutePath};

/// A controller: the `impl` block and its routes.
pub(crate) struct Controller {
    /// The `impl` block as written, with the attributes the macro reads removed.
    pub(crate) block: ItemImpl,
    /// The type's name, for logs (`AppController`).
    pub(crate) name: String,
    /// The normalised prefix (`/cats`, or empty).
    pub(crate) prefix: RoutePath,
    /// `#[controller("cats", version = "1")]`: the versions of routes that name none.
    pub(crate) versions: Versions,
    /// `#[controller("cats", host = ":account.example.com")]`: the hosts, with their parsed
    /// forms (for `#[host_param]`).
    pub(crate) hosts: Vec<(LitStr, RoutePath)>,
    /// `#[use_guards]`, `#[use_interceptors]`, `#[use_filters]`, `#[use_pipes]` and
    /// `#[apply_decorators]` on the `impl` block, in the order written.
    pub(crate) decorators: Vec<ControllerDecorator>,
    pub(crate) routes: Vec<Route>,
    /// What the OpenAPI document says beyond the signatures: `#[api_tags]`, the methods' doc
    /// comments and `#[api_*]` attributes (read before the routes, see `super::openapi`).
    pub(crate) api: super::openapi::ApiDocs,
}

/// An HTTP method, as NestJS's `RequestMethod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Put,
    Delete,
    Patch,
    Options,
    Head,
    All,
}

impl Method {
    /// The variant of `RequestMethod`, and the name routes are logged with.
    pub(crate) const TABLE: [(Self, &'static str, &'static str); 8] = [
        (Self::Get, "Get", "GET"),
        (Self::Post, "Post", "POST"),
        (Self::Put, "Put", "PUT"),
        (Self::Delete, "Delete", "DELETE"),
        (Self::Patch, "Patch", "PATCH"),
        (Self::Options, "Options", "OPTIONS"),
        (Self::Head, "Head", "HEAD"),
        (Self::All, "All", "ALL"),
    ];

    /// `GET`, `POST`, …
    pub(crate) fn as_str(self) -> &'static str {
        Self::TABLE
            .iter()
            .find(|(method, _, _)| *method == self)
            .map_or("", |(_, _, name)| name)
    }

    /// The `RequestMethod` variant's name: `Get`, `Post`, …
    pub(crate) fn variant(self) -> &'static str {
        Self::TABLE
            .iter()
            .find(|(method, _, _)| *method == self)
            .map_or("", |(_, variant, _)| variant)
    }

    /// The method a route attribute declares (`#[sse]` defaults to `GET`).
    pub(crate) fn of_attr(attr: Attr) -> Self {
        match attr {
            Attr::Post => Self::Post,
            Attr::Put => Self::Put,
            Attr::Delete => Self::Delete,
            Attr::Patch => Self::Patch,
            Attr::Options => Self::Options,
            Attr::Head => Self::Head,
            Attr::All => Self::All,
            _ => Self::Get,
        }
    }
}

/// An attribute of the `impl` block that applies to every route.
pub(crate) enum ControllerDecorator {
    /// `#[use_guards(A, B)]`, `#[use_interceptors(C)]`, `#[use_filters(D)]`, `#[use_pipes(E)]`.
    Enhancers(Vec<Enhancer>),
    /// `#[apply_decorators(auth(&["admin"]))]`.
    Apply(ApplyDecorators),
}

/// `#[apply_decorators(expr, ...)]`: expressions that evaluate to `Decorators`, applied in
/// the order listed (as NestJS's `applyDecorators(a, b)`).
pub(crate) struct ApplyDecorators {
    pub(crate) exprs: Vec<Expr>,
}

/// A guard, interceptor, filter or pipe.
pub(crate) struct Enhancer {
    pub(crate) kind: EnhancerKind,
    pub(crate) target: EnhancerTarget,
}

/// What an enhancer attribute names.
pub(crate) enum EnhancerTarget {
    /// A type, built by the injector (`#[use_guards(AuthGuard)]`, `#[use_pipes(ValidationPipe)]`).
    Type(syn::Path),
    /// A value (`#[use_pipes(ValidationPipe::new().whitelist(true))]`; pipes only).
    Instance(Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EnhancerKind {
    Guard,
    Interceptor,
    Filter,
    Pipe,
}

/// One route method.
pub(crate) struct Route {
    /// The method's position among the block's items, counted from 1: its errors are reported
    /// in that order.
    pub(crate) section: usize,
    /// The whole route attribute, for errors about the route as a whole.
    pub(crate) attr_tokens: TokenStream,
    pub(crate) method: Method,
    pub(crate) path: RoutePath,
    /// `Some` for an `#[sse]` route: the settings it overrides.
    pub(crate) sse: Option<SseSettings>,
    pub(crate) handler: Handler,
    pub(crate) args: Vec<Arg>,
    /// `#[http_code]`, `#[header]`, `#[redirect]`, `#[version]`, the enhancers, the metadata
    /// and `#[apply_decorators]`, in the order written (they are applied from the last up, as
    /// TypeScript applies decorators).
    pub(crate) options: Vec<RouteOption>,
}

/// The method a route calls.
pub(crate) struct Handler {
    pub(crate) ident: Ident,
    pub(crate) is_async: bool,
    pub(crate) output: ReturnType,
    pub(crate) receiver: Receiver,
    /// The method's generic parameters, if it has any.
    pub(crate) generics: Option<syn::Generics>,
}

impl Handler {
    /// `T` in a return type `impl Stream<Item = T>` (or any `impl Trait<Item = T>`).
    pub(crate) fn stream_item(&self) -> Option<&Type> {
        let ReturnType::Type(_, ty) = &self.output else {
            return None;
        };
        let Type::ImplTrait(impl_trait) = &**ty else {
            return None;
        };
        impl_trait.bounds.iter().find_map(|bound| {
            let syn::TypeParamBound::Trait(bound) = bound else {
                return None;
            };
            let syn::PathArguments::AngleBracketed(arguments) =
                &bound.path.segments.last()?.arguments
            else {
                return None;
            };
            arguments.args.iter().find_map(|argument| match argument {
                syn::GenericArgument::AssocType(assoc) if assoc.ident == "Item" => Some(&assoc.ty),
                _ => None,
            })
        })
    }
}

/// The handler's first argument.
pub(crate) enum Receiver {
    /// `&self`.
    Shared,
    /// `self`, `&mut self`, `self: Box<Self>`, …: the tokens, for the error.
    Other(TokenStream),
    /// No receiver.
    Missing,
}

/// A route option, turned into one `RouteDefinition` builder call.
pub(crate) enum RouteOption {
    /// `#[http_code(204)]`.
    HttpCode(LitInt),
    /// `#[header("Cache-Control", "none")]`.
    Header { name: LitStr, value: LitStr },
    /// `#[redirect("url")]` or `#[redirect("url", 301)]`.
    Redirect { url: LitStr, status: Option<LitInt> },
    /// `#[version("1", "2")]`, `#[version(["1", "2"])]`, `#[version(VERSION_NEUTRAL)]`.
    Versions(Versions),
    /// `#[use_guards(A, B)]`, `#[use_interceptors(C)]`, `#[use_filters(D)]`,
    /// `#[use_pipes(E)]`: the types or values of one attribute, in the order listed.
    Enhancers(Vec<Enhancer>),
    /// `#[roles(...)]` or `#[set_metadata(...)]`.
    Metadata(Metadata),
    /// `#[apply_decorators(...)]`.
    Apply(ApplyDecorators),
}

/// `#[roles("admin")]` (the key `roles`) or `#[set_metadata("key", "value", ...)]`.
pub(crate) struct Metadata {
    pub(crate) key: String,
    pub(crate) values: Vec<String>,
}

/// The event-stream settings an `#[sse(...)]` attribute overrides (durations in milliseconds).
#[derive(Default)]
pub(crate) struct SseSettings {
    /// `keep_alive = "5s"` (`Some(Some(5000))`) or `keep_alive = false` (`Some(None)`).
    pub(crate) keep_alive: Option<Option<u64>>,
    pub(crate) retry: Option<u64>,
    pub(crate) max_lifetime: Option<u64>,
    pub(crate) shutdown_event: Option<LitStr>,
    pub(crate) continue_ids: Option<bool>,
}

/// A handler argument and where its value comes from.
pub(crate) struct Arg {
    pub(crate) ty: Type,
    pub(crate) source: ArgSource,
    /// `#[param("id", ParseIntPipe)]`: the pipes, in order.
    pub(crate) pipes: Vec<Expr>,
    /// The attribute, for errors about it (empty for [`ArgSource::Extract`]).
    pub(crate) attr_tokens: TokenStream,
    /// The name literal, or else the type: where errors about this argument point.
    pub(crate) span: Span,
}

/// Versions as written: `"1"`, `"1", "2"`, `["1", "2"]`, `VERSION_NEUTRAL`.
#[derive(Default)]
pub(crate) struct Versions {
    pub(crate) items: Vec<VersionItem>,
    /// Written as a list (`[...]`): NestJS tells `VERSION_NEUTRAL` alone from a list with it.
    pub(crate) list: bool,
}

impl Versions {
    /// The versions as text (`VERSION_NEUTRAL` as its name), for comparisons.
    pub(crate) fn values(&self) -> Vec<String> {
        self.items
            .iter()
            .map(|item| match item {
                VersionItem::Version(lit) => lit.value(),
                VersionItem::Neutral(_) => "VERSION_NEUTRAL".to_owned(),
            })
            .collect()
    }
}

/// One version.
pub(crate) enum VersionItem {
    /// `"1"`.
    Version(LitStr),
    /// `VERSION_NEUTRAL` (any path ending so), as written: generated code names it so, and
    /// the user's import of it is used.
    Neutral(syn::Path),
}

pub(crate) enum ArgSource {
    /// `#[param("name")]`: a path parameter.
    Param(LitStr),
    /// `#[host_param("name")]`: a parameter of the controller's host.
    HostParam(LitStr),
    /// `#[host_param]`: every host parameter, into a map or struct.
    HostParamsAll,
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
    /// `#[user]`, `#[user("email")]`: a custom parameter attribute (NestJS's
    /// `createParamDecorator`), the function `user(data, &request)`.
    Custom {
        function: syn::Path,
        data: Option<LitStr>,
    },
}
