// Every mistake of a controller is reported in one build, each at its own token: several in
// one attribute, several attributes on one method, and several methods.
use nest_core::prelude::*;

#[derive(Default)]
struct CatsController;

#[controller("cats", version = "1 beta", colour = "red")]
impl CatsController {
    #[get(":id")]
    #[http_code(42)]
    #[header("bad name", "line\nbreak")]
    #[version("")]
    fn find_one(&self, #[param("idd")] id: String, #[params] other: String) -> String {
        id + &other
    }

    #[sse("events", keep_alive = true, retry = "soon", colour = "red", method = "FETCH")]
    fn events(&mut self) {}

    #[post]
    #[redirect("https://nestjs.com", 200)]
    fn create(&self, #[body] a: String, #[body] b: String) -> String {
        a + &b
    }
}

fn main() {}
