use nest_core::prelude::*;

#[derive(Default)]
struct AppController;

#[controller]
impl Clone for AppController {
    fn clone(&self) -> Self {
        AppController
    }
}

fn main() {}
