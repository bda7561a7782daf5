use nest_core::prelude::*;

#[derive(Injectable)]
#[injectable(scope = "per-call")]
struct CatsService;

#[derive(Injectable)]
#[injectable(lifetime = "request")]
struct DogsService;

fn main() {}
