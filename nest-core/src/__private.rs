//! What the macros' generated code names: the traits their autoref dispatch goes through,
//! and the helpers that read a route's arguments. Not public API.

pub use crate::app::ModuleBuilder;
pub use crate::app::module::{
    ViaDefault, ViaDefaultController, ViaInjectable, ViaInjectableController, ViaNestModule,
    ViaPlainModule, ViaTokenKey, ViaTypeKey,
};
pub use crate::controller::{Controller, ControllerInstance, ControllerRoutes, RouteDefinition};
pub use crate::di::pick::Pick;
pub use crate::di::{
    AsyncFactory, Dependency, InjectField, Injectable, Resolver, Scope, SyncFactory,
};
pub use crate::pipeline::{
    ArgumentMetadata, CanActivate, Enhancer, ExceptionFilter, ExceptionType, NestInterceptor,
    ViaDefaultEnhancer, ViaInjectableEnhancer, run_pipe,
};

/// The lifecycle hooks a type implements, found by autoref (see `#[module]`).
pub mod hooks {
    pub use crate::discovery::{NoProviderMethods, ViaProviderMethods};
    pub use crate::lifecycle::{
        Hooks, NoBeforeApplicationShutdown, NoOnApplicationBootstrap, NoOnApplicationShutdown,
        NoOnModuleDestroy, NoOnModuleInit, ViaBeforeApplicationShutdown, ViaOnApplicationBootstrap,
        ViaOnApplicationShutdown, ViaOnModuleDestroy, ViaOnModuleInit,
    };
}
pub use crate::http::respond::{Respond, ViaIntoResponse, ViaSerialize, ViaSerializeResult};
pub use crate::http::router::RequestMethod;
pub use crate::http::{FromParam, FromRequest, HttpException, IntoResponse, Request, Response};
pub use crate::sse::{SseRouteOptions, SseSink};
pub use crate::{AppBuilder, Module, StartupError};

/// Reads the body as JSON, for `#[body]` arguments; a `#[derive(Dto)]` type is validated
/// first, with the application's `ValidationPipe`.
pub async fn body<T: crate::http::FromInput>(request: &mut Request) -> Result<T, HttpException> {
    #[cfg(feature = "validation")]
    if let Some(schema) = crate::validation::schema_of(std::any::type_name::<T::Raw>()) {
        let raw = crate::validation::read::body::<T::Raw>(request, schema).await?;
        return T::check(raw);
    }
    crate::http::json_body(request).await
}

/// Reads one field of the JSON body, for `#[body("field")]`.
pub async fn body_field<T: serde::de::DeserializeOwned>(
    request: &mut Request,
    field: &str,
) -> Result<T, HttpException> {
    crate::http::json_body_field(request, field).await
}

/// Every path parameter, into a map or a `Deserialize` struct, for `#[param]`.
pub fn params_all<T: crate::http::FromInput>(request: &Request) -> Result<T, HttpException> {
    #[cfg(feature = "validation")]
    if let Some(schema) = crate::validation::schema_of(std::any::type_name::<T::Raw>()) {
        let raw = crate::validation::read::params::<T::Raw>(request, schema)?;
        return T::check(raw);
    }
    let encoded = serde_urlencoded::to_string(request.params())
        .map_err(|error| crate::BadRequestException::new(error.to_string()))?;
    let raw = serde_urlencoded::from_str(&encoded)
        .map_err(|error| crate::BadRequestException::new(error.to_string()))?;
    T::check(raw)
}

/// Every header, for `#[headers]`.
pub fn headers_all(request: &Request) -> Result<http::HeaderMap, HttpException> {
    Ok(request.headers().clone())
}

/// What an `#[sse]` handler's generated code keeps of its request once the handler has
/// returned: the body, if it was not read to its end (hyper reads a request body only as
/// far as it is asked to; it stays as it was while the stream runs), boxed, as it rarely
/// exists. The rest (headers, extensions, path parameters) is dropped then, instead of
/// living as long as the stream.
pub fn release_head(mut request: Box<Request>) -> Option<Box<hyper::body::Incoming>> {
    request
        .take_body()
        .filter(|body| !http_body::Body::is_end_stream(body))
        .map(Box::new)
}

/// The request head, for `#[req]`.
pub fn req(request: &Request) -> Result<crate::http::RequestHead, HttpException> {
    Ok(request.head())
}

