//! NestJS's "cats" CRUD controller, ported line for line: an injected `CatsService` provider,
//! route parameters, a query, validated body DTOs, NestJS's exceptions and status codes, a
//! global prefix, CORS with options, and a `Location` header set through the passthrough
//! response handle (`Res`).
//!
//! ```text
//! cargo run -p nest-examples --bin crud
//! curl -X POST localhost:3000/api/cats -H 'content-type: application/json' -d '{"name":"Tom","age":3,"breed":"Tabby"}'
//! curl localhost:3000/api/cats?limit=10
//! curl localhost:3000/api/cats/1
//! curl -X PATCH localhost:3000/api/cats/1 -H 'content-type: application/json' -d '{"age":4}'
//! curl -X DELETE localhost:3000/api/cats/1
//! ```
//!
//! `PORT` picks another port.

use std::sync::{Mutex, MutexGuard, PoisonError};

#[path = "../support.rs"]
mod support;

use nest_core::app::CorsOptions;
use nest_core::prelude::*;
use nest_core::{ConflictException, Res, Valid};
use serde::{Deserialize, Serialize};
use validator::Validate;

/// A cat, as stored and as answered.
#[derive(Debug, Clone, Serialize)]
struct Cat {
    id: u32,
    name: String,
    age: u8,
    breed: String,
}

/// `class CreateCatDto { @IsString() @Length(1, 50) name; @IsInt() @Min(0) @Max(30) age; @IsString() breed; }`
#[derive(Debug, Deserialize, Validate)]
struct CreateCatDto {
    #[validate(length(min = 1, max = 50))]
    name: String,
    #[validate(range(min = 0, max = 30))]
    age: u8,
    #[validate(length(min = 1))]
    breed: String,
}

/// `class UpdateCatDto extends PartialType(CreateCatDto) {}`
#[derive(Debug, Deserialize, Validate)]
struct UpdateCatDto {
    #[validate(length(min = 1, max = 50))]
    name: Option<String>,
    #[validate(range(min = 0, max = 30))]
    age: Option<u8>,
    #[validate(length(min = 1))]
    breed: Option<String>,
}

/// The cats, in memory.
#[derive(Default)]
struct Store {
    cats: Vec<Cat>,
    last_id: u32,
}

/// `@Injectable() export class CatsService`: the provider that holds the cats.
#[derive(Injectable, Default)]
struct CatsService {
    store: Mutex<Store>,
}

impl CatsService {
    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `constructor(private readonly catsService: CatsService) {}`
#[derive(Injectable)]
struct CatsController {
    cats: Arc<CatsService>,
}

impl CatsController {
    fn store(&self) -> MutexGuard<'_, Store> {
        self.cats.store()
    }
}

#[controller("cats")]
impl CatsController {
    /// `@Post() create(@Body() dto: CreateCatDto, @Res({ passthrough: true }) res: Response)`:
    /// 201 with the new cat, and its `Location` (`res.header('Location', ...)`).
    #[post]
    fn create(&self, #[body] dto: Valid<CreateCatDto>, res: Res) -> Result<Cat, HttpException> {
        let dto = dto.into_inner();
        let mut store = self.store();
        if store.cats.iter().any(|cat| cat.name == dto.name) {
            return Err(ConflictException::new(format!(
                "a cat named {} exists",
                dto.name
            )));
        }
        store.last_id += 1;
        let cat = Cat {
            id: store.last_id,
            name: dto.name,
            age: dto.age,
            breed: dto.breed,
        };
        store.cats.push(cat.clone());
        res.header("Location", &format!("/api/cats/{}", cat.id));
        Ok(cat)
    }

    /// `@Get() findAll(@Query('limit') limit?: number)`
    #[get]
    fn find_all(&self, #[query("limit")] limit: Option<usize>) -> Vec<Cat> {
        let store = self.store();
        store
            .cats
            .iter()
            .take(limit.unwrap_or(usize::MAX))
            .cloned()
            .collect()
    }

    /// `@Get(':id') findOne(@Param('id', ParseIntPipe) id: number)`
    #[get(":id")]
    fn find_one(&self, #[param("id")] id: u32) -> Result<Cat, HttpException> {
        self.store()
            .cats
            .iter()
            .find(|cat| cat.id == id)
            .cloned()
            .ok_or_else(|| NotFoundException::new(format!("Cat #{id} not found")))
    }

    /// `@Patch(':id') update(@Param('id', ParseIntPipe) id, @Body() dto: UpdateCatDto)`
    #[patch(":id")]
    fn update(
        &self,
        #[param("id")] id: u32,
        #[body] dto: Valid<UpdateCatDto>,
    ) -> Result<Cat, HttpException> {
        let dto = dto.into_inner();
        let mut store = self.store();
        let cat = store
            .cats
            .iter_mut()
            .find(|cat| cat.id == id)
            .ok_or_else(|| NotFoundException::new(format!("Cat #{id} not found")))?;
        if let Some(name) = dto.name {
            cat.name = name;
        }
        if let Some(age) = dto.age {
            cat.age = age;
        }
        if let Some(breed) = dto.breed {
            cat.breed = breed;
        }
        Ok(cat.clone())
    }

    /// `@Delete(':id') @HttpCode(204) remove(@Param('id', ParseIntPipe) id: number)`
    #[delete(":id")]
    #[http_code(204)]
    fn remove(&self, #[param("id")] id: u32) -> Result<(), HttpException> {
        let mut store = self.store();
        let before = store.cats.len();
        store.cats.retain(|cat| cat.id != id);
        if store.cats.len() == before {
            return Err(NotFoundException::new(format!("Cat #{id} not found")));
        }
        Ok(())
    }
}

#[module(controllers = [CatsController], providers = [CatsService])]
struct AppModule;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    support::init_logging();
    let mut app = NestFactory::create::<AppModule>().await?;
    // `app.enableCors({ exposedHeaders: ['Location'] })`: a page on another origin may read the
    // new cat's `Location`.
    app.set_global_prefix("api")
        .enable_cors_with(CorsOptions::default().exposed_headers(["Location"]));
    app.listen(support::port()).await
}
