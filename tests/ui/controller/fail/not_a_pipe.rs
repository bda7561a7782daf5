use nest_core::prelude::*;

/// Not a pipe: it implements no `PipeTransform<Value, Value>`.
#[derive(Default)]
struct NotAPipe;

#[derive(Default)]
struct CatsController;

#[controller("cats")]
impl CatsController {
    #[get]
    #[use_pipes(NotAPipe)]
    fn find_all(&self) -> String {
        String::new()
    }

    #[get("one")]
    #[use_pipes(NotAPipe::default())]
    fn find_one(&self) -> String {
        String::new()
    }
}

fn main() {}
