//! Exception filters: NestJS's `ExceptionFilter`, which rewrites the response of an exception
//! (a handler's `Err`, a failed extractor or pipe, a guard's 403, a panic's 500, an unknown
//! route's 404).

use std::sync::Arc;

use crate::http::{HttpException, RequestHead, Response, Thrown};

/// An exception filter, as NestJS's `ExceptionFilter`: [`catch`](Self::catch) gives the
/// response for an exception it [`catches`](Self::catches).
///
/// `#[catch(NotFoundException, ForbiddenException)]` on the `impl` writes `catches` (NestJS's
/// `@Catch(...)`): `#[catch(HttpException)]` catches every exception a handler, pipe or guard
/// raised, plain `#[catch]` also the 500s of unknown errors and panics (NestJS's catch-all
/// filter). Attach with `#[use_filters(HttpExceptionFilter)]` on a route or below
/// `#[controller]`, or to everything with `NestApplication::use_global_filters`. The filter
/// nearest the route that catches the exception handles it (route, then controller, then
/// global), as in NestJS. An event stream that fails after its first event reports in the
/// stream (an `error` event), not through filters.
///
/// ```
/// use nest_core::prelude::*;
/// use nest_core::{Response, pipeline::{ArgumentsHost, ExceptionFilter}};
///
/// #[derive(Default)]
/// struct HttpExceptionFilter;
///
/// #[catch(HttpException)]
/// impl ExceptionFilter for HttpExceptionFilter {
///     fn catch(&self, exception: &HttpException, host: &ArgumentsHost<'_>) -> Response {
///         let status = exception.status();
///         let body = json!({ "statusCode": status.as_u16(), "path": host.request().uri.path() });
///         (status, Json(body)).into_response()
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an exception filter",
    label = "`#[use_filters]` takes types that implement `ExceptionFilter`"
)]
pub trait ExceptionFilter: Send + Sync + 'static {
    /// Whether this filter handles `exception` (written by `#[catch(...)]`; all by default).
    fn catches(&self, exception: &HttpException) -> bool {
        let _ = exception;
        true
    }

    /// The response for `exception`.
    fn catch(&self, exception: &HttpException, host: &ArgumentsHost<'_>) -> Response;
}

impl std::fmt::Debug for dyn ExceptionFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExceptionFilter")
    }
}

/// What a filter knows of the failed request (NestJS's `ArgumentsHost`).
#[derive(Debug)]
pub struct ArgumentsHost<'a> {
    pub(crate) request: &'a RequestHead,
    pub(crate) controller: &'a str,
    pub(crate) handler: &'a str,
}

impl<'a> ArgumentsHost<'a> {
    /// The request's method, URI and headers (`host.switchToHttp().getRequest()`).
    pub fn request(&self) -> &'a RequestHead {
        self.request
    }

    /// The controller's name, empty for an unknown route.
    pub fn class_name(&self) -> &'a str {
        self.controller
    }

    /// The handler's name, empty for an unknown route.
    pub fn handler_name(&self) -> &'a str {
        self.handler
    }
}

/// `response` through the first of `filters` that catches its exception, if it carries one.
pub(crate) fn apply(
    filters: &[Arc<dyn ExceptionFilter>],
    response: Response,
    host: &ArgumentsHost<'_>,
) -> Response {
    let Some(Thrown(exception)) = response.extensions().get::<Thrown>().cloned() else {
        return response;
    };
    match filters.iter().find(|filter| filter.catches(&exception)) {
        Some(filter) => {
            let mut caught = filter.catch(&exception, host);
            if exception.closes_connection() {
                crate::http::close_connection(&mut caught);
            }
            caught
        }
        None => response,
    }
}
