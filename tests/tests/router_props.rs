//! Properties of the router and of parameter decoding, the same invariants the fuzz targets in
//! `fuzz/` check with coverage guidance: any text survives percent-encoding into a path
//! parameter and back; no path, however hostile, panics the matcher; a matched route has
//! exactly its declared parameters.

use nest_core::__fuzz::{Matched, match_path, percent_decode};
use proptest::prelude::*;

/// Percent-encodes every byte outside RFC 3986's unreserved set.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                (byte as char).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

fn routes() -> Vec<String> {
    [
        "/cats",
        "/cats/:id",
        "/cats/:id/toys/:toy",
        "/files/*path",
        "/",
    ]
    .map(str::to_owned)
    .to_vec()
}

proptest! {
    #[test]
    fn any_text_round_trips_through_a_path_parameter(text in "\\PC{1,40}") {
        let path = format!("/cats/{}", encode(&text));
        prop_assert_eq!(
            match_path(&routes(), &path).unwrap(),
            Matched::Route(1, vec![("id".to_owned(), text)])
        );
    }

    #[test]
    fn percent_decoding_inverts_encoding(text in any::<String>()) {
        prop_assert_eq!(percent_decode(&encode(&text)), Some(text));
    }

    #[test]
    fn no_path_panics_the_matcher(path in "(/|[a-z]{1,3}|%[0-9A-Fa-f]{0,2}|\\PC|\\.\\.){0,12}") {
        let path = format!("/{path}");
        match match_path(&routes(), &path).unwrap() {
            Matched::Route(index, params) => {
                let declared = routes()[index].matches([':', '*']).count();
                prop_assert_eq!(params.len(), declared);
            }
            Matched::NotFound | Matched::BadParam => {}
        }
    }

    #[test]
    fn no_set_of_patterns_panics_the_router(
        patterns in prop::collection::vec("(/(:[a-z]{1,2}|\\*[a-z]{0,2}|[a-z{}*:]{0,3})){0,4}", 0..6),
        path in "(/[a-z:*]{0,3}){0,5}",
    ) {
        // Conflicting patterns are an error, never a panic.
        let _ = match_path(&patterns, &path);
    }
}

/// Found by the `router` fuzz target: braces in a literal segment were read by matchit as a
/// parameter, so `/{W}|}` matched a route without parameters and handed it one.
#[test]
fn braces_in_a_literal_segment_are_text() {
    let patterns = vec!["{\0W}".to_owned()];
    assert_eq!(
        match_path(&patterns, "/{\0W}").unwrap(),
        Matched::Route(0, Vec::new())
    );
    assert_eq!(
        match_path(&patterns, "/{W\u{1}}|}").unwrap(),
        Matched::NotFound
    );
    assert!(match_path(&[":{x}".to_owned()], "/a").is_err());
}

/// Found by the `router` fuzz target: matchit panics on a route with more than 26 parameters;
/// the router refuses such a route with an error instead.
#[test]
fn a_route_with_too_many_parameters_is_an_error_not_a_panic() {
    let pattern: String = (0..30).map(|i| format!("/:p{i}")).collect();
    let error = match_path(&[pattern], "/a").unwrap_err();
    assert!(error.contains("at most 16"), "{error}");
}
