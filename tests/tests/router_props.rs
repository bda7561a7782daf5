//! Properties of the router and of parameter decoding, the same invariants the fuzz targets in
//! `fuzz/` check with coverage guidance: any text survives percent-encoding into a path
//! parameter and back; no path, however hostile, panics the matcher; a matched route has
//! exactly its declared parameters.

use nest_core::__fuzz::{Matched, declared_params, match_path, percent_decode};
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
        patterns in prop::collection::vec("(/(:[a-z]{1,2}\\??|\\*[a-z]{0,2}|[a-z{}*:?()\\\\.]{0,3})){0,4}", 0..6),
        path in "(/[a-z:*.]{0,3}){0,5}",
    ) {
        // Conflicting or malformed patterns are an error, never a panic; a match sets only
        // parameters its pattern declares, each once, in order.
        if let Ok(Matched::Route(index, params)) = match_path(&patterns, &path) {
            let declared = declared_params(&patterns[index]).unwrap();
            let mut remaining = declared.iter();
            prop_assert!(
                params.iter().all(|(name, _)| remaining.any(|declared| declared == name)),
                "{} matched {} with {:?}", patterns[index], path, params
            );
        }
    }
}

/// Braces are NestJS 11+'s optional parts (`{\0W}` matches `/` and `/\0W`), escaped braces
/// are text, and a brace never hands a route a parameter it does not declare (found by the
/// `router` fuzz target when braces went to matchit as they were).
#[test]
fn braces_are_optional_parts_and_escaped_braces_text() {
    let patterns = vec!["{\0W}".to_owned()];
    assert_eq!(
        match_path(&patterns, "/\0W").unwrap(),
        Matched::Route(0, Vec::new())
    );
    assert_eq!(
        match_path(&patterns, "/").unwrap(),
        Matched::Route(0, Vec::new())
    );
    assert_eq!(match_path(&patterns, "/{\0W}").unwrap(), Matched::NotFound);
    assert_eq!(
        match_path(&patterns, "/{W\u{1}}|}").unwrap(),
        Matched::NotFound
    );
    let escaped = vec!["\\{W\\}".to_owned()];
    assert_eq!(
        match_path(&escaped, "/{W}").unwrap(),
        Matched::Route(0, Vec::new())
    );
    assert!(match_path(&[":{x}".to_owned()], "/a").is_err());
}

/// Express's order: the first route that matches serves the request, a parameter declared
/// before a static path included; a static path declared first keeps its requests.
#[test]
fn the_first_matching_route_wins() {
    let routes = ["/cats/:id", "/cats/new"].map(str::to_owned).to_vec();
    assert_eq!(
        match_path(&routes, "/cats/new").unwrap(),
        Matched::Route(0, vec![("id".to_owned(), "new".to_owned())])
    );
    let routes = ["/cats/new", "/cats/:id"].map(str::to_owned).to_vec();
    assert_eq!(
        match_path(&routes, "/cats/NEW/").unwrap(),
        Matched::Route(0, Vec::new())
    );
    assert_eq!(
        match_path(&routes, "/cats/7").unwrap(),
        Matched::Route(1, vec![("id".to_owned(), "7".to_owned())])
    );
}

/// Found by the `router` fuzz target when routes went to matchit (which panicked past 26
/// parameters): a route with more than 16 parameters is an error, not a panic.
#[test]
fn a_route_with_too_many_parameters_is_an_error_not_a_panic() {
    let pattern: String = (0..30).map(|i| format!("/:p{i}")).collect();
    let error = match_path(&[pattern], "/a").unwrap_err();
    assert!(error.contains("at most 16"), "{error}");
}
