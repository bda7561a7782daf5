//! [`Module`]: what `#[module]` implements, as NestJS's `@Module()`.

use super::AppBuilder;

/// A group of controllers, as NestJS's `@Module({ controllers: [...] })`; implemented by
/// `#[module]`.
///
/// Until dependency injection arrives, each listed controller is built with `Default`.
///
/// ```
/// use nest_core::prelude::*;
///
/// #[derive(Default)]
/// struct CatsController;
///
/// #[controller("cats")]
/// impl CatsController {
///     #[get]
///     fn find_all(&self) -> Json<Vec<&'static str>> { Json(vec!["Tom"]) }
/// }
///
/// #[module(controllers = [CatsController])]
/// struct CatsModule;
///
/// #[module(imports = [CatsModule])]
/// struct AppModule;
///
/// let app = NestApplication::builder().import::<AppModule>().build().unwrap();
/// assert_eq!(app.routes().len(), 1);
/// ```
pub trait Module: 'static {
    /// Adds the module's imports and controllers to the application.
    fn configure(app: &mut AppBuilder);
}
