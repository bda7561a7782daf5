//! Code generation for `#[controller]`, from the IR alone: the `impl` block as written (minus
//! the attributes read), and an `impl Controller` whose routes call its methods on the shared
//! instance.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{ItemImpl, spanned::Spanned};

use super::{
    ir::{
        ApplyDecorators, Arg, ArgSource, Controller, ControllerDecorator, Enhancer, EnhancerKind,
        EnhancerTarget, Metadata, Method, Route, RouteOption, SseSettings, VersionItem, Versions,
    },
    parse::output_span,
};
use crate::paths;

pub(crate) fn controller(controller: &Controller) -> TokenStream {
    let block = &controller.block;
    let self_ty = &block.self_ty;
    let name = &controller.name;
    let prefix = &controller.prefix.normalized;
    let versions = versions(&controller.versions);
    let hosts = controller.hosts.iter().map(|(lit, _)| lit);
    let hosts = if controller.hosts.is_empty() {
        TokenStream::new()
    } else {
        quote!(.hosts(&[#(#hosts),*]))
    };
    // Applied from the lowest attribute up, as TypeScript applies a class's decorators: the
    // guards of the attribute written last run first.
    let enhancers = controller
        .decorators
        .iter()
        .rev()
        .map(|decorator| match decorator {
            ControllerDecorator::Enhancers(enhancers) => enhancers.iter().map(enhancer).collect(),
            ControllerDecorator::Apply(apply) => apply_decorators(apply),
        });
    let routes = controller.routes.iter().map(|one| {
        let definition = route(one);
        let doc = super::openapi::route_doc(controller, one);
        quote!(#definition #doc)
    });
    let (controller_trait, instance, routes_type) = (
        paths::controller(),
        paths::controller_instance(),
        paths::controller_routes(),
    );
    quote! {
        #block

        const _: () = {
            #[automatically_derived]
            impl #controller_trait for #self_ty {
                fn __nest_routes(
                    __nest_instance: #instance<Self>,
                ) -> #routes_type {
                    #routes_type::new(#name, #prefix, ::std::vec![#(#routes),*])
                        #versions
                        #hosts
                        #(#enhancers)*
                }
            }
        };
    }
}

/// The block, the errors, and a `Controller` impl with no routes, so that uses of the type
/// (`#[module(controllers = [...])]`) do not fail too.
pub(crate) fn fallback(block: &ItemImpl, error: &syn::Error) -> TokenStream {
    let error = error.to_compile_error();
    let stub = if block.trait_.is_none() && block.generics.params.is_empty() {
        let self_ty = &block.self_ty;
        let (controller_trait, instance, routes_type) = (
            paths::controller(),
            paths::controller_instance(),
            paths::controller_routes(),
        );
        quote! {
            const _: () = {
                #[automatically_derived]
                impl #controller_trait for #self_ty {
                    fn __nest_routes(
                        _: #instance<Self>,
                    ) -> #routes_type {
                        #routes_type::new("", "", ::std::vec::Vec::new())
                    }
                }
            };
        }
    } else {
        TokenStream::new()
    };
    quote!(#error #block #stub)
}

/// `.versions(&[...])` (one version, or several repeated) or `.version_list(&[...])`
/// (written as a list); nothing without versions.
fn versions(versions: &Versions) -> TokenStream {
    if versions.items.is_empty() {
        return TokenStream::new();
    }
    let items = versions.items.iter().map(|item| match item {
        VersionItem::Version(lit) => {
            let value = lit.value();
            quote!(#value)
        }
        VersionItem::Neutral(path) => quote!(#path),
    });
    if versions.list {
        quote!(.version_list(&[#(#items),*]))
    } else {
        quote!(.versions(&[#(#items),*]))
    }
}

/// `.guard(...)`, `.interceptor(...)`, `.filter(...)` or `.pipe(...)`, built by the injector
/// in the controller's module (`Injectable` types get their dependencies, others `Default`;
/// errors point at the type's name), or, for a pipe written as a value, that value.
fn enhancer(enhancer: &Enhancer) -> TokenStream {
    let (method, kind) = match enhancer.kind {
        EnhancerKind::Guard => ("guard", paths::can_activate()),
        EnhancerKind::Interceptor => ("interceptor", paths::nest_interceptor()),
        EnhancerKind::Filter => ("filter", paths::exception_filter()),
        EnhancerKind::Pipe => ("pipe", paths::any_pipe()),
    };
    let method = Ident::new(method, Span::call_site());
    let ty = match &enhancer.target {
        EnhancerTarget::Type(ty) => ty,
        EnhancerTarget::Instance(value) => {
            let ready_pipe = paths::at(value.span(), paths::ready_pipe());
            return quote_spanned!(value.span()=> .#method(#ready_pipe(#value)));
        }
    };
    let span = ty.span();
    // A pipe type is `dyn PipeTransform<Value, Value>`, named as such (not `dyn AnyPipe`).
    let kind = paths::at(span, kind);
    let kind = if enhancer.kind == EnhancerKind::Pipe {
        kind
    } else {
        quote_spanned!(span=> dyn #kind)
    };
    let via_default = paths::at(span, paths::via_default_enhancer());
    let via_injectable = paths::at(span, paths::via_injectable_enhancer());
    let pick = paths::at(span, paths::pick());
    quote_spanned!(span=> .#method({
        #[allow(unused_imports)]
        use #via_default as _;
        #[allow(unused_imports)]
        use #via_injectable as _;
        (&&#pick::<#ty>::new()).__nest_enhancer::<#kind>()
    }))
}

/// `.apply_decorators(expr)` for each expression, in the order listed (as NestJS's
/// `applyDecorators(a, b)` applies `a`, then `b`).
fn apply_decorators(apply: &ApplyDecorators) -> TokenStream {
    apply
        .exprs
        .iter()
        .map(|expr| quote_spanned!(expr.span()=> .apply_decorators(#expr)))
        .collect()
}

/// `RouteDefinition` builder calls for the route's options, applied from the last written up,
/// as TypeScript applies a method's decorators: the guards of the attribute written last run
/// first, and for one metadata key, status or header the attribute written first wins.
fn options(route: &Route) -> TokenStream {
    let mut calls = TokenStream::new();
    // Repeated `#[version]` attributes make one list.
    let mut all_versions = Versions::default();
    for option in &route.options {
        if let RouteOption::Versions(versions) = option {
            all_versions
                .items
                .extend(versions.items.iter().map(|item| match item {
                    VersionItem::Version(lit) => VersionItem::Version(lit.clone()),
                    VersionItem::Neutral(path) => VersionItem::Neutral(path.clone()),
                }));
            all_versions.list |= versions.list;
        }
    }
    all_versions.list |= all_versions.items.len() > 1;
    calls.extend(versions(&all_versions));
    for option in route.options.iter().rev() {
        calls.extend(match option {
            RouteOption::HttpCode(code) => {
                let status: u16 = code.base10_parse().unwrap_or_default();
                quote!(.http_code(#status))
            }
            RouteOption::Header { name, value } => quote!(.header(#name, #value)),
            RouteOption::Redirect { url, status } => {
                let code: u16 = status
                    .as_ref()
                    .and_then(|status| status.base10_parse().ok())
                    .unwrap_or(302);
                quote!(.redirect(#url, #code))
            }
            RouteOption::Versions(_) => TokenStream::new(),
            RouteOption::Enhancers(items) => items.iter().map(enhancer).collect(),
            RouteOption::Metadata(Metadata { key, values }) => {
                quote!(.set_metadata(#key, &[#(#values),*]))
            }
            RouteOption::Apply(apply) => apply_decorators(apply),
        });
    }
    calls
}

/// `::nest_core::__private::RequestMethod::Get`, …
fn method_tokens(method: Method) -> TokenStream {
    let request_method = paths::request_method();
    let variant = Ident::new(method.variant(), Span::call_site());
    quote!(#request_method::#variant)
}

/// `::nest_core::__private::SseRouteOptions::new().keep_alive(...)...`
fn sse_options(settings: &SseSettings) -> TokenStream {
    let options = paths::sse_route_options();
    let mut tokens = quote!(#options::new());
    if let Some(keep_alive) = settings.keep_alive {
        let value = match keep_alive {
            Some(millis) => quote!(::core::option::Option::Some(#millis)),
            None => quote!(::core::option::Option::None),
        };
        tokens.extend(quote!(.keep_alive(#value)));
    }
    if let Some(millis) = settings.retry {
        tokens.extend(quote!(.retry(#millis)));
    }
    if let Some(millis) = settings.max_lifetime {
        tokens.extend(quote!(.max_lifetime(#millis)));
    }
    if let Some(name) = &settings.shutdown_event {
        let name = name.value();
        tokens.extend(quote!(.shutdown_event(#name)));
    }
    if let Some(continue_ids) = settings.continue_ids {
        tokens.extend(quote!(.continue_ids(#continue_ids)));
    }
    tokens
}

/// The argument read raw (text for a path, host or query parameter or a header, else a JSON
/// value, with the global, controller and route pipes already run) and put through its own
/// pipes, in order; the last pipe gives the argument's type (or a JSON value, deserialised into
/// it).
fn piped(arg: &Arg, arg_index: usize) -> TokenStream {
    let ty = &arg.ty;
    let text = |kind: &str, name: &str, raw: TokenStream| {
        (
            kind.to_owned(),
            quote!(::core::option::Option::Some(#name)),
            quote!(#raw::<#ty>(&__nest_request, #name)),
            true,
        )
    };
    let json_argument = paths::json_argument();
    let json = |kind: &str, data: TokenStream, source: TokenStream| {
        (
            kind.to_owned(),
            data,
            quote!(#json_argument(&mut __nest_request, #source, &__nest_metadata, &mut __nest_validated).await),
            false,
        )
    };
    let none = quote!(::core::option::Option::None);
    let (kind, data, raw, is_text) = match &arg.source {
        ArgSource::Param(name) => text("param", &name.value(), paths::raw_param()),
        // NestJS's pipes see `@HostParam()` as `custom`.
        ArgSource::HostParam(name) => text("custom", &name.value(), paths::raw_host_param()),
        ArgSource::Query(name) => text("query", name, paths::raw_query()),
        ArgSource::Header(name) => text("header", name, paths::raw_header()),
        ArgSource::Body => json("body", none, quote!("body")),
        ArgSource::BodyField(field) => json(
            "body",
            quote!(::core::option::Option::Some(#field)),
            quote!("body-field"),
        ),
        ArgSource::QueryAll => json("query", none, quote!("query")),
        ArgSource::ParamsAll => json("param", none, quote!("param")),
        ArgSource::HostParamsAll => json("custom", none, quote!("host")),
        ArgSource::Custom { function, data } => {
            let decorated = paths::decorated();
            let data = match data {
                Some(data) => quote!(::core::option::Option::Some(#data)),
                None => quote!(::core::option::Option::None),
            };
            let call = quote_spanned!(function.span()=> #function(#data, &__nest_request));
            (
                "custom".to_owned(),
                data,
                quote!(#decorated(&__nest_request, #call, &__nest_metadata, &mut __nest_validated)),
                false,
            )
        }
        ArgSource::Ip | ArgSource::Req | ArgSource::Extract | ArgSource::HeadersAll => {
            unreachable!("validate refuses pipes here")
        }
    };
    let last = arg.pipes.len().saturating_sub(1);
    let steps = arg.pipes.iter().enumerate().map(|(index, pipe)| {
        // Spanned at the pipe, so that a pipe of the wrong type is reported there alone.
        let run_pipe = paths::at(pipe.span(), paths::run_pipe());
        let typed = if is_text && index == last {
            quote!(: #ty)
        } else {
            TokenStream::new()
        };
        // A type's name is built by the injector (see `argument_pipe_slots`), a value is used
        // as it is.
        let pipe = match injected_pipe(pipe) {
            Some(_) => {
                let slot = slot_ident(arg_index, index, pipe);
                quote_spanned!(pipe.span()=> #slot.get())
            }
            None => quote_spanned!(pipe.span()=> &(#pipe)),
        };
        quote_spanned! {pipe.span()=>
            let __nest_value #typed = #run_pipe(#pipe, __nest_value, &__nest_metadata, &mut __nest_validated)?;
        }
    });
    let (metadata, http_exception) = (paths::argument_metadata(), paths::http_exception());
    let finish = if is_text {
        quote!(::core::result::Result::<#ty, #http_exception>::Ok(__nest_value))
    } else {
        // The last value is the argument (a pipe gave its type) or JSON to deserialise.
        let (finish, via_same, via_json) = (paths::finish(), paths::via_same(), paths::via_json());
        quote! {
            #[allow(unused_imports)]
            use #via_same as _;
            #[allow(unused_imports)]
            use #via_json as _;
            (&&#finish::<_, #ty>::new(__nest_value)).__nest_finish(__nest_validated, &__nest_metadata)
        }
    };
    quote! {
        async {
            #[allow(unused_mut)]
            let mut __nest_validated = false;
            let __nest_metadata = #metadata {
                kind: #kind,
                data: #data,
                metatype: ::core::option::Option::Some(::core::any::type_name::<#ty>()),
            };
            let __nest_value = #raw?;
            #(#steps)*
            #finish
        }.await
    }
}

/// The type an argument's pipe names, when it is written as a bare type name
/// (`#[param("id", UserByIdPipe)]`, NestJS's `@Param('id', UserByIdPipe)`): the injector builds
/// it. Any other expression (`ParseUUIDPipe::version(4)`) is a value.
fn injected_pipe(pipe: &syn::Expr) -> Option<&syn::Path> {
    match pipe {
        syn::Expr::Path(path) if path.qself.is_none() => Some(&path.path),
        _ => None,
    }
}

/// The variable holding the built pipe `pipe_index` of argument `arg_index`, spanned at the
/// pipe (errors about the pipe point there).
fn slot_ident(arg_index: usize, pipe_index: usize, pipe: &syn::Expr) -> Ident {
    Ident::new(
        &format!("__nest_pipe_{arg_index}_{pipe_index}"),
        pipe.span(),
    )
}

/// The slots of a route's pipes named by type: their declarations (before the route's
/// closure), their clones (into it, and into each request's future), and the builder calls
/// that hand them to the application to build.
fn argument_pipe_slots(route: &Route) -> (TokenStream, TokenStream, TokenStream) {
    let (mut declare, mut clone, mut register) =
        (TokenStream::new(), TokenStream::new(), TokenStream::new());
    for (arg_index, arg) in route.args.iter().enumerate() {
        for (pipe_index, pipe) in arg.pipes.iter().enumerate() {
            let Some(ty) = injected_pipe(pipe) else {
                continue;
            };
            let slot = slot_ident(arg_index, pipe_index, pipe);
            let span = ty.span();
            let (pipe_slot, pick) = (paths::pipe_slot(), paths::at(span, paths::pick()));
            let via_default = paths::at(span, paths::via_default_enhancer());
            let via_injectable = paths::at(span, paths::via_injectable_enhancer());
            declare.extend(quote_spanned! {span=>
                let #slot = #pipe_slot::<#ty>::new({
                    #[allow(unused_imports)]
                    use #via_default as _;
                    #[allow(unused_imports)]
                    use #via_injectable as _;
                    (&&#pick::<#ty>::new()).__nest_enhancer::<#ty>()
                });
            });
            clone.extend(quote!(let #slot = ::core::clone::Clone::clone(&#slot);));
            register.extend(quote!(.argument_pipe(#slot.erased())));
        }
    }
    (declare, clone, register)
}

/// Reads one argument from the request.
fn read(arg: &Arg, arg_index: usize) -> TokenStream {
    let ty = &arg.ty;
    let read = match &arg.source {
        ArgSource::Param(name) => {
            let (name, param) = (name.value(), paths::param());
            quote_spanned!(ty.span()=> #param::<#ty>(&__nest_request, #name))
        }
        ArgSource::Extract => {
            let from_request = paths::from_request();
            quote_spanned!(ty.span()=> <#ty as #from_request>::from_request(&__nest_request))
        }
        ArgSource::Body => {
            let body = paths::body();
            quote_spanned!(ty.span()=> #body::<#ty>(&mut __nest_request).await)
        }
        ArgSource::Query(name) => {
            let query = paths::query();
            quote_spanned!(ty.span()=> #query::<#ty>(&__nest_request, #name))
        }
        ArgSource::QueryAll => {
            let query_all = paths::query_all();
            quote_spanned!(ty.span()=> #query_all::<#ty>(&__nest_request))
        }
        ArgSource::Header(name) => {
            let header = paths::header();
            quote_spanned!(ty.span()=> #header::<#ty>(&__nest_request, #name))
        }
        ArgSource::Ip => {
            let ip = paths::ip();
            quote_spanned!(ty.span()=> #ip::<#ty>(&__nest_request))
        }
        ArgSource::ParamsAll => {
            let params_all = paths::params_all();
            quote_spanned!(ty.span()=> #params_all::<#ty>(&__nest_request))
        }
        ArgSource::HostParam(name) => {
            let (name, host_param) = (name.value(), paths::host_param());
            quote_spanned!(ty.span()=> #host_param::<#ty>(&__nest_request, #name))
        }
        ArgSource::HostParamsAll => {
            let host_params_all = paths::host_params_all();
            quote_spanned!(ty.span()=> #host_params_all::<#ty>(&__nest_request))
        }
        ArgSource::BodyField(field) => {
            let body_field = paths::body_field();
            quote_spanned!(ty.span()=> #body_field::<#ty>(&mut __nest_request, #field).await)
        }
        ArgSource::Req => {
            let req = paths::req();
            quote_spanned!(ty.span()=> #req(&__nest_request))
        }
        ArgSource::HeadersAll => {
            let headers_all = paths::headers_all();
            quote_spanned!(ty.span()=> #headers_all(&__nest_request))
        }
        // Always through `piped`: the value is JSON (run through the route's pipes), then the
        // argument's type.
        ArgSource::Custom { .. } => return piped(arg, arg_index),
    };
    if arg.pipes.is_empty() {
        read
    } else {
        piped(arg, arg_index)
    }
}

/// One `RouteDefinition::http(...)` or `RouteDefinition::sse(...)`.
fn route(route: &Route) -> TokenStream {
    let definition = paths::route_definition();
    let http_exception = paths::http_exception();
    let verb = method_tokens(route.method);
    let path = &route.path.normalized;
    let method = &route.handler.ident;
    let method_name = method.to_string();
    let await_ = route.handler.is_async.then(|| quote!(.await));
    let options = options(route);
    let ret_span = output_span(&route.handler);
    let args: Vec<_> = (0..route.args.len())
        .map(|index| format_ident!("__nest_arg{index}"))
        .collect();
    let on_error = if route.sse.is_some() {
        quote!(return __nest_sink.fail(error))
    } else {
        quote!(return #http_exception::into_response(error))
    };
    let (declare_slots, clone_slots, register_slots) = argument_pipe_slots(route);
    let extract = route
        .args
        .iter()
        .zip(&args)
        .enumerate()
        .map(|(index, (arg, ident))| {
            let read = read(arg, index);
            quote! {
                let #ident = match #read {
                    ::core::result::Result::Ok(value) => value,
                    ::core::result::Result::Err(error) => #on_error,
                };
            }
        });
    // Spanned at the return type: errors about the value it returns point there.
    let call = quote_spanned!(ret_span=> __nest_this.#method(#(#args),*) #await_);
    let rebind = route
        .args
        .iter()
        .any(|arg| {
            matches!(arg.source, ArgSource::Body | ArgSource::BodyField(_))
                || (!arg.pipes.is_empty()
                    && matches!(
                        arg.source,
                        ArgSource::QueryAll | ArgSource::ParamsAll | ArgSource::HostParamsAll
                    ))
        })
        .then(|| quote!(let mut __nest_request = __nest_request;));
    if let Some(settings) = &route.sse {
        let (request, sse_sink, release_head) =
            (paths::request(), paths::sse_sink(), paths::release_head());
        // Spanned at the return type (at `T` in `impl Stream<Item = T>`), so a wrong type is
        // reported there.
        let run_span = route.handler.stream_item().map_or(ret_span, Spanned::span);
        let returned = quote_spanned!(run_span=> __nest_returned);
        let run = quote_spanned!(run_span=> __nest_sink.run(#returned).await);
        let sse_options = sse_options(settings);
        quote! {
            {
            #declare_slots
            #definition::sse(#verb, #path, #method_name, #sse_options, {
                let __nest_instance = ::core::clone::Clone::clone(&__nest_instance);
                #clone_slots
                move |__nest_request: ::std::boxed::Box<#request>, __nest_sink: #sse_sink| {
                    let __nest_instance = ::core::clone::Clone::clone(&__nest_instance);
                    #clone_slots
                    async move {
                        let __nest_this = match __nest_instance.get(&__nest_request).await {
                            ::core::result::Result::Ok(this) => this,
                            ::core::result::Result::Err(error) => #on_error,
                        };
                        #rebind
                        #(#extract)*
                        let __nest_returned = #call;
                        // This future lives as long as the stream: the request's head goes now.
                        let __nest_body = #release_head(__nest_request);
                        #run
                    }
                }
            }) #options #register_slots
            }
        }
    } else {
        let request = paths::request();
        let returned = quote_spanned!(ret_span=> __nest_returned);
        // Spanned at the return type, so that a type that cannot be sent is reported there.
        let (respond, via_into_response, via_serialize, via_serialize_result) = (
            paths::at(ret_span, paths::respond()),
            paths::at(ret_span, paths::via_into_response()),
            paths::at(ret_span, paths::via_serialize()),
            paths::at(ret_span, paths::via_serialize_result()),
        );
        let response = paths::at(ret_span, paths::response());
        let into_response = paths::at(ret_span, paths::into_response());
        // The first of IntoResponse, Result of Serialize, Serialize that applies (see
        // nest_core::http::respond). When none does, method resolution reaches
        // `__NestReturnType`, whose `IntoResponse` bound fails with that trait's message about
        // the return types a handler may have.
        let respond = quote_spanned!(ret_span=> {
            #[allow(unused_imports)]
            use #via_into_response as _;
            #[allow(unused_imports)]
            use #via_serialize as _;
            #[allow(unused_imports)]
            use #via_serialize_result as _;
            #[allow(dead_code)]
            trait __NestReturnType {
                type Value;
                fn __nest_respond(self) -> #response
                where
                    Self::Value: #into_response;
            }
            impl<T> __NestReturnType for #respond<T> {
                type Value = T;
                fn __nest_respond(self) -> #response
                where
                    T: #into_response,
                {
                    ::core::unreachable!("an `IntoResponse` value is sent through `ViaIntoResponse`")
                }
            }
            (&&&#respond::new(#returned)).__nest_respond()
        });
        quote! {
            {
            #declare_slots
            #definition::http(#verb, #path, #method_name, {
                let __nest_instance = ::core::clone::Clone::clone(&__nest_instance);
                #clone_slots
                move |__nest_request: #request| {
                    let __nest_instance = ::core::clone::Clone::clone(&__nest_instance);
                    #clone_slots
                    async move {
                        let __nest_this = match __nest_instance.get(&__nest_request).await {
                            ::core::result::Result::Ok(this) => this,
                            ::core::result::Result::Err(error) => #on_error,
                        };
                        #rebind
                        #(#extract)*
                        let __nest_returned = #call;
                        #respond
                    }
                }
            }) #options #register_slots
            }
        }
    }
}
