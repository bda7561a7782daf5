//! Route paths in NestJS syntax, checked at compile time and normalised (one leading slash, no
//! empty segments, no trailing slash). Both spellings are read, as the runtime's
//! `PathPattern` reads them: NestJS 11+ (`:id`, `*splat`, `{/:id}`, `\` escapes, `:"quoted"`
//! names) and NestJS 10 (`:id?`, a bare `*` or `(.*)`, named `path`).

use syn::LitStr;

/// What a parameter of a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamKind {
    /// `:name`.
    Param,
    /// `*name`, `*`, `(.*)`.
    Wildcard,
}

/// One parameter of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathParam {
    pub(crate) name: String,
    pub(crate) kind: ParamKind,
    /// In an optional part (`{/:id}`, `:id?`, a bare `*`): absent from some requests.
    pub(crate) optional: bool,
}

/// A checked path.
#[derive(Debug, Clone, Default)]
pub(crate) struct RoutePath {
    /// `/cats/:id`, or `` for an empty path (the controller's own path).
    pub(crate) normalized: String,
    /// The parameters, in order.
    pub(crate) params: Vec<PathParam>,
    /// The path with parameter names erased: two routes with the same shape match the same
    /// requests.
    shape: String,
}

impl RoutePath {
    /// The path with parameter names erased (lowercase: matching ignores case).
    pub(crate) fn shape(&self) -> &str {
        &self.shape
    }

    /// Whether the path declares the parameter `name`.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.params.iter().any(|param| param.name == name)
    }
}

/// Characters allowed in literal text besides ASCII letters and digits (RFC 3986 `pchar`
/// without `:`, which starts a parameter, and without `!`, `(`, `)` and `+`, which NestJS 11+
/// reserves).
const ALLOWED: &str = "-._~$&',;=@%";

/// Checks `lit` as a route path; `what` names the attribute in messages (`#[get]`).
pub(crate) fn parse(lit: &LitStr, what: &str) -> syn::Result<RoutePath> {
    let value = lit.value();
    let error = |message: String| {
        syn::Error::new(
            lit.span(),
            format!("invalid {what} path {value:?}: {message}"),
        )
    };
    let mut normalized = String::new();
    for segment in value.split('/').filter(|segment| !segment.is_empty()) {
        normalized.push('/');
        normalized.push_str(segment);
    }
    let mut parser = Parser {
        chars: normalized.chars().peekable(),
        params: Vec::new(),
        shape: String::new(),
        bare_wildcard: false,
        depth: 0,
        after_param: false,
    };
    parser.sequence().map_err(&error)?;
    let (params, shape) = (parser.params, parser.shape);
    for (index, param) in params.iter().enumerate() {
        if params[..index].iter().any(|other| other.name == param.name) {
            return Err(error(format!(
                "the parameter `{}` appears twice",
                param.name
            )));
        }
    }
    if params.len() > MAX_PARAMS {
        return Err(error(format!(
            "{} parameters; a route has at most {MAX_PARAMS}",
            params.len()
        )));
    }
    Ok(RoutePath {
        normalized,
        params,
        shape,
    })
}

/// The most parameters one route may declare (as the runtime).
const MAX_PARAMS: usize = 16;

struct Parser<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    params: Vec<PathParam>,
    shape: String,
    bare_wildcard: bool,
    depth: usize,
    /// A parameter came last, with no text after it.
    after_param: bool,
}

