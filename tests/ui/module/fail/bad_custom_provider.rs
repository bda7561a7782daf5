use nest_core::prelude::*;

struct Config;

#[module(providers = [{ provide: Config, use_class: Config }])]
struct AppModule;

#[module(providers = [{ provide: Config }])]
struct OtherModule;

fn main() {}
