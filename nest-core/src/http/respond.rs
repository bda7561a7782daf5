//! How a handler's return value becomes a response, NestJS's way: anything that implements
//! [`IntoResponse`] as it says, and any other `Serialize` value (or `Result` of one) as JSON.
//!
//! Rust has no specialisation, so the code `#[controller]` generates picks between these with
//! method resolution on references ("autoref specialisation"): the first impl that applies, in
//! the order below, wins. Users never name these types.

use std::cell::Cell;

use serde::Serialize;

use super::{
    exception::HttpException,
    response::{IntoResponse, Json, Response},
};

/// A handler's return value, on its way to becoming a response.
#[doc(hidden)]
pub struct Respond<T>(Cell<Option<T>>);

impl<T> std::fmt::Debug for Respond<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Respond")
    }
}

impl<T> Respond<T> {
    /// Wraps a return value.
    pub fn new(value: T) -> Self {
        Self(Cell::new(Some(value)))
    }

    fn take(&self) -> Option<T> {
        self.0.take()
    }
}

/// The value was already taken: cannot happen, since each `Respond` is used once.
fn taken() -> Response {
    HttpException::new("Internal server error", 500).into_response()
}

/// First choice: the value says how it is sent.
#[doc(hidden)]
pub trait ViaIntoResponse {
    /// The response.
    fn __nest_respond(self) -> Response;
}

impl<T: IntoResponse> ViaIntoResponse for &&&Respond<T> {
    fn __nest_respond(self) -> Response {
        self.take().map_or_else(taken, IntoResponse::into_response)
    }
}

/// Second: `Result<T, E>` with a `Serialize` `T`, sent as JSON.
#[doc(hidden)]
pub trait ViaSerializeResult {
    /// The response.
    fn __nest_respond(self) -> Response;
}

impl<T: Serialize, E: Into<HttpException>> ViaSerializeResult for &&Respond<Result<T, E>> {
    fn __nest_respond(self) -> Response {
        match self.take() {
            Some(Ok(value)) => Json(value).into_response(),
            Some(Err(error)) => error.into().into_response(),
            None => taken(),
        }
    }
}

/// Third: any `Serialize` value, sent as JSON (NestJS returning an object).
#[doc(hidden)]
pub trait ViaSerialize {
    /// The response.
    fn __nest_respond(self) -> Response;
}

impl<T: Serialize> ViaSerialize for &Respond<T> {
    fn __nest_respond(self) -> Response {
        self.take()
            .map_or_else(taken, |value| Json(value).into_response())
    }
}
