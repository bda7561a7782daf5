//! Any set of route patterns and any request path: the router answers (a route, not found, a
//! bad parameter, or a conflict between patterns) and never panics; a matched route has
//! exactly its declared parameters.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use nest_core::__fuzz::{Matched, match_path};

#[derive(Debug, Arbitrary)]
struct Input {
    patterns: Vec<String>,
    path: String,
}

fuzz_target!(|input: Input| {
    let path = format!("/{}", input.path);
    if let Ok(Matched::Route(index, params)) = match_path(&input.patterns, &path) {
        let pattern = &input.patterns[index];
        let declared = pattern
            .split('/')
            .filter(|segment| segment.starts_with(':') || segment.starts_with('*'))
            .count();
        assert_eq!(params.len(), declared, "{pattern} matched {path} with {params:?}");
    }
});
