// An `imports` entry that is not a path must make a `DynamicModule`; a path must name a module.
use nest_core::prelude::*;

struct CatsService;

#[module]
struct ConfigModule;

impl ConfigModule {
    fn for_root() -> &'static str {
        "not a DynamicModule"
    }
}

#[module(imports = [CatsService, ConfigModule::for_root()])]
struct AppModule;

fn main() {}
