use nest_core::prelude::*;

#[derive(Default)]
struct CatsController;

#[controller("cats")]
impl CatsController {
    #[get = "x"]
    fn name_value(&self) {}

    #[sse("events", shutdown_event = "")]
    fn events(&self) -> impl Stream<Item = MessageEvent> {
        stream::empty()
    }

    #[get(":id")]
    fn twice(&self, #[param("id")] a: String, #[param("id")] b: String) -> String {
        a + &b
    }

    #[get("header")]
    #[header("X-Bad", "line\nbreak")]
    fn header(&self) {}

    #[get("code")]
    #[http_code("204")]
    fn code(&self) {}
}

fn main() {}
