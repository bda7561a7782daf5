//! Code generation for `#[controller]`: the `impl` block as written (minus our attributes), and
//! an `impl Controller` whose routes call its methods on the shared instance.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::{ItemImpl, ReturnType, spanned::Spanned};

use super::{
    args::ArgSource,
    parse::{Controller, Route},
};
use crate::paths::private;

pub(crate) fn controller(block: &ItemImpl, controller: &Controller) -> TokenStream {
    let private = private();
    let self_ty = &block.self_ty;
    let name = &controller.name;
    let prefix = &controller.prefix;
    let versions = &controller.versions;
    let guards = &controller.guards;
    let routes = controller.routes.iter().map(route);
    quote! {
        #block

        const _: () = {
            #[automatically_derived]
            impl #private::Controller for #self_ty {
                fn __nest_routes(
                    __nest_instance: #private::ControllerInstance<Self>,
                ) -> #private::ControllerRoutes {
                    #private::ControllerRoutes::new(#name, #prefix, ::std::vec![#(#routes),*])
                        .versions(&[#(#versions),*])
                        #(#guards)*
                }
            }
        };
    }
}

/// The block, the errors, and a `Controller` impl with no routes, so that uses of the type
/// (`#[module(controllers = [...])]`) do not fail too.
pub(crate) fn fallback(block: &ItemImpl, error: &syn::Error) -> TokenStream {
    let private = private();
    let self_ty = &block.self_ty;
    let error = error.to_compile_error();
    let stub = if block.trait_.is_none() && block.generics.params.is_empty() {
        quote! {
            const _: () = {
                #[automatically_derived]
                impl #private::Controller for #self_ty {
                    fn __nest_routes(
                        _: #private::ControllerInstance<Self>,
                    ) -> #private::ControllerRoutes {
                        #private::ControllerRoutes::new("", "", ::std::vec::Vec::new())
                    }
                }
            };
        }
    } else {
        TokenStream::new()
    };
    quote!(#error #block #stub)
}

