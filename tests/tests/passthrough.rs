//! The passthrough response handle, `Res` (NestJS's `@Res({ passthrough: true }) res`): status,
//! headers and cookies set by a handler whose return value is still sent, on plain routes and
//! on event streams, and what wins between the handle, `#[http_code]`, `#[header]`, an
//! exception and an interceptor.
//!
//! Expected bytes captured from NestJS 12.6.3 + @nestjs/platform-express 12.6.3 (Express 5.3.0,
//! cookie 0.7.2), Node 20. Express also sends `X-Powered-By`, `ETag` and `Keep-Alive`, which
//! nest-rs does not (docs/porting.md); the lines compared here leave them out, and `date`.

use nest_core::pipeline::NestInterceptor;
use nest_core::prelude::*;
use nest_core::{CookieOptions, CookiePriority, Res, Response, SameSite};
use nest_tests::{RawResponse, get_and_close, raw_exchange};

#[derive(Default)]
struct AfterInterceptor;

impl NestInterceptor for AfterInterceptor {
    fn after(&self, mut response: Response) -> Response {
        response
            .headers_mut()
            .insert("x-after", http::HeaderValue::from_static("1"));
        *response.status_mut() = http::StatusCode::from_u16(299).unwrap();
        response
    }
}

/// Sets `Content-Type` on whatever it sees, as an interceptor that forgets event streams.
#[derive(Default)]
struct JsonTypeInterceptor;

impl NestInterceptor for JsonTypeInterceptor {
    fn after(&self, mut response: Response) -> Response {
        let headers = response.headers_mut();
        headers.insert(
            "content-type",
            http::HeaderValue::from_static("application/json"),
        );
        headers.insert("x-i", http::HeaderValue::from_static("after"));
        response
    }
}

#[derive(Default)]
struct PtController;

fn hi() -> impl Stream<Item = MessageEvent> {
    stream::iter([MessageEvent::new("hi")])
}

#[controller("pt")]
impl PtController {
    #[get("status")]
    fn status(&self, res: Res) -> serde_json::Value {
        res.status(202);
        json!({ "ok": true })
    }

    #[get("headers")]
    fn headers(&self, res: Res) -> &'static str {
        res.header("X-A", "b")
            .header("X-B", "c")
            .header("X-C", "1")
            .append_header("X-C", "2");
        "text"
    }

    #[get("cookies")]
    fn cookies(&self, res: Res) -> serde_json::Value {
        res.cookie("a", "1", CookieOptions::new());
        res.cookie(
            "sess",
            "v a;l",
            CookieOptions::new()
                .http_only(true)
                .secure(true)
                .same_site(SameSite::Strict)
                .domain("example.test")
                .path("/api")
                .max_age(Duration::from_secs(60)),
        );
        res.cookie("lax", "x", CookieOptions::new().same_site(SameSite::Lax))
            .cookie(
                "none",
                "x",
                CookieOptions::new().same_site(SameSite::None).secure(true),
            )
            .cookie(
                "exp",
                "x",
                CookieOptions::new()
                    .expires(std::time::UNIX_EPOCH + Duration::from_secs(1_893_553_445)),
            )
            .cookie(
                "part",
                "x",
                CookieOptions::new()
                    .partitioned(true)
                    .secure(true)
                    .priority(CookiePriority::High),
            )
            .clear_cookie("old", CookieOptions::new())
            .clear_cookie(
                "old2",
                CookieOptions::new()
                    .path("/api")
                    .domain("example.test")
                    .max_age(Duration::from_secs(1)),
            );
        json!({ "ok": true })
    }

    #[post("post")]
    fn post(&self, res: Res) -> serde_json::Value {
        res.status(200);
        json!({ "ok": true })
    }

    #[get("httpcode")]
    #[http_code(202)]
    fn httpcode(&self, res: Res) -> serde_json::Value {
        res.status(203);
        json!({ "ok": true })
    }

    #[get("hdr")]
    #[header("X-A", "decorator")]
    fn hdr(&self, res: Res) -> &'static str {
        res.header("X-A", "handle");
        "x"
    }

    #[get("hdr-throw")]
    #[header("X-H", "1")]
    fn hdr_throw(&self) -> Result<&'static str, HttpException> {
        Err(BadRequestException::new("Bad Request"))
    }

    #[get("thrown")]
    fn thrown(&self, res: Res) -> Result<&'static str, HttpException> {
        res.status(201)
            .header("X-A", "b")
            .cookie("c", "1", CookieOptions::new());
        Err(BadRequestException::new("Bad Request"))
    }

    #[get("intercepted")]
    #[use_interceptors(AfterInterceptor)]
    fn intercepted(&self, res: Res) -> serde_json::Value {
        res.status(201);
        json!({ "ok": true })
    }

    #[get("ctype")]
    fn ctype(&self, res: Res) -> serde_json::Value {
        res.header("Content-Type", "text/plain");
        json!({ "ok": true })
    }

    #[sse("sse")]
    fn sse(&self, res: Res) -> impl Stream<Item = MessageEvent> {
        res.status(201)
            .header("X-A", "b")
            .header("Content-Type", "application/json")
            .header("Cache-Control", "no")
            .cookie("s", "1", CookieOptions::new());
        hi()
    }

    #[sse("sse-header")]
    #[header("Content-Type", "application/json")]
    #[header("X-H", "1")]
    fn sse_header(&self) -> impl Stream<Item = MessageEvent> {
        hi()
    }

    #[sse("sse-int")]
    #[use_interceptors(JsonTypeInterceptor)]
    fn sse_int(&self) -> impl Stream<Item = MessageEvent> {
        hi()
    }

    #[sse("sse-code")]
    #[http_code(202)]
    fn sse_code(&self) -> impl Stream<Item = MessageEvent> {
        hi()
    }

    #[sse("sse-throw")]
    async fn sse_throw(
        &self,
        res: Res,
    ) -> Result<impl Stream<Item = MessageEvent> + use<>, HttpException> {
        res.status(201).header("X-A", "b");
        Err::<stream::Empty<MessageEvent>, _>(BadRequestException::new("Bad Request"))
    }
}

