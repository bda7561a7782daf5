//! `src/cats/dto/create-cat.dto.ts` and `src/cats/interfaces/cat.interface.ts`.

use nest_core::Dto;
use serde::{Deserialize, Serialize};

/// `export class CreateCatDto { @IsString() readonly name: string; @IsInt() readonly age: number;
/// @IsString() readonly breed: string; }`, decorator for decorator. A body that fails is
/// answered as NestJS's `ValidationPipe` answers it, byte for byte
/// (`{"message":["age must be an integer number"],"error":"Bad Request","statusCode":400}`),
/// before the value is read into the Rust types.
#[derive(Debug, Clone, Deserialize, Dto)]
pub(crate) struct CreateCatDto {
    #[is_string]
    pub(crate) name: String,
    #[is_int]
    pub(crate) age: u8,
    #[is_string]
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
