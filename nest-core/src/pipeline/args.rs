//! Reading a route's arguments through its pipes, for the code `#[controller]` generates:
//! the global, controller and route pipes (the request's `PipeChain`) run on each `#[body]`,
//! `#[query]`, `#[param]`, `#[host_param]` and custom parameter attribute, as NestJS runs
//! them; a `#[derive(Dto)]` argument is validated by the `ValidationPipe`s among them (or by
//! `ValidationPipe::new()` when none reached it) before it is deserialised. Without pipes and
//! DTOs, values are read straight into their types.

use std::{
    cell::Cell,
    future::Future,
    marker::PhantomData,
    pin::Pin,
    sync::{Arc, OnceLock},
};

use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

use super::Enhancer;
use super::pipes::{AnyPipe, ArgumentMetadata, PipeChain, PipeTransform};
use crate::{
    di::{Container, ModuleId},
    error::StartupError,
    http::{BadRequestException, FromInput, FromParam, HttpException, Request},
};

/// Whether the type called `metatype` derives `Dto`.
fn is_dto(metatype: &str) -> bool {
    #[cfg(feature = "validation")]
    return crate::validation::schema_of(metatype).is_some();
    #[cfg(not(feature = "validation"))]
    {
        let _ = metatype;
        false
    }
}

/// The JSON `value` of an argument after its pipes, as its type: a DTO no `ValidationPipe`
/// reached is validated first; a value that does not fit is told in class-validator's words.
fn finish_value<T: DeserializeOwned>(
    value: Value,
    validated: bool,
    metatype: Option<&str>,
) -> Result<T, HttpException> {
    #[cfg(feature = "validation")]
    return crate::validation::finish(value, validated, metatype);
    #[cfg(not(feature = "validation"))]
    {
        let _ = (validated, metatype);
        crate::http::json_shape::from_value(value).map_err(BadRequestException::new)
    }
}

/// Runs the route's chain on `value`, if it has one.
fn through(
    chain: Option<&PipeChain>,
    value: Value,
    metadata: &ArgumentMetadata,
    validated: &mut bool,
) -> Result<Value, HttpException> {
    match chain {
        Some(chain) => {
            *validated |= chain.validates();
            chain.run(value, metadata)
        }
        None => Ok(value),
    }
}

/// The metadata of the text argument `name` of `kind`, of type `T`.
fn text_metadata<T>(kind: &'static str, name: &'static str) -> ArgumentMetadata {
    ArgumentMetadata {
        kind,
        data: Some(name),
        metatype: Some(std::any::type_name::<T>()),
    }
}

/// A text argument (`None` when absent) through the request's chain, back as text.
fn text_through(
    chain: &PipeChain,
    raw: Option<&str>,
    metadata: &ArgumentMetadata,
) -> Result<Option<String>, HttpException> {
    let value = raw.map_or(Value::Null, |text| Value::String(text.to_owned()));
    Ok(match chain.run(value, metadata)? {
        Value::Null => None,
        Value::String(text) => Some(text),
        other => Some(other.to_string()),
    })
}

/// A text argument of `kind` named `name`, converted to `T` (through the chain when the route
/// has pipes).
fn text_argument<T: FromParam>(
    request: &Request,
    kind: &'static str,
    name: &'static str,
    raw: Option<&str>,
) -> Result<T, HttpException> {
    let piped;
    let text = match PipeChain::of(request) {
        Some(chain) => {
            piped = text_through(&chain, raw, &text_metadata::<T>(kind, name))?;
            piped.as_deref()
        }
        None => raw,
    };
    match text {
        Some(text) => T::from_param(text),
        None => T::from_missing(name),
    }
}

/// A text argument for its own pipes (through the route's chain first).
fn raw_text<T>(
    request: &Request,
    kind: &'static str,
    name: &'static str,
    raw: Option<&str>,
) -> Result<Option<String>, HttpException> {
    match PipeChain::of(request) {
        Some(chain) => text_through(&chain, raw, &text_metadata::<T>(kind, name)),
        None => Ok(raw.map(str::to_owned)),
    }
}

