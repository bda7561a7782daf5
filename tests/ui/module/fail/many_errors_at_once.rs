// Every mistake in one `#[module(...)]` is reported in one build, each at its own token.
use nest_core::prelude::*;

#[derive(Default)]
struct AppController;

#[controller]
impl AppController {}

struct Config;

#[module(
    services = [AppController],
    controllers = AppController,
    providers = [{ provide: Config }],
    exports = [Config],
)]
struct AppModule;

fn main() {}
