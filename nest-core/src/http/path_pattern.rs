//! NestJS route paths, in both spellings, matched as Express matches them.
//!
//! NestJS 11+ (Express 5, `path-to-regexp` 8): `:id` (a parameter: one or more characters but
//! `/`), `*splat` (a wildcard: one or more characters, `/` included), `{...}` (an optional part:
//! `/cats{/:id}`, `/files{/*splat}`), `\` (the next character is text), `:"name"` (a quoted name).
//!
//! NestJS 10 (Express 4, `path-to-regexp` 0.1): `:id?` (an optional parameter, its leading `/`
//! optional too: `/cats/:id?` is `/cats{/:id}`), a bare `*` or `(.*)` (any characters, none
//! included: `/files/*` is `/files/{*path}`, as NestJS 11+ converts it, the wildcard named
//! `path`).
//!
//! Matching is Express's default: **case-insensitive** (`/CATS` matches `/cats`; NestJS keeps
//! Express's `case sensitive routing` off) and **non-strict** (one trailing `/` is ignored:
//! `/cats/` matches `/cats`). Parameters are returned raw, as they appear in the request path
//! (not percent-decoded); the router decodes them.
//!
//! What is refused (an error at startup), as NestJS 11+ refuses it: `?`, `+`, `!`, `(`, `)`,
//! `[`, `]` outside the spellings above (NestJS 10's custom parameter patterns `:id(\d+)` among
//! them), a `:` or `*` without a name where one is needed, unbalanced braces, two parameters
//! with nothing between them (`:a:b`), two parameters of one name, more than [`MAX_PARAMS`]
//! parameters.

use std::fmt;

use regex::Regex;

/// The most parameters (wildcards included) one route may declare.
pub(crate) const MAX_PARAMS: usize = 16;

/// What a parameter of a pattern is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamKind {
    /// `:name`: one or more characters of one segment.
    Param,
    /// `*name`: one or more characters, `/` included.
    Wildcard,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Text(String),
    Param(String),
    Wildcard(String),
    Optional(Vec<Self>),
}

/// A parsed route path: see the [module docs](self).
#[derive(Clone)]
pub(crate) struct PathPattern {
    source: String,
    /// `Some` when the path has no parameter, wildcard or optional part: the path, lowercase,
    /// without a trailing `/` (but the root `/`).
    static_path: Option<String>,
    /// The regex for a non-static path.
    regex: Option<Regex>,
    /// The parameters, in the order they appear (the regex's capture groups 1..).
    params: Vec<(String, ParamKind)>,
    /// The lowercase text every matching path starts with (for a cheap pre-check).
    literal_prefix: String,
    /// Express's `use()` mount: the paths below the pattern's match too.
    prefix: bool,
    /// The path with parameter names erased, lowercase, without a trailing `/`: two patterns
    /// of one shape match the same paths.
    shape: String,
}

impl fmt::Debug for PathPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PathPattern").field(&self.source).finish()
    }
}

impl PathPattern {
    /// Parses a route path (NestJS 10 or 11+ spelling). A missing leading `/` is added.
    pub(crate) fn parse(path: &str) -> Result<Self, String> {
        let source = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        Self::parse_source(source, false)
    }

    /// Parses a path a middleware is mounted at with Express's `use()`: it matches the paths
    /// the pattern matches and every path below them (`/cats` matches `/cats/1/x`, not
    /// `/catsx`).
    pub(crate) fn parse_mount(path: &str) -> Result<Self, String> {
        let source = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        Self::parse_source(source, true)
    }

    /// Parses a host pattern (`:account.example.com`, NestJS's `@Controller({ host })`),
    /// matched as Express matches it against `req.hostname`: case-insensitive, a parameter
    /// takes any characters but `/` (dots included, the longest match first).
    pub(crate) fn parse_host(host: &str) -> Result<Self, String> {
        Self::parse_source(host.to_owned(), false)
    }

