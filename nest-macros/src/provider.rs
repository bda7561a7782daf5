//! `#[provider]` on an inherent `impl` block: the methods marked `#[on_event]`, `#[cron]`,
//! `#[interval]` or `#[timeout]` are declared in an `impl ProviderMethods`, which `#[module]`
//! detects for each provider; the attributes are removed and the methods left as they are.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{
    Expr, FnArg, ImplItem, ImplItemFn, ItemImpl, LitBool, LitStr, Token, Type, parse::ParseStream,
    spanned::Spanned,
};

use crate::{
    errors::Errors,
    names::{CronOption, OnEventOption, ProviderAttr},
    paths,
};

/// One of these attributes used outside `#[provider]`: an error, the item kept.
pub(crate) fn standalone(name: &str, item: &TokenStream) -> TokenStream {
    let message =
        format!("`#[{name}]` must be used on a method of an `impl` block marked `#[provider]`");
    let error = syn::Error::new(Span::call_site(), message).into_compile_error();
    quote!(#error #item)
}

/// How a listener takes the payload.
enum PayloadArg {
    None,
    Ref(Box<Type>),
    Arc(Box<Type>),
}

/// What one attribute declares.
enum Declared {
    Listener {
        event: Box<Expr>,
        options: TokenStream,
        payload: PayloadArg,
    },
    Cron {
        pattern: Box<Expr>,
        options: TokenStream,
    },
    Timer {
        kind: ProviderAttr,
        name: Option<LitStr>,
        millis: Box<Expr>,
    },
}

pub(crate) fn expand(args: &TokenStream, item: &TokenStream) -> TokenStream {
    let mut block: ItemImpl = match syn::parse2(item.clone()) {
        Ok(block) => block,
        Err(_) => {
            let error = syn::Error::new(
                Span::call_site(),
                "`#[provider]` must be placed on an inherent `impl` block, as in `#[provider] impl TasksService { ... }`",
            )
            .into_compile_error();
            return quote!(#error #item);
        }
    };
    let mut errors = Errors::default();
    if !args.is_empty() {
        errors.push(syn::Error::new_spanned(
            args,
            "`#[provider]` takes no arguments",
        ));
    }
    if let Some((path, _)) = &block.trait_ {
        errors.push(syn::Error::new_spanned(
            path,
            "`#[provider]` must be placed on an inherent `impl` block, not a trait `impl`",
        ));
    }
    if !block.generics.params.is_empty() {
        errors.push(syn::Error::new_spanned(
            &block.generics,
            "`#[provider]` does not support generic `impl` blocks",
        ));
    }
    let mut registrations = Vec::new();
    for (index, impl_item) in block.items.iter_mut().enumerate() {
        let ImplItem::Fn(method) = impl_item else {
            continue;
        };
        errors.section(index + 1);
        let mut found = Vec::new();
        method.attrs.retain(|attr| {
            let kind = attr
                .path()
                .segments
                .last()
                .and_then(|segment| ProviderAttr::from_ident(&segment.ident));
            match kind {
                Some(kind) => {
                    found.push((kind, attr.clone()));
                    false
                }
                None => true,
            }
        });
        for (kind, attr) in found {
            let before = errors.count();
            let declared = match kind {
                ProviderAttr::OnEvent => parse_listener(&attr, method, &mut errors),
                ProviderAttr::Cron => parse_cron(&attr, method, &mut errors),
                ProviderAttr::Interval | ProviderAttr::Timeout => {
                    parse_timer(kind, &attr, method, &mut errors)
                }
            };
            if let (Some(declared), true) = (declared, errors.count() == before) {
                registrations.push(register(method, declared));
            }
        }
    }
    if let Some(error) = errors.into_error() {
        let error = error.into_compile_error();
        return quote!(#error #block);
    }
    let self_ty = &block.self_ty;
    let name = match &**self_ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .map_or_else(String::new, |segment| segment.ident.to_string()),
        other => quote!(#other).to_string(),
    };
    let (provider_methods, methods) = (paths::provider_methods(), paths::methods());
    quote! {
        #block

        const _: () = {
            #[automatically_derived]
            impl #provider_methods for #self_ty {
                const NAME: &'static str = #name;

                #[allow(unused_variables)]
                fn __nest_methods(
                    __nest_instance: &::std::sync::Arc<Self>,
                    __nest_methods: &mut #methods,
                ) {
                    #(#registrations)*
                }
            }
        };
    }
}

/// Checks that `method` takes `&self` (and returns the other arguments).
fn receiver_args<'a>(
    method: &'a ImplItemFn,
    kind: ProviderAttr,
    errors: &mut Errors,
) -> Option<Vec<&'a syn::PatType>> {
    let signature = &method.sig;
    if !signature.generics.params.is_empty() {
        errors.push(syn::Error::new_spanned(
            &signature.generics,
            format!("`#[{}]` methods cannot be generic", kind.name()),
        ));
        return None;
    }
    match signature.inputs.first() {
        Some(FnArg::Receiver(syn::Receiver {
            kind: syn::ReceiverKind::Reference(_, _, None),
            ..
        })) => {}
        _ => {
            errors.push(syn::Error::new_spanned(
                &signature.ident,
                format!("`#[{}]` methods take `&self`", kind.name()),
            ));
            return None;
        }
    }
    Some(
        signature
            .inputs
            .iter()
            .skip(1)
            .filter_map(|arg| match arg {
                FnArg::Typed(typed) => Some(typed),
                FnArg::Receiver(_) => None,
            })
            .collect(),
    )
}

