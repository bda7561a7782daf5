use nest_core::prelude::*;

#[module(controllers = [])]
enum AppModule {}

fn main() {}
