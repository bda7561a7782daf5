//! [`Res`]: the passthrough response handle (NestJS's `@Res({ passthrough: true })`), with
//! which a handler sets the status, headers and cookies of its response while its return value
//! is still sent as usual; and [`CookieOptions`], Express's `res.cookie` options.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, SystemTime},
};

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};

use super::{exception::HttpException, extract::FromRequest, request::Request, response::Response};
use crate::lock::lock;

/// What a [`Res`] handle has set, shared with the route through the request's extensions.
#[derive(Debug, Default)]
struct State {
    status: Option<StatusCode>,
    /// In the order set; a name set again keeps its place (as Node keeps it).
    headers: HeaderMap,
}

/// The place a route's [`Res`] handles write to: inserted into the request before the handler
/// runs, read into the response after it.
#[derive(Debug, Clone, Default)]
pub(crate) struct ResponseSlot(Arc<Mutex<State>>);

impl ResponseSlot {
    /// What the handles set, taken out (the slot is empty after).
    pub(crate) fn take(&self) -> Passthrough {
        let State { status, headers } = std::mem::take(&mut *lock(&self.0));
        Passthrough { status, headers }
    }
}

/// What a route's [`Res`] handles set, to apply to its response.
#[derive(Debug, Default)]
pub(crate) struct Passthrough {
    /// `res.status(…)`: replaces any status but an error's.
    pub(crate) status: Option<StatusCode>,
    headers: HeaderMap,
}

impl Passthrough {
    /// Puts the route's own `#[header]`s (`before`) then the handles' headers (which replace
    /// those of the same name) in front of the response's own headers.
    ///
    /// On an event stream (`sse`) the stream's own headers (`Content-Type:
    /// text/event-stream`, `Cache-Control`, …) win, each keeping the place of the header it
    /// replaces, as Node's `writeHead` keeps it; elsewhere the route's and handles' headers win
    /// over the response's (a `Content-Type` so set gets the response's `charset=utf-8`, as
    /// Express's `res.send` adds it).
    pub(crate) fn merge_headers(
        self,
        response: &mut Response,
        before: &[(HeaderName, HeaderValue)],
        sse: bool,
    ) {
        if before.is_empty() && self.headers.is_empty() {
            return;
        }
        let mut merged =
            HeaderMap::with_capacity(before.len() + self.headers.len() + response.headers().len());
        for (name, value) in before {
            merged.insert(name.clone(), value.clone());
        }
        let mut last = None;
        for (name, value) in self.headers {
            match name {
                // A name set by the handle replaces the route's `#[header]` of that name.
                Some(name) => {
                    merged.insert(name.clone(), value);
                    last = Some(name);
                }
                None => {
                    if let Some(name) = &last {
                        merged.append(name.clone(), value);
                    }
                }
            }
        }
        let own = std::mem::take(response.headers_mut());
        let mut last: Option<(HeaderName, bool)> = None;
        for (name, value) in own {
            let Some(name) = name else {
                // A further value of the previous name.
                if let Some((name, true)) = &last {
                    merged.append(name.clone(), value);
                }
                continue;
            };
            let keep = sse || !merged.contains_key(&name);
            if name == header::SET_COOKIE {
                // Cookies add up, whoever sets them.
                merged.append(name.clone(), value);
                last = Some((name, true));
                continue;
            }
            if keep {
                merged.insert(name.clone(), value);
            } else if name == header::CONTENT_TYPE {
                with_charset_of(&mut merged, &value);
            }
            last = Some((name, keep));
        }
        *response.headers_mut() = merged;
    }
}

/// Express's `res.send` adds `charset=utf-8` to a `Content-Type` set before it sends text.
fn with_charset_of(merged: &mut HeaderMap, own: &HeaderValue) {
    let utf8 = own.as_bytes().ends_with(b"charset=utf-8");
    let Some(set) = merged.get(header::CONTENT_TYPE) else {
        return;
    };
    let has_charset = set
        .to_str()
        .is_ok_and(|text| text.to_ascii_lowercase().contains("charset="));
    if utf8 && !has_charset {
        let mut value = set.as_bytes().to_vec();
        value.extend_from_slice(b"; charset=utf-8");
        if let Ok(value) = HeaderValue::from_bytes(&value) {
            merged.insert(header::CONTENT_TYPE, value);
        }
    }
}