async fn exchange(request: &str) -> RawResponse {
    let server = nest_tests::serve(PtController).await;
    raw_exchange(server.local_addr(), request).await.unwrap()
}

async fn get(path: &str) -> RawResponse {
    exchange(&get_and_close(path)).await
}

/// The header lines, lowercased, without `date` and `transfer-encoding`.
fn lines(response: &RawResponse) -> Vec<String> {
    response
        .header_lines()
        .iter()
        .map(|line| line.to_ascii_lowercase())
        .filter(|line| !line.starts_with("transfer-encoding"))
        .collect()
}

const OK_JSON: &str = r#"{"ok":true}"#;
const BAD_REQUEST: &str = r#"{"message":"Bad Request","error":"Bad Request","statusCode":400}"#;

#[tokio::test]
async fn status_sets_the_status_and_the_return_value_is_the_body() {
    let response = get("/pt/status").await;
    assert_eq!(response.status_line(), "HTTP/1.1 202 Accepted");
    assert_eq!(
        lines(&response),
        [
            "content-type: application/json; charset=utf-8",
            "connection: close",
            "content-length: 11"
        ]
    );
    assert_eq!(response.text(), OK_JSON);
}

#[tokio::test]
async fn headers_come_before_the_content_type_in_the_order_set() {
    let response = get("/pt/headers").await;
    assert_eq!(response.status_line(), "HTTP/1.1 200 OK");
    assert_eq!(
        lines(&response),
        [
            "x-a: b",
            "x-b: c",
            "x-c: 1",
            "x-c: 2",
            "content-type: text/html; charset=utf-8",
            "connection: close",
            "content-length: 4"
        ]
    );
    assert_eq!(response.text(), "text");
}

#[tokio::test]
async fn cookies_are_express_set_cookie_lines() {
    let response = get("/pt/cookies").await;
    let cookies: Vec<String> = lines(&response)
        .into_iter()
        .filter(|line| line.starts_with("set-cookie: "))
        .collect();
    // Lowercased, as the lines are; Express's own case is in the unit test of the serialiser.
    let expected_start =
        "set-cookie: sess=v%20a%3bl; max-age=60; domain=example.test; path=/api; expires=";
    assert_eq!(cookies.len(), 8, "{cookies:#?}");
    assert_eq!(cookies[0], "set-cookie: a=1; path=/");
    assert!(cookies[1].starts_with(expected_start), "{}", cookies[1]);
    let expires = &cookies[1][expected_start.len()..];
    let (date, rest) = expires.split_at("sun, 06 dec 2026 07:31:58 gmt".len());
    assert!(date.ends_with(" gmt"), "{date}");
    assert_eq!(rest, "; httponly; secure; samesite=strict");
    assert_eq!(
        cookies[2..],
        [
            "set-cookie: lax=x; path=/; samesite=lax",
            "set-cookie: none=x; path=/; secure; samesite=none",
            "set-cookie: exp=x; path=/; expires=wed, 02 jan 2030 03:04:05 gmt",
            "set-cookie: part=x; path=/; secure; partitioned; priority=high",
            "set-cookie: old=; path=/; expires=thu, 01 jan 1970 00:00:00 gmt",
            "set-cookie: old2=; domain=example.test; path=/api; expires=thu, 01 jan 1970 00:00:00 gmt",
        ]
    );
    assert!(response.head.contains("Set-Cookie: ") || response.head.contains("set-cookie: "));
    assert_eq!(response.text(), OK_JSON);
}

