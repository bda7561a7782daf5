use nest_core::prelude::*;

#[derive(Default)]
struct AppController;

#[controller]
impl AppController {
    #[get("page", method = "POST")]
    fn page(&self) -> &'static str {
        "page"
    }
}

fn main() {}