/// The response of the route being handled, as NestJS's `@Res({ passthrough: true }) res`:
/// set its status, headers and cookies, and return the body as usual. An argument of this type
/// needs no attribute.
///
/// | NestJS (Express) | nest-rs |
/// | --- | --- |
/// | `res.status(201)` | `res.status(201)` |
/// | `res.header('X-A', 'b')`, `res.set`, `res.setHeader` | `res.header("X-A", "b")` |
/// | `res.append('Link', '…')` | `res.append_header("Link", "…")` |
/// | `res.cookie('name', 'value', { httpOnly: true })` | `res.cookie("name", "value", CookieOptions::new().http_only(true))` |
/// | `res.clearCookie('name')` | `res.clear_cookie("name", CookieOptions::new())` |
///
/// What wins, as in NestJS: the handle's status over `#[http_code]` and the 201 of a `POST`;
/// an exception's status over the handle's (its headers and cookies stay on the error
/// response); the handle's headers over `#[header]`s of the same name; an interceptor's
/// `after` over all of these. On an `#[sse]` route everything set before the handler returns
/// its stream goes on the stream's head, except that the stream's own headers
/// (`Content-Type: text/event-stream`, `Cache-Control`, `Pragma`, `Expires`,
/// `X-Accel-Buffering`, `Connection`) always win. What is set once the head is sent (from
/// inside a running stream, say) is ignored. A name or value that is not a valid header is
/// ignored; so is a status outside 100–999.
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::{CookieOptions, Res};
///
/// #[derive(Default)]
/// struct SessionController;
///
/// #[controller("session")]
/// impl SessionController {
///     #[post]
///     fn login(&self, res: Res) -> serde_json::Value {
///         res.status(200)
///             .header("X-Session", "new")
///             .cookie("sid", "abc", CookieOptions::new().http_only(true).max_age(Duration::from_secs(3600)));
///         json!({ "ok": true })
///     }
///
///     #[sse("events")]
///     fn events(&self, res: Res) -> impl Stream<Item = MessageEvent> {
///         res.header("X-Stream", "1").cookie("seen", "1", CookieOptions::new());
///         stream::iter([MessageEvent::new("hi")])
///     }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Res {
    slot: ResponseSlot,
}

impl FromRequest for Res {
    /// The route's handle; outside a route (a request built by hand), one whose changes go
    /// nowhere.
    fn from_request(request: &Request) -> Result<Self, HttpException> {
        Ok(Self {
            slot: request
                .extensions()
                .get::<ResponseSlot>()
                .cloned()
                .unwrap_or_default(),
        })
    }
}

impl Res {
    /// Sets the status (Express's `res.status(code)`).
    pub fn status(&self, status: u16) -> &Self {
        if let Ok(status) = StatusCode::from_u16(status) {
            lock(&self.slot.0).status = Some(status);
        }
        self
    }

    /// Sets a header, replacing any of that name (Express's `res.header`, `res.set`,
    /// `res.setHeader`).
    pub fn header(&self, name: &str, value: &str) -> &Self {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            lock(&self.slot.0).headers.insert(name, value);
        }
        self
    }

    /// Adds a value to a header, keeping those already set (Express's `res.append`).
    pub fn append_header(&self, name: &str, value: &str) -> &Self {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            lock(&self.slot.0).headers.append(name, value);
        }
        self
    }

    /// Sets a cookie: a `Set-Cookie` header with Express's bytes (`res.cookie(name, value,
    /// options)`); the value is percent-encoded as `encodeURIComponent` does.
    ///
    /// ```
    /// # use nest_core::{CookieOptions, Res, FromRequest, Request};
    /// # let request = Request::from_parts(http::Request::new(()).into_parts().0, vec![]);
    /// # let res = Res::from_request(&request).unwrap();
    /// res.cookie("theme", "dark mode", CookieOptions::new().same_site(nest_core::SameSite::Lax));
    /// // Set-Cookie: theme=dark%20mode; Path=/; SameSite=Lax
    /// ```
    pub fn cookie(&self, name: &str, value: &str, options: CookieOptions) -> &Self {
        if let Some(cookie) = options.serialize(name, value, SystemTime::now()) {
            lock(&self.slot.0)
                .headers
                .append(header::SET_COOKIE, cookie);
        }
        self
    }

    /// Clears a cookie (Express's `res.clearCookie(name, options)`): an empty value that expired
    /// in 1970; `max_age` is ignored. Give the `path` and `domain` the cookie was set with.
    pub fn clear_cookie(&self, name: &str, options: CookieOptions) -> &Self {
        let options = CookieOptions {
            max_age: None,
            expires: Some(SystemTime::UNIX_EPOCH + Duration::from_millis(1)),
            ..options
        };
        self.cookie(name, "", options)
    }
}

