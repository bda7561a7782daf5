//! `src/cats/cats.module.ts`: the cats feature.

mod controller;
mod dto;
mod service;

use nest_core::module;

pub(crate) use controller::CatsController;
pub(crate) use dto::{Cat, CreateCatDto};
pub(crate) use service::CatsService;

/// `@Module({ controllers: [CatsController], providers: [CatsService] })`
#[module(controllers = [CatsController], providers = [CatsService])]
pub(crate) struct CatsModule;
