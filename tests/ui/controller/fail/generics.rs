use nest_core::prelude::*;

#[derive(Default)]
struct Repo<T>(T);

#[controller]
impl<T: Send + Sync + 'static> Repo<T> {
    #[get]
    fn all(&self) {}
}

#[derive(Default)]
struct CatsController;

#[controller]
impl CatsController {
    #[get]
    fn find<T: Default>(&self) {}
}

fn main() {}