/// A cookie's `SameSite` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    /// `SameSite=Strict` (Express's `sameSite: true` or `'strict'`).
    Strict,
    /// `SameSite=Lax`.
    Lax,
    /// `SameSite=None` (browsers want `secure` with it).
    None,
}

/// A cookie's `Priority` attribute (Chrome's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookiePriority {
    /// `Priority=Low`.
    Low,
    /// `Priority=Medium`.
    Medium,
    /// `Priority=High`.
    High,
}

/// The options of [`Res::cookie`], as Express's `res.cookie` options: `path` is `/` unless set;
/// `max_age` sends `Max-Age` (whole seconds) and `Expires` (now plus it), as Express does with
/// `maxAge` in milliseconds.
///
/// ```
/// use std::time::Duration;
/// use nest_core::{CookieOptions, SameSite};
/// let options = CookieOptions::new()
///     .http_only(true)
///     .secure(true)
///     .same_site(SameSite::Strict)
///     .domain("example.com")
///     .path("/api")
///     .max_age(Duration::from_secs(60));
/// # drop(options);
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct CookieOptions {
    max_age: Option<Duration>,
    domain: Option<String>,
    path: Option<String>,
    expires: Option<SystemTime>,
    http_only: bool,
    secure: bool,
    partitioned: bool,
    priority: Option<CookiePriority>,
    same_site: Option<SameSite>,
}

impl CookieOptions {
    /// No attribute but `Path=/`.
    pub fn new() -> Self {
        Self::default()
    }

    /// `maxAge`: `Max-Age` in whole seconds, and `Expires` at now plus it.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// `domain`.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// `path` (default `/`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// `expires`: the `Expires` date.
    pub fn expires(mut self, expires: SystemTime) -> Self {
        self.expires = Some(expires);
        self
    }

    /// `httpOnly`.
    pub fn http_only(mut self, http_only: bool) -> Self {
        self.http_only = http_only;
        self
    }

    /// `secure`.
    pub fn secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// `partitioned`.
    pub fn partitioned(mut self, partitioned: bool) -> Self {
        self.partitioned = partitioned;
        self
    }

    /// `priority`.
    pub fn priority(mut self, priority: CookiePriority) -> Self {
        self.priority = Some(priority);
        self
    }

    /// `sameSite`.
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.same_site = Some(same_site);
        self
    }

    /// The `Set-Cookie` value, in the order of the `cookie` package Express uses (0.7):
    /// `Max-Age`, `Domain`, `Path`, `Expires`, `HttpOnly`, `Secure`, `Partitioned`,
    /// `Priority`, `SameSite`. `None` for a name that is not a cookie name.
    fn serialize(&self, name: &str, value: &str, now: SystemTime) -> Option<HeaderValue> {
        use std::fmt::Write;

        let valid_name = !name.is_empty()
            && name
                .bytes()
                .all(|byte| byte.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&byte));
        if !valid_name {
            return None;
        }
        let mut cookie = format!("{name}={}", encode_uri_component(value));
        let mut expires = self.expires;
        if let Some(max_age) = self.max_age {
            expires = Some(now + max_age);
            let _ = write!(cookie, "; Max-Age={}", max_age.as_secs());
        }
        if let Some(domain) = &self.domain {
            let _ = write!(cookie, "; Domain={domain}");
        }
        let _ = write!(cookie, "; Path={}", self.path.as_deref().unwrap_or("/"));
        if let Some(expires) = expires {
            let _ = write!(cookie, "; Expires={}", httpdate::fmt_http_date(expires));
        }
        if self.http_only {
            cookie.push_str("; HttpOnly");
        }
        if self.secure {
            cookie.push_str("; Secure");
        }
        if self.partitioned {
            cookie.push_str("; Partitioned");
        }
        if let Some(priority) = self.priority {
            cookie.push_str(match priority {
                CookiePriority::Low => "; Priority=Low",
                CookiePriority::Medium => "; Priority=Medium",
                CookiePriority::High => "; Priority=High",
            });
        }
        if let Some(same_site) = self.same_site {
            cookie.push_str(match same_site {
                SameSite::Strict => "; SameSite=Strict",
                SameSite::Lax => "; SameSite=Lax",
                SameSite::None => "; SameSite=None",
            });
        }
        HeaderValue::try_from(cookie).ok()
    }
}

