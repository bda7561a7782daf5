//! `src/tasks/tasks.module.ts`: `@Module({ providers: [TasksService] })`.

mod service;

use nest_core::module;

pub(crate) use service::TasksService;

/// The module of the scheduled tasks.
#[module(providers = [TasksService])]
pub(crate) struct TasksModule;
