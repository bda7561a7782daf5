//! Attribute macros for nest-rs. Use them through `nest-core`, which re-exports them and
//! documents them with examples; this crate only turns attributes into code.
//!
//! Each macro is parse → check → expand, with errors as spanned `syn::Error`s collected so that
//! one build reports every mistake. Set `NEST_MACROS_DEBUG=1` to print each expansion.

#![deny(missing_docs)]

use proc_macro::TokenStream;

mod catch;
mod controller;
mod dto;
mod duration;
mod errors;
mod injectable;
mod module;
mod names;
mod paths;
mod provider;
mod route_path;
mod standalone;

/// Marks an inherent `impl` block as a controller: `#[controller]` or `#[controller("prefix")]`.
#[proc_macro_attribute]
pub fn controller(args: TokenStream, item: TokenStream) -> TokenStream {
    emit("controller", controller::expand(&args.into(), &item.into()))
}

/// `#[derive(Injectable)]`: a provider or controller whose `Arc<T>` fields are injected.
#[proc_macro_derive(Injectable, attributes(injectable))]
pub fn injectable(item: TokenStream) -> TokenStream {
    emit("derive(Injectable)", injectable::expand(item.into()))
}

/// `#[derive(Dto)]`: class-validator's decorators as field attributes (`#[is_string]`,
/// `#[min_length(3)]`, ...), checked by NestJS's `ValidationPipe` rules on `#[body]` and
/// `#[query]` arguments.
#[proc_macro_derive(
    Dto,
    attributes(
        is_defined,
        is_string,
        is_not_empty,
        is_email,
        min_length,
        max_length,
        is_int,
        is_number,
        min,
        max,
        is_boolean,
        is_enum,
        is_uuid,
        is_date_string,
        is_array,
        array_min_size,
        array_max_size,
        is_in,
        matches,
        is_url,
        is_optional,
        validate_nested,
        allowed,
        api_property
    )
)]
pub fn dto(item: TokenStream) -> TokenStream {
    emit(
        "derive(Dto)",
        dto::expand(item.into()).unwrap_or_else(syn::Error::into_compile_error),
    )
}

/// A module listing controllers and imported modules: `#[module(controllers = [A], imports = [M])]`.
#[proc_macro_attribute]
pub fn module(args: TokenStream, item: TokenStream) -> TokenStream {
    emit("module", module::expand(args.into(), &item.into()))
}

/// `#[catch(NotFoundException, ...)]` on an `impl ExceptionFilter` block: the exceptions it
/// handles (NestJS's `@Catch(...)`); plain `#[catch]` handles every error.
#[proc_macro_attribute]
pub fn catch(args: TokenStream, item: TokenStream) -> TokenStream {
    emit("catch", catch::expand(args.into(), &item.into()))
}

/// `#[provider]` on an inherent `impl` block: its `#[on_event]`, `#[cron]`, `#[interval]` and
/// `#[timeout]` methods become event listeners and scheduled jobs.
#[proc_macro_attribute]
pub fn provider(args: TokenStream, item: TokenStream) -> TokenStream {
    emit("provider", provider::expand(&args.into(), &item.into()))
}

macro_rules! provider_attributes {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        ///
        /// Read by `#[provider]`, which removes it; used anywhere else it is a compile error.
        #[proc_macro_attribute]
        pub fn $name(_args: TokenStream, item: TokenStream) -> TokenStream {
            provider::standalone(stringify!($name), &item.into()).into()
        }
    )*};
}

provider_attributes! {
    /// An event listener: `#[on_event("order.created")]`, options `async`,
    /// `prepend_listener`, `suppress_errors = false`.
    on_event,
    /// A cron job: `#[cron("45 * * * * *")]`, options `name = "..."`, `time_zone = "..."`,
    /// `disabled`.
    cron,
    /// A job run every `ms` milliseconds: `#[interval(10000)]` or `#[interval("name", 10000)]`.
    interval,
    /// A job run once, `ms` milliseconds after start: `#[timeout(5000)]` or
    /// `#[timeout("name", 5000)]`.
    timeout,
}

macro_rules! route_attributes {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        ///
        /// Read by `#[controller]`, which removes it; used anywhere else it is a compile error.
        #[proc_macro_attribute]
        pub fn $name(_args: TokenStream, item: TokenStream) -> TokenStream {
            standalone::expand(stringify!($name), &item.into()).into()
        }
    )*};
}

route_attributes! {
    /// An event-stream route: `#[sse("path")]`, with options `method = "POST"`,
    /// `keep_alive = "15s"` or `false`, `retry = "3s"`, `max_lifetime = "1h"`,
    /// `shutdown_event = "shutdown"`.
    sse,
    /// A `GET` route: `#[get]` or `#[get("path")]`.
    get,
    /// A `POST` route: `#[post]` or `#[post("path")]`.
    post,
    /// A `PUT` route: `#[put]` or `#[put("path")]`.
    put,
    /// A `DELETE` route: `#[delete]` or `#[delete("path")]`.
    delete,
    /// A `PATCH` route: `#[patch]` or `#[patch("path")]`.
    patch,
    /// An `OPTIONS` route: `#[options]` or `#[options("path")]`.
    options,
    /// A `HEAD` route: `#[head]` or `#[head("path")]`.
    head,
    /// A route for every method: `#[all]` or `#[all("path")]`.
    all,
}

/// Turns an expansion result into tokens, printing it first when `NEST_MACROS_DEBUG` is set.
fn emit(name: &str, tokens: proc_macro2::TokenStream) -> TokenStream {
    if std::env::var_os("NEST_MACROS_DEBUG").is_some() {
        eprintln!("#[{name}] expands to:\n{tokens}\n");
    }
    tokens.into()
}
