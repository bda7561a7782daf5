//! The HTTP layer: requests, responses, NestJS's exceptions and the router.
//!
//! ```
//! use nest_core::{HttpException, NotFoundException};
//! let error: HttpException = NotFoundException::new("no cat");
//! assert_eq!(error.body_json(), r#"{"message":"no cat","error":"Not Found","statusCode":404}"#);
//! ```

mod exception;
mod extract;
pub(crate) mod framing;
pub(crate) mod json_shape;
pub(crate) mod json_syntax;
pub(crate) mod passthrough;
pub(crate) mod path_pattern;
pub(crate) mod request;
pub(crate) mod respond;
mod response;
pub(crate) mod router;
#[cfg(feature = "validation")]
pub(crate) mod validation;

pub use crate::context::BODY_LIMIT;
pub use exception::{
    BadGatewayException, BadRequestException, ConflictException, ExceptionType, ForbiddenException,
    GatewayTimeoutException, GoneException, HttpException, HttpVersionNotSupportedException,
    ImATeapotException, InternalServerErrorException, MethodNotAllowedException,
    MisdirectedException, NotAcceptableException, NotFoundException, NotImplementedException,
    PayloadTooLargeException, PreconditionFailedException, RequestTimeoutException,
    ServiceUnavailableException, UnauthorizedException, UnprocessableEntityException,
    UnsupportedMediaTypeException,
};
pub(crate) use exception::{Thrown, close_connection};
pub use extract::{Extension, FromInput, FromRequest, LastEventId};
pub(crate) use extract::{body_value, json_body, json_body_field, params_value, query_value};
pub use passthrough::{CookieOptions, CookiePriority, Res, SameSite};
pub(crate) use request::RemoteAddr;
pub use request::{FromParam, Request, RequestHead};
pub use response::{Body, Html, IntoResponse, Json, Response};
#[cfg(feature = "validation")]
pub use validation::Valid;
