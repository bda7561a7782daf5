//! Route paths in NestJS syntax (`cats/:id`, `files/*path`): checked at compile time and
//! normalised (one leading slash, no empty segments, no trailing slash).

use syn::LitStr;

/// A checked path.
#[derive(Debug, Clone, Default)]
pub(crate) struct RoutePath {
    /// `/cats/:id`, or `` for an empty path (the controller's own path).
    pub(crate) normalized: String,
    /// The `:name` and `*name` parameters, in order.
    pub(crate) params: Vec<String>,
}

impl RoutePath {
    /// The path with parameter names erased: two routes with the same shape match the same
    /// requests.
    pub(crate) fn shape(&self) -> String {
        self.normalized
            .split('/')
            .map(|segment| match segment.as_bytes().first() {
                Some(b':') => ":",
                Some(b'*') => "*",
                _ => segment,
            })
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// Characters allowed in a static segment besides ASCII letters and digits (RFC 3986 `pchar`
/// without `:`, which starts a parameter).
const ALLOWED: &str = "-._~!$&'()+,;=@%";

/// Checks `lit` as a route path; `what` names the attribute in messages (`#[get]`).
pub(crate) fn parse(lit: &LitStr, what: &str) -> syn::Result<RoutePath> {
    let value = lit.value();
    let error = |message: String| {
        syn::Error::new(
            lit.span(),
            format!("invalid {what} path {value:?}: {message}"),
        )
    };
    let segments: Vec<&str> = value
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    let mut params: Vec<String> = Vec::new();
    for (index, segment) in segments.iter().enumerate() {
        let last = index + 1 == segments.len();
        if let Some(name) = segment.strip_prefix(':') {
            if name.ends_with('?') {
                return Err(error(format!(
                    "optional parameters (`{segment}`) are not supported; declare one route with the parameter and one without"
                )));
            }
            check_param_name(name).map_err(&error)?;
            if params.iter().any(|param| param == name) {
                return Err(error(format!("the parameter `:{name}` appears twice")));
            }
            params.push(name.to_owned());
        } else if let Some(name) = segment.strip_prefix('*') {
            if !last {
                return Err(error("a wildcard `*` must be the last segment".to_owned()));
            }
            let name = if name.is_empty() { "path" } else { name };
            check_param_name(name).map_err(&error)?;
            if params.iter().any(|param| param == name) {
                return Err(error(format!("the parameter `{name}` appears twice")));
            }
            params.push(name.to_owned());
        } else if let Some(bad) = segment
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || ALLOWED.contains(c)))
        {
            let hint = match bad {
                ':' => "`:` may only start a segment, as in `cats/:id`".to_owned(),
                '*' => "`*` may only start the last segment, as in `files/*path`".to_owned(),
                '{' | '}' => "write parameters as `:name`, not `{name}`".to_owned(),
                '?' | '#' => "a route path has no query or fragment".to_owned(),
                c if c.is_whitespace() => "a route path cannot contain whitespace".to_owned(),
                c if !c.is_ascii() => {
                    "route paths are ASCII; percent-encode other characters".to_owned()
                }
                c => format!("`{c}` is not allowed in a route path"),
            };
            return Err(error(hint));
        }
    }
    let mut normalized = String::new();
    for segment in &segments {
        normalized.push('/');
        normalized.push_str(segment);
    }
    Ok(RoutePath { normalized, params })
}

fn check_param_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    match chars.next() {
        None => Err("a parameter needs a name, as in `:id`".to_owned()),
        Some(first) if first.is_ascii_alphabetic() || first == '_' => {
            match chars.find(|c| !(c.is_ascii_alphanumeric() || *c == '_')) {
                None => Ok(()),
                Some(c) => Err(format!(
                    "`{c}` cannot appear in the parameter name `{name}`; a parameter fills a whole segment"
                )),
            }
        }
        Some(_) => Err(format!(
            "the parameter name `{name}` must start with a letter or `_`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(path: &str) -> Result<RoutePath, String> {
        parse(
            &LitStr::new(path, proc_macro2::Span::call_site()),
            "`#[get]`",
        )
        .map_err(|e| e.to_string())
    }

    #[test]
    fn normalises_slashes() {
        assert_eq!(check("").unwrap().normalized, "");
        assert_eq!(check("/").unwrap().normalized, "");
        assert_eq!(check("//cats//:id/").unwrap().normalized, "/cats/:id");
    }

    #[test]
    fn collects_params_and_shape() {
        let path = check("rooms/:room/files/*rest").unwrap();
        assert_eq!(path.params, ["room", "rest"]);
        assert_eq!(path.shape(), "/rooms/:/files/*");
        assert_eq!(check("files/*").unwrap().params, ["path"]);
    }

    #[test]
    fn rejects_malformed_paths() {
        for (path, needle) in [
            ("cats/:", "needs a name"),
            ("cats/:id?", "optional"),
            ("cats/:a/:a", "twice"),
            ("*/cats", "last segment"),
            ("a:b", "may only start"),
            ("cats/{id}", "`:name`"),
            ("cats?x=1", "query"),
            ("ca ts", "whitespace"),
            ("café", "ASCII"),
            ("cats/:id-name", "whole segment"),
            ("cats/:1", "start with a letter"),
        ] {
            let error = check(path).unwrap_err();
            assert!(error.contains(needle), "{path}: {error}");
        }
    }
}
