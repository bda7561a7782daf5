//! Versioning, as NestJS's `app.enableVersioning(...)`: URI (`/v1/cats`), header
//! (`Custom-Header: 1`), media type (`Accept: application/json;v=1`) and custom (a function of
//! the request), with `VERSION_NEUTRAL`, lists of versions and a default version.

use std::{fmt, sync::Arc};

use http::{HeaderMap, HeaderName, request::Parts};

use crate::http::request::RequestHead;

/// NestJS's `VERSION_NEUTRAL`: a route (or controller) that serves every version, and requests
/// that carry none.
///
/// With URI versioning its path has no version segment; with the other types it answers
/// whatever version the request asks for (alone, as `version = VERSION_NEUTRAL`) or requests
/// without a version (in a list, as `version = [VERSION_NEUTRAL, "1"]`), exactly as NestJS.
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::VERSION_NEUTRAL;
///
/// #[derive(Default)]
/// struct HealthController;
///
/// #[controller("health", version = VERSION_NEUTRAL)]
/// impl HealthController {
///     #[get]
///     fn check(&self) -> &'static str {
///         "ok"
///     }
/// }
/// ```
pub const VERSION_NEUTRAL: &str = "\0VERSION_NEUTRAL";

/// The version(s) of a route, as written: one (`version = "1"`) or a list
/// (`version = ["1", "2"]`, or `#[version]` repeated). NestJS tells the two apart for
/// `VERSION_NEUTRAL` (alone it serves any version; in a list, requests without one).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum RouteVersion {
    One(String),
    List(Vec<String>),
}

impl RouteVersion {
    /// From a list as the macros write it: a list when `list` or when it has several versions.
    pub(crate) fn new(versions: &[&str], list: bool) -> Option<Self> {
        match versions {
            [] => None,
            [one] if !list => Some(Self::One((*one).to_owned())),
            many => Some(Self::List(dedup(many.iter().map(|v| (*v).to_owned())))),
        }
    }

    /// Every version, in order.
    pub(crate) fn all(&self) -> &[String] {
        match self {
            Self::One(one) => std::slice::from_ref(one),
            Self::List(list) => list,
        }
    }

