//! Entry points for the fuzz targets in `fuzz/` and their property tests.

use crate::http::router::{Lookup, Route, Router};

/// What matching a path against some routes gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Matched {
    /// The index of the matching route (in the order given) and its decoded parameters.
    Route(usize, Vec<(String, String)>),
    /// No route matches.
    NotFound,
    /// A parameter is not percent-encoded UTF-8 (a 400).
    BadParam,
}

/// Adds `patterns` (NestJS paths, all `GET`) to a router — `Err` when two conflict — and
/// matches `path`.
pub fn match_path(patterns: &[String], path: &str) -> Result<Matched, String> {
    let mut router = Router::default();
    for (index, pattern) in patterns.iter().enumerate() {
        router
            .add(Route::new(
                crate::http::router::RequestMethod::Get,
                crate::http::router::join_path(pattern, ""),
                index.to_string(),
                std::sync::Arc::new(|_| {
                    Box::pin(std::future::ready(crate::Response::new(
                        crate::Body::empty(),
                    )))
                }),
            ))
            .map_err(|conflict| conflict.to_string())?;
    }
    Ok(match router.find(&http::Method::GET, path, None) {
        Lookup::Route(route, params, _) => {
            Matched::Route(route.name.parse().unwrap_or(usize::MAX), params)
        }
        Lookup::NotFound => Matched::NotFound,
        Lookup::BadParam(_) => Matched::BadParam,
    })
}

/// Percent-decodes one path segment as the router does.
pub fn percent_decode(raw: &str) -> Option<String> {
    crate::http::request::percent_decode(raw)
}

/// The parameters `pattern` (a NestJS path) declares, in order; `Err` when it does not parse.
/// A matched route sets each of them at most once, and every one outside optional parts.
pub fn declared_params(pattern: &str) -> Result<Vec<String>, String> {
    let pattern = crate::http::path_pattern::PathPattern::parse(&crate::http::router::join_path(
        pattern, "",
    ))?;
    Ok(pattern.param_names().map(str::to_owned).collect())
}
