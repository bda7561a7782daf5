//! CORS, as NestJS's `app.enableCors(options)` answers it (the Express `cors` package): the
//! headers, their order and values, on responses, errors, 404s and event streams, and
//! preflights answered before routing or passed on to the routes.
//!
//! Expected lines captured from NestJS 12.6.3 + @nestjs/platform-express 12.6.3 (Express 5.3.0,
//! cors 2.8.6), Node 20, with curl. Express also sends `X-Powered-By: Express` first and
//! `ETag`/`Keep-Alive`, which nest-rs does not (docs/porting.md): the lines compared leave them
//! out, and `date`; header names are compared lowercased (hyper sends them so).

use nest_core::app::{AllowedOrigin, CorsOptions, CorsOrigin};
use nest_core::prelude::*;
use nest_tests::{RawResponse, raw_exchange};

#[derive(Default)]
struct CatsController;

#[controller]
impl CatsController {
    #[get("cats")]
    fn cats(&self) -> serde_json::Value {
        json!({ "cats": ["Tom"] })
    }

    #[get("fail")]
    fn fail(&self) -> Result<&'static str, HttpException> {
        Err(BadRequestException::new("nope"))
    }

    #[options("cats")]
    fn options(&self) -> &'static str {
        "options route"
    }

    #[sse("sse")]
    fn sse(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter([MessageEvent::new("hi")])
    }
}

async fn exchange(options: Option<CorsOptions>, request: &str) -> RawResponse {
    let mut app = NestApplication::builder()
        .controller(CatsController)
        .build()
        .unwrap();
    match options {
        None => app.enable_cors(),
        Some(options) => app.enable_cors_with(options),
    };
    let server = app.bind("127.0.0.1:0").await.unwrap();
    raw_exchange(server.local_addr(), request).await.unwrap()
}

/// A request for `path` with these extra header lines, closing the connection.
fn request(method: &str, path: &str, headers: &[&str]) -> String {
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n");
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str("Connection: close\r\n\r\n");
    request
}

const ORIGIN_A: &str = "Origin: http://a.test";
const PREFLIGHT: [&str; 2] = [
    "Access-Control-Request-Method: POST",
    "Access-Control-Request-Headers: x-a,content-type",
];

fn preflight(origin: Option<&str>) -> String {
    let mut headers: Vec<&str> = origin.into_iter().collect();
    headers.extend(PREFLIGHT);
    request("OPTIONS", "/cats", &headers)
}

/// The header lines, lowercased, without `date`, `connection` and `transfer-encoding` (which
/// Node and hyper frame differently).
fn lines(response: &RawResponse) -> Vec<String> {
    response
        .header_lines()
        .iter()
        .map(|line| line.to_ascii_lowercase())
        .filter(|line| !line.starts_with("transfer-encoding") && !line.starts_with("connection:"))
        .collect()
}

const CATS_TAIL: [&str; 2] = [
    "content-type: application/json; charset=utf-8",
    "content-length: 16",
];

fn with_cats(cors: &[&str]) -> Vec<String> {
    cors.iter()
        .chain(&CATS_TAIL)
        .map(|line| (*line).to_owned())
        .collect()
}

