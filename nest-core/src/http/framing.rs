//! The message framing checks hyper leaves to the server: an HTTP/1.x request without exactly
//! one `Host` (RFC 9112 §3.2), or with a transfer coding other than one `chunked` (the only one
//! the server decodes), is answered `400` with an empty body, and the connection closed, as
//! Node's HTTP server answers the requests it refuses before NestJS sees them.

use http::{HeaderMap, HeaderValue, StatusCode, Version, header};

use super::response::{Body, Response};

/// The `400` to answer `parts` with, if its framing is bad; `None` for a good request.
///
/// Costs two header lookups for a usual request: `Host` (present, once) and
/// `Transfer-Encoding` (absent). HTTP/2 requests are not checked: they carry `:authority`,
/// and have no transfer codings.
pub(crate) fn check(parts: &http::request::Parts) -> Option<Response> {
    let one_host = match parts.version {
        Version::HTTP_11 => has_one(&parts.headers, &header::HOST),
        // HTTP/1.0 may leave `Host` out, but not send it twice.
        Version::HTTP_10 | Version::HTTP_09 => {
            parts.headers.get_all(header::HOST).iter().nth(1).is_none()
        }
        _ => return None,
    };
    if one_host && good_transfer_coding(&parts.headers) {
        None
    } else {
        Some(bad_request())
    }
}

/// Exactly one `name` line.
fn has_one(headers: &HeaderMap, name: &header::HeaderName) -> bool {
    let mut values = headers.get_all(name).iter();
    values.next().is_some() && values.next().is_none()
}

/// No `Transfer-Encoding`, or one line of exactly `chunked` (any case).
fn good_transfer_coding(headers: &HeaderMap) -> bool {
    let mut values = headers.get_all(header::TRANSFER_ENCODING).iter();
    match (values.next(), values.next()) {
        (None, _) => true,
        (Some(value), None) => value
            .as_bytes()
            .trim_ascii()
            .eq_ignore_ascii_case(b"chunked"),
        (Some(_), Some(_)) => false,
    }
}

/// `400` with an empty body and `Connection: close`, which makes hyper close the connection
/// after it: what follows a badly framed request cannot be trusted to be the next one.
fn bad_request() -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::BAD_REQUEST;
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(version: Version, headers: &[(&str, &str)]) -> http::request::Parts {
        let mut request = http::Request::get("/").version(version);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(()).unwrap().into_parts().0
    }

    fn refused(version: Version, headers: &[(&str, &str)]) -> bool {
        check(&parts(version, headers)).is_some()
    }

    #[test]
    fn host_must_be_sent_once_on_http_1_1() {
        assert!(!refused(Version::HTTP_11, &[("host", "x")]));
        assert!(!refused(Version::HTTP_11, &[("host", "")]));
        assert!(refused(Version::HTTP_11, &[]));
        assert!(refused(Version::HTTP_11, &[("host", "x"), ("host", "x")]));
        assert!(!refused(Version::HTTP_10, &[]));
        assert!(refused(Version::HTTP_10, &[("host", "x"), ("host", "y")]));
        assert!(!refused(Version::HTTP_2, &[]));
    }

    #[test]
    fn the_only_transfer_coding_is_one_chunked() {
        let with = |coding| {
            refused(
                Version::HTTP_11,
                &[("host", "x"), ("transfer-encoding", coding)],
            )
        };
        assert!(!with("chunked"));
        assert!(!with("Chunked"));
        assert!(with("identity, chunked"));
        assert!(with("gzip, chunked"));
        assert!(with("chunked, chunked"));
        assert!(with("gzip"));
        assert!(with(""));
        let twice = [
            ("host", "x"),
            ("transfer-encoding", "chunked"),
            ("transfer-encoding", "chunked"),
        ];
        assert!(refused(Version::HTTP_11, &twice));
    }

    #[test]
    fn the_answer_is_an_empty_400_that_closes() {
        let response = check(&parts(Version::HTTP_11, &[])).unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(response.headers()[header::CONNECTION], "close");
        assert_eq!(response.body().full_bytes().unwrap_or_default(), "");
    }
}
