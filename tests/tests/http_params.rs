//! NestJS's parameter and response decorators: `@Query`, `@Headers`, `@Ip`, `@HttpCode`,
//! `@Header` and `@Redirect`, with NestJS's statuses and bodies (shared/nestjs-sse.md §5.4, §12).

use nest_core::prelude::*;
use nest_core::{RunningApp, testing::TestClient};
use serde::Deserialize;

#[derive(Deserialize)]
struct Paging {
    page: u32,
    #[serde(default)]
    size: Option<u32>,
}

#[derive(Default)]
struct CatsController;

#[controller("cats")]
impl CatsController {
    #[get("search")]
    fn search(&self, #[query("name")] name: String, #[query("limit")] limit: Option<u8>) -> String {
        format!("{name} {limit:?}")
    }

    #[get("count")]
    fn count(&self, #[query("n")] n: u32) -> String {
        n.to_string()
    }

    #[get("paged")]
    fn paged(&self, #[query] paging: Paging) -> String {
        format!("page {} size {:?}", paging.page, paging.size)
    }

    #[get("count-headers")]
    fn count_headers(&self, #[headers] headers: http::HeaderMap) -> String {
        headers.len().to_string()
    }

    #[get("agent")]
    fn agent(&self, #[headers("User-Agent")] agent: Option<String>, #[ip] ip: String) -> String {
        format!("{} from {ip}", agent.unwrap_or_default())
    }

    #[delete(":id")]
    #[http_code(204)]
    fn remove(&self, #[param("id")] _id: u32) {}

    #[get("cached")]
    #[header("Cache-Control", "public, max-age=60")]
    #[header("X-Custom", "yes")]
    fn cached(&self) -> &'static str {
        "cached"
    }

    #[get("docs")]
    #[redirect("https://docs.nestjs.com", 301)]
    fn docs(&self) {}

    #[get("fails")]
    #[http_code(202)]
    fn fails(&self) -> Result<String, HttpException> {
        Err(NotFoundException::new("nope"))
    }

    /// shared/nestjs-sse.md §5.4: `@Header('X-Custom','yes')`, `@Header('Cache-Control', …)`,
    /// `@HttpCode(202)` on an SSE route: 202, `x-custom: yes`, and NestJS's own `Cache-Control`.
    #[sse("events")]
    #[http_code(202)]
    #[header("X-Custom", "yes")]
    #[header("Cache-Control", "public, max-age=60")]
    fn events(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter(["one"]).map(MessageEvent::from)
    }
}

async fn start() -> RunningApp {
    nest_tests::serve(CatsController).await
}

#[tokio::test]
async fn query_parameters() {
    let server = start().await;
    let client = TestClient::new(server.local_addr());
    assert_eq!(
        client
            .get("/cats/search?name=Tom%20Cat")
            .await
            .unwrap()
            .text(),
        "Tom Cat None"
    );
    assert_eq!(
        client
            .get("/cats/search?name=Tom&limit=3")
            .await
            .unwrap()
            .text(),
        "Tom Some(3)"
    );
    let missing = client.get("/cats/search").await.unwrap();
    assert_eq!(missing.status, 400);
    assert_eq!(
        missing.text(),
        r#"{"message":"Validation failed (name is required)","error":"Bad Request","statusCode":400}"#
    );
    for path in ["/cats/count?n=abc", "/cats/count"] {
        let bad = client.get(path).await.unwrap();
        assert_eq!(
            bad.text(),
            r#"{"message":"Validation failed (numeric string is expected)","error":"Bad Request","statusCode":400}"#,
            "{path}"
        );
    }
    assert_eq!(
        client
            .get("/cats/paged?page=2&size=10")
            .await
            .unwrap()
            .text(),
        "page 2 size Some(10)"
    );
    assert_eq!(
        client.get("/cats/paged?page=2").await.unwrap().text(),
        "page 2 size None"
    );
    let bad_struct = client.get("/cats/paged?page=two").await.unwrap();
    assert_eq!(bad_struct.status, 400);
}

