use nest_core::prelude::*;

#[derive(Injectable, Default)]
struct TasksService;

#[provider]
impl TasksService {
    #[cron("61 * * * *")]
    fn bad_minute(&self) {}

    #[cron("* * * *")]
    fn too_few_fields(&self) {}

    #[cron("0 * * * *", zone = "UTC")]
    fn unknown_option(&self) {}

    #[cron]
    fn no_pattern(&self) {}
}

fn main() {}
