//! Routes as NestJS maps them: prefixes and paths joined with normalised slashes, `:name`
//! parameters, NestJS's 404 body, modules, and conflicts found at start-up. (Optional parts,
//! wildcards, hosts, versions and registration order, against bytes captured from NestJS, are
//! in routing_parity.rs.)

use nest_core::prelude::*;
use nest_core::{RunningApp, testing::TestClient};

#[derive(Default)]
struct CatsController;

#[controller("/cats/")]
impl CatsController {
    #[get]
    fn find_all(&self) -> Json<Vec<&'static str>> {
        Json(vec!["Tom", "Kitty"])
    }

    #[get("owners/:owner/cats/:n")]
    fn nth(&self, #[param("n")] n: u8, #[param("owner")] owner: String) -> String {
        format!("{owner}'s cat #{n}")
    }

    #[get("missing")]
    fn missing(&self) -> Result<String, HttpException> {
        Err(NotFoundException::new("no such cat"))
    }

    #[get("files/*rest")]
    fn files(&self, #[param("rest")] rest: String) -> String {
        rest
    }

    #[all("any")]
    fn any(&self) {}

    #[post]
    fn create(&self, #[body] cat: NewCat) -> Json<NewCat> {
        Json(cat)
    }

    /// NestJS returns objects as JSON: so does a `Serialize` return type.
    #[get("first")]
    fn first(&self) -> NewCat {
        NewCat {
            name: "Tom".into(),
            age: 3,
        }
    }

    #[get("list/:n")]
    async fn list(&self, #[param("n")] n: u8) -> Result<Vec<NewCat>, HttpException> {
        if n > 2 {
            return Err(BadRequestException::new("at most 2"));
        }
        Ok((0..n)
            .map(|age| NewCat {
                name: format!("cat {age}"),
                age,
            })
            .collect())
    }

    // After `missing` and `first`: as in Express, the first route that matches serves the
    // request (see routing_parity.rs).
    #[get("//:id/")]
    fn find_one(&self, #[param("id")] id: String) -> String {
        format!("cat {id}")
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct NewCat {
    name: String,
    age: u8,
}

#[derive(Default)]
struct RootController;

#[controller]
impl RootController {
    #[get]
    fn root(&self) -> Html<&'static str> {
        Html("<h1>root</h1>")
    }

    #[sse("sse")]
    fn sse(&self) -> impl Stream<Item = MessageEvent> {
        stream::empty()
    }
}

#[module(controllers = [CatsController])]
struct CatsModule;

#[module(imports = [CatsModule], controllers = [RootController])]
struct AppModule;

async fn start() -> RunningApp {
    NestFactory::create::<AppModule>()
        .await
        .unwrap()
        .bind("127.0.0.1:0")
        .await
        .unwrap()
}

#[tokio::test]
async fn prefix_and_paths_join_the_nest_way() {
    let server = start().await;
    let client = TestClient::new(server.local_addr());
    assert_eq!(
        client.get("/cats").await.unwrap().text(),
        r#"["Tom","Kitty"]"#
    );
    assert_eq!(
        client.get("/cats/").await.unwrap().text(),
        r#"["Tom","Kitty"]"#,
        "non-strict trailing slash"
    );
    assert_eq!(client.get("/cats/7").await.unwrap().text(), "cat 7");
    assert_eq!(
        client.get("/cats/a%20b").await.unwrap().text(),
        "cat a b",
        "parameters are percent-decoded"
    );
    assert_eq!(
        client.get("/cats/owners/ann/cats/2").await.unwrap().text(),
        "ann's cat #2"
    );
    assert_eq!(
        client.get("/cats/files/a/b.txt").await.unwrap().text(),
        "a/b.txt"
    );
    assert_eq!(client.get("/").await.unwrap().text(), "<h1>root</h1>");
}

