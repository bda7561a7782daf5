//! NestJS's sample `11-swagger` in nest-rs: the cats API with its OpenAPI document at
//! `/api-json` and Swagger UI at `/api`.
//!
//! `cargo run -p nest-examples --bin swagger`, then open <http://localhost:3000/api>.

use std::sync::Mutex;

use nest_core::openapi::{DocumentBuilder, SwaggerModule};
use nest_core::prelude::*;
use nest_core::{Dto, NotFoundException};
use serde::{Deserialize, Serialize};

/// The body of `POST /cats` (`dto/create-cat.dto.ts`).
#[derive(Debug, Clone, Deserialize, Serialize, Dto)]
struct CreateCatDto {
    #[is_string]
    name: String,
    #[is_int]
    age: i32,
    #[is_string]
    breed: String,
}

/// A cat (`entities/cat.entity.ts`). As the sample's comment on `name` does through the
/// CLI plugin, a field's doc comment is its description.
#[derive(Debug, Clone, Deserialize, Serialize, Dto)]
struct Cat {
    /// The name of the Cat
    #[api_property(example = "Kitty")]
    name: String,
    #[api_property(description = "The age of the Cat", example = 1)]
    age: i32,
    #[api_property(description = "The breed of the Cat", example = "Maine Coon")]
    breed: String,
}

#[derive(Debug, Injectable, Default)]
struct CatsService {
    cats: Mutex<Vec<Cat>>,
}

impl CatsService {
    fn create(&self, cat: CreateCatDto) -> Cat {
        let cat = Cat {
            name: cat.name,
            age: cat.age,
            breed: cat.breed,
        };
        self.cats.lock().unwrap().push(cat.clone());
        cat
    }

    fn find_one(&self, id: usize) -> Option<Cat> {
        self.cats.lock().unwrap().get(id).cloned()
    }
}

#[derive(Debug, Injectable)]
struct CatsController {
    cats_service: Arc<CatsService>,
}

#[controller("cats")]
#[api_bearer_auth]
#[api_tags("cats")]
impl CatsController {
    // The 201 response and its `Cat` body are read from the return type, as the CLI plugin
    // reads `Promise<Cat>`.
    /// Create cat
    #[post]
    #[api_response(status = 403, description = "Forbidden.")]
    async fn create(&self, #[body] create_cat_dto: CreateCatDto) -> Json<Cat> {
        Json(self.cats_service.create(create_cat_dto))
    }

    #[get(":id")]
    #[api_response(status = 200, description = "The found record", type = Cat)]
    fn find_one(&self, #[param("id")] id: String) -> Result<Json<Cat>, HttpException> {
        let id: usize = id
            .parse()
            .map_err(|_| NotFoundException::new("Cat not found"))?;
        self.cats_service
            .find_one(id)
            .map(Json)
            .ok_or_else(|| NotFoundException::new("Cat not found"))
    }
}

#[module(controllers = [CatsController], providers = [CatsService])]
struct CatsModule;

#[module(imports = [CatsModule])]
struct AppModule;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt().with_target(true).init();
    let mut app = NestFactory::create::<AppModule>().await?;
    let options = DocumentBuilder::new()
        .set_title("Cats example")
        .set_description("The cats API description")
        .set_version("1.0")
        .add_tag("cats", None)
        .add_bearer_auth()
        .build();
    let document = SwaggerModule::create_document(&app, &options);
    SwaggerModule::setup("api", &mut app, &document);
    let port = std::env::var("PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(3000);
    app.listen(port).await
}
