//! Parameters in the prefix, both path spellings, hosts, version lists and VERSION_NEUTRAL, a
//! path parameter no argument reads: all compile warning-free.

use nest_core::VERSION_NEUTRAL;
use nest_core::prelude::*;

#[derive(Default)]
struct RoomsController;

#[controller(":server/rooms", host = [":account.example.com", "localhost"], version = ["1", VERSION_NEUTRAL])]
impl RoomsController {
    #[get(":room{/:page}")]
    fn room(
        &self,
        #[param("server")] server: String,
        #[host_param("account")] account: Option<String>,
        #[param("page")] page: Option<u32>,
    ) -> String {
        format!("{server} {account:?} {page:?}")
    }

    #[get("old/:id?")]
    #[version(VERSION_NEUTRAL)]
    fn old(&self) {}

    #[get("files/*splat")]
    #[version("2")]
    #[version("3")]
    fn files(&self, #[param("splat")] splat: String) -> String {
        splat
    }

    #[get("legacy/*")]
    #[version(["4"])]
    fn legacy(&self, #[host_param] hosts: std::collections::HashMap<String, String>) -> String {
        format!("{hosts:?}")
    }
}

fn main() {
    let _ = NestApplication::builder().controller(RoomsController);
}
