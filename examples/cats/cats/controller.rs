//! `src/cats/cats.controller.ts`, and its unit test `cats.controller.spec.ts` below.

use std::sync::Arc;

use nest_core::pipeline::ParseIntPipe;
use nest_core::prelude::*;

use super::{Cat, CatsService, CreateCatDto};
use crate::common::{LoggingInterceptor, RolesGuard, TimeoutInterceptor, TransformInterceptor};

/// `constructor(private readonly catsService: CatsService) {}`
#[derive(Injectable)]
pub(crate) struct CatsController {
    cats_service: Arc<CatsService>,
}

/// `@Controller('cats') @UseGuards(RolesGuard) @UseInterceptors(LoggingInterceptor, TransformInterceptor)`
#[controller("cats")]
#[use_guards(RolesGuard)]
#[use_interceptors(LoggingInterceptor, TransformInterceptor, TimeoutInterceptor)]
impl CatsController {
    /// `@Post() @Roles(['admin']) async create(@Body() createCatDto: CreateCatDto)`
    #[post]
    #[roles("admin")]
    async fn create(&self, #[body] create_cat_dto: CreateCatDto) {
        self.cats_service.create(create_cat_dto.into());
    }

    /// `@Get() async findAll(): Promise<Cat[]>`
    #[get]
    pub(crate) async fn find_all(&self) -> Vec<Cat> {
        self.cats_service.find_all()
    }

    /// `@Get(':id') findOne(@Param('id', new ParseIntPipe()) id: number)`
    #[get(":id")]
    fn find_one(&self, #[param("id", ParseIntPipe)] id: usize) -> Result<Cat, HttpException> {
        self.cats_service
            .find_one(id)
            .ok_or_else(|| NotFoundException::new(format!("Cat #{id} not found")))
    }
}

/// `cats.controller.spec.ts`
#[cfg(test)]
mod tests {
    use nest_core::testing::Test;

    use super::*;
    use crate::cats::CatsModule;

    /// `describe('findAll') it('should return an array of cats')`: the service's answer,
    /// replaced for the test (the sample's `jest.spyOn(catsService, 'findAll')`), is what the
    /// controller returns.
    #[tokio::test]
    async fn find_all_returns_an_array_of_cats() {
        let result = vec![Cat {
            age: 2,
            breed: "Bombay".to_owned(),
            name: "Pixel".to_owned(),
        }];
        let module_ref = Test::create_testing_module::<CatsModule>()
            .override_provider::<CatsService>()
            .use_value(CatsService::with(result.clone()))
            .compile()
            .await
            .unwrap();
        let cats_controller = module_ref.get::<CatsController>().unwrap();
        assert_eq!(cats_controller.find_all().await, result);
    }

    /// The controller and the test share the one `CatsService` instance.
    #[tokio::test]
    async fn the_controller_uses_the_module_s_service() {
        let module_ref = Test::create_testing_module::<CatsModule>()
            .compile()
            .await
            .unwrap();
        let cats_service = module_ref.get::<CatsService>().unwrap();
        let cats_controller = module_ref.get::<CatsController>().unwrap();
        assert!(cats_controller.find_all().await.is_empty());
        cats_service.create(Cat {
            age: 5,
            breed: "Persian".to_owned(),
            name: "Tom".to_owned(),
        });
        assert_eq!(cats_controller.find_all().await.len(), 1);
    }
}