#[tokio::test]
async fn headers_and_ip() {
    let server = start().await;
    let client = TestClient::new(server.local_addr());
    let request = http::Request::get("/cats/agent")
        .header("host", "localhost")
        .header("user-agent", "curl/8")
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();
    assert_eq!(
        client.request(request).await.unwrap().text(),
        "curl/8 from 127.0.0.1"
    );
    let all = http::Request::get("/cats/count-headers")
        .header("host", "localhost")
        .header("x-one", "1")
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();
    assert_eq!(client.request(all).await.unwrap().text(), "2");
}

#[tokio::test]
async fn response_decorators() {
    let server = start().await;
    let client = TestClient::new(server.local_addr());
    let request = http::Request::delete("/cats/7")
        .header("host", "localhost")
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();
    assert_eq!(client.request(request).await.unwrap().status, 204);

    let cached = client.get("/cats/cached").await.unwrap();
    assert_eq!(cached.header("cache-control"), Some("public, max-age=60"));
    assert_eq!(cached.header("x-custom"), Some("yes"));

    let docs = client.get("/cats/docs").await.unwrap();
    assert_eq!(docs.status, 301);
    assert_eq!(docs.header("location"), Some("https://docs.nestjs.com"));

    let fails = client.get("/cats/fails").await.unwrap();
    assert_eq!(fails.status, 404, "an error keeps its own status");
}

#[tokio::test]
async fn nest_header_and_http_code_on_an_sse_route() {
    let server = start().await;
    let connection = TestClient::new(server.local_addr())
        .sse("/cats/events")
        .await
        .unwrap();
    assert_eq!(connection.status, 202);
    assert_eq!(connection.header("x-custom"), Some("yes"));
    assert_eq!(
        connection.header("cache-control"),
        Some("private, no-cache, no-store, must-revalidate, max-age=0, no-transform"),
        "the user's Cache-Control is dropped, as in NestJS 12"
    );
    assert_eq!(connection.header("content-type"), Some("text/event-stream"));
}

#[derive(Default)]
struct OwnersController;

#[derive(Deserialize)]
struct OwnerCatParams {
    owner: String,
    n: u8,
}

#[controller("owners")]
impl OwnersController {
    /// `@Param() params`: every path parameter at once.
    #[get(":owner/cats/:n")]
    fn cat(&self, #[param] params: OwnerCatParams) -> String {
        format!("{}'s cat #{}", params.owner, params.n)
    }

    /// `@Body('name') name`, `@Body('age') age`: single fields of one body.
    #[post]
    fn create(
        &self,
        #[body("name")] name: String,
        #[body("age")] age: Option<u8>,
        #[req] req: nest_core::RequestHead,
    ) -> String {
        format!("{name} {age:?} via {} {}", req.method, req.uri.path())
    }
}

#[tokio::test]
async fn all_params_body_fields_and_the_request_head() {
    let server = nest_tests::serve(OwnersController).await;
    let client = TestClient::new(server.local_addr());
    assert_eq!(
        client.get("/owners/ann/cats/2").await.unwrap().text(),
        "ann's cat #2"
    );
    assert_eq!(
        client.get("/owners/ann/cats/two").await.unwrap().status,
        400
    );
    let post = |body: &'static str| {
        http::Request::post("/owners")
            .header("host", "localhost")
            .header("content-type", "application/json")
            .body(http_body_util::Full::new(bytes::Bytes::from(body)))
            .unwrap()
    };
    let full = client
        .request(post(r#"{"name":"Tom","age":3}"#))
        .await
        .unwrap();
    assert_eq!(full.text(), "Tom Some(3) via POST /owners");
    let partial = client.request(post(r#"{"name":"Tom"}"#)).await.unwrap();
    assert_eq!(partial.text(), "Tom None via POST /owners");
    let missing = client.request(post(r#"{"age":3}"#)).await.unwrap();
    assert_eq!(missing.status, 400);
}
