//! Modules, providers and dependency injection: providers are singletons injected into the
//! controllers and providers that name them, within NestJS's module scoping (own providers,
//! imported modules' exports, global modules); a missing provider or a cycle is a start-up
//! error in NestJS's words.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use nest_core::prelude::*;
use nest_core::{ModuleBuilder, testing::TestClient};

static BUILT: AtomicUsize = AtomicUsize::new(0);

/// Numbered as it is built: a singleton has one number wherever it is injected.
struct Counter {
    number: usize,
}

impl Default for Counter {
    fn default() -> Self {
        Self {
            number: BUILT.fetch_add(1, Ordering::SeqCst),
        }
    }
}

#[derive(Injectable)]
struct CatsService {
    counter: Arc<Counter>,
    names: Vec<&'static str>,
}

impl CatsService {
    fn all(&self) -> Vec<&'static str> {
        if self.names.is_empty() {
            vec!["Tom"]
        } else {
            self.names.clone()
        }
    }

    /// Which `CatsService` and `Counter` this is.
    fn identity(self: &Arc<Self>) -> String {
        format!("{:p}/{}", Arc::as_ptr(self), self.counter.number)
    }
}

#[derive(Injectable)]
struct CatsController {
    cats: Arc<CatsService>,
}

#[controller("cats")]
impl CatsController {
    #[get]
    fn find_all(&self) -> Vec<&'static str> {
        self.cats.all()
    }

    #[get("identity")]
    fn identity(&self) -> String {
        self.cats.identity()
    }
}

#[derive(Injectable)]
struct OtherCatsController {
    cats: Arc<CatsService>,
}

#[controller("other-cats")]
impl OtherCatsController {
    #[get]
    fn count(&self) -> usize {
        self.cats.all().len()
    }

    #[get("identity")]
    fn identity(&self) -> String {
        self.cats.identity()
    }
}

#[module(
    controllers = [CatsController, OtherCatsController],
    providers = [CatsService, Counter],
    exports = [CatsService]
)]
struct CatsModule;

#[derive(Injectable)]
struct OwnersController {
    cats: Arc<CatsService>,
}

#[controller("owners")]
impl OwnersController {
    #[get]
    fn cats(&self) -> String {
        self.cats.all().join(",")
    }
}

#[module(imports = [CatsModule], controllers = [OwnersController])]
struct AppModule;

#[tokio::test]
async fn providers_are_injected_singletons_shared_through_exports() {
    let app = NestFactory::create::<AppModule>().await.unwrap();
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let client = TestClient::new(server.local_addr());
    let first = client.get("/cats/identity").await.unwrap().text();
    let second = client.get("/other-cats/identity").await.unwrap().text();
    assert_eq!(
        first, second,
        "one CatsService and one Counter, shared by both controllers"
    );
    assert_eq!(client.get("/cats").await.unwrap().text(), r#"["Tom"]"#);
    assert_eq!(client.get("/other-cats").await.unwrap().text(), "1");
    assert_eq!(client.get("/owners").await.unwrap().text(), "Tom");
}

#[derive(Injectable)]
struct NeedsCounterController {
    counter: Arc<Counter>,
}

#[controller("needs-counter")]
impl NeedsCounterController {
    #[get]
    fn get(&self) -> &'static str {
        let _ = &self.counter;
        "ok"
    }
}

/// `Counter` is a provider of `CatsModule` but not exported.
#[module(imports = [CatsModule], controllers = [NeedsCounterController])]
struct LeakyModule;

#[test]
fn an_unexported_provider_is_not_available() {
    let error = NestApplication::builder()
        .import::<LeakyModule>()
        .build()
        .unwrap_err();
    assert_eq!(
        first_line(&error),
        "Nest can\'t resolve dependencies of the NeedsCounterController (?). Please make sure that the argument Counter at index [0] is available in the LeakyModule module."
    );
}

#[derive(Injectable)]
struct Mailer {
    config: Arc<MailConfig>,
    cats: Arc<CatsService>,
}

struct MailConfig {
    sender: &'static str,
}

/// A module written by hand: a value provider (`useValue`), made global.
struct ConfigModule;

impl Module for ConfigModule {
    const NAME: &'static str = "ConfigModule";

    fn configure(module: &mut ModuleBuilder<'_>) {
        module
            .provide_value(MailConfig {
                sender: "cats@example.com",
            })
            .export::<MailConfig>()
            .global();
    }
}

#[derive(Injectable)]
struct MailController {
    mailer: Arc<Mailer>,
}

#[controller("mail")]
impl MailController {
    #[get]
    fn sender(&self) -> String {
        format!(
            "{} for {} cats",
            self.mailer.config.sender,
            self.mailer.cats.all().len()
        )
    }
}

#[module(imports = [CatsModule], controllers = [MailController], providers = [Mailer])]
struct MailModule;

#[module(imports = [ConfigModule, MailModule])]
struct MailAppModule;

#[tokio::test]
async fn global_modules_and_value_providers() {
    let app = NestFactory::create::<MailAppModule>().await.unwrap();
    let server = app.bind("127.0.0.1:0").await.unwrap();
    let text = TestClient::new(server.local_addr())
        .get("/mail")
        .await
        .unwrap()
        .text();
    assert_eq!(text, "cats@example.com for 1 cats");
}

#[derive(Injectable)]
struct MissingController {
    cats: Arc<CatsService>,
    counter: Arc<Counter>,
}

#[controller("missing")]
impl MissingController {
    #[get]
    fn get(&self) -> &'static str {
        let _ = (&self.cats, &self.counter);
        "unreachable"
    }
}

#[module(controllers = [MissingController], providers = [Counter])]
struct MissingModule;

#[test]
fn a_missing_provider_is_named_with_its_index() {
    let error = NestApplication::builder()
        .import::<MissingModule>()
        .build()
        .unwrap_err();
    assert_eq!(
        first_line(&error),
        "Nest can\'t resolve dependencies of the MissingController (?, Counter). Please make sure that the argument CatsService at index [0] is available in the MissingModule module."
    );
}

#[derive(Injectable)]
struct Chicken {
    egg: Arc<Egg>,
}

#[derive(Injectable)]
struct Egg {
    chicken: Arc<Chicken>,
}

#[module(providers = [Chicken, Egg])]
struct CycleModule;

#[test]
fn a_cycle_is_a_startup_error() {
    let error = NestApplication::builder()
        .import::<CycleModule>()
        .build()
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("circular dependency"), "{message}");
    assert!(
        message.contains("Chicken -> Egg -> Chicken") || message.contains("Egg -> Chicken -> Egg"),
        "{message}"
    );
    let _ = |chicken: Chicken, egg: Egg| (chicken.egg, egg.chicken);
}

/// The first line of a start-up error (NestJS's potential solutions follow it).
fn first_line(error: &impl std::fmt::Display) -> String {
    error
        .to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}