/// Reads the body, for `#[body]`: a `#[derive(Dto)]` type is read as express's JSON parser
/// reads it, run through the route's pipes and validated; another type is read as JSON.
pub async fn body<T: FromInput>(request: &mut Request) -> Result<T, HttpException> {
    let metatype = std::any::type_name::<T::Raw>();
    let dto = is_dto(metatype);
    let chain = PipeChain::of(request);
    if !dto && chain.is_none() {
        return crate::http::json_body(request).await;
    }
    let value = crate::http::body_value(request, dto).await?;
    object_argument(chain.as_ref(), "body", value, metatype)
}

/// Reads one field of the JSON body, for `#[body("field")]`.
pub async fn body_field<T: DeserializeOwned>(
    request: &mut Request,
    field: &'static str,
) -> Result<T, HttpException> {
    let Some(chain) = PipeChain::of(request) else {
        return crate::http::json_body_field(request, field).await;
    };
    let value = field_of(crate::http::body_value(request, false).await?, field);
    let metadata = text_metadata::<T>("body", field);
    let value = through(Some(&chain), value, &metadata, &mut false)?;
    crate::http::json_shape::from_property(value, field).map_err(BadRequestException::new)
}

fn field_of(mut body: Value, field: &str) -> Value {
    body.get_mut(field).map(Value::take).unwrap_or_default()
}

/// Every path parameter, into a map or a `Deserialize` struct, for `#[param]`.
pub fn params_all<T: FromInput>(request: &Request) -> Result<T, HttpException> {
    let metatype = std::any::type_name::<T::Raw>();
    let chain = PipeChain::of(request);
    if !is_dto(metatype) && chain.is_none() {
        return urlencoded(request.params());
    }
    let value = crate::http::params_value(request.params());
    object_argument(chain.as_ref(), "param", value, metatype)
}

/// Every host parameter, into a map or a `Deserialize` struct, for `#[host_param]`.
pub fn host_params_all<T: FromInput>(request: &Request) -> Result<T, HttpException> {
    let metatype = std::any::type_name::<T::Raw>();
    let chain = PipeChain::of(request);
    if !is_dto(metatype) && chain.is_none() {
        return urlencoded(request.host_params());
    }
    let value = crate::http::params_value(request.host_params());
    object_argument(chain.as_ref(), "custom", value, metatype)
}

/// Reads the whole query string into `T`, for `#[query]`.
pub fn query_all<T: FromInput>(request: &Request) -> Result<T, HttpException> {
    let metatype = std::any::type_name::<T::Raw>();
    let chain = PipeChain::of(request);
    if !is_dto(metatype) && chain.is_none() {
        let raw = serde_urlencoded::from_str(request.uri().query().unwrap_or_default())
            .map_err(|error| BadRequestException::new(error.to_string()))?;
        return T::check(raw);
    }
    let value = crate::http::query_value(request)?;
    object_argument(chain.as_ref(), "query", value, metatype)
}

fn urlencoded<T: FromInput>(pairs: &[(String, String)]) -> Result<T, HttpException> {
    let encoded = serde_urlencoded::to_string(pairs)
        .map_err(|error| BadRequestException::new(error.to_string()))?;
    let raw = serde_urlencoded::from_str(&encoded)
        .map_err(|error| BadRequestException::new(error.to_string()))?;
    T::check(raw)
}

/// A whole body, query or set of parameters, through the route's chain, validated if it is a
/// DTO no `ValidationPipe` reached, as `T`.
fn object_argument<T: FromInput>(
    chain: Option<&PipeChain>,
    kind: &'static str,
    value: Value,
    metatype: &'static str,
) -> Result<T, HttpException> {
    let metadata = ArgumentMetadata {
        kind,
        data: None,
        metatype: Some(metatype),
    };
    let mut validated = false;
    let value = through(chain, value, &metadata, &mut validated)?;
    T::check(finish_value(value, validated, Some(metatype))?)
}

/// The JSON value of an argument with pipes of its own (`#[body(SomePipe)]`, `#[query(...)]`,
/// …): read, then run through the route's pipes. `source` is `"body"`, `"body-field"`,
/// `"query"`, `"param"` or `"host"`.
pub async fn json_argument(
    request: &mut Request,
    source: &'static str,
    metadata: &ArgumentMetadata,
    validated: &mut bool,
) -> Result<Value, HttpException> {
    let value = match source {
        "body" => {
            let dto = metadata.metatype.is_some_and(is_dto);
            crate::http::body_value(request, dto).await?
        }
        "body-field" => field_of(
            crate::http::body_value(request, false).await?,
            metadata.data.unwrap_or_default(),
        ),
        "query" => crate::http::query_value(request)?,
        "param" => crate::http::params_value(request.params()),
        _ => crate::http::params_value(request.host_params()),
    };
    through(PipeChain::of(request).as_ref(), value, metadata, validated)
}