/// `Arc<T>`'s `T`, if `ty` is written `Arc<T>` (or `std::sync::Arc<T>`).
fn arc_inner(ty: &Type) -> Option<Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Arc" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(syn::GenericArgument::Type(inner)) if args.args.len() == 1 => Some(inner.clone()),
        _ => None,
    }
}

fn parse_listener(
    attr: &syn::Attribute,
    method: &ImplItemFn,
    errors: &mut Errors,
) -> Option<Declared> {
    let args = receiver_args(method, ProviderAttr::OnEvent, errors)?;
    let payload = match args.as_slice() {
        [] => PayloadArg::None,
        [arg] => match &*arg.ty {
            Type::Reference(reference) if reference.mutability.is_none() => {
                PayloadArg::Ref(reference.elem.clone())
            }
            ty => match arc_inner(ty) {
                Some(inner) => PayloadArg::Arc(Box::new(inner)),
                None => {
                    errors.push(syn::Error::new_spanned(
                        ty,
                        "an `#[on_event]` listener takes the payload as `&T` or `Arc<T>`",
                    ));
                    return None;
                }
            },
        },
        [_, extra, ..] => {
            errors.push(syn::Error::new_spanned(
                extra,
                "an `#[on_event]` listener takes `&self` and at most one argument, the payload (`&T` or `Arc<T>`)",
            ));
            return None;
        }
    };
    let on_event_options = paths::on_event_options();
    let mut options = quote!(<#on_event_options as ::core::default::Default>::default());
    let usage = "expected the event's name, as in `#[on_event(\"order.created\")]`";
    let parsed = parse_args(attr, usage, |input: ParseStream<'_>| {
        if input.is_empty() {
            return Err(input.error(usage));
        }
        let event: Expr = input.parse()?;
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let name: syn::Ident = input.call(syn::ext::IdentExt::parse_any)?;
            let Some(option) = OnEventOption::from_ident(&name) else {
                let all: Vec<OnEventOption> =
                    OnEventOption::TABLE.iter().map(|&(_, o)| o).collect();
                return Err(syn::Error::new_spanned(
                    &name,
                    format!(
                        "unknown `#[on_event]` option `{name}`; expected one of: {}",
                        OnEventOption::list(&all)
                    ),
                ));
            };
            let value = flag_value(input)?;
            let setter = match option {
                OnEventOption::Async => quote!(is_async),
                OnEventOption::PrependListener => quote!(prepend_listener),
                OnEventOption::SuppressErrors => quote!(suppress_errors),
            };
            options = quote!(#options.#setter(#value));
        }
        Ok(event)
    });
    let event = errors.take(parsed)?;
    Some(Declared::Listener {
        event: Box::new(event),
        options,
        payload,
    })
}

/// `name` alone (true) or `name = true/false`.
fn flag_value(input: ParseStream<'_>) -> syn::Result<LitBool> {
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        input.parse()
    } else {
        Ok(LitBool::new(true, input.span()))
    }
}

