use nest_core::prelude::*;

#[controller]
struct AppController;

fn main() {}