/// A custom parameter attribute's value (`#[user("email")]`: what `user(Some("email"),
/// &request)` returned), as JSON, run through the route's pipes.
pub fn decorated<R: Serialize>(
    request: &Request,
    value: R,
    metadata: &ArgumentMetadata,
    validated: &mut bool,
) -> Result<Value, HttpException> {
    let value = serde_json::to_value(value).map_err(|error| {
        HttpException::internal(format!(
            "the value of a custom parameter attribute is not JSON: {error}"
        ))
    })?;
    through(PipeChain::of(request).as_ref(), value, metadata, validated)
}

/// The value of the query parameter `name` among `pairs` (the first, when repeated).
fn query_param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// Reads and converts the query parameter `name`, for `#[query("name")]`.
pub fn query<T: FromParam>(request: &Request, name: &'static str) -> Result<T, HttpException> {
    let pairs = request.query_pairs()?;
    text_argument(request, "query", name, query_param(&pairs, name))
}

/// Reads and converts the header `name`, for `#[headers("name")]` (headers go through no
/// route pipes, as in NestJS).
pub fn header<T: FromParam>(request: &Request, name: &'static str) -> Result<T, HttpException> {
    match header_text(request, name)? {
        Some(text) => T::from_param(text),
        None => T::from_missing(name),
    }
}

/// The header `name` as text, if the request has it.
fn header_text<'a>(request: &'a Request, name: &str) -> Result<Option<&'a str>, HttpException> {
    request
        .headers()
        .get(name)
        .map(|value| {
            value
                .to_str()
                .map_err(|_| BadRequestException::new(format!("Invalid {name} header")))
        })
        .transpose()
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
pub fn param<T: FromParam>(request: &Request, name: &'static str) -> Result<T, HttpException> {
    text_argument(request, "param", name, request.param(name))
}

/// The path parameter `name` as text, for the argument's own pipes.
pub fn raw_param<T>(
    request: &Request,
    name: &'static str,
) -> Result<Option<String>, HttpException> {
    raw_text::<T>(request, "param", name, request.param(name))
}

/// The query parameter `name` as text, for the argument's own pipes.
pub fn raw_query<T>(
    request: &Request,
    name: &'static str,
) -> Result<Option<String>, HttpException> {
    let pairs = request.query_pairs()?;
    raw_text::<T>(request, "query", name, query_param(&pairs, name))
}

/// The header `name` as text, for the argument's own pipes.
pub fn raw_header<T>(
    request: &Request,
    name: &'static str,
) -> Result<Option<String>, HttpException> {
    Ok(header_text(request, name)?.map(str::to_owned))
}

/// Reads and converts the host parameter `name`, for `#[host_param("name")]`.
pub fn host_param<T: FromParam>(request: &Request, name: &'static str) -> Result<T, HttpException> {
    // NestJS's pipes see `@HostParam()` as `custom`.
    text_argument(request, "custom", name, request.host_param(name))
}

/// The host parameter `name` as text, for the argument's own pipes.
pub fn raw_host_param<T>(
    request: &Request,
    name: &'static str,
) -> Result<Option<String>, HttpException> {
    raw_text::<T>(request, "custom", name, request.host_param(name))
}

/// An argument's pipe named by its type (`#[param("id", UserByIdPipe)]`, NestJS's
/// `@Param('id', UserByIdPipe)`): built by the injector in the controller's module at start-up,
/// then shared by every request of the route.
pub struct PipeSlot<P>(Arc<SlotInner<P>>);

struct SlotInner<P> {
    enhancer: Enhancer<P>,
    built: OnceLock<Arc<P>>,
}

impl<P> Clone for PipeSlot<P> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<P> std::fmt::Debug for PipeSlot<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PipeSlot({:?})", self.0.enhancer)
    }
}

