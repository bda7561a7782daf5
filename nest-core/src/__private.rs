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
pub use crate::pipeline::args::{
    Finish, PipeSlot, ViaJson, ViaSame, body, body_field, decorated, header, host_param,
    host_params_all, ip, json_argument, param, params_all, query, query_all, raw_header,
    raw_host_param, raw_param, raw_query, ready_pipe,
};
pub use crate::pipeline::{
    AnyPipe, ArgumentMetadata, CanActivate, Enhancer, ExceptionFilter, ExceptionType,
    NestInterceptor, ViaDefaultEnhancer, ViaInjectableEnhancer, run_pipe,
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

/// What `#[controller]` and `#[derive(Dto)]` write for the OpenAPI document.
pub mod openapi {
    pub use crate::openapi::route::{ParamDoc, ParamIn, ResponseDoc, RouteDoc};
    #[cfg(feature = "validation")]
    pub use crate::openapi::schema::dto_object;
    pub use crate::openapi::schema::{
        ApiSchema, FieldDoc, NoApiSchema, Probe, SchemaGen, ViaApiSchema,
    };
    pub use serde_json::Value;
}