/// Parses the attribute's arguments with `parser`: an error at the end of them points at the
/// closing parenthesis; a bare attribute is the error `usage`, at the attribute.
fn parse_args<T>(
    attr: &syn::Attribute,
    usage: &str,
    parser: impl FnOnce(ParseStream<'_>) -> syn::Result<T>,
) -> syn::Result<T> {
    match &attr.meta {
        syn::Meta::List(_) => attr.parse_args_with(parser),
        _ => Err(syn::Error::new_spanned(attr, usage)),
    }
}

fn no_arguments(method: &ImplItemFn, kind: ProviderAttr, errors: &mut Errors) -> Option<()> {
    let args = receiver_args(method, kind, errors)?;
    if let Some(extra) = args.first() {
        errors.push(syn::Error::new_spanned(
            extra,
            format!("`#[{}]` methods take only `&self`", kind.name()),
        ));
        return None;
    }
    Some(())
}

fn parse_cron(attr: &syn::Attribute, method: &ImplItemFn, errors: &mut Errors) -> Option<Declared> {
    no_arguments(method, ProviderAttr::Cron, errors)?;
    let cron_options = paths::cron_options();
    let mut options = quote!(<#cron_options as ::core::default::Default>::default());
    let usage = "expected a cron pattern, as in `#[cron(\"45 * * * * *\")]` or `#[cron(CronExpression::EVERY_MINUTE)]`";
    let parsed = parse_args(attr, usage, |input: ParseStream<'_>| {
        if input.is_empty() {
            return Err(input.error(usage));
        }
        let pattern: Expr = input.parse()?;
        if let Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) = &pattern
        {
            let parser = croner::parser::CronParser::builder()
                .seconds(croner::parser::Seconds::Optional)
                .build();
            if let Err(error) = parser.parse(&text.value()) {
                return Err(syn::Error::new_spanned(
                    text,
                    format!("invalid cron pattern {:?}: {error}", text.value()),
                ));
            }
        }
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let name: syn::Ident = input.call(syn::ext::IdentExt::parse_any)?;
            let Some(option) = CronOption::from_ident(&name) else {
                let all: Vec<CronOption> = CronOption::TABLE.iter().map(|&(_, o)| o).collect();
                return Err(syn::Error::new_spanned(
                    &name,
                    format!(
                        "unknown `#[cron]` option `{name}`; expected one of: {}",
                        CronOption::list(&all)
                    ),
                ));
            };
            match option {
                CronOption::Disabled => {
                    let value = flag_value(input)?;
                    options = quote!(#options.disabled(#value));
                }
                CronOption::Name | CronOption::TimeZone => {
                    input.parse::<Token![=]>()?;
                    let value: LitStr = input.parse()?;
                    let setter = format_ident!("{}", option.name());
                    options = quote!(#options.#setter(#value));
                }
            }
        }
        Ok(pattern)
    });
    let pattern = errors.take(parsed)?;
    Some(Declared::Cron {
        pattern: Box::new(pattern),
        options,
    })
}

fn parse_timer(
    kind: ProviderAttr,
    attr: &syn::Attribute,
    method: &ImplItemFn,
    errors: &mut Errors,
) -> Option<Declared> {
    no_arguments(method, kind, errors)?;
    let attr_name = kind.name();
    let usage = format!(
        "expected `#[{attr_name}(milliseconds)]` or `#[{attr_name}(\"name\", milliseconds)]`"
    );
    let parsed = parse_args(attr, &usage, |input: ParseStream<'_>| {
        if input.is_empty() {
            return Err(input.error(&usage));
        }
        let name = if input.peek(LitStr) {
            let name: LitStr = input.parse()?;
            if input.is_empty() {
                return Err(input.error(&usage));
            }
            input.parse::<Token![,]>()?;
            Some(name)
        } else {
            None
        };
        if input.is_empty() {
            return Err(input.error(&usage));
        }
        let millis: Expr = input.parse()?;
        if let Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) = &millis
        {
            if int.base10_parse::<u64>().is_ok_and(|value| value == 0) {
                return Err(syn::Error::new_spanned(
                    int,
                    format!("the `#[{attr_name}]` delay must be more than zero milliseconds"),
                ));
            }
        }
        input.parse::<Option<Token![,]>>()?;
        if !input.is_empty() {
            return Err(input.error(&usage));
        }
        Ok((name, millis))
    });
    let (name, millis) = errors.take(parsed)?;
    Some(Declared::Timer {
        kind,
        name,
        millis: Box::new(millis),
    })
}

