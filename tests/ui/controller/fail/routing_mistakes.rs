use nest_core::prelude::*;

#[derive(Default)]
struct NoHostController;

#[controller(":server/rooms")]
impl NoHostController {
    // `#[host_param]` needs a host on the controller.
    #[get]
    fn a(&self, #[host_param("account")] account: String) -> String {
        account
    }

    // A parameter of neither the prefix nor the route.
    #[get(":room")]
    fn b(&self, #[param("server")] server: String, #[param("rom")] room: String) -> String {
        server + &room
    }
}

#[derive(Default)]
struct HostController;

#[controller("cats", host = ":account.example.com")]
impl HostController {
    #[get]
    fn a(&self, #[host_param("acount")] account: String) -> String {
        account
    }
}

#[derive(Default)]
struct BadHostsController;

#[controller("dogs", host = [1, "b.example.com"])]
impl BadHostsController {
    #[get]
    fn a(&self) {}
}

#[derive(Default)]
struct BadVersionListsController;

#[controller("birds", version = ["1", 2])]
impl BadVersionListsController {
    #[get]
    #[version([])]
    fn a(&self) {}

    #[get("b")]
    #[version(["1", "x y"])]
    fn b(&self) {}

    #[get("c")]
    #[version(NEUTRAL)]
    fn c(&self) {}
}

fn main() {}
