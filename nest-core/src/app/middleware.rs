//! Middleware: tower [`Layer`]s around the whole application, as NestJS's `app.use(...)`, so
//! tower-http's compression, timeouts, request ids and tracing work as they do in axum; and
//! the application's own CORS layer (`app::cors`).
//!
//! ```
//! use nest_core::prelude::*;
//! use tower_http::set_header::SetResponseHeaderLayer;
//! # #[derive(Default)] struct AppController;
//! # #[controller] impl AppController { #[get] fn hi(&self) -> &'static str { "hi" } }
//! let mut app = NestApplication::builder().controller(AppController).build().unwrap();
//! app.enable_cors().use_layer(SetResponseHeaderLayer::if_not_present(
//!     http::header::CACHE_CONTROL,
//!     http::HeaderValue::from_static("no-store"),
//! ));
//! ```

use std::{convert::Infallible, sync::Arc};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use tower::{Layer, Service, ServiceExt, util::BoxCloneService};

use crate::http::{Body, HttpException, Response};

/// An error from a middleware or a body, boxed.
///
/// ```
/// let error: nest_core::app::BoxError = "layer failed".into();
/// assert_eq!(error.to_string(), "layer failed");
/// ```
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The application as a tower service, which layers wrap: a layer given to
/// `NestApplication::use_layer` is a `tower::Layer<HttpService>`.
///
/// ```
/// use nest_core::app::HttpService;
/// use tower_http::set_header::SetResponseHeaderLayer;
///
/// fn assert_layer<L: tower::Layer<HttpService>>(_: L) {}
/// assert_layer(SetResponseHeaderLayer::overriding(
///     http::header::CACHE_CONTROL,
///     http::HeaderValue::from_static("no-store"),
/// ));
/// ```
pub type HttpService = BoxCloneService<http::Request<Incoming>, Response, Infallible>;

/// A layer, stored until the application starts.
#[derive(Clone)]
pub(super) struct StoredLayer(Arc<dyn Fn(HttpService) -> HttpService + Send + Sync>);

impl std::fmt::Debug for StoredLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Layer")
    }
}

impl StoredLayer {
    /// A layer of the application's own, whose service answers with [`Response`]s already.
    pub(super) fn new(wrap: impl Fn(HttpService) -> HttpService + Send + Sync + 'static) -> Self {
        Self(Arc::new(wrap))
    }

    /// Wraps `service` in this layer.
    pub(super) fn apply(&self, service: HttpService) -> HttpService {
        (self.0)(service)
    }
}

/// Erases `layer`'s types: its service's responses become [`Response`]s and its errors 500s.
pub(super) fn store<L, B>(layer: L) -> StoredLayer
where
    L: Layer<HttpService> + Send + Sync + 'static,
    L::Service:
        Service<http::Request<Incoming>, Response = http::Response<B>> + Clone + Send + 'static,
    <L::Service as Service<http::Request<Incoming>>>::Future: Send + 'static,
    <L::Service as Service<http::Request<Incoming>>>::Error: Into<BoxError>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    StoredLayer(Arc::new(move |inner| {
        let layered = layer.layer(inner);
        // Each request gets its own clone, readied and called once: a layer's errors (and its
        // readiness) become responses here, since the server's service cannot fail.
        BoxCloneService::new(tower::service_fn(move |request| {
            let service = layered.clone();
            async move {
                Ok::<_, Infallible>(match service.oneshot(request).await {
                    Ok(response) => {
                        response.map(|body| Body::boxed(body.map_err(Into::into).boxed_unsync()))
                    }
                    Err(error) => {
                        let error: BoxError = error.into();
                        HttpException::internal(error).into_response()
                    }
                })
            }
        }))
    }))
}