impl<P: Send + Sync + 'static> PipeSlot<P> {
    /// The slot of the pipe `enhancer` builds.
    pub fn new(enhancer: Enhancer<P>) -> Self {
        Self(Arc::new(SlotInner {
            enhancer,
            built: OnceLock::new(),
        }))
    }

    /// The built pipe.
    ///
    /// # Panics
    ///
    /// Before the application built it (a route only runs once it has).
    pub fn get(&self) -> &P {
        self.0
            .built
            .get()
            .expect("the injector builds a route's pipes before the route runs")
    }

    /// What the application builds.
    pub fn erased(&self) -> ArgumentPipe {
        ArgumentPipe(Arc::clone(&self.0) as Arc<dyn PipeSlotFill>)
    }
}

/// A [`PipeSlot`] for the application to check and fill.
#[derive(Clone)]
pub struct ArgumentPipe(pub(crate) Arc<dyn PipeSlotFill>);

impl std::fmt::Debug for ArgumentPipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ArgumentPipe")
    }
}

pub(crate) trait PipeSlotFill: Send + Sync {
    /// Checks the pipe's dependencies against `module`.
    fn check(&self, container: &Container, module: ModuleId) -> Result<(), StartupError>;

    /// Builds the pipe in `module` (once).
    fn fill<'a>(
        &'a self,
        container: &'a Container,
        module: ModuleId,
    ) -> Pin<Box<dyn Future<Output = Result<(), StartupError>> + Send + 'a>>;
}

impl<P: Send + Sync + 'static> PipeSlotFill for SlotInner<P> {
    fn check(&self, container: &Container, module: ModuleId) -> Result<(), StartupError> {
        self.enhancer.check(container, module)
    }

    fn fill<'a>(
        &'a self,
        container: &'a Container,
        module: ModuleId,
    ) -> Pin<Box<dyn Future<Output = Result<(), StartupError>> + Send + 'a>> {
        Box::pin(async move {
            if self.built.get().is_none() {
                let built = self.enhancer.build(container, module).await?;
                let _ = self.built.set(built);
            }
            Ok(())
        })
    }
}

/// `#[use_pipes(SomePipe::new())]`: a pipe written as a value.
pub fn ready_pipe<P: PipeTransform<Value, Value> + 'static>(pipe: P) -> super::Enhancer<AnyPipe> {
    super::Enhancer::Ready(Arc::new(pipe))
}

/// The last value of an argument's pipes on its way to the argument's type (autoref: a value
/// already of that type is taken as it is, a JSON value is deserialised).
pub struct Finish<V, T>(Cell<Option<V>>, PhantomData<fn() -> T>);

impl<V, T> std::fmt::Debug for Finish<V, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Finish")
    }
}

impl<V, T> Finish<V, T> {
    /// Wraps the value.
    pub fn new(value: V) -> Self {
        Self(Cell::new(Some(value)), PhantomData)
    }

    fn take(&self) -> V {
        self.0.take().expect("an argument's value is finished once")
    }
}

/// The last pipe gave the argument's type.
pub trait ViaSame<T> {
    /// The argument.
    fn __nest_finish(
        self,
        validated: bool,
        metadata: &ArgumentMetadata,
    ) -> Result<T, HttpException>;
}

impl<T> ViaSame<T> for &&Finish<T, T> {
    fn __nest_finish(self, _: bool, _: &ArgumentMetadata) -> Result<T, HttpException> {
        Ok(self.take())
    }
}

/// The last value is JSON: validated if it is a DTO no `ValidationPipe` reached, then
/// deserialised.
#[diagnostic::on_unimplemented(
    message = "the last pipe gives a `{Self}`, not the argument's type `{T}`",
    label = "the argument's pipes must end with its type, or with a `serde_json::Value` to deserialise into it"
)]
pub trait ViaJson<T> {
    /// The argument.
    fn __nest_finish(
        self,
        validated: bool,
        metadata: &ArgumentMetadata,
    ) -> Result<T, HttpException>;
}

impl<T: DeserializeOwned> ViaJson<T> for &Finish<Value, T> {
    fn __nest_finish(
        self,
        validated: bool,
        metadata: &ArgumentMetadata,
    ) -> Result<T, HttpException> {
        finish_value(self.take(), validated, metadata.metatype)
    }
}
