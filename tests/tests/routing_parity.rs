//! Routing as NestJS 12 on Express routes, over TCP, against statuses and bodies captured from
//! NestJS 12.6.3 (`@nestjs/platform-express` 12.6.3, Express 5, path-to-regexp 8.4.2, Node 20)
//! running the same controllers: optional parts, wildcards (both spellings), parameters in a
//! controller prefix, registration order, case and trailing slashes, hosts with
//! `#[host_param]`, and URI, header, media type and custom versioning with lists,
//! `VERSION_NEUTRAL` and a default version.
//!
//! NestJS's `*splat` is an array of segments (`["a","b/c"]`); here it is the decoded text
//! (`a/b/c`), so those handlers answer with what NestJS's joined with `/`.

use nest_core::app::Versioning;
use nest_core::prelude::*;
use nest_core::testing::TestClient;
use nest_core::{RunningApp, VERSION_NEUTRAL};

#[derive(Default)]
struct ParityController;

#[controller]
impl ParityController {
    #[get("opt{/:id}")]
    fn opt(&self, #[param("id")] id: Option<String>) -> String {
        format!("opt id={}", id.as_deref().unwrap_or("undefined"))
    }

    // NestJS 10's spelling of the same route.
    #[get("old/:id?")]
    fn old(&self, #[param("id")] id: Option<String>) -> String {
        format!("opt id={}", id.as_deref().unwrap_or("undefined"))
    }

    #[get("files/*splat")]
    fn files(&self, #[param("splat")] splat: String) -> String {
        format!("files {splat}")
    }

    #[get("all{/*splat}")]
    fn all(&self, #[param("splat")] splat: Option<String>) -> String {
        format!("all {}", splat.as_deref().unwrap_or("undefined"))
    }

    // NestJS 10's bare wildcard: NestJS 12 turns it into `{*path}`.
    #[get("legacy/*")]
    fn legacy(&self, #[param("path")] path: Option<String>) -> String {
        format!("legacy {}", path.as_deref().unwrap_or("undefined"))
    }

    // Declared before `order/new`: in Express the first route that matches wins.
    #[get("order/:id")]
    fn order_id(&self, #[param("id")] id: String) -> String {
        format!("order id={id}")
    }

    #[get("order/new")]
    fn order_new(&self) -> &'static str {
        "order new"
    }

    // A parameter no argument reads.
    #[get("unread/:x")]
    fn unread(&self) -> &'static str {
        "unread"
    }

    #[get("dl/:file.:ext")]
    fn dots(&self, #[param("file")] file: String, #[param("ext")] ext: String) -> String {
        format!("file={file} ext={ext}")
    }
}

#[derive(Default)]
struct RoomsController;

#[controller(":server/rooms")]
impl RoomsController {
    #[get(":room")]
    fn room(&self, #[param("server")] server: String, #[param("room")] room: String) -> String {
        format!("server={server} room={room}")
    }
}

#[derive(Default)]
struct HostController;

#[controller("host", host = ":account.example.com")]
impl HostController {
    #[get]
    fn account(&self, #[host_param("account")] account: String) -> String {
        format!("account={account}")
    }
}

#[derive(Default)]
struct HostsController;

#[controller("hosts", host = ["a.example.com", "b.example.com"])]
impl HostsController {
    #[get]
    fn either(&self) -> &'static str {
        "a or b"
    }
}

#[derive(Default)]
struct V1Controller;

#[controller("cats", version = "1")]
impl V1Controller {
    #[get]
    fn get(&self) -> &'static str {
        "cats v1"
    }
}

#[derive(Default)]
struct V23Controller;

#[controller("cats", version = ["2", "3"])]
impl V23Controller {
    #[get]
    fn get(&self) -> &'static str {
        "cats v2 or v3"
    }
}

#[derive(Default)]
struct NeutralController;

#[controller("neutral", version = VERSION_NEUTRAL)]
impl NeutralController {
    #[get]
    fn get(&self) -> &'static str {
        "neutral"
    }
}

#[derive(Default)]
struct MixedController;

#[controller("mixed", version = [VERSION_NEUTRAL, "1"])]
impl MixedController {
    #[get]
    fn get(&self) -> &'static str {
        "mixed"
    }
}

#[derive(Default)]
struct PlainController;

#[controller("plain")]
impl PlainController {
    #[get]
    fn get(&self) -> &'static str {
        "plain"
    }

    #[get("route")]
    #[version("4")]
    fn route(&self) -> &'static str {
        "route v4"
    }
}

async fn parity_app() -> RunningApp {
    NestApplication::builder()
        .controller(ParityController)
        .controller(RoomsController)
        .controller(HostController)
        .controller(HostsController)
        .build()
        .unwrap()
        .bind("127.0.0.1:0")
        .await
        .unwrap()
}

async fn versioned_app(versioning: Versioning) -> RunningApp {
    let mut app = NestApplication::builder()
        .controller(V1Controller)
        .controller(V23Controller)
        .controller(NeutralController)
        .controller(MixedController)
        .controller(PlainController)
        .build()
        .unwrap();
    app.enable_versioning(versioning);
    app.bind("127.0.0.1:0").await.unwrap()
}

