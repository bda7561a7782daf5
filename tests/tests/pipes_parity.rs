//! Pipes at every level, pipes built by the injector and custom parameter attributes against
//! the exact bytes NestJS sends: every case of `tests/fixtures/nestjs-pipes/cases.json`
//! (captured from NestJS 12.6.3 + class-validator 0.15.1 + class-transformer 0.5.1, Express
//! 5.3.0, Node 20.20.2, by the app and script beside it) is sent over TCP to the same app
//! written with nest-rs, and the status and body must be byte-equal.

use std::sync::Arc;

use nest_core::pipeline::{
    ArgumentMetadata, CanActivate, ExecutionContext, GuardFuture, ParseIntPipe, PipeTransform,
};
use nest_core::prelude::*;
use nest_core::{BadRequestException, Dto, Injectable, NotFoundException, Request, ValidationPipe};
use nest_tests::{CapturedCase, replay_all};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Serialize, Deserialize, Dto)]
struct CreateItemDto {
    #[is_string]
    #[is_not_empty]
    name: String,
    #[is_int]
    #[min(1)]
    qty: i64,
}

#[derive(Serialize, Deserialize, Dto)]
#[serde(rename_all = "camelCase")]
struct UserDto {
    #[is_string]
    #[is_not_empty]
    first_name: String,
    // A `Value`: NestJS lets a number through when the pipe does not validate.
    #[is_string]
    email: Value,
}

/// Appends `-tag` to a query string: shows the order pipes run in.
struct TagPipe(&'static str);

impl PipeTransform<Value, Value> for TagPipe {
    fn transform(&self, value: Value, metadata: &ArgumentMetadata) -> Result<Value, HttpException> {
        Ok(match value {
            Value::String(text) if metadata.kind == "query" => {
                Value::String(format!("{text}-{}", self.0))
            }
            other => other,
        })
    }
}

impl PipeTransform<Option<String>, Option<String>> for TagPipe {
    fn transform(
        &self,
        value: Option<String>,
        metadata: &ArgumentMetadata,
    ) -> Result<Option<String>, HttpException> {
        Ok(value.map(|text| match metadata.kind {
            "query" => format!("{text}-{}", self.0),
            _ => text,
        }))
    }
}

/// Trims every string of a body object.
struct TrimPipe;

impl PipeTransform<Value, Value> for TrimPipe {
    fn transform(
        &self,
        mut value: Value,
        metadata: &ArgumentMetadata,
    ) -> Result<Value, HttpException> {
        if let (Value::Object(object), "body") = (&mut value, metadata.kind) {
            for field in object.values_mut() {
                if let Value::String(text) = field {
                    *text = text.trim().to_owned();
                }
            }
        }
        Ok(value)
    }
}

#[derive(Default)]
struct SuffixService;

impl SuffixService {
    fn suffix(&self) -> &'static str {
        "!"
    }
}

/// Built by the injector: it needs a service.
#[derive(Injectable)]
struct ShoutPipe {
    service: Arc<SuffixService>,
}

impl PipeTransform<Value, Value> for ShoutPipe {
    fn transform(&self, value: Value, _: &ArgumentMetadata) -> Result<Value, HttpException> {
        Ok(match value {
            Value::String(text) => Value::String(text.to_uppercase() + self.service.suffix()),
            other => other,
        })
    }
}

#[derive(Default)]
struct UsersService;

#[derive(Clone, Serialize)]
struct UserEntity {
    id: u32,
    name: &'static str,
}

impl UsersService {
    fn find(&self, id: u32) -> Option<UserEntity> {
        (id == 1).then_some(UserEntity { id: 1, name: "Ann" })
    }
}

/// Built by the injector on a parameter: loads the user the id names.
#[derive(Injectable)]
struct UserByIdPipe {
    users: Arc<UsersService>,
}

impl PipeTransform<Option<String>, UserEntity> for UserByIdPipe {
    fn transform(
        &self,
        value: Option<String>,
        _: &ArgumentMetadata,
    ) -> Result<UserEntity, HttpException> {
        let value = value.unwrap_or_default();
        value
            .parse()
            .ok()
            .and_then(|id| self.users.find(id))
            .ok_or_else(|| NotFoundException::new(format!("User {value} not found")))
    }
}

/// Refuses odd numbers.
#[derive(Default)]
struct EvenPipe;

impl PipeTransform<i64, i64> for EvenPipe {
    fn transform(&self, value: i64, _: &ArgumentMetadata) -> Result<i64, HttpException> {
        if value % 2 != 0 {
            return Err(BadRequestException::new(
                "Validation failed (even number is expected)",
            ));
        }
        Ok(value)
    }
}

/// Describes the metadata it receives.
#[derive(Default)]
struct MetaPipe;

impl PipeTransform<Value, Value> for MetaPipe {
    fn transform(&self, value: Value, metadata: &ArgumentMetadata) -> Result<Value, HttpException> {
        let shown = match value {
            Value::String(text) => text,
            other => other.to_string(),
        };
        Ok(Value::String(format!(
            "{}:{}:{shown}",
            metadata.kind,
            metadata.data.unwrap_or_default()
        )))
    }
}

/// What the guard attaches to the request (NestJS's `request.user`).
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct User {
    first_name: String,
    email: Value,
}

#[derive(Default)]
struct AuthGuard;

impl CanActivate for AuthGuard {
    fn can_activate<'a>(&'a self, context: &'a ExecutionContext<'a>) -> GuardFuture<'a> {
        Box::pin(async move {
            let headers = context.request().headers();
            let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
            let Some(name) = text("x-user") else {
                return Ok(false);
            };
            context.attach(User {
                first_name: name.to_owned(),
                email: text("x-email").map_or(Value::from(5), Value::from),
            });
            Ok(true)
        })
    }
}

