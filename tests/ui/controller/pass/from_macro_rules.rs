//! Controllers written by a `macro_rules!` macro: a `$path:literal` reaches `#[controller]`
//! and the verbs in an invisible group, which they read as the literal it holds.

use nest_core::prelude::*;

macro_rules! named_controller {
    ($name:ident, $path:literal, $route:literal) => {
        #[derive(Default)]
        struct $name;

        #[controller($path)]
        impl $name {
            #[get($route)]
            fn get_name(&self) -> &'static str {
                stringify!($name)
            }
        }
    };
}

named_controller!(ParentController, "/parent-controller", "name");
named_controller!(ChildController, "child-controller", ":id");

fn main() {
    let _ = (ParentController, ChildController);
}
