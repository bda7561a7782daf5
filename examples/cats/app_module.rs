//! `src/app.module.ts`: `@Module({ imports: [CatsModule] })`.

use nest_core::module;

use crate::cats::CatsModule;

/// The application's root module.
#[module(imports = [CatsModule])]
pub(crate) struct AppModule;
