//! NestJS's `app.setGlobalPrefix('api', { exclude })` and URI versioning
//! (`app.enableVersioning({ type: VersioningType.URI })` with `@Version('1')`).

use nest_core::app::{GlobalPrefix, Versioning};
use nest_core::prelude::*;
use nest_core::testing::TestClient;

#[derive(Default)]
struct CatsController;

#[controller("cats", version = "1")]
impl CatsController {
    #[get]
    fn find_all(&self) -> &'static str {
        "cats v1"
    }

    #[get]
    #[version("2", "3")]
    fn find_all_v2(&self) -> &'static str {
        "cats v2 or v3"
    }

    #[sse("events")]
    #[version("2")]
    fn events(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter(["v2 event"]).map(MessageEvent::from)
    }
}

#[derive(Default)]
struct HealthController;

#[controller]
impl HealthController {
    #[get("health")]
    fn health(&self) -> &'static str {
        "ok"
    }

    #[get("status")]
    fn status(&self) -> &'static str {
        "up"
    }
}

fn app() -> NestApplication {
    NestApplication::builder()
        .controller(CatsController)
        .controller(HealthController)
        .build()
        .unwrap()
}

#[tokio::test]
async fn global_prefix_with_excludes_and_uri_versions() {
    let mut app = app();
    app.set_global_prefix(GlobalPrefix::new("/api/").exclude("health"))
        .enable_versioning(Versioning::uri());
    let routes: Vec<String> = app
        .routes()
        .into_iter()
        .map(|(method, path)| format!("{method} {path}"))
        .collect();
    assert_eq!(
        routes,
        [
            "GET /api/v1/cats",
            "GET /api/v2/cats",
            "GET /api/v3/cats",
            "GET /api/v2/cats/events",
            "GET /health",
            "GET /api/status",
        ]
    );
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(server.local_addr());
    assert_eq!(client.get("/api/v1/cats").await.unwrap().text(), "cats v1");
    assert_eq!(
        client.get("/api/v3/cats").await.unwrap().text(),
        "cats v2 or v3"
    );
    assert_eq!(client.get("/health").await.unwrap().text(), "ok");
    assert_eq!(client.get("/api/status").await.unwrap().text(), "up");
    assert_eq!(client.get("/cats").await.unwrap().status, 404);
    let events = client
        .sse("/api/v2/cats/events")
        .await
        .unwrap()
        .collect_events()
        .await;
    assert_eq!(events[0].data, "v2 event");
}

#[tokio::test]
async fn without_versioning_versions_are_ignored_as_in_nest() {
    let app = app();
    let error = app.bind("127.0.0.1:0").await.unwrap_err();
    assert!(
        error.to_string().contains("duplicate route {/cats, GET}"),
        "two unversioned GET /cats routes conflict: {error}"
    );
}

#[test]
fn default_version_applies_to_routes_without_one() {
    let mut app = NestApplication::builder()
        .controller(HealthController)
        .build()
        .unwrap();
    app.enable_versioning(Versioning::uri().default_version("1").prefix("version-"));
    let paths: Vec<String> = app.routes().into_iter().map(|(_, path)| path).collect();
    assert_eq!(paths, ["/version-1/health", "/version-1/status"]);
}

#[test]
fn excluding_one_method_only() {
    let mut app = NestApplication::builder()
        .controller(HealthController)
        .build()
        .unwrap();
    app.set_global_prefix(GlobalPrefix::new("api").exclude_route(RequestMethod::Post, "health"));
    let paths: Vec<String> = app.routes().into_iter().map(|(_, path)| path).collect();
    assert_eq!(
        paths,
        ["/api/health", "/api/status"],
        "only POST /health was excluded"
    );
}
