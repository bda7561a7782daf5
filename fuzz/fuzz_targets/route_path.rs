//! The route-path parser of `#[get("...")]`, `#[controller("...")]` and the others (compiled
//! in from nest-macros' source): any text is either accepted, normalised so that parsing the
//! result again gives the same path, or refused with an error; never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code, unreachable_pub)]
#[path = "../../nest-macros/src/route_path.rs"]
mod route_path;

fuzz_target!(|text: &str| {
    let lit = syn::LitStr::new(text, proc_macro2::Span::call_site());
    if let Ok(path) = route_path::parse(&lit, "route") {
        let again = syn::LitStr::new(&path.normalized, proc_macro2::Span::call_site());
        let reparsed = route_path::parse(&again, "route").expect("a normalised path parses");
        assert_eq!(reparsed.normalized, path.normalized);
        assert_eq!(reparsed.params, path.params);
        let _ = path.shape();
    }
});