/// The argument read raw (text, or the body as its type) and put through its pipes, in order;
/// the last pipe gives the argument's type.
fn piped(arg: &super::args::Arg, read: TokenStream) -> TokenStream {
    let private = private();
    let ty = &arg.ty;
    let (kind, data, raw) = match &arg.source {
        ArgSource::Param(name) => (
            "param",
            quote!(::core::option::Option::Some(#name)),
            quote!(#private::raw_param(&__nest_request, #name)),
        ),
        ArgSource::Query(name) => (
            "query",
            quote!(::core::option::Option::Some(#name)),
            quote!(#private::raw_query(&__nest_request, #name)),
        ),
        ArgSource::Header(name) => (
            "header",
            quote!(::core::option::Option::Some(#name)),
            quote!(#private::raw_header(&__nest_request, #name)),
        ),
        _ => ("body", quote!(::core::option::Option::None), read),
    };
    let is_body = kind == "body";
    let last = arg.pipes.len() - 1;
    let steps = arg.pipes.iter().enumerate().map(|(index, pipe)| {
        let typed = if is_body || index == last {
            quote!(: #ty)
        } else {
            TokenStream::new()
        };
        quote_spanned! {pipe.span()=>
            let __nest_value #typed = #private::run_pipe(&(#pipe), __nest_value, &__nest_metadata)?;
        }
    });
    quote! {
        async {
            let __nest_metadata = #private::ArgumentMetadata { kind: #kind, data: #data };
            let __nest_value = #raw?;
            #(#steps)*
            ::core::result::Result::<#ty, #private::HttpException>::Ok(__nest_value)
        }.await
    }
}

/// One `RouteDefinition::http(...)` or `RouteDefinition::sse(...)`.
fn route(route: &Route) -> TokenStream {
    let private = private();
    let verb = route.attr.verb.to_tokens();
    let path = &route.attr.path.normalized;
    let method = &route.method;
    let method_name = method.to_string();
    let await_ = route.is_async.then(|| quote!(.await));
    let meta = &route.meta;
    let ret_span = match &route.output {
        ReturnType::Type(_, ty) => ty.span(),
        ReturnType::Default => method.span(),
    };
    let args: Vec<_> = (0..route.args.len())
        .map(|index| format_ident!("__nest_arg{index}"))
        .collect();
    let on_error = if route.attr.is_sse {
        quote!(return __nest_sink.fail(error))
    } else {
        quote!(return #private::HttpException::into_response(error))
    };
    let extract = route.args.iter().zip(&args).map(|(arg, ident)| {
        let ty = &arg.ty;
        let read = match &arg.source {
            ArgSource::Param(name) => {
                quote_spanned!(ty.span()=> #private::param::<#ty>(&__nest_request, #name))
            }
            ArgSource::Extract => quote_spanned!(ty.span()=>
                <#ty as #private::FromRequest>::from_request(&__nest_request)
            ),
            ArgSource::Body => {
                quote_spanned!(ty.span()=> #private::body::<#ty>(&mut __nest_request).await)
            }
            ArgSource::Query(name) => {
                quote_spanned!(ty.span()=> #private::query::<#ty>(&__nest_request, #name))
            }
            ArgSource::QueryAll => {
                quote_spanned!(ty.span()=> #private::query_all::<#ty>(&__nest_request))
            }
            ArgSource::Header(name) => {
                quote_spanned!(ty.span()=> #private::header::<#ty>(&__nest_request, #name))
            }
            ArgSource::Ip => quote_spanned!(ty.span()=> #private::ip::<#ty>(&__nest_request)),
            ArgSource::ParamsAll => {
                quote_spanned!(ty.span()=> #private::params_all::<#ty>(&__nest_request))
            }
            ArgSource::BodyField(field) => quote_spanned!(ty.span()=>
                #private::body_field::<#ty>(&mut __nest_request, #field).await
            ),
            ArgSource::Req => quote_spanned!(ty.span()=> #private::req(&__nest_request)),
            ArgSource::HeadersAll => {
                quote_spanned!(ty.span()=> #private::headers_all(&__nest_request))
            }
        };
        let read = if arg.pipes.is_empty() {
            read
        } else {
            piped(arg, read)
        };
        quote! {
            let #ident = match #read {
                ::core::result::Result::Ok(value) => value,
                ::core::result::Result::Err(error) => #on_error,
            };
        }
    });
    let call = quote!(__nest_this.#method(#(#args),*) #await_);
    let rebind = route
        .args
        .iter()
        .any(|arg| matches!(arg.source, ArgSource::Body | ArgSource::BodyField(_)))
        .then(|| quote!(let mut __nest_request = __nest_request;));
    if route.attr.is_sse {
        // Spanned at the return type, so a wrong type is reported there.
        let returned = quote_spanned!(ret_span=> __nest_returned);
        let run = quote_spanned!(ret_span=> __nest_sink.run(#returned).await);
        let options = route.attr.sse.to_tokens();
        quote! {
            #private::RouteDefinition::sse(#verb, #path, #method_name, #options, {
                let __nest_instance = ::core::clone::Clone::clone(&__nest_instance);
                move |__nest_request: ::std::boxed::Box<#private::Request>, __nest_sink: #private::SseSink| {
                    let __nest_instance = ::core::clone::Clone::clone(&__nest_instance);
                    async move {
                        let __nest_this = match __nest_instance.get(&__nest_request).await {
                            ::core::result::Result::Ok(this) => this,
                            ::core::result::Result::Err(error) => #on_error,
                        };
                        #rebind
                        #(#extract)*
                        let __nest_returned = #call;
                        // This future lives as long as the stream: the request's head goes now.
                        let __nest_body = #private::release_head(__nest_request);
                        #run
                    }
                }
            }) #(#meta)*
        }
    } else {
        let returned = quote_spanned!(ret_span=> __nest_returned);
        // The first of IntoResponse, Result of Serialize, Serialize that applies (see
        // nest_core::http::respond).
        let respond = quote_spanned!(ret_span=> {
            #[allow(unused_imports)]
            use #private::{ViaIntoResponse as _, ViaSerialize as _, ViaSerializeResult as _};
            (&&&#private::Respond::new(#returned)).__nest_respond()
        });
        quote! {
            #private::RouteDefinition::http(#verb, #path, #method_name, {
                let __nest_instance = ::core::clone::Clone::clone(&__nest_instance);
                move |__nest_request: #private::Request| {
                    let __nest_instance = ::core::clone::Clone::clone(&__nest_instance);
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
            }) #(#meta)*
        }
    }
}
