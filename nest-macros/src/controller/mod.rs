//! `#[controller]`: parse the `impl` block and its route methods into typed data ([`ir`]),
//! validate it collecting every error, and generate from it the `Controller` impl that lists
//! the routes.
//!
//! On error the `impl` block is still emitted (with the attributes read removed), with the
//! errors and a stub `Controller` impl, so the rest of the program type-checks and only the real
//! mistakes are reported.

mod expand;
mod ir;
mod openapi;
mod parse;
mod validate;

use proc_macro2::TokenStream;
use quote::quote;

use crate::errors::Errors;

pub(crate) fn expand(args: &TokenStream, item: &TokenStream) -> TokenStream {
    let item: syn::Item = match syn::parse2(item.clone()) {
        Ok(item) => item,
        Err(error) => {
            let error = error.into_compile_error();
            return quote!(#error #item);
        }
    };
    let syn::Item::Impl(block) = item else {
        let error = syn::Error::new_spanned(
            &item,
            "`#[controller]` must be placed on an inherent `impl` block, as in `#[controller] impl CatsController { ... }`",
        )
        .into_compile_error();
        return quote!(#error #item);
    };
    let mut errors = Errors::default();
    let mut block = block;
    let api = openapi::take(&mut block, &mut errors);
    let mut controller = parse::controller(args.clone(), block, &mut errors);
    controller.api = api;
    validate::controller(&controller, &mut errors);
    match errors.into_error() {
        None => expand::controller(&controller),
        Some(error) => expand::fallback(&controller.block, &error),
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    /// The messages of every error `#[controller(args)]` reports on `item`.
    fn errors(args: TokenStream, item: TokenStream) -> Vec<String> {
        let syn::Item::Impl(block) = syn::parse2(item).unwrap() else {
            panic!("not an impl block")
        };
        let mut errors = Errors::default();
        let controller = parse::controller(args, block, &mut errors);
        validate::controller(&controller, &mut errors);
        errors
            .into_error()
            .map(|error| error.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn every_mistake_of_one_attribute_is_reported() {
        let messages = errors(
            quote!(),
            quote! {
                impl C {
                    #[sse("e", keep_alive = true, retry = "soon", colour = 1)]
                    fn e(&self) -> impl Stream<Item = MessageEvent> { stream::empty() }
                }
            },
        );
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].starts_with("heartbeats are on by default"));
        assert!(messages[1].contains("\"soon\""));
        assert!(messages[2].starts_with("unknown `#[sse]` option `colour`"));
    }

    #[test]
    fn syntax_and_checks_are_reported_together_in_source_order() {
        let messages = errors(
            quote!("cats", version = "x y"),
            quote! {
                impl C {
                    #[get(":id")]
                    #[http_code(42)]
                    fn a(&mut self) {}
                    #[post]
                    #[http_code("204")]
                    fn b(&self, #[body] x: String, #[body] y: String, #[param("nope")] z: String) {}
                }
            },
        );
        assert_eq!(messages.len(), 6, "{messages:?}");
        assert!(messages[0].starts_with("invalid version"));
        assert!(messages[1].starts_with("a route handler takes `&self`"));
        assert!(messages[2].starts_with("a status code is between"));
        assert!(messages[3].starts_with("expected `#[http_code(204)]`"));
        assert!(messages[4].starts_with("two `#[body]` arguments"));
        assert!(messages[5].starts_with("`#[param(\"nope\")]` names no parameter"));
    }

    #[test]
    fn self_in_a_pipe_is_an_error_but_a_self_path_is_not() {
        let messages = errors(
            quote!(),
            quote! {
                impl C {
                    #[get(":id")]
                    fn a(&self, #[param("id", self.pipe)] id: i64) {}
                    #[get("b/:id")]
                    fn b(&self, #[param("id", self::pipes::Parse)] id: i64) {}
                }
            },
        );
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(messages[0].starts_with("a pipe cannot use `self`"));
    }

    #[test]
    fn expansion_names_the_runtime_through_private_paths() {
        let out = expand(
            &quote!("cats"),
            &quote! {
                impl C {
                    #[get(":id")]
                    #[http_code(204)]
                    fn a(&self, #[param("id")] id: String) -> String { id }
                }
            },
        )
        .to_string();
        assert!(out.contains(":: nest_core :: __private :: RouteDefinition :: http"));
        assert!(out.contains(". http_code (204u16)"));
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn prefix_parameters_hosts_and_version_lists() {
        let out = expand(
            &quote!(
                ":server/rooms",
                host = ":account.example.com",
                version = ["1", VERSION_NEUTRAL]
            ),
            &quote! {
                impl C {
                    #[get(":room")]
                    #[version("2")]
                    #[version("3")]
                    fn a(&self, #[param("server")] s: String, #[host_param("account")] a: String) {}
                    #[get("unread/:x")]
                    fn b(&self) {}
                }
            },
        )
        .to_string();
        assert!(!out.contains("compile_error"), "{out}");
        assert!(
            out.contains(". hosts (& [\":account.example.com\"])"),
            "{out}"
        );
        assert!(
            out.contains(". version_list (& [\"1\" , VERSION_NEUTRAL])"),
            "{out}"
        );
        assert!(out.contains(". version_list (& [\"2\" , \"3\"])"), "{out}");
        assert!(
            out.contains(":: nest_core :: __private :: host_param ::"),
            "{out}"
        );
        let messages = errors(
            quote!("cats", version = [1]),
            quote! {
                impl C {
                    #[get]
                    fn a(&self, #[host_param("account")] a: String) {}
                }
            },
        );
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].starts_with("expected a version string"));
        assert!(messages[1].contains("the controller has none"));
    }
}
