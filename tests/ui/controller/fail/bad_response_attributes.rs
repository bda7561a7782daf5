use nest_core::prelude::*;

#[derive(Default)]
struct CatsController;

#[controller("cats")]
impl CatsController {
    #[get("a")]
    #[http_code(42)]
    fn a(&self) {}

    #[get("b")]
    #[redirect("https://nestjs.com", 200)]
    fn b(&self) {}

    #[get("c")]
    #[header("bad name", "v")]
    fn c(&self) {}

    #[sse("d")]
    #[redirect("https://nestjs.com")]
    fn d(&self) -> impl Stream<Item = MessageEvent> {
        stream::empty()
    }
}

fn main() {}
