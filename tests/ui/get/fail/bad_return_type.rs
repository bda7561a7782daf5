use nest_core::prelude::*;

#[derive(Default)]
struct AppController;

struct Cat;

#[controller]
impl AppController {
    #[get]
    fn cat(&self) -> Cat {
        Cat
    }
}

fn main() {}