    fn parse_source(source: String, prefix: bool) -> Result<Self, String> {
        let tokens = Parser::new(&source).parse()?;
        let mut params = Vec::new();
        collect_params(&tokens, &mut params);
        if params.len() > MAX_PARAMS {
            return Err(format!(
                "{} parameters; a route has at most {MAX_PARAMS}",
                params.len()
            ));
        }
        for (index, (name, _)) in params.iter().enumerate() {
            if params[..index].iter().any(|(other, _)| other == name) {
                return Err(format!("the parameter `{name}` is declared twice"));
            }
        }
        let mut literal_prefix = String::new();
        for token in &tokens {
            match token {
                Token::Text(text) => literal_prefix.push_str(text),
                _ => break,
            }
        }
        literal_prefix.make_ascii_lowercase();
        let mut shape = String::new();
        write_shape(&tokens, &mut shape);
        if shape.len() > 1 && shape.ends_with('/') && !shape.ends_with("\\/") {
            shape.pop();
        }
        if params.is_empty() && tokens.iter().all(|token| matches!(token, Token::Text(_))) {
            let mut path = literal_prefix.clone();
            if path.len() > 1 && path.ends_with('/') {
                path.pop();
            }
            return Ok(Self {
                source,
                static_path: Some(path),
                regex: None,
                params,
                literal_prefix,
                prefix,
                shape,
            });
        }
        // Express's defaults: case-insensitive, one optional trailing slash (a mount: anything
        // below).
        let mut expression = String::from("(?is)^");
        let mut state = SegmentState::default();
        write_regex(&tokens, &mut expression, &mut state)?;
        expression.push_str(if prefix { "(?:/.*)?$" } else { "/?$" });
        let regex = Regex::new(&expression).map_err(|error| error.to_string())?;
        Ok(Self {
            source,
            static_path: None,
            regex: Some(regex),
            params,
            literal_prefix,
            prefix,
            shape,
        })
    }

    /// The path as written (with a leading `/`).
    #[allow(dead_code, reason = "for the middleware consumer's routes")]
    pub(crate) fn as_str(&self) -> &str {
        &self.source
    }

    /// The path with parameter names erased (`/cats/:` for `/cats/:id`), lowercase: two
    /// patterns of one shape match the same paths.
    pub(crate) fn shape(&self) -> &str {
        &self.shape
    }

    /// Whether the path has no parameter, wildcard or optional part.
    #[allow(dead_code, reason = "for the middleware consumer's routes")]
    pub(crate) fn is_static(&self) -> bool {
        self.static_path.is_some()
    }

    /// For a static path: the key [`PathPattern::static_key`] gives for every request path it
    /// matches.
    pub(crate) fn static_path(&self) -> Option<&str> {
        self.static_path.as_deref()
    }

    /// The key of a request path in an index of static paths: lowercase, one trailing `/`
    /// removed (but the root's).
    pub(crate) fn static_key(path: &str) -> std::borrow::Cow<'_, str> {
        let trimmed = match path.strip_suffix('/') {
            Some(trimmed) if !trimmed.is_empty() => trimmed,
            _ => path,
        };
        if trimmed.bytes().any(|byte| byte.is_ascii_uppercase()) {
            std::borrow::Cow::Owned(trimmed.to_ascii_lowercase())
        } else {
            std::borrow::Cow::Borrowed(trimmed)
        }
    }

    /// The names of the parameters the path declares, in order.
    #[cfg_attr(
        not(feature = "fuzz"),
        allow(dead_code, reason = "for the fuzz targets")
    )]
    pub(crate) fn param_names(&self) -> impl Iterator<Item = &str> {
        self.params.iter().map(|(name, _)| name.as_str())
    }

    /// Matches a request path (its raw, percent-encoded form); the parameters it sets, raw,
    /// in the order the pattern declares them (an optional part that did not match sets
    /// none). A wildcard's value is the raw text it covers, `/` included.
    pub(crate) fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        if let Some(static_path) = &self.static_path {
            let key = Self::static_key(path);
            let below = || {
                static_path == "/"
                    || key
                        .strip_prefix(static_path.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            };
            return (*static_path == key || (self.prefix && below())).then(Vec::new);
        }
        let prefix = self.literal_prefix.as_bytes();
        if path.len() < prefix.len()
            || !path.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix)
        {
            return None;
        }
        let captures = self.regex.as_ref()?.captures(path)?;
        Some(
            self.params
                .iter()
                .enumerate()
                .filter_map(|(index, (name, _))| {
                    captures
                        .get(index + 1)
                        .map(|value| (name.clone(), value.as_str().to_owned()))
                })
                .collect(),
        )
    }
}

