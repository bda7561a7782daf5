//! Any set of route patterns and any request path: the router answers (a route, not found, a
//! bad parameter, or a conflict between patterns) and never panics; a matched route sets only
//! parameters it declares, each once, in order.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use nest_core::__fuzz::{Matched, declared_params, match_path};

#[derive(Debug, Arbitrary)]
struct Input {
    patterns: Vec<String>,
    path: String,
}

fuzz_target!(|input: Input| {
    let path = format!("/{}", input.path);
    if let Ok(Matched::Route(index, params)) = match_path(&input.patterns, &path) {
        let pattern = &input.patterns[index];
        let declared = declared_params(pattern).expect("a route that matched parses");
        let mut names = params.iter().map(|(name, _)| name);
        // In the declared order, each at most once.
        let mut remaining = declared.iter();
        assert!(
            names.all(|name| remaining.any(|declared| declared == name)),
            "{pattern} matched {path} with {params:?}"
        );
    }
});
