//! `src/cats/dto/create-cat.dto.ts` and `src/cats/interfaces/cat.interface.ts`.

use serde::{Deserialize, Serialize};
use validator::Validate;

/// `export class CreateCatDto { @IsString() readonly name; @IsInt() readonly age; @IsString() readonly breed; }`:
/// the types check `IsString` and `IsInt`; the rules below add what a string or a number alone
/// does not say.
#[derive(Debug, Clone, Deserialize, Validate)]
pub(crate) struct CreateCatDto {
    #[validate(length(min = 1, message = "name should not be empty"))]
    pub(crate) name: String,
    #[validate(range(min = 0, max = 40, message = "age must be between 0 and 40"))]
    pub(crate) age: u8,
    #[validate(length(min = 1, message = "breed should not be empty"))]
    pub(crate) breed: String,
}

/// `export interface Cat { name: string; age: number; breed: string; }`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Cat {
    pub(crate) name: String,
    pub(crate) age: u8,
    pub(crate) breed: String,
}

impl From<CreateCatDto> for Cat {
    fn from(dto: CreateCatDto) -> Self {
        Self {
            name: dto.name,
            age: dto.age,
            breed: dto.breed,
        }
    }
}