/// The registration of one declared method.
fn register(method: &ImplItemFn, declared: Declared) -> TokenStream {
    let ident = &method.sig.ident;
    let method_name = ident.to_string();
    let is_async = method.sig.asyncness.is_some();
    let span = method.sig.ident.span();
    let output_span = match &method.sig.output {
        syn::ReturnType::Type(_, ty) => ty.span(),
        syn::ReturnType::Default => span,
    };
    // Spanned at the return type, so that a type that is neither `()` nor a `Result` is
    // reported there.
    let method_output = paths::at(output_span, paths::method_output());
    let awaited = is_async.then(|| quote!(.await));
    match declared {
        Declared::Listener {
            event,
            options,
            payload,
        } => {
            let (listener_call, payload_ty) = (paths::listener_call(), paths::payload());
            let outcome = |call: TokenStream| {
                let call = paths::at(output_span, call);
                quote_spanned!(output_span=> #method_output::outcome(#call))
            };
            let call = match (&payload, is_async) {
                (PayloadArg::None, false) => {
                    let outcome = outcome(quote!(__nest_this.#ident()));
                    quote!(#listener_call::sync(move |_: &#payload_ty| {
                        ::core::option::Option::Some(#outcome)
                    }))
                }
                (PayloadArg::Ref(ty), false) => {
                    let outcome = outcome(quote!(__nest_this.#ident(__nest_event)));
                    quote!(#listener_call::sync(move |__nest_payload: &#payload_ty| {
                        let __nest_event = __nest_payload.downcast_ref::<#ty>()?;
                        ::core::option::Option::Some(#outcome)
                    }))
                }
                (PayloadArg::Arc(ty), false) => {
                    let outcome = outcome(quote!(__nest_this.#ident(__nest_event)));
                    quote!(#listener_call::sync(move |__nest_payload: &#payload_ty| {
                        let __nest_event = ::std::sync::Arc::clone(__nest_payload)
                            .downcast::<#ty>()
                            .ok()?;
                        ::core::option::Option::Some(#outcome)
                    }))
                }
                (PayloadArg::None, true) => {
                    let outcome = outcome(quote!(__nest_this.#ident().await));
                    quote!(#listener_call::future(move |_: &#payload_ty| {
                        let __nest_this = ::std::sync::Arc::clone(&__nest_this);
                        ::core::option::Option::Some(async move { #outcome })
                    }))
                }
                (PayloadArg::Ref(ty), true) => {
                    let outcome = outcome(quote!(__nest_this.#ident(__nest_event).await));
                    quote!(#listener_call::future(move |__nest_payload: &#payload_ty| {
                        if !__nest_payload.is::<#ty>() {
                            return ::core::option::Option::None;
                        }
                        let __nest_this = ::std::sync::Arc::clone(&__nest_this);
                        let __nest_payload = ::std::sync::Arc::clone(__nest_payload);
                        ::core::option::Option::Some(async move {
                            match __nest_payload.downcast_ref::<#ty>() {
                                ::core::option::Option::Some(__nest_event) => #outcome,
                                ::core::option::Option::None => ::core::result::Result::Ok(()),
                            }
                        })
                    }))
                }
                (PayloadArg::Arc(ty), true) => {
                    let outcome = outcome(quote!(__nest_this.#ident(__nest_event).await));
                    quote!(#listener_call::future(move |__nest_payload: &#payload_ty| {
                        let __nest_event = ::std::sync::Arc::clone(__nest_payload)
                            .downcast::<#ty>()
                            .ok()?;
                        let __nest_this = ::std::sync::Arc::clone(&__nest_this);
                        ::core::option::Option::Some(async move { #outcome })
                    }))
                }
            };
            quote_spanned!(span=> {
                let __nest_this = ::std::sync::Arc::clone(__nest_instance);
                __nest_methods.listener(#method_name, &#event, #options, #call);
            })
        }
        Declared::Cron { pattern, options } => {
            let job = job(&method_output, ident, awaited.as_ref(), output_span);
            quote_spanned!(span=> {
                let __nest_this = ::std::sync::Arc::clone(__nest_instance);
                __nest_methods.cron(#method_name, &#pattern, #options, #job);
            })
        }
        Declared::Timer { kind, name, millis } => {
            let job = job(&method_output, ident, awaited.as_ref(), output_span);
            let name = match name {
                Some(name) => quote!(::core::option::Option::Some(#name)),
                None => quote!(::core::option::Option::None),
            };
            let add = if kind == ProviderAttr::Interval {
                quote!(interval)
            } else {
                quote!(timeout)
            };
            quote_spanned!(span=> {
                let __nest_this = ::std::sync::Arc::clone(__nest_instance);
                __nest_methods.#add(#method_name, #name, #millis, #job);
            })
        }
    }
}

/// The job that calls the method once.
fn job(
    method_output: &TokenStream,
    ident: &syn::Ident,
    awaited: Option<&TokenStream>,
    output_span: Span,
) -> TokenStream {
    let job = paths::job();
    let call = paths::at(output_span, quote!(__nest_this.#ident()#awaited));
    let outcome = quote_spanned!(output_span=> #method_output::outcome(#call));
    quote!(#job(move || {
        let __nest_this = ::std::sync::Arc::clone(&__nest_this);
        async move { #outcome }
    }))
}