/// NestJS's `createParamDecorator((data, ctx) => data ? request.user?.[data] : request.user)`.
fn user(data: Option<&str>, request: &Request) -> Value {
    let user = request
        .extensions()
        .get::<User>()
        .map(|user| serde_json::to_value(user).unwrap_or_default())
        .unwrap_or_default();
    match data {
        Some(key) => user.get(key).cloned().unwrap_or_default(),
        None => user,
    }
}

#[derive(Serialize)]
struct S {
    #[serde(skip_serializing_if = "Option::is_none")]
    s: Option<String>,
}

#[derive(Default)]
struct LevelsController;

#[controller("levels")]
#[use_pipes(TagPipe("controller"))]
impl LevelsController {
    #[get("order")]
    #[use_pipes(TagPipe("route"))]
    fn order(&self, #[query("s", TagPipe("param"))] s: Option<String>) -> Json<S> {
        Json(S { s })
    }

    #[get("param/:id")]
    fn param(&self, #[param("id", ParseIntPipe, EvenPipe)] id: i64) -> Json<Value> {
        Json(serde_json::json!({ "id": id }))
    }
}

#[derive(Default)]
struct ControllerLevelController;

#[controller("validate")]
#[use_pipes(ValidationPipe::new().whitelist(true).forbid_non_whitelisted(true))]
impl ControllerLevelController {
    #[post]
    #[http_code(200)]
    fn create(&self, #[body] dto: CreateItemDto) -> Json<CreateItemDto> {
        Json(dto)
    }
}

#[derive(Default)]
struct RouteLevelController;

#[controller("route-level")]
impl RouteLevelController {
    #[post]
    #[http_code(200)]
    #[use_pipes(ValidationPipe::new().whitelist(true))]
    fn create(&self, #[body] dto: CreateItemDto) -> Json<CreateItemDto> {
        Json(dto)
    }

    #[post("class")]
    #[http_code(200)]
    #[use_pipes(ValidationPipe)]
    fn by_class(&self, #[body] dto: CreateItemDto) -> Json<CreateItemDto> {
        Json(dto)
    }

    #[post("param")]
    #[http_code(200)]
    fn param(
        &self,
        #[body(ValidationPipe::new().whitelist(true).forbid_non_whitelisted(true))]
        dto: CreateItemDto,
    ) -> Json<CreateItemDto> {
        Json(dto)
    }
}

#[derive(Default)]
struct InjectedController;

#[controller("injected")]
impl InjectedController {
    #[get("shout")]
    #[use_pipes(ShoutPipe)]
    fn shout(&self, #[query("s")] s: Option<String>) -> Json<S> {
        Json(S { s })
    }

    #[get("user/:id")]
    fn user(&self, #[param("id", UserByIdPipe)] user: UserEntity) -> Json<UserEntity> {
        Json(user)
    }

    #[get("meta/:id")]
    #[use_pipes(MetaPipe)]
    fn meta(
        &self,
        #[param("id")] id: String,
        #[query("q")] q: String,
        #[body("x")] x: Value,
    ) -> Json<Value> {
        Json(serde_json::json!({ "id": id, "q": q, "x": x }))
    }
}

#[derive(Default)]
struct MeController;

#[controller("me")]
#[use_guards(AuthGuard)]
impl MeController {
    #[get("first")]
    fn first(&self, #[user("firstName")] first_name: String) -> Json<Value> {
        Json(serde_json::json!({ "firstName": first_name }))
    }

    #[get]
    fn whole(&self, #[user] user: Value) -> Json<Value> {
        Json(user)
    }

    #[get("validated")]
    fn validated(
        &self,
        #[user(ValidationPipe::new().validate_custom_decorators(true))] user: UserDto,
    ) -> Json<UserDto> {
        Json(user)
    }

    #[get("unvalidated")]
    fn unvalidated(&self, #[user(ValidationPipe::new())] user: UserDto) -> Json<UserDto> {
        Json(user)
    }
}

#[module(
    controllers = [
        LevelsController,
        ControllerLevelController,
        RouteLevelController,
        InjectedController,
        MeController
    ],
    providers = [SuffixService, UsersService]
)]
struct AppModule;

#[derive(Deserialize)]
struct Case {
    name: String,
    method: String,
    path: String,
    headers: std::collections::BTreeMap<String, String>,
    body: Option<String>,
    status: u16,
    response: String,
}

#[tokio::test]
async fn every_case_answers_nestjs_bytes() {
    let cases: Vec<Case> =
        serde_json::from_str(include_str!("../fixtures/nestjs-pipes/cases.json"))
            .expect("cases.json parses");
    let mut app = NestFactory::create::<AppModule>()
        .await
        .expect("the module builds");
    app.use_global_pipes(TrimPipe)
        .use_global_pipes(TagPipe("global"));
    let app = app
        .bind("127.0.0.1:0")
        .await
        .expect("127.0.0.1:0 can be bound");
    let captured: Vec<CapturedCase<'_>> = cases
        .iter()
        .map(|case| CapturedCase {
            name: &case.name,
            method: &case.method,
            path: &case.path,
            headers: case
                .headers
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str()))
                .collect(),
            body: case.body.as_deref(),
            status: case.status,
            response: &case.response,
        })
        .collect();
    let failures = replay_all(app.local_addr(), &captured).await;
    app.close().await;
    assert!(cases.len() >= 20, "only {} cases", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
