//! The duration parser of `#[sse(keep_alive = "15s", retry = "3s", max_lifetime = "1h")]`
//! (compiled in from nest-macros' source): any text is refused, or read as a positive number
//! of milliseconds that reads back the same when written in milliseconds; never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code, unreachable_pub)]
#[path = "../../nest-macros/src/duration.rs"]
mod duration;

fuzz_target!(|text: &str| {
    let lit = syn::LitStr::new(text, proc_macro2::Span::call_site());
    if let Ok(millis) = duration::parse(&lit) {
        assert!(millis > 0);
        let again = syn::LitStr::new(&format!("{millis}ms"), proc_macro2::Span::call_site());
        assert_eq!(duration::parse(&again).ok(), Some(millis));
    }
});