fn write_shape(tokens: &[Token], out: &mut String) {
    for token in tokens {
        match token {
            Token::Text(text) => {
                for c in text.chars() {
                    if matches!(c, ':' | '*' | '{' | '}' | '\\') {
                        out.push('\\');
                    }
                    out.push(c.to_ascii_lowercase());
                }
            }
            Token::Param(_) => out.push(':'),
            Token::Wildcard(_) => out.push('*'),
            Token::Optional(inner) => {
                out.push('{');
                write_shape(inner, out);
                out.push('}');
            }
        }
    }
}

fn collect_params(tokens: &[Token], out: &mut Vec<(String, ParamKind)>) {
    for token in tokens {
        match token {
            Token::Text(_) => {}
            Token::Param(name) => out.push((name.clone(), ParamKind::Param)),
            Token::Wildcard(name) => out.push((name.clone(), ParamKind::Wildcard)),
            Token::Optional(inner) => collect_params(inner, out),
        }
    }
}

/// What precedes the next parameter in its segment (path-to-regexp 8's rule: a parameter that
/// follows another in the same segment may not take the text between them).
#[derive(Default)]
struct SegmentState {
    /// The text since the last parameter.
    backtrack: String,
    /// Whether a `/` (or the start) came since the last parameter.
    after_slash: bool,
    started: bool,
}

fn write_regex(tokens: &[Token], out: &mut String, state: &mut SegmentState) -> Result<(), String> {
    if !state.started {
        state.started = true;
        state.after_slash = true;
    }
    for token in tokens {
        match token {
            Token::Text(text) => {
                out.push_str(&regex::escape(text));
                state.backtrack.push_str(text);
                state.after_slash |= text.contains('/');
            }
            Token::Param(name) | Token::Wildcard(name) => {
                if !state.after_slash && state.backtrack.is_empty() {
                    return Err(format!(
                        "missing text before the parameter `{name}` (two parameters need text between them)"
                    ));
                }
                if matches!(token, Token::Wildcard(_)) {
                    out.push_str("(.+)");
                } else if state.after_slash {
                    out.push_str("([^/]+)");
                } else {
                    let mut chars = state.backtrack.chars();
                    match (chars.next(), chars.next()) {
                        (Some(one), None) => {
                            out.push_str("([^/");
                            out.push_str(&regex::escape(&one.to_string()));
                            out.push_str("]+)");
                        }
                        // The lookahead path-to-regexp uses here has no equivalent in
                        // `regex`: the parameter takes as little as it can instead.
                        _ => out.push_str("([^/]+?)"),
                    }
                }
                state.backtrack.clear();
                state.after_slash = false;
            }
            Token::Optional(inner) => {
                out.push_str("(?:");
                write_regex(inner, out, state)?;
                out.push_str(")?");
            }
        }
    }
    Ok(())
}

struct Parser<'a> {
    source: &'a str,
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    /// Whether a bare `*` (named `path`) was seen.
    bare_wildcard: bool,
}

impl<'a> Parser<'a> {
    fn new(source: &'a str) -> Self {
        Self {
            source,
            chars: source.char_indices().peekable(),
            bare_wildcard: false,
        }
    }

    fn parse(mut self) -> Result<Vec<Token>, String> {
        let tokens = self.sequence(0)?;
        Ok(tokens)
    }

    fn unexpected(&self, c: char, index: usize) -> String {
        format!("unexpected `{c}` at index {index} of `{}`", self.source)
    }