/// `GET path` with `headers` (a `host` among them replaces `localhost`): the status, the
/// content type and the body.
async fn get(app: &RunningApp, path: &str, headers: &[(&str, &str)]) -> (u16, String, String) {
    let mut request = http::Request::get(path);
    if !headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"))
    {
        request = request.header("host", "localhost");
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();
    let response = TestClient::new(app.local_addr())
        .request(request)
        .await
        .unwrap();
    (
        response.status.as_u16(),
        response
            .header("content-type")
            .unwrap_or_default()
            .to_owned(),
        response.text(),
    )
}

const HTML: &str = "text/html; charset=utf-8";
const JSON: &str = "application/json; charset=utf-8";

/// NestJS's 404 for `GET path`.
fn not_found(path: &str) -> (u16, String, String) {
    (
        404,
        JSON.to_owned(),
        format!(r#"{{"message":"Cannot GET {path}","error":"Not Found","statusCode":404}}"#),
    )
}

fn ok(body: &str) -> (u16, String, String) {
    (200, HTML.to_owned(), body.to_owned())
}

#[tokio::test]
async fn paths_match_as_in_nestjs() {
    let app = parity_app().await;
    let expected = [
        // Optional parts, in both spellings: hit and miss.
        ("/opt", ok("opt id=undefined")),
        ("/opt/", ok("opt id=undefined")),
        ("/opt/7", ok("opt id=7")),
        ("/opt/7/8", not_found("/opt/7/8")),
        ("/old", ok("opt id=undefined")),
        ("/old/7", ok("opt id=7")),
        ("/old/7/8", not_found("/old/7/8")),
        // Wildcards: `*splat` takes one segment or more, `{/*splat}` none or more, NestJS 10's
        // `*` is `{*path}`. (NestJS answers `files ["a","b/c"]`: here the text is decoded.)
        ("/files/a/b%2Fc", ok("files a/b/c")),
        ("/files", not_found("/files")),
        ("/files/", not_found("/files/")),
        ("/all", ok("all undefined")),
        ("/all/x/y", ok("all x/y")),
        ("/legacy", not_found("/legacy")),
        ("/legacy/", ok("legacy undefined")),
        ("/legacy/a/b", ok("legacy a/b")),
        // Registration order, case and a trailing slash.
        ("/order/new", ok("order id=new")),
        ("/order/7", ok("order id=7")),
        ("/ORDER/NEW", ok("order id=NEW")),
        ("/Order/7/", ok("order id=7")),
        ("/unread/1", ok("unread")),
        ("/dl/archive.tar.gz", ok("file=archive.tar ext=gz")),
        // A parameter in the controller's prefix.
        ("/s1/rooms/r2", ok("server=s1 room=r2")),
        (
            "/opt/%E0%A4%A",
            (
                400,
                JSON.to_owned(),
                r#"{"message":"Failed to decode param '%E0%A4%A'","error":"Bad Request","statusCode":400}"#
                    .to_owned(),
            ),
        ),
    ];
    for (path, expected) in expected {
        assert_eq!(get(&app, path, &[]).await, expected, "GET {path}");
    }
}

#[tokio::test]
async fn hosts_route_as_in_nestjs() {
    let app = parity_app().await;
    let expected = [
        ("/host", "acme.example.com:8080", ok("account=acme")),
        ("/host", "a.b.EXAMPLE.com", ok("account=a.b")),
        ("/host", "ac%20me.example.com", ok("account=ac%20me")),
        ("/host", "other.org", not_found("/host")),
        ("/hosts", "b.example.com", ok("a or b")),
        ("/hosts", "c.example.com", not_found("/hosts")),
    ];
    for (path, host, expected) in expected {
        assert_eq!(
            get(&app, path, &[("host", host)]).await,
            expected,
            "GET {path} for {host}"
        );
    }
}

#[tokio::test]
async fn uri_versioning_as_in_nestjs() {
    let app = versioned_app(Versioning::uri()).await;
    let expected = [
        ("/cats", not_found("/cats")),
        ("/v1/cats", ok("cats v1")),
        ("/v2/cats", ok("cats v2 or v3")),
        ("/v3/cats", ok("cats v2 or v3")),
        ("/v9/cats", not_found("/v9/cats")),
        ("/neutral", ok("neutral")),
        ("/v1/neutral", not_found("/v1/neutral")),
        ("/mixed", ok("mixed")),
        ("/v1/mixed", ok("mixed")),
        ("/v2/mixed", not_found("/v2/mixed")),
        ("/plain", ok("plain")),
        ("/v4/plain/route", ok("route v4")),
        ("/plain/route", not_found("/plain/route")),
    ];
    for (path, expected) in expected {
        assert_eq!(get(&app, path, &[]).await, expected, "GET {path}");
    }
}

/// The answers of the header, media type and custom apps: for each version a request carries
/// (`None`: none), the paths that answer 200 with their body; every other path is a 404.
fn versioned_answers(version: Option<&str>) -> Vec<(&'static str, &'static str)> {
    let mut answers = vec![("/neutral", "neutral"), ("/plain", "plain")];
    match version {
        None => answers.push(("/mixed", "mixed")),
        Some("1") => answers.extend([("/cats", "cats v1"), ("/mixed", "mixed")]),
        Some("2" | "3") => answers.push(("/cats", "cats v2 or v3")),
        Some("4") => answers.push(("/plain/route", "route v4")),
        Some(_) => {}
    }
    answers
}

const PATHS: [&str; 5] = ["/cats", "/neutral", "/mixed", "/plain", "/plain/route"];

async fn check_versions(app: &RunningApp, version: Option<&str>, headers: &[(&str, &str)]) {
    let answers = versioned_answers(version);
    for path in PATHS {
        let expected = match answers.iter().find(|(answered, _)| *answered == path) {
            Some((_, body)) => ok(body),
            None => not_found(path),
        };
        assert_eq!(
            get(app, path, headers).await,
            expected,
            "GET {path} with {headers:?}"
        );
    }
}

#[tokio::test]
async fn header_versioning_as_in_nestjs() {
    let app = versioned_app(Versioning::header("Custom-Header")).await;
    check_versions(&app, None, &[]).await;
    for version in ["1", "2", "3", "4", "9"] {
        check_versions(&app, Some(version), &[("custom-header", version)]).await;
    }
}

#[tokio::test]
async fn media_type_versioning_as_in_nestjs() {
    let app = versioned_app(Versioning::media_type("v=")).await;
    check_versions(&app, None, &[]).await;
    check_versions(&app, None, &[("accept", "application/json")]).await;
    check_versions(&app, Some("1"), &[("accept", "application/json;v=1")]).await;
    check_versions(&app, Some("2"), &[("accept", "application/json;v=2")]).await;
    let several = "text/html, application/json; q=1; v=3";
    check_versions(&app, Some("3"), &[("accept", several)]).await;
    check_versions(&app, Some("9"), &[("accept", "application/json;v=9")]).await;
}

#[tokio::test]
async fn custom_versioning_with_a_default_version_as_in_nestjs() {
    let versioning = Versioning::custom(|request| {
        request
            .headers
            .get("x-versions")
            .and_then(|value| value.to_str().ok())
            .map(|value| {
                value
                    .split(',')
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    })
    .default_version("1");
    let app = versioned_app(versioning).await;
    // The default version is `PlainController`'s; a request without a version reaches the
    // neutral route alone (`mixed` is `[VERSION_NEUTRAL, "1"]`, which no extracted list
    // holds).
    let expected = [
        (None, vec![("/neutral", "neutral")]),
        (
            Some("1"),
            vec![
                ("/cats", "cats v1"),
                ("/neutral", "neutral"),
                ("/mixed", "mixed"),
                ("/plain", "plain"),
            ],
        ),
        (
            Some("2"),
            vec![("/cats", "cats v2 or v3"), ("/neutral", "neutral")],
        ),
        (
            Some("9,3"),
            vec![("/cats", "cats v2 or v3"), ("/neutral", "neutral")],
        ),
        (Some("9"), vec![("/neutral", "neutral")]),
    ];
    for (versions, answers) in expected {
        let headers: Vec<(&str, &str)> = versions.map(|v| ("x-versions", v)).into_iter().collect();
        for path in PATHS {
            let expected = match answers.iter().find(|(answered, _)| *answered == path) {
                Some((_, body)) => ok(body),
                None => not_found(path),
            };
            assert_eq!(
                get(&app, path, &headers).await,
                expected,
                "GET {path} with {versions:?}"
            );
        }
    }
}

/// Across modules, NestJS registers the root module's controllers first, then its imports',
/// depth first: a catch-all `:slug` of the root module shadows an imported `/cats` (checked on
/// NestJS 12.6.3), and an imported module's routes still serve what the root's do not match.
mod across_modules {
    use super::*;

    #[derive(Default)]
    struct CatsController;

    #[controller("cats")]
    impl CatsController {
        #[get]
        fn all(&self) -> &'static str {
            "cats"
        }

        #[get("mine/all")]
        fn mine(&self) -> &'static str {
            "my cats"
        }
    }

    #[module(controllers = [CatsController])]
    struct CatsModule;

    #[derive(Default)]
    struct AppController;

    #[controller]
    impl AppController {
        #[get(":slug")]
        fn page(&self, #[param("slug")] slug: String) -> String {
            format!("page {slug}")
        }
    }

    #[module(imports = [CatsModule], controllers = [AppController])]
    struct AppModule;

    #[tokio::test]
    async fn the_root_modules_routes_are_matched_first() {
        let app = NestFactory::create::<AppModule>().await.unwrap();
        let server = app.bind("127.0.0.1:0").await.unwrap();
        let client = TestClient::new(server.local_addr());
        assert_eq!(client.get("/cats").await.unwrap().text(), "page cats");
        assert_eq!(
            client.get("/cats/mine/all").await.unwrap().text(),
            "my cats"
        );
    }
}