#[tokio::test]
async fn default_marks_responses_with_any_origin() {
    let response = exchange(None, &request("GET", "/cats", &[ORIGIN_A])).await;
    assert_eq!(response.status_line(), "HTTP/1.1 200 OK");
    assert_eq!(
        lines(&response),
        with_cats(&["access-control-allow-origin: *"])
    );
    assert_eq!(response.text(), r#"{"cats":["Tom"]}"#);
    // Without an `Origin` too.
    let response = exchange(None, &request("GET", "/cats", &[])).await;
    assert_eq!(
        lines(&response),
        with_cats(&["access-control-allow-origin: *"])
    );
}

#[tokio::test]
async fn default_preflight_is_204_with_the_requested_headers_before_routing() {
    let expected = [
        "access-control-allow-origin: *",
        "access-control-allow-methods: GET,HEAD,PUT,PATCH,POST,DELETE",
        "vary: Access-Control-Request-Headers",
        "access-control-allow-headers: x-a,content-type",
        "content-length: 0",
    ]
    .map(str::to_ascii_lowercase);
    for origin in [Some(ORIGIN_A), None] {
        let response = exchange(None, &preflight(origin)).await;
        assert_eq!(response.status_line(), "HTTP/1.1 204 No Content");
        assert_eq!(lines(&response), expected);
        assert!(response.body.is_empty());
    }
    // A bare OPTIONS (no requested headers), on a path no route has: still answered.
    let response = exchange(None, &request("OPTIONS", "/nope", &[])).await;
    assert_eq!(response.status_line(), "HTTP/1.1 204 No Content");
    assert_eq!(
        lines(&response),
        [
            "access-control-allow-origin: *",
            "access-control-allow-methods: GET,HEAD,PUT,PATCH,POST,DELETE",
            "vary: Access-Control-Request-Headers",
            "content-length: 0",
        ]
        .map(str::to_ascii_lowercase)
    );
}

#[tokio::test]
async fn not_found_errors_and_event_streams_carry_the_headers() {
    let missing = exchange(None, &request("GET", "/nope", &[ORIGIN_A])).await;
    assert_eq!(missing.status_line(), "HTTP/1.1 404 Not Found");
    assert_eq!(
        lines(&missing),
        [
            "access-control-allow-origin: *",
            "content-type: application/json; charset=utf-8",
            "content-length: 67",
        ]
    );
    assert_eq!(
        missing.text(),
        r#"{"message":"Cannot GET /nope","error":"Not Found","statusCode":404}"#
    );
    let failed = exchange(None, &request("GET", "/fail", &[ORIGIN_A])).await;
    assert_eq!(failed.status_line(), "HTTP/1.1 400 Bad Request");
    assert_eq!(
        lines(&failed),
        [
            "access-control-allow-origin: *",
            "content-type: application/json; charset=utf-8",
            "content-length: 57",
        ]
    );
    let stream = exchange(None, &request("GET", "/sse", &[ORIGIN_A])).await;
    assert_eq!(stream.status_line(), "HTTP/1.1 200 OK");
    assert_eq!(
        lines(&stream),
        [
            "access-control-allow-origin: *",
            "content-type: text/event-stream",
            "cache-control: private, no-cache, no-store, must-revalidate, max-age=0, no-transform",
            "pragma: no-cache",
            "expires: 0",
            "x-accel-buffering: no",
        ]
    );
    assert!(stream.text().contains("data: hi\n\n"));
}

fn listed() -> CorsOptions {
    CorsOptions::default()
        .origin(CorsOrigin::list([
            AllowedOrigin::from("http://a.test"),
            regex::Regex::new(r"\.b\.test$").unwrap().into(),
        ]))
        .methods(["GET", "POST"])
        .allowed_headers(["X-A", "X-B"])
        .exposed_headers(["X-E", "X-F"])
        .credentials(true)
        .max_age(600)
}

#[tokio::test]
async fn a_list_reflects_allowed_origins_and_always_varies() {
    for origin in ["http://a.test", "http://x.b.test"] {
        let header = format!("Origin: {origin}");
        let response = exchange(Some(listed()), &request("GET", "/cats", &[&header])).await;
        assert_eq!(
            lines(&response),
            with_cats(&[
                &format!("access-control-allow-origin: {origin}"),
                "vary: origin",
                "access-control-allow-credentials: true",
                "access-control-expose-headers: x-e,x-f",
            ])
        );
        let response = exchange(Some(listed()), &preflight(Some(&header))).await;
        assert_eq!(response.status_line(), "HTTP/1.1 204 No Content");
        assert_eq!(
            lines(&response),
            [
                &format!("access-control-allow-origin: {origin}"),
                "vary: origin",
                "access-control-allow-credentials: true",
                "access-control-allow-methods: get,post",
                "access-control-allow-headers: x-a,x-b",
                "access-control-max-age: 600",
                "access-control-expose-headers: x-e,x-f",
                "content-length: 0",
            ]
        );
    }
    // Not allowed: no `Access-Control-Allow-Origin`, the rest as usual.
    let response = exchange(
        Some(listed()),
        &request("GET", "/cats", &["Origin: http://evil.test"]),
    )
    .await;
    assert_eq!(
        lines(&response),
        with_cats(&[
            "vary: origin",
            "access-control-allow-credentials: true",
            "access-control-expose-headers: x-e,x-f",
        ])
    );
}

#[tokio::test]
async fn a_fixed_origin_is_sent_whatever_the_request_says() {
    let fixed = || {
        CorsOptions::default()
            .origin("http://fixed.test")
            .methods(["GET,PUT"])
            .allowed_headers(["X-A"])
            .exposed_headers(["X-E"])
            .max_age(0)
    };
    let response = exchange(Some(fixed()), &request("GET", "/cats", &[ORIGIN_A])).await;
    assert_eq!(
        lines(&response),
        with_cats(&[
            "access-control-allow-origin: http://fixed.test",
            "vary: origin",
            "access-control-expose-headers: x-e",
        ])
    );
    let response = exchange(Some(fixed()), &preflight(None)).await;
    assert_eq!(
        lines(&response),
        [
            "access-control-allow-origin: http://fixed.test",
            "vary: origin",
            "access-control-allow-methods: get,put",
            "access-control-allow-headers: x-a",
            "access-control-max-age: 0",
            "access-control-expose-headers: x-e",
            "content-length: 0",
        ]
    );
}

#[tokio::test]
async fn preflight_continue_passes_options_to_the_routes_with_the_headers() {
    let reflect = || CorsOptions::default().origin(true).preflight_continue(true);
    let response = exchange(Some(reflect()), &preflight(Some(ORIGIN_A))).await;
    assert_eq!(response.status_line(), "HTTP/1.1 200 OK");
    assert_eq!(
        lines(&response),
        [
            "access-control-allow-origin: http://a.test",
            "vary: origin, access-control-request-headers",
            "access-control-allow-methods: get,head,put,patch,post,delete",
            "access-control-allow-headers: x-a,content-type",
            "content-type: text/html; charset=utf-8",
            "content-length: 13",
        ]
    );
    assert_eq!(response.text(), "options route");
    // `origin: true` without an `Origin`: nothing to reflect, `Vary` still.
    let response = exchange(Some(reflect()), &request("GET", "/cats", &[])).await;
    assert_eq!(lines(&response), with_cats(&["vary: origin"]));
}

#[tokio::test]
async fn a_predicate_allows_an_origin_or_leaves_cors_out_entirely() {
    let delegate = || {
        CorsOptions::default()
            .origin(CorsOrigin::predicate(|origin| {
                origin == Some("http://ok.test")
            }))
            .options_success_status(200)
    };
    let response = exchange(Some(delegate()), &preflight(Some("Origin: http://ok.test"))).await;
    assert_eq!(response.status_line(), "HTTP/1.1 200 OK");
    assert_eq!(
        lines(&response),
        [
            "access-control-allow-origin: http://ok.test",
            "vary: origin, access-control-request-headers",
            "access-control-allow-methods: get,head,put,patch,post,delete",
            "access-control-allow-headers: x-a,content-type",
            "content-length: 0",
        ]
    );
    assert!(response.body.is_empty());
    // Refused: no CORS header, and the OPTIONS goes to its route.
    let response = exchange(Some(delegate()), &preflight(Some(ORIGIN_A))).await;
    assert_eq!(
        lines(&response),
        [
            "content-type: text/html; charset=utf-8",
            "content-length: 13"
        ]
    );
    assert_eq!(response.text(), "options route");
    let response = exchange(Some(delegate()), &request("GET", "/cats", &[ORIGIN_A])).await;
    assert_eq!(lines(&response), with_cats(&[]));
    // The asynchronous kind answers the same.
    let async_delegate = CorsOptions::default().origin(CorsOrigin::async_predicate(
        |origin: Option<String>| async move { origin.as_deref() == Some("http://ok.test") },
    ));
    let response = exchange(
        Some(async_delegate),
        &request("GET", "/cats", &["Origin: http://ok.test"]),
    )
    .await;
    assert_eq!(
        lines(&response),
        with_cats(&[
            "access-control-allow-origin: http://ok.test",
            "vary: origin"
        ])
    );
}

#[tokio::test]
async fn origin_false_disables_cors() {
    let off = || CorsOptions::default().origin(false);
    let response = exchange(Some(off()), &request("GET", "/cats", &[ORIGIN_A])).await;
    assert_eq!(lines(&response), with_cats(&[]));
    let response = exchange(Some(off()), &preflight(Some(ORIGIN_A))).await;
    assert_eq!(response.text(), "options route");
}

#[tokio::test]
async fn a_regex_reflects_what_matches() {
    let pattern = || CorsOptions::default().origin(regex::Regex::new("^http://r").unwrap());
    let response = exchange(
        Some(pattern()),
        &request("GET", "/cats", &["Origin: http://r.test"]),
    )
    .await;
    assert_eq!(
        lines(&response),
        with_cats(&["access-control-allow-origin: http://r.test", "vary: origin"])
    );
    let response = exchange(Some(pattern()), &preflight(Some(ORIGIN_A))).await;
    assert_eq!(response.status_line(), "HTTP/1.1 204 No Content");
    assert_eq!(
        lines(&response),
        [
            "vary: origin, access-control-request-headers",
            "access-control-allow-methods: get,head,put,patch,post,delete",
            "access-control-allow-headers: x-a,content-type",
            "content-length: 0",
        ]
    );
}

/// Over HTTP/2 (h2c) the preflight is answered the same, `content-length: 0` included, and the
/// stream ends.
#[tokio::test]
async fn preflight_over_http2() {
    use http_body_util::{BodyExt, Empty};
    use hyper_util::rt::{TokioExecutor, TokioIo};

    let mut app = NestApplication::builder()
        .controller(CatsController)
        .build()
        .unwrap();
    app.enable_cors();
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let tcp = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
            .await
            .unwrap();
    tokio::spawn(connection);
    let request = http::Request::options("http://localhost/cats")
        .header("origin", "http://a.test")
        .header("access-control-request-method", "POST")
        .body(Empty::<bytes::Bytes>::new())
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert_eq!(
        response.headers()["access-control-allow-methods"],
        "GET,HEAD,PUT,PATCH,POST,DELETE"
    );
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert!(body.is_empty());
}

/// `app.enableCors((req, callback) => callback(null, options))`: each request gets the options
/// the delegate gives it (here credentials for `/admin` paths only), with the bytes those
/// options give on their own (`a_list_reflects_allowed_origins_and_always_varies` and the
/// reflect case above).
#[tokio::test]
async fn a_delegate_chooses_the_options_of_each_request() {
    #[derive(Default)]
    struct AdminController;

    #[controller("admin")]
    impl AdminController {
        #[get]
        fn admin(&self) -> serde_json::Value {
            json!({ "cats": ["Tom"] })
        }
    }

    let mut app = NestApplication::builder()
        .controller(CatsController)
        .controller(AdminController)
        .build()
        .unwrap();
    app.enable_cors_with_delegate(|req| async move {
        let admin = req.uri.path().starts_with("/admin");
        CorsOptions::default().origin(true).credentials(admin)
    });
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let admin = raw_exchange(server.local_addr(), &request("GET", "/admin", &[ORIGIN_A]))
        .await
        .unwrap();
    assert_eq!(
        lines(&admin),
        with_cats(&[
            "access-control-allow-origin: http://a.test",
            "vary: origin",
            "access-control-allow-credentials: true",
        ])
    );
    let cats = raw_exchange(server.local_addr(), &request("GET", "/cats", &[ORIGIN_A]))
        .await
        .unwrap();
    assert_eq!(
        lines(&cats),
        with_cats(&["access-control-allow-origin: http://a.test", "vary: origin"])
    );
}