/// JavaScript's `encodeURIComponent`: every byte but `A-Z a-z 0-9 - _ . ! ~ * ' ( )`
/// percent-encoded (of the UTF-8 encoding).
fn encode_uri_component(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push('%');
            encoded.push(char::from(b"0123456789ABCDEF"[usize::from(byte >> 4)]));
            encoded.push(char::from(b"0123456789ABCDEF"[usize::from(byte & 15)]));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_and_values(response: &Response) -> Vec<(String, String)> {
        response
            .headers()
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
            .collect()
    }

    #[test]
    fn handle_headers_go_first_cookies_add_up_and_stream_headers_win_in_place() {
        let slot = ResponseSlot::default();
        let res = Res { slot: slot.clone() };
        res.header("content-type", "application/json")
            .header("x-a", "1")
            .cookie("a", "1", CookieOptions::new());
        let mut response = Response::new(super::super::response::Body::empty());
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        );
        headers.append(header::SET_COOKIE, HeaderValue::from_static("b=2"));
        slot.take().merge_headers(&mut response, &[], true);
        assert_eq!(
            names_and_values(&response),
            [
                ("content-type".to_owned(), "text/event-stream".to_owned()),
                ("x-a".to_owned(), "1".to_owned()),
                ("set-cookie".to_owned(), "a=1; Path=/".to_owned()),
                ("set-cookie".to_owned(), "b=2".to_owned()),
            ]
        );
        // Taken: the slot is empty again.
        assert!(slot.take().status.is_none());
    }

    /// Captured from Express 5.3.0 (cookie 0.7.2) under NestJS 12.6.3, Node 20.
    #[test]
    fn cookies_serialise_as_express_does() {
        let now = httpdate::parse_http_date("Sun, 06 Dec 2026 07:30:58 GMT").unwrap();
        let cookie = |name: &str, value: &str, options: CookieOptions| {
            options.serialize(name, value, now).unwrap()
        };
        assert_eq!(cookie("a", "1", CookieOptions::new()), "a=1; Path=/");
        assert_eq!(
            cookie(
                "sess",
                "v a;l",
                CookieOptions::new()
                    .http_only(true)
                    .secure(true)
                    .same_site(SameSite::Strict)
                    .domain("example.test")
                    .path("/api")
                    .max_age(Duration::from_secs(60))
            ),
            "sess=v%20a%3Bl; Max-Age=60; Domain=example.test; Path=/api; Expires=Sun, 06 Dec 2026 07:31:58 GMT; HttpOnly; Secure; SameSite=Strict"
        );
        assert_eq!(
            cookie(
                "none",
                "x",
                CookieOptions::new().same_site(SameSite::None).secure(true)
            ),
            "none=x; Path=/; Secure; SameSite=None"
        );
        assert_eq!(
            cookie(
                "part",
                "x",
                CookieOptions::new()
                    .partitioned(true)
                    .secure(true)
                    .priority(CookiePriority::High)
            ),
            "part=x; Path=/; Secure; Partitioned; Priority=High"
        );
        assert_eq!(
            cookie("obj", r#"j:{"a":1}"#, CookieOptions::new()),
            "obj=j%3A%7B%22a%22%3A1%7D; Path=/"
        );
        assert!(CookieOptions::new().serialize("a b", "1", now).is_none());
    }
}
