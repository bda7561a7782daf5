use nest_core::prelude::*;

#[derive(Default)]
struct AppController;

#[controller]
impl AppController {
    #[get]
    fn hello(&self) -> &'static str {
        "hello"
    }
}

#[module(controllers = [AppController], services = [AppController])]
struct AppModule;

fn main() {}
