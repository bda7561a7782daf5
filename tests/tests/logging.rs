//! What the application logs, as NestJS logs it: each controller and mapped route at start-up,
//! and the error behind an `event: error` frame.
//!
//! One process-wide subscriber captures every line (a thread-local one would race with the
//! interest cache of `tracing` callsites shared by parallel tests); each test looks for lines
//! only it can produce.

use std::{io, sync::OnceLock};

use nest_core::prelude::*;
use nest_core::testing::TestClient;
use nest_tests::CapturedLogs;

fn logs() -> &'static CapturedLogs {
    static LOGS: OnceLock<CapturedLogs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = CapturedLogs::default();
        tracing::subscriber::set_global_default(logs.subscriber()).unwrap();
        logs
    })
}

#[derive(Default)]
struct LoggedCatsController;

#[controller("logged-cats")]
impl LoggedCatsController {
    #[get]
    fn find_all(&self) -> &'static str {
        "cats"
    }

    #[all("any")]
    fn any(&self) {}

    #[get("boom")]
    fn boom(&self) -> String {
        panic!("panic 9c1e")
    }

    #[sse("events")]
    fn events(&self) -> impl Stream<Item = Result<&'static str, io::Error>> {
        stream::iter([Ok("one"), Err(io::Error::other("secret boom 7f3a"))])
    }

    // Last: as in Express, the first route that matches serves the request.
    #[get(":id")]
    fn find_one(&self, #[param("id")] id: String) -> String {
        id
    }
}

#[derive(Default)]
struct LoggedRootController;

#[controller]
impl LoggedRootController {
    #[sse("logged-sse")]
    fn sse(&self) -> impl Stream<Item = MessageEvent> {
        stream::empty()
    }
}

#[module(controllers = [LoggedCatsController, LoggedRootController])]
struct LoggedModule;

#[tokio::test]
async fn routes_are_logged_as_nest_maps_them() {
    let logs = logs();
    let app = NestFactory::create::<LoggedModule>().await.unwrap();
    assert!(
        !logs.text().contains("LoggedRootController"),
        "routes are logged when the application starts serving"
    );
    let _server = app.bind("127.0.0.1:0").await.unwrap();
    let text = logs.text();
    for line in [
        "RoutesResolver: LoggedCatsController {/logged-cats}:",
        "RouterExplorer: Mapped {/logged-cats, GET} route",
        "RouterExplorer: Mapped {/logged-cats/any, ALL} route",
        "RouterExplorer: Mapped {/logged-cats/boom, GET} route",
        "RouterExplorer: Mapped {/logged-cats/events, GET} route",
        "RouterExplorer: Mapped {/logged-cats/:id, GET} route",
        "RoutesResolver: LoggedRootController {/}:",
        "RouterExplorer: Mapped {/logged-sse, GET} route",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
}

#[tokio::test]
async fn a_stream_error_is_logged_but_not_sent() {
    let logs = logs();
    let server = nest_tests::serve(LoggedCatsController).await;
    let events = TestClient::new(server.local_addr())
        .sse("/logged-cats/events")
        .await
        .unwrap()
        .collect_events()
        .await;
    assert_eq!(events.last().unwrap().data, "Internal server error");
    assert!(events.iter().all(|event| !event.data.contains("7f3a")));
    assert!(logs.text().contains("secret boom 7f3a"), "{}", logs.text());
}

#[tokio::test]
async fn a_panic_is_logged_with_its_handler() {
    let logs = logs();
    let server = nest_tests::serve(LoggedCatsController).await;
    let response = TestClient::new(server.local_addr())
        .get("/logged-cats/boom")
        .await
        .unwrap();
    assert_eq!(response.status, 500);
    assert!(!response.text().contains("9c1e"));
    let text = logs.text();
    assert!(
        text.contains("ExceptionsHandler: boom panicked: panic 9c1e"),
        "{text}"
    );
}
