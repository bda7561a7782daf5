//! Panics in user code end one request, never the server: a handler that panics answers NestJS's
//! `500 {"statusCode":500,"message":"Internal server error"}`, and the panic is logged.

use std::{any::Any, future::Future, panic::AssertUnwindSafe};

use futures_util::FutureExt;

use crate::http::{HttpException, Response};

/// The panic's message, if it carried one.
pub(crate) fn message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

/// Runs a handler's future; a panic becomes a logged 500.
pub(crate) async fn catch(
    handler: &'static str,
    future: impl Future<Output = Response>,
) -> Response {
    match AssertUnwindSafe(future).catch_unwind().await {
        Ok(response) => response,
        Err(panic) => {
            // Logged by `into_response`, as any unknown error (target `ExceptionsHandler`).
            HttpException::internal(format!("{handler} panicked: {}", message(&*panic)))
                .into_response()
        }
    }
}
