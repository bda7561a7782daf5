//! `src/core/interceptors/logging.interceptor.ts`, `transform.interceptor.ts` and
//! `src/common/interceptors/timeout.interceptor.ts`.

use std::time::{Duration, Instant};

use nest_core::pipeline::{CallHandler, NestInterceptor, ResponseFuture};
use nest_core::{Body, RequestTimeoutException, Response};

/// `console.log('Before...')`, then `After... {ms}ms` once the handler answered.
#[derive(Default)]
pub(crate) struct LoggingInterceptor;

impl NestInterceptor for LoggingInterceptor {
    fn intercept<'a>(&'a self, next: CallHandler<'a>) -> ResponseFuture<'a> {
        Box::pin(async move {
            tracing::info!(target: "LoggingInterceptor", "Before...");
            let now = Instant::now();
            let response = next.handle().await;
            tracing::info!(target: "LoggingInterceptor", "After... {}ms", now.elapsed().as_millis());
            response
        })
    }
}

/// `map(data => ({ data }))`: every JSON answer becomes `{"data": ...}`; an empty answer
/// (`undefined`) becomes `{}`. Event streams are left alone.
#[derive(Default)]
pub(crate) struct TransformInterceptor;

impl NestInterceptor for TransformInterceptor {
    fn after(&self, mut response: Response) -> Response {
        if !response.status().is_success() {
            return response;
        }
        let Some(bytes) = response.body().full_bytes() else {
            return response;
        };
        let is_json = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
        let wrapped = if bytes.is_empty() {
            b"{}".to_vec()
        } else if is_json {
            [b"{\"data\":".as_slice(), &bytes, b"}"].concat()
        } else {
            return response;
        };
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json; charset=utf-8"),
        );
        response.headers_mut().remove(http::header::CONTENT_LENGTH);
        *response.body_mut() = Body::from(wrapped);
        response
    }
}

/// `timeout(5000)`, then `RequestTimeoutException`: 408 when the handler takes longer.
#[derive(Default)]
pub(crate) struct TimeoutInterceptor;

impl NestInterceptor for TimeoutInterceptor {
    fn intercept<'a>(&'a self, next: CallHandler<'a>) -> ResponseFuture<'a> {
        Box::pin(async move {
            tokio::time::timeout(Duration::from_secs(5), next.handle())
                .await
                .unwrap_or_else(|_| RequestTimeoutException::new("Request Timeout").into_response())
        })
    }
}