#[tokio::test]
async fn the_handle_status_beats_the_201_of_post_and_http_code() {
    let post = exchange(
        "POST /pt/post HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(post.status_line(), "HTTP/1.1 200 OK");
    assert_eq!(post.text(), OK_JSON);
    let coded = get("/pt/httpcode").await;
    // hyper says "Non Authoritative", Node "Non-Authoritative".
    assert!(coded.status_line().starts_with("HTTP/1.1 203 "));
    assert_eq!(coded.text(), OK_JSON);
}

#[tokio::test]
async fn the_handle_header_replaces_the_route_header_in_its_place() {
    let response = get("/pt/hdr").await;
    assert_eq!(
        lines(&response),
        [
            "x-a: handle",
            "content-type: text/html; charset=utf-8",
            "connection: close",
            "content-length: 1"
        ]
    );
}

#[tokio::test]
async fn route_headers_and_handle_headers_and_cookies_stay_on_errors() {
    let decorated = get("/pt/hdr-throw").await;
    assert_eq!(decorated.status_line(), "HTTP/1.1 400 Bad Request");
    assert_eq!(
        lines(&decorated),
        [
            "x-h: 1",
            "content-type: application/json; charset=utf-8",
            "connection: close",
            "content-length: 64"
        ]
    );
    let thrown = get("/pt/thrown").await;
    assert_eq!(thrown.status_line(), "HTTP/1.1 400 Bad Request");
    assert_eq!(
        lines(&thrown),
        [
            "x-a: b",
            "set-cookie: c=1; path=/",
            "content-type: application/json; charset=utf-8",
            "connection: close",
            "content-length: 64"
        ]
    );
    assert_eq!(thrown.text(), BAD_REQUEST);
}

#[tokio::test]
async fn an_interceptor_after_the_handler_wins() {
    let response = get("/pt/intercepted").await;
    // Node says "unknown", hyper "<none>".
    assert!(response.status_line().starts_with("HTTP/1.1 299 "));
    assert!(lines(&response).contains(&"x-after: 1".to_owned()));
    assert_eq!(response.text(), OK_JSON);
}

#[tokio::test]
async fn a_content_type_set_by_the_handle_gets_the_charset_of_text() {
    let response = get("/pt/ctype").await;
    assert_eq!(
        lines(&response)[0],
        "content-type: text/plain; charset=utf-8"
    );
    assert_eq!(response.text(), OK_JSON);
}

/// NestJS 12.6.3's head for `/pt/sse`, `Connection: keep-alive` left out (nest-rs says it only
/// when true; this request asks to close).
#[tokio::test]
async fn on_a_stream_the_handle_sets_the_head_and_the_stream_headers_win() {
    let response = get("/pt/sse").await;
    assert_eq!(response.status_line(), "HTTP/1.1 201 Created");
    assert_eq!(
        lines(&response),
        [
            "x-a: b",
            "content-type: text/event-stream",
            "cache-control: private, no-cache, no-store, must-revalidate, max-age=0, no-transform",
            "set-cookie: s=1; path=/",
            "pragma: no-cache",
            "expires: 0",
            "x-accel-buffering: no",
            "connection: close",
        ]
    );
    assert!(
        response.text().contains("data: hi\n\n"),
        "{}",
        response.text()
    );
}

#[tokio::test]
async fn on_a_stream_route_headers_and_interceptors_keep_text_event_stream() {
    let decorated = get("/pt/sse-header").await;
    let lines_of = |response: &RawResponse| -> Vec<String> {
        lines(response)
            .into_iter()
            .filter(|line| line.starts_with("content-type") || line.starts_with("x-"))
            .collect()
    };
    let mut decorated = lines_of(&decorated);
    decorated.sort();
    assert_eq!(
        decorated,
        [
            "content-type: text/event-stream",
            "x-accel-buffering: no",
            "x-h: 1"
        ]
    );
    let intercepted = get("/pt/sse-int").await;
    assert_eq!(intercepted.status_line(), "HTTP/1.1 200 OK");
    let mut intercepted = lines_of(&intercepted);
    intercepted.sort();
    assert_eq!(
        intercepted,
        [
            "content-type: text/event-stream",
            "x-accel-buffering: no",
            "x-i: after"
        ]
    );
    let coded = get("/pt/sse-code").await;
    assert_eq!(coded.status_line(), "HTTP/1.1 202 Accepted");
}

#[tokio::test]
async fn a_stream_that_fails_before_opening_keeps_the_handle_headers_and_its_error_status() {
    let response = get("/pt/sse-throw").await;
    assert_eq!(response.status_line(), "HTTP/1.1 400 Bad Request");
    assert_eq!(
        lines(&response),
        [
            "x-a: b",
            "content-type: application/json; charset=utf-8",
            "connection: close",
            "content-length: 64"
        ]
    );
    assert_eq!(response.text(), BAD_REQUEST);
}
