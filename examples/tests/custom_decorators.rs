//! The custom-decorators example over real TCP: `@User('name')` reads what the guard attached;
//! `@Auth('admin')` on a route and on a
//! controller answers NestJS's 403 without the role and 200 with it; a composition of
//! `HttpCode` and `Header` answers 204 with the header.

mod common;

use common::{send, start_example};
use nest_core::testing::TestClient;

/// `method path` as the user Ada with `role`, or with no credentials.
async fn as_role(
    client: &TestClient,
    method: &str,
    path: &str,
    role: Option<&str>,
) -> (u16, String) {
    match role {
        Some(role) => {
            let headers = [("authorization", "Bearer ada"), ("x-role", role)];
            send(client, method, path, &headers).await
        }
        None => send(client, method, path, &[]).await,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_composes_roles_and_guards() {
    let (_app, addr) = start_example(env!("CARGO_BIN_EXE_custom-decorators"));
    let client = TestClient::new(addr);
    let forbidden = (
        403,
        r#"{"message":"Forbidden resource","error":"Forbidden","statusCode":403}"#.to_owned(),
    );
    assert_eq!(as_role(&client, "GET", "/users", None).await, forbidden);
    assert_eq!(
        as_role(&client, "GET", "/users", Some("user")).await,
        forbidden
    );
    assert_eq!(
        as_role(&client, "GET", "/users", Some("admin")).await,
        (200, "This action returns all users".to_owned())
    );
    assert_eq!(
        as_role(&client, "GET", "/admin", Some("user")).await,
        forbidden
    );
    assert_eq!(
        as_role(&client, "GET", "/admin", Some("admin")).await,
        (200, "admin dashboard".to_owned())
    );
    assert_eq!(
        as_role(&client, "GET", "/users/me", Some("user")).await,
        (200, "Hello ada".to_owned())
    );
    assert_eq!(as_role(&client, "GET", "/users/me", None).await, forbidden);
    let ping = client
        .request(
            http::Request::post("/users/ping")
                .header("host", "localhost")
                .body(http_body_util::Full::new(bytes::Bytes::new()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(ping.status.as_u16(), 204);
    assert_eq!(ping.header("cache-control"), Some("none"));
}
