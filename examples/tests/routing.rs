//! The routing example over real TCP, as a client would use it: optional parts, wildcards,
//! registration order, a prefix parameter, a host parameter and header versioning.

mod common;

use common::{send, start_example};
use nest_core::testing::TestClient;

/// `GET path` with extra headers (a `host` replaces `localhost`): the status and the body.
async fn get(client: &TestClient, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    send(client, "GET", path, headers).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_as_nestjs_routes_them() {
    let (_app, addr) = start_example(env!("CARGO_BIN_EXE_routing"));
    let client = TestClient::new(addr);
    let ok = |body: &str| (200, body.to_owned());
    let not_found = |path: &str| {
        (
            404,
            format!(r#"{{"message":"Cannot GET {path}","error":"Not Found","statusCode":404}}"#),
        )
    };
    for (path, headers, expected) in [
        ("/health", vec![], ok("ok")),
        ("/health", vec![("x-api-version", "7")], ok("ok")),
        ("/docs", vec![], ok("page none")),
        ("/docs/intro", vec![], ok("page intro")),
        ("/files/a/b/c.txt", vec![], ok("file a/b/c.txt")),
        ("/orders/new", vec![], ok("new order form")),
        ("/orders/7", vec![], ok("order 7")),
        ("/eu/rooms/lobby", vec![], ok("room lobby in eu")),
        (
            "/tenant",
            vec![("host", "acme.localhost:3000")],
            ok("tenant acme"),
        ),
        ("/tenant", vec![], not_found("/tenant")),
        ("/cats", vec![("x-api-version", "1")], ok("cats v1")),
        ("/cats", vec![("x-api-version", "3")], ok("cats v2 or v3")),
        ("/cats", vec![], not_found("/cats")),
        ("/admin/users", vec![], ok("admin users")),
        ("/users", vec![], not_found("/users")),
    ] {
        assert_eq!(
            get(&client, path, &headers).await,
            expected,
            "GET {path} {headers:?}"
        );
    }
}
