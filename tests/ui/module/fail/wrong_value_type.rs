use nest_core::prelude::*;

struct Config {
    port: u16,
}

#[module(providers = [{ provide: Config, use_value: 3000 }])]
struct AppModule;

fn main() {}