    /// Tokens up to the end (depth 0) or the closing brace of a group.
    fn sequence(&mut self, depth: usize) -> Result<Vec<Token>, String> {
        let mut tokens: Vec<Token> = Vec::new();
        let mut text = String::new();
        let flush = |text: &mut String, tokens: &mut Vec<Token>| {
            if !text.is_empty() {
                tokens.push(Token::Text(std::mem::take(text)));
            }
        };
        while let Some((index, c)) = self.chars.next() {
            match c {
                '\\' => match self.chars.next() {
                    Some((_, escaped)) => text.push(escaped),
                    None => return Err(format!("`{}` ends with `\\`", self.source)),
                },
                '{' => {
                    flush(&mut text, &mut tokens);
                    let inner = self.sequence(depth + 1)?;
                    tokens.push(Token::Optional(inner));
                }
                '}' if depth > 0 => {
                    flush(&mut text, &mut tokens);
                    return Ok(tokens);
                }
                ':' => {
                    flush(&mut text, &mut tokens);
                    let name = self.name(':', index)?;
                    match self.chars.peek().copied() {
                        // NestJS 10: `/:id?` is `{/:id}`.
                        Some((_, '?')) => {
                            self.chars.next();
                            let mut group = Vec::new();
                            if let Some(Token::Text(before)) = tokens.last_mut() {
                                if before.ends_with('/') {
                                    before.pop();
                                    group.push(Token::Text("/".to_owned()));
                                    if before.is_empty() {
                                        tokens.pop();
                                    }
                                }
                            }
                            group.push(Token::Param(name));
                            tokens.push(Token::Optional(group));
                        }
                        Some((at, '(')) => {
                            return Err(format!(
                                "custom parameter patterns (`:{name}(...)` at index {at} of `{}`) are not supported; check the value with a pipe instead",
                                self.source
                            ));
                        }
                        Some((at, c @ ('*' | '+'))) => {
                            return Err(self.unexpected(c, at));
                        }
                        _ => tokens.push(Token::Param(name)),
                    }
                }
                '*' => {
                    flush(&mut text, &mut tokens);
                    if self.starts_name() {
                        let name = self.name('*', index)?;
                        tokens.push(Token::Wildcard(name));
                    } else {
                        tokens.push(self.bare_wildcard()?);
                    }
                }
                '(' if self.source[index..].starts_with("(.*)") => {
                    flush(&mut text, &mut tokens);
                    for _ in 0..3 {
                        self.chars.next();
                    }
                    tokens.push(self.bare_wildcard()?);
                }
                '?' | '+' | '!' | '(' | ')' | '[' | ']' | '}' => {
                    return Err(self.unexpected(c, index));
                }
                c => text.push(c),
            }
        }
        if depth > 0 {
            return Err(format!("unbalanced `{{` in `{}`", self.source));
        }
        flush(&mut text, &mut tokens);
        Ok(tokens)
    }

    /// NestJS 10's unnamed wildcard, as NestJS 11+ converts it: `{*path}`.
    fn bare_wildcard(&mut self) -> Result<Token, String> {
        if std::mem::replace(&mut self.bare_wildcard, true) {
            return Err(format!(
                "`{}` has two unnamed wildcards; name them (`*first`, `*rest`)",
                self.source
            ));
        }
        Ok(Token::Optional(vec![Token::Wildcard("path".to_owned())]))
    }

    fn starts_name(&mut self) -> bool {
        self.chars
            .peek()
            .is_some_and(|(_, c)| *c == '"' || is_name_char(*c))
    }

