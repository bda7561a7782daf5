use nest_core::prelude::*;

#[derive(Injectable, Default)]
struct TasksService;

#[provider]
impl TasksService {
    #[interval]
    fn no_delay(&self) {}

    #[interval(0)]
    fn zero(&self) {}

    #[timeout("name")]
    fn name_without_delay(&self) {}

    #[timeout(5000)]
    fn with_argument(&self, count: u32) {}

    #[interval(1000)]
    fn mutable(&mut self) {}
}

fn main() {}
