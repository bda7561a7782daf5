//! `RouterModule::register`: module paths, nested children and a child given as a module,
//! under the global prefix and URI versioning, answered as NestJS 12.6.3 answers the same
//! application (@nestjs/core 12.6.3, Express 5, Node 20).

use nest_core::app::{RouteTree, RouterModule, Versioning};
use nest_core::prelude::*;
use nest_core::testing::TestClient;

#[derive(Default)]
struct AdminController;

#[controller]
impl AdminController {
    #[get]
    fn root(&self) -> &'static str {
        "admin root"
    }

    #[get("users/:id")]
    fn user(&self, #[param("id")] id: String) -> String {
        format!("user {id}")
    }
}

#[derive(Default)]
struct DashboardController;

#[controller("stats", version = "2")]
impl DashboardController {
    #[get]
    fn stats(&self) -> &'static str {
        "dashboard stats"
    }
}

#[derive(Default)]
struct MetricsController;

#[controller("metrics")]
impl MetricsController {
    #[get]
    fn metrics(&self) -> &'static str {
        "metrics"
    }
}

#[module(controllers = [DashboardController])]
struct DashboardModule;

#[module(controllers = [MetricsController])]
struct MetricsModule;

#[module(controllers = [AdminController], imports = [DashboardModule, MetricsModule])]
struct AdminModule;

#[module(imports = [
    AdminModule,
    RouterModule::register([RouteTree::new::<AdminModule>("admin").children([
        RouteTree::new::<DashboardModule>("dashboard"),
        RouteTree::module::<MetricsModule>(),
    ])]),
])]
struct AppModule;

#[tokio::test]
async fn modules_are_served_under_their_paths_after_the_prefix_and_version() {
    let mut app = NestFactory::create::<AppModule>().await.unwrap();
    app.set_global_prefix("api")
        .enable_versioning(Versioning::uri());
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(server.local_addr());
    for (path, status, body) in [
        ("/api/admin", 200, "admin root"),
        ("/api/admin/users/7", 200, "user 7"),
        ("/api/v2/admin/dashboard/stats", 200, "dashboard stats"),
        (
            "/api/admin/dashboard/stats",
            404,
            r#"{"message":"Cannot GET /api/admin/dashboard/stats","error":"Not Found","statusCode":404}"#,
        ),
        ("/api/admin/metrics", 200, "metrics"),
        (
            "/api/metrics",
            404,
            r#"{"message":"Cannot GET /api/metrics","error":"Not Found","statusCode":404}"#,
        ),
    ] {
        let response = client.get(path).await.unwrap();
        assert_eq!(
            (response.status.as_u16(), response.text().as_str()),
            (status, body),
            "{path}"
        );
    }
}

/// A module no `RouteTree` names keeps its controllers' paths.
#[tokio::test]
async fn a_module_without_a_path_keeps_its_controllers_paths() {
    let app = NestFactory::create::<MetricsModule>().await.unwrap();
    let paths: Vec<String> = app.routes().into_iter().map(|(_, path)| path).collect();
    assert_eq!(paths, ["/metrics"]);
}

/// NestJS's `integration/hello-world/e2e/router-module.spec.ts`, ported case for case: two
/// `RouterModule.register` calls in two modules, nested children, and modules given as
/// children of a path-only route.
mod spec {
    use super::*;

    #[derive(Default)]
    struct ParentController;

    #[controller("/parent-controller")]
    impl ParentController {
        #[get]
        fn get_name(&self) -> &'static str {
            "ParentController"
        }
    }

    #[derive(Default)]
    struct ChildController;

    #[controller("/child-controller")]
    impl ChildController {
        #[get]
        fn get_name(&self) -> &'static str {
            "ChildController"
        }
    }

    #[derive(Default)]
    struct NoSlashController;

    #[controller("no-slash-controller")]
    impl NoSlashController {
        #[get]
        fn get_name(&self) -> &'static str {
            "NoSlashController"
        }
    }

    #[module(controllers = [ParentController])]
    struct ParentModule;

    #[module(controllers = [ChildController])]
    struct ChildModule;

    #[module]
    struct AuthModule;

    #[module]
    struct PaymentsModule;

    #[module(controllers = [NoSlashController])]
    struct NoSlashModule;

    #[module(imports = [
        ParentModule,
        ChildModule,
        RouterModule::register([RouteTree::new::<ParentModule>("parent")
            .children([RouteTree::new::<ChildModule>("child")])]),
    ])]
    struct MainModule;

    #[module(imports = [
        AuthModule,
        PaymentsModule,
        NoSlashModule,
        RouterModule::register([RouteTree::path("v1").children([
            RouteTree::module::<AuthModule>(),
            RouteTree::module::<PaymentsModule>(),
            RouteTree::module::<NoSlashModule>(),
        ])]),
    ])]
    struct AppModule;

    #[module(imports = [MainModule, AppModule])]
    struct TestModule;

    #[tokio::test]
    async fn router_module() {
        let app = NestFactory::create::<TestModule>().await.unwrap();
        let server = app.bind("127.0.0.1:0").await.unwrap();
        let client = TestClient::new(server.local_addr());
        for (path, name) in [
            // should hit the "ParentController"
            ("/parent/parent-controller", "ParentController"),
            // should hit the "ChildController"
            ("/parent/child/child-controller", "ChildController"),
            // should hit the "NoSlashController"
            ("/v1/no-slash-controller", "NoSlashController"),
        ] {
            let response = client.get(path).await.unwrap();
            assert_eq!(
                (response.status.as_u16(), response.text()),
                (200, name.to_owned()),
                "{path}"
            );
        }
    }
}