impl Parser<'_> {
    fn sequence(&mut self) -> Result<(), String> {
        while let Some(c) = self.chars.next() {
            match c {
                '\\' => {
                    let Some(escaped) = self.chars.next() else {
                        return Err("a path cannot end with `\\`".to_owned());
                    };
                    self.text(escaped, true)?;
                }
                '{' => {
                    self.shape.push('{');
                    self.depth += 1;
                    self.sequence()?;
                }
                '}' if self.depth > 0 => {
                    self.shape.push('}');
                    self.depth -= 1;
                    return Ok(());
                }
                ':' => {
                    let name = self.name(':')?;
                    if self.after_param {
                        return Err(format!(
                            "`:{name}` follows another parameter; put text between them, as in `:from-:to`"
                        ));
                    }
                    let optional = match self.chars.peek() {
                        Some('?') => {
                            self.chars.next();
                            true
                        }
                        Some('(') => {
                            return Err(format!(
                                "custom parameter patterns (`:{name}(...)`) are not supported; check the value with a pipe, as in `#[param(\"{name}\", ParseIntPipe)]`"
                            ));
                        }
                        Some(c @ ('*' | '+')) => {
                            return Err(format!(
                                "`:{name}{c}` is not supported; use a wildcard, as in `*{name}`"
                            ));
                        }
                        _ => false,
                    };
                    if optional {
                        // `/:id?` is `{/:id}`.
                        if self.shape.ends_with('/') {
                            self.shape.pop();
                            self.shape.push_str("{/:}");
                        } else {
                            self.shape.push_str("{:}");
                        }
                    } else {
                        self.shape.push(':');
                    }
                    self.params.push(PathParam {
                        name,
                        kind: ParamKind::Param,
                        optional: optional || self.depth > 0,
                    });
                    self.after_param = true;
                }
                '*' => {
                    let named = self
                        .chars
                        .peek()
                        .is_some_and(|c| *c == '"' || is_name_char(*c));
                    if named {
                        let name = self.name('*')?;
                        self.shape.push('*');
                        self.params.push(PathParam {
                            name,
                            kind: ParamKind::Wildcard,
                            optional: self.depth > 0,
                        });
                    } else {
                        self.bare_wildcard()?;
                    }
                    self.after_param = true;
                }
                '(' => {
                    let rest: String = self.chars.clone().take(3).collect();
                    if rest != ".*)" {
                        return Err(
                            "`(` is reserved; NestJS 10's `(.*)` is the one pattern read (write `*path` or `{*path}`)"
                                .to_owned(),
                        );
                    }
                    for _ in 0..3 {
                        self.chars.next();
                    }
                    self.bare_wildcard()?;
                    self.after_param = true;
                }
                c => self.text(c, false)?,
            }
        }
        if self.depth > 0 {
            return Err("a `{` is not closed".to_owned());
        }
        Ok(())
    }

    fn text(&mut self, c: char, escaped: bool) -> Result<(), String> {
        if !(escaped || c.is_ascii_alphanumeric() || c == '/' || ALLOWED.contains(c)) {
            return Err(match c {
                '}' => "a `}` without its `{`".to_owned(),
                '?' | '#' => {
                    "a route path has no query or fragment (NestJS 10's optional `:id?` is read; `?` elsewhere is not)".to_owned()
                }
                c if c.is_whitespace() => "a route path cannot contain whitespace".to_owned(),
                c if !c.is_ascii() => {
                    "route paths are ASCII; percent-encode other characters".to_owned()
                }
                c => format!("`{c}` is reserved in a route path; escape it as `\\\\{c}` to match it"),
            });
        }
        if matches!(c, ':' | '*' | '{' | '}' | '\\') {
            self.shape.push('\\');
        }
        self.shape.push(c.to_ascii_lowercase());
        self.after_param = false;
        Ok(())
    }

    fn bare_wildcard(&mut self) -> Result<(), String> {
        if std::mem::replace(&mut self.bare_wildcard, true) {
            return Err("two unnamed wildcards; name them, as in `*first` and `*rest`".to_owned());
        }
        self.shape.push_str("{*}");
        self.params.push(PathParam {
            name: "path".to_owned(),
            kind: ParamKind::Wildcard,
            optional: true,
        });
        Ok(())
    }

    fn name(&mut self, sigil: char) -> Result<String, String> {
        let mut name = String::new();
        if self.chars.peek() == Some(&'"') {
            self.chars.next();
            loop {
                match self.chars.next() {
                    Some('"') => break,
                    Some('\\') => name.extend(self.chars.next()),
                    Some(c) => name.push(c),
                    None => return Err("a quoted parameter name is not closed".to_owned()),
                }
            }
        } else {
            while let Some(&c) = self.chars.peek() {
                if !is_name_char(c) {
                    break;
                }
                name.push(c);
                self.chars.next();
            }
        }
        if name.is_empty() {
            return Err(format!(
                "a parameter needs a name, as in `{sigil}{}`",
                if sigil == ':' { "id" } else { "path" }
            ));
        }
        Ok(name)
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
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

    fn names(path: &str) -> Vec<(String, ParamKind, bool)> {
        check(path)
            .unwrap()
            .params
            .into_iter()
            .map(|p| (p.name, p.kind, p.optional))
            .collect()
    }

    #[test]
    fn normalises_slashes() {
        assert_eq!(check("").unwrap().normalized, "");
        assert_eq!(check("/").unwrap().normalized, "");
        assert_eq!(check("//cats//:id/").unwrap().normalized, "/cats/:id");
    }

    #[test]
    fn collects_params_and_shape() {
        use ParamKind::{Param, Wildcard};
        let path = check("rooms/:room/files/*rest").unwrap();
        assert_eq!(path.shape(), "/rooms/:/files/*");
        assert_eq!(
            names("rooms/:room/files/*rest"),
            [
                ("room".to_owned(), Param, false),
                ("rest".to_owned(), Wildcard, false)
            ]
        );
        assert_eq!(names("files/*"), [("path".to_owned(), Wildcard, true)]);
        assert_eq!(names("files/(.*)"), [("path".to_owned(), Wildcard, true)]);
        assert_eq!(names("cats/:id?"), [("id".to_owned(), Param, true)]);
        assert_eq!(names("cats{/:id}"), [("id".to_owned(), Param, true)]);
        assert_eq!(
            names("files{/*splat}"),
            [("splat".to_owned(), Wildcard, true)]
        );
        assert_eq!(
            check("cats/:id?").unwrap().shape(),
            check("cats{/:x}").unwrap().shape()
        );
        assert_eq!(
            check("Cats/:id").unwrap().shape(),
            check("cats/:x").unwrap().shape()
        );
        assert_eq!(names(":file.:ext").len(), 2);
        assert_eq!(names("a\\:b"), []);
        assert_eq!(names(":\"my-id\""), [("my-id".to_owned(), Param, false)]);
    }

    #[test]
    fn rejects_malformed_paths() {
        for (path, needle) in [
            ("cats/:", "needs a name"),
            ("cats/:a/:a", "twice"),
            ("a/*/b/*", "two unnamed"),
            (":a:b", "follows another"),
            ("cats/:id(\\d+)", "custom parameter patterns"),
            ("cats/:id+", "wildcard"),
            ("cats/{id", "not closed"),
            ("cats/id}", "without its"),
            ("cats?x=1", "query"),
            ("ca ts", "whitespace"),
            ("café", "ASCII"),
            ("a+b", "reserved"),
            ("a(b)", "reserved"),
        ] {
            let error = check(path).unwrap_err();
            assert!(error.contains(needle), "{path}: {error}");
        }
    }
}