/// Reads and converts the query parameter `name`, for `#[query("name")]`.
pub fn query<T: FromParam>(request: &Request, name: &str) -> Result<T, HttpException> {
    match request
        .query_pairs()?
        .into_iter()
        .find(|(key, _)| key == name)
    {
        Some((_, value)) => T::from_param(&value),
        None => T::from_missing(name),
    }
}

/// Reads the whole query string into `T`, for `#[query]`.
pub fn query_all<T: crate::http::FromInput>(request: &Request) -> Result<T, HttpException> {
    #[cfg(feature = "validation")]
    if let Some(schema) = crate::validation::schema_of(std::any::type_name::<T::Raw>()) {
        let raw = crate::validation::read::query::<T::Raw>(request, schema)?;
        return T::check(raw);
    }
    let raw = serde_urlencoded::from_str(request.uri().query().unwrap_or_default())
        .map_err(|error| crate::BadRequestException::new(error.to_string()))?;
    T::check(raw)
}

/// Reads and converts the header `name`, for `#[headers("name")]`.
pub fn header<T: FromParam>(request: &Request, name: &str) -> Result<T, HttpException> {
    match request.headers().get(name) {
        Some(value) => match value.to_str() {
            Ok(text) => T::from_param(text),
            Err(_) => Err(crate::BadRequestException::new(format!(
                "Invalid {name} header"
            ))),
        },
        None => T::from_missing(name),
    }
}

/// The client's IP address as text, for `#[ip]`.
pub fn ip<T: FromParam>(request: &Request) -> Result<T, HttpException> {
    match request.ip() {
        Some(ip) => T::from_param(&ip.to_string()),
        None => T::from_missing("ip"),
    }
}

/// Reads and converts the path parameter `name` (absent only when it sits in an optional part
/// of the path that the request did not have: `None` for an `Option`).
pub fn param<T: FromParam>(request: &Request, name: &str) -> Result<T, HttpException> {
    match request.param(name) {
        Some(value) => T::from_param(value),
        None => T::from_missing(name),
    }
}

/// The path parameter `name` as text, for pipes.
pub fn raw_param(request: &Request, name: &str) -> Result<Option<String>, HttpException> {
    Ok(request.param(name).map(str::to_owned))
}

/// The query parameter `name` as text, for pipes.
pub fn raw_query(request: &Request, name: &str) -> Result<Option<String>, HttpException> {
    query::<Option<String>>(request, name)
}

/// The header `name` as text, for pipes.
pub fn raw_header(request: &Request, name: &str) -> Result<Option<String>, HttpException> {
    header::<Option<String>>(request, name)
}

/// Reads and converts the host parameter `name`, for `#[host_param("name")]`.
pub fn host_param<T: FromParam>(request: &Request, name: &str) -> Result<T, HttpException> {
    match request.host_param(name) {
        Some(value) => T::from_param(value),
        None => T::from_missing(name),
    }
}

/// The host parameter `name` as text, for pipes.
pub fn raw_host_param(request: &Request, name: &str) -> Result<Option<String>, HttpException> {
    Ok(request.host_param(name).map(str::to_owned))
}

/// Every host parameter, into a map or a `Deserialize` struct, for `#[host_param]`.
pub fn host_params_all<T: crate::http::FromInput>(request: &Request) -> Result<T, HttpException> {
    let encoded = serde_urlencoded::to_string(request.host_params())
        .map_err(|error| crate::BadRequestException::new(error.to_string()))?;
    let raw = serde_urlencoded::from_str(&encoded)
        .map_err(|error| crate::BadRequestException::new(error.to_string()))?;
    T::check(raw)
}

// `#[provider]`: event listeners and scheduled jobs.
/// How `#[derive(Injectable)]` fills the fields it does not inject (see `di::build`).
pub use crate::di::build::{Build, ViaFieldDefaults, ViaSelfDefault};
pub use crate::discovery::{MethodOutput, Methods, ProviderMethods};
pub use crate::event_emitter::{ListenerCall, OnEventOptions, Payload};
pub use crate::schedule::{CronOptions, job};

/// What `#[derive(Dto)]` generates and registers.
#[cfg(feature = "validation")]
pub mod dto {
    pub use crate::validation::schema::{Constraint, Kind, Literal, Property, Rule, Schema};
    pub use crate::validation::{Dto, DtoEntry, Nested, enum_values};
}
#[cfg(feature = "validation")]
pub use inventory;