#[tokio::test]
async fn unknown_routes_get_nest_404() {
    let server = start().await;
    let client = TestClient::new(server.local_addr());
    let response = client.get("/dogs?x=1").await.unwrap();
    assert_eq!(response.status, 404);
    assert_eq!(
        response.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(
        response.text(),
        r#"{"message":"Cannot GET /dogs?x=1","error":"Not Found","statusCode":404}"#
    );
    let request = http::Request::delete("/cats")
        .header("host", "localhost")
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();
    let wrong_method = client.request(request).await.unwrap();
    assert_eq!(
        wrong_method.text(),
        r#"{"message":"Cannot DELETE /cats","error":"Not Found","statusCode":404}"#
    );
}

#[tokio::test]
async fn serializable_values_are_sent_as_json() {
    let server = start().await;
    let client = TestClient::new(server.local_addr());
    let first = client.get("/cats/first").await.unwrap();
    assert_eq!(
        first.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(first.text(), r#"{"name":"Tom","age":3}"#);
    let list = client.get("/cats/list/2").await.unwrap();
    assert_eq!(
        list.text(),
        r#"[{"name":"cat 0","age":0},{"name":"cat 1","age":1}]"#
    );
    let too_many = client.get("/cats/list/3").await.unwrap();
    assert_eq!(too_many.status, 400);
    let text = client.get("/cats/7").await.unwrap();
    assert_eq!(
        text.header("content-type"),
        Some("text/html; charset=utf-8"),
        "a String is still text, as Express sends it"
    );
}

#[tokio::test]
async fn handler_results_become_responses() {
    let server = start().await;
    let client = TestClient::new(server.local_addr());
    let missing = client.get("/cats/missing").await.unwrap();
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.text(),
        r#"{"message":"no such cat","error":"Not Found","statusCode":404}"#
    );
    let bad = client.get("/cats/owners/ann/cats/999").await.unwrap();
    assert_eq!(bad.status, 400, "999 does not fit a u8");
    let bad_escape = client.get("/cats/%zz").await.unwrap();
    assert_eq!(bad_escape.status, 400);
    let all = client.get("/cats/any").await.unwrap();
    assert_eq!((all.status.as_u16(), all.body.len()), (200, 0));
    let html = client.get("/").await.unwrap();
    assert_eq!(
        html.header("content-type"),
        Some("text/html; charset=utf-8")
    );
}

#[derive(Default)]
struct OtherCatsController;

#[controller("cats")]
impl OtherCatsController {
    #[get(":id")]
    fn clash(&self, #[param("id")] id: String) -> String {
        id
    }
}

#[derive(Default)]
struct RenamedParamController;

#[controller("cats")]
impl RenamedParamController {
    #[get(":name")]
    fn clash(&self, #[param("name")] name: String) -> String {
        name
    }
}

fn post(path: &str, body: &str) -> http::Request<http_body_util::Full<bytes::Bytes>> {
    nest_tests::request_with_body("POST", path, "application/json", body)
}

#[tokio::test]
async fn json_bodies_are_read_and_checked() {
    let server = start().await;
    let client = TestClient::new(server.local_addr());
    let created = client
        .request(post("/cats", r#"{"name":"Tom","age":3}"#))
        .await
        .unwrap();
    assert_eq!(created.status, 201, "POST answers 201, as NestJS");
    assert_eq!(created.text(), r#"{"name":"Tom","age":3}"#);

    let missing = client
        .request(post("/cats", r#"{"name":"Tom"}"#))
        .await
        .unwrap();
    assert_eq!(missing.status, 400);
    // In class-validator's words (`@IsDefined`), never serde's.
    assert_eq!(
        missing.text(),
        r#"{"message":"age should not be null or undefined","error":"Bad Request","statusCode":400}"#
    );

    let empty = client.request(post("/cats", "")).await.unwrap();
    assert_eq!(
        empty.status,
        400,
        "an empty body reads as {{}}: {}",
        empty.text()
    );

    // Malformed JSON and bodies over the limit are in hostile_input.rs.
}

#[test]
fn conflicting_routes_are_a_startup_error_naming_both_handlers() {
    let error = NestApplication::builder()
        .controller(CatsController)
        .controller(OtherCatsController)
        .build()
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("CatsController::find_one"), "{message}");
    assert!(message.contains("OtherCatsController::clash"), "{message}");
    let error = NestApplication::builder()
        .controller(CatsController)
        .controller(RenamedParamController)
        .build()
        .unwrap_err();
    assert!(
        error.to_string().contains("RenamedParamController::clash"),
        "{error}"
    );
    let io: std::io::Error = error.into();
    assert_eq!(io.kind(), std::io::ErrorKind::Other);
}

#[test]
fn a_module_imported_twice_is_added_once() {
    #[module(imports = [CatsModule, CatsModule])]
    struct Twice;
    let app = NestApplication::builder()
        .import::<Twice>()
        .build()
        .unwrap();
    assert_eq!(app.routes().len(), 9);
}

#[tokio::test]
async fn the_body_limit_is_configurable() {
    let mut app = NestApplication::builder()
        .controller(CatsController)
        .build()
        .unwrap();
    app.set_body_limit(64);
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(server.local_addr());
    let small = client
        .request(post("/cats", r#"{"name":"Tom","age":3}"#))
        .await
        .unwrap();
    assert_eq!(small.status, 201);
    let long_name = format!(r#"{{"name":"{}","age":3}}"#, "x".repeat(100));
    let large = client.request(post("/cats", &long_name)).await.unwrap();
    assert_eq!(large.status, 413);
    assert_eq!(
        large.text(),
        r#"{"message":"request entity too large","error":"Payload Too Large","statusCode":413}"#
    );
}