    /// The name after `:` or `*`: an identifier, or a quoted name.
    fn name(&mut self, sigil: char, index: usize) -> Result<String, String> {
        let mut name = String::new();
        if self.chars.peek().is_some_and(|(_, c)| *c == '"') {
            self.chars.next();
            loop {
                match self.chars.next() {
                    Some((_, '"')) => break,
                    Some((_, '\\')) => match self.chars.next() {
                        Some((_, c)) => name.push(c),
                        None => break,
                    },
                    Some((_, c)) => name.push(c),
                    None => {
                        return Err(format!(
                            "unterminated quoted name at index {index} of `{}`",
                            self.source
                        ));
                    }
                }
            }
        } else {
            while let Some((_, c)) = self.chars.peek().copied() {
                if !is_name_char(c) {
                    break;
                }
                name.push(c);
                self.chars.next();
            }
        }
        if name.is_empty() {
            return Err(format!(
                "missing parameter name after `{sigil}` at index {index} of `{}`",
                self.source
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

    fn params(pattern: &str, path: &str) -> Option<Vec<(String, String)>> {
        PathPattern::parse(pattern).unwrap().matches(path)
    }

    fn pairs(list: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
        Some(
            list.iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn static_paths_ignore_case_and_one_trailing_slash() {
        let cats = PathPattern::parse("/cats").unwrap();
        assert!(cats.is_static());
        assert_eq!(cats.static_path(), Some("/cats"));
        assert_eq!(cats.matches("/cats"), Some(vec![]));
        assert_eq!(cats.matches("/cats/"), Some(vec![]));
        assert_eq!(cats.matches("/CaTs"), Some(vec![]));
        assert_eq!(cats.matches("/cats//"), None);
        assert_eq!(cats.matches("/cat"), None);
        assert_eq!(cats.matches("/cats/1"), None);
        let root = PathPattern::parse("/").unwrap();
        assert_eq!(root.matches("/"), Some(vec![]));
        assert_eq!(root.matches("/x"), None);
        assert_eq!(PathPattern::parse("cats").unwrap().as_str(), "/cats");
    }

    #[test]
    fn params_take_one_segment_raw() {
        assert_eq!(params("/cats/:id", "/cats/42"), pairs(&[("id", "42")]));
        assert_eq!(params("/cats/:id", "/CATS/Tom/"), pairs(&[("id", "Tom")]));
        assert_eq!(
            params("/cats/:id", "/cats/a%20b"),
            pairs(&[("id", "a%20b")])
        );
        assert_eq!(params("/cats/:id", "/cats"), None);
        assert_eq!(params("/cats/:id", "/cats/"), None);
        assert_eq!(params("/cats/:id", "/cats/1/2"), None);
        assert_eq!(
            params("/:server/rooms/:room", "/s1/rooms/r2"),
            pairs(&[("server", "s1"), ("room", "r2")])
        );
        assert!(!PathPattern::parse("/cats/:id").unwrap().is_static());
    }

    #[test]
    fn params_within_a_segment() {
        assert_eq!(
            params("/:file.:ext", "/archive.tar.gz"),
            pairs(&[("file", "archive.tar"), ("ext", "gz")])
        );
        assert_eq!(
            params("/a/:x-:y", "/a/1-2-3"),
            pairs(&[("x", "1-2"), ("y", "3")])
        );
        assert_eq!(params("/v:version/x", "/v2/x"), pairs(&[("version", "2")]));
        assert!(PathPattern::parse("/:a:b").is_err());
    }

    #[test]
    fn optional_parts_in_both_spellings() {
        for pattern in ["/cats{/:id}", "/cats/:id?"] {
            assert_eq!(params(pattern, "/cats"), pairs(&[]), "{pattern}");
            assert_eq!(params(pattern, "/cats/"), pairs(&[]), "{pattern}");
            assert_eq!(
                params(pattern, "/cats/7"),
                pairs(&[("id", "7")]),
                "{pattern}"
            );
            assert_eq!(params(pattern, "/cats/7/8"), None, "{pattern}");
        }
        assert_eq!(params("/a{/b/:c}/d", "/a/b/1/d"), pairs(&[("c", "1")]));
        assert_eq!(params("/a{/b/:c}/d", "/a/d"), pairs(&[]));
        assert_eq!(params("/a{/b{/:c}}", "/a/b"), pairs(&[]));
        assert_eq!(params("/a{/b{/:c}}", "/a/b/x"), pairs(&[("c", "x")]));
        assert_eq!(params("/a{-b}", "/a-b"), pairs(&[]));
        assert_eq!(params("/a{-b}", "/a"), pairs(&[]));
    }

    #[test]
    fn wildcards_in_both_spellings() {
        // NestJS 11+: one or more characters.
        assert_eq!(
            params("/files/*splat", "/files/a/b%2Fc"),
            pairs(&[("splat", "a/b%2Fc")])
        );
        assert_eq!(
            params("/files/*splat", "/files/a/"),
            pairs(&[("splat", "a/")])
        );
        assert_eq!(params("/files/*splat", "/files"), None);
        assert_eq!(params("/files/*splat", "/files/"), None);
        assert_eq!(params("/files{/*splat}", "/files"), pairs(&[]));
        assert_eq!(
            params("/files{/*splat}", "/files/x/y"),
            pairs(&[("splat", "x/y")])
        );
        assert_eq!(
            params("/*splat/edit", "/a/b/edit"),
            pairs(&[("splat", "a/b")])
        );
        // NestJS 10: `*` and `(.*)` take anything, nothing included; named `path`.
        for pattern in ["/files/*", "/files/(.*)"] {
            assert_eq!(
                params(pattern, "/files/a/b"),
                pairs(&[("path", "a/b")]),
                "{pattern}"
            );
            assert_eq!(params(pattern, "/files/"), pairs(&[]), "{pattern}");
            assert_eq!(params(pattern, "/files"), None, "{pattern}");
        }
        assert_eq!(
            params("*", "/anything/at/all"),
            pairs(&[("path", "anything/at/all")])
        );
        assert_eq!(params("/*", "/"), pairs(&[]));
        assert!(PathPattern::parse("/a/*/b/*").is_err());
        let pattern = PathPattern::parse("/files/*rest").unwrap();
        assert_eq!(pattern.params, [("rest".to_owned(), ParamKind::Wildcard)]);
    }

    #[test]
    fn escapes_and_quoted_names() {
        assert_eq!(params("/a\\:b", "/a:b"), pairs(&[]));
        assert!(PathPattern::parse("/a\\:b").unwrap().is_static());
        assert_eq!(params("/a\\{b\\}", "/a{b}"), pairs(&[]));
        assert_eq!(params("/:\"my-id\"", "/x"), pairs(&[("my-id", "x")]));
        // Regex characters in text are text.
        assert_eq!(params("/a.b/:id", "/a.b/1"), pairs(&[("id", "1")]));
        assert_eq!(params("/a.b/:id", "/axb/1"), None);
        assert_eq!(params("/a$b/:id", "/a$b/1"), pairs(&[("id", "1")]));
    }

    #[test]
    fn what_nestjs_refuses_is_refused() {
        for bad in [
            "/:",
            "/*\"",
            "/:id(\\d+)",
            "/a+",
            "/a!",
            "/a[b]",
            "/a)",
            "/a}",
            "/{a",
            "/a(b)",
            "/:id*",
            "/:id+",
            "/a?",
            "/:x/:x",
            "/a\\",
        ] {
            assert!(PathPattern::parse(bad).is_err(), "{bad}");
        }
        let many: String = (0..17).map(|i| format!("/:p{i}")).collect();
        let error = PathPattern::parse(&many).unwrap_err();
        assert!(error.contains("at most 16"), "{error}");
        let sixteen: String = (0..16).map(|i| format!("/:p{i}")).collect();
        assert!(PathPattern::parse(&sixteen).is_ok());
    }

    #[test]
    fn shapes_erase_names() {
        let shape = |path| PathPattern::parse(path).unwrap().shape().to_owned();
        assert_eq!(shape("/cats/:id"), shape("/CATS/:name"));
        assert_ne!(shape("/cats/:id"), shape("/cats/*id"));
        assert_ne!(shape("/cats/:id"), shape("/cats/\\:id"));
        assert_eq!(shape("/cats{/:id}"), "/cats{/:}");
    }

    #[test]
    fn hosts() {
        let host = PathPattern::parse_host(":account.example.com").unwrap();
        assert_eq!(
            host.matches("acme.example.com"),
            pairs(&[("account", "acme")])
        );
        assert_eq!(
            host.matches("a.b.EXAMPLE.com"),
            pairs(&[("account", "a.b")])
        );
        assert_eq!(host.matches("example.com"), None);
        let fixed = PathPattern::parse_host("api.example.com").unwrap();
        assert_eq!(fixed.matches("API.example.com"), pairs(&[]));
        assert_eq!(fixed.matches("www.example.com"), None);
    }

    #[test]
    fn static_keys() {
        assert_eq!(PathPattern::static_key("/Cats/"), "/cats");
        assert_eq!(PathPattern::static_key("/"), "/");
        assert_eq!(PathPattern::static_key("//"), "/");
    }
}