    /// How NestJS logs it: `1,2`, `Neutral` for [`VERSION_NEUTRAL`].
    pub(crate) fn display(&self) -> String {
        self.all()
            .iter()
            .map(|version| {
                if version == VERSION_NEUTRAL {
                    "Neutral"
                } else {
                    version
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn dedup(versions: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for version in versions {
        if !out.contains(&version) {
            out.push(version);
        }
    }
    out
}

/// A custom version extractor (`Versioning::custom`).
type Extractor = Arc<dyn Fn(&RequestHead) -> Vec<String> + Send + Sync>;

#[derive(Clone)]
enum Kind {
    Uri { prefix: String },
    Header(HeaderName),
    MediaType(String),
    Custom(Extractor),
}

impl fmt::Debug for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Uri { prefix } => f.debug_struct("Uri").field("prefix", prefix).finish(),
            Self::Header(name) => f.debug_tuple("Header").field(name).finish(),
            Self::MediaType(key) => f.debug_tuple("MediaType").field(key).finish(),
            Self::Custom(_) => f.write_str("Custom"),
        }
    }
}

/// NestJS's `enableVersioning({ type, defaultVersion, ... })`, for
/// [`NestApplication::enable_versioning`](crate::NestApplication::enable_versioning).
///
/// A route's versions are its own `#[version(...)]`, else its controller's `version = ...`,
/// else the default version. With URI versioning a route is served at `/v1/...` (one path per
/// version; none for [`VERSION_NEUTRAL`]); with the other types it keeps its path and a request
/// reaches it when it carries one of its versions (a route without versions takes every
/// request). See the book's *Versioning* page.
///
/// ```
/// use nest_core::app::Versioning;
/// use nest_core::VERSION_NEUTRAL;
/// let uri = Versioning::uri().default_version("1");
/// let header = Versioning::header("Custom-Header").default_versions(["1", VERSION_NEUTRAL]);
/// let media = Versioning::media_type("v=");
/// let custom = Versioning::custom(|request| {
///     request
///         .headers
///         .get("x-version")
///         .and_then(|value| value.to_str().ok())
///         .map(|value| value.split(',').map(|v| v.trim().to_owned()).collect())
///         .unwrap_or_default()
/// });
/// # let _ = (uri, header, media, custom);
/// ```
#[derive(Debug, Clone)]
pub struct Versioning {
    kind: Kind,
    default_version: Option<RouteVersion>,
}

impl Versioning {
    /// URI versioning (`VersioningType.URI`), with the `v` prefix: `/v1/cats`.
    pub fn uri() -> Self {
        Self::of(Kind::Uri {
            prefix: "v".to_owned(),
        })
    }

    /// Header versioning (`VersioningType.HEADER`): the version is the value of the header
    /// `name` (`Custom-Header: 1`).
    ///
    /// # Panics
    ///
    /// If `name` is not a valid header name.
    pub fn header(name: &str) -> Self {
        let name = HeaderName::try_from(name).expect("Versioning::header: invalid header name");
        Self::of(Kind::Header(name))
    }

    /// Media type versioning (`VersioningType.MEDIA_TYPE`): the version is the value of the
    /// first `Accept` media range parameter that starts with `key`
    /// (`Accept: application/json;v=2` with the key `v=`).
    pub fn media_type(key: &str) -> Self {
        Self::of(Kind::MediaType(key.to_owned()))
    }

    /// Custom versioning (`VersioningType.CUSTOM`): `extractor` gives the versions a request
    /// carries. As in NestJS on Express, the first route (in registration order) with one of
    /// them serves the request; NestJS's documentation asks for the versions highest first,
    /// which only matters among the versions of one route.
    pub fn custom(extractor: impl Fn(&RequestHead) -> Vec<String> + Send + Sync + 'static) -> Self {
        Self::of(Kind::Custom(Arc::new(extractor)))
    }

    fn of(kind: Kind) -> Self {
        Self {
            kind,
            default_version: None,
        }
    }

    /// The version of routes that name none (NestJS `defaultVersion`); may be
    /// [`VERSION_NEUTRAL`].
    #[must_use]
    pub fn default_version(mut self, version: &str) -> Self {
        self.default_version = RouteVersion::new(&[version], false);
        self
    }

    /// The versions of routes that name none, as a list (NestJS `defaultVersion: ['1', '2']`).
    #[must_use]
    pub fn default_versions<'a>(mut self, versions: impl IntoIterator<Item = &'a str>) -> Self {
        let versions: Vec<&str> = versions.into_iter().collect();
        self.default_version = RouteVersion::new(&versions, true);
        self
    }

    /// The text before the version in URI versioning (`v` by default; NestJS `prefix`; `""`
    /// for NestJS's `prefix: false`). No effect on the other types.
    #[must_use]
    pub fn prefix(mut self, prefix: &str) -> Self {
        if let Kind::Uri { prefix: own } = &mut self.kind {
            prefix.clone_into(own);
        }
        self
    }

    /// The URI prefix, for URI versioning.
    pub(crate) fn uri_prefix(&self) -> Option<&str> {
        match &self.kind {
            Kind::Uri { prefix } => Some(prefix),
            _ => None,
        }
    }

    pub(crate) fn default(&self) -> Option<&RouteVersion> {
        self.default_version.as_ref()
    }

    /// What the request carries, read once per request (`parts` is `None` outside a server).
    pub(crate) fn extract(&self, parts: Option<&Parts>) -> Extracted {
        let empty = HeaderMap::new();
        let headers = parts.map_or(&empty, |parts| &parts.headers);
        match &self.kind {
            Kind::Uri { .. } => Extracted::None,
            Kind::Header(name) => Extracted::Single(joined(headers, name)),
            Kind::MediaType(key) => Extracted::Single(
                joined(headers, &http::header::ACCEPT)
                    .and_then(|accept| media_type_version(&accept, key)),
            ),
            Kind::Custom(extractor) => {
                let head = match parts {
                    Some(parts) => RequestHead::of(parts),
                    None => RequestHead {
                        method: http::Method::GET,
                        uri: http::Uri::default(),
                        version: http::Version::HTTP_11,
                        headers: HeaderMap::new(),
                        ip: None,
                    },
                };
                Extracted::Many(extractor(&head))
            }
        }
    }
}

/// The versions a request carries.
pub(crate) enum Extracted {
    /// URI versioning: the path carries it.
    None,
    /// Header or media type versioning: the version, if the request has one.
    Single(Option<String>),
    /// Custom versioning.
    Many(Vec<String>),
}

impl Extracted {
    /// Whether a route of `version` serves the request, as NestJS's Express adapter's
    /// `applyVersionFilter` decides.
    pub(crate) fn accepts(&self, version: &RouteVersion) -> bool {
        if *version == RouteVersion::One(VERSION_NEUTRAL.to_owned()) {
            return true;
        }
        match self {
            Self::None => true,
            Self::Single(None) => {
                matches!(version, RouteVersion::List(list) if list.iter().any(|v| v == VERSION_NEUTRAL))
            }
            Self::Single(Some(carried)) => {
                carried != VERSION_NEUTRAL && version.all().iter().any(|v| v == carried)
            }
            Self::Many(carried) => version
                .all()
                .iter()
                .any(|v| v != VERSION_NEUTRAL && carried.contains(v)),
        }
    }
}

/// The values of header `name`, joined by `, ` as Node joins repeated headers.
fn joined(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    let mut out = String::from_utf8_lossy(first.as_bytes()).into_owned();
    for value in values {
        out.push_str(", ");
        out.push_str(&String::from_utf8_lossy(value.as_bytes()));
    }
    Some(out)
}

/// Splits at `separator` outside double-quoted strings (a backslash escapes inside them).
fn split_outside_quotes(value: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let mut chars = value.char_indices();
    while let Some((index, c)) = chars.next() {
        if quoted && c == '\\' {
            chars.next();
        } else if c == '"' {
            quoted = !quoted;
        } else if c == separator && !quoted {
            parts.push(&value[start..index]);
            start = index + c.len_utf8();
        }
    }
    parts.push(&value[start..]);
    parts
}

/// The version in an `Accept` header: the value of the first media range parameter that starts
/// with `key` (unquoted), as NestJS's `getMediaTypeVersion`.
pub(crate) fn media_type_version(accept: &str, key: &str) -> Option<String> {
    for range in split_outside_quotes(accept, ',') {
        for parameter in split_outside_quotes(range, ';').into_iter().skip(1) {
            let parameter = parameter.trim();
            if let Some(version) = parameter.strip_prefix(key) {
                if version.len() >= 2 && version.starts_with('"') && version.ends_with('"') {
                    let mut out = String::new();
                    let mut chars = version[1..version.len() - 1].chars();
                    while let Some(c) = chars.next() {
                        if c == '\\' {
                            if let Some(escaped) = chars.next() {
                                out.push(escaped);
                            }
                        } else {
                            out.push(c);
                        }
                    }
                    return Some(out);
                }
                return Some(version.to_owned());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_type_versions() {
        assert_eq!(
            media_type_version("application/json;v=2", "v="),
            Some("2".to_owned())
        );
        assert_eq!(
            media_type_version("text/html, application/json; q=1; v=3", "v="),
            Some("3".to_owned())
        );
        assert_eq!(
            media_type_version("application/json;v=\"4\\\"\"", "v="),
            Some("4\"".to_owned())
        );
        assert_eq!(
            media_type_version("application/json;x=\"a,v=1\"", "v="),
            None
        );
        assert_eq!(media_type_version("application/json", "v="), None);
    }

    #[test]
    fn filters_as_nestjs() {
        let one = |v: &str| RouteVersion::One(v.to_owned());
        let list = |v: &[&str]| RouteVersion::new(v, true).unwrap();
        let header = |v: Option<&str>| Extracted::Single(v.map(str::to_owned));
        assert!(header(Some("1")).accepts(&one("1")));
        assert!(!header(Some("2")).accepts(&one("1")));
        assert!(!header(None).accepts(&one("1")));
        assert!(header(Some("2")).accepts(&list(&["1", "2"])));
        assert!(header(None).accepts(&one(VERSION_NEUTRAL)));
        assert!(header(Some("9")).accepts(&one(VERSION_NEUTRAL)));
        assert!(header(None).accepts(&list(&[VERSION_NEUTRAL, "1"])));
        assert!(!header(Some("9")).accepts(&list(&[VERSION_NEUTRAL, "1"])));
        let custom = Extracted::Many(vec!["3".to_owned(), "2".to_owned()]);
        assert!(custom.accepts(&one("2")));
        assert!(!custom.accepts(&one("1")));
        assert!(!Extracted::Many(Vec::new()).accepts(&list(&[VERSION_NEUTRAL])));
        assert_eq!(list(&["1", VERSION_NEUTRAL]).display(), "1,Neutral");
    }
}
