use nest_core::prelude::*;

#[derive(Default)]
struct NotAController;

#[module(controllers = [NotAController])]
struct AppModule;

fn main() {}
