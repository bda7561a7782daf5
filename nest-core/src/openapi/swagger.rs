//! Serving the document and Swagger UI (feature `openapi`): the page and its assets come from
//! the `swagger-ui-redist` crate, which ships Swagger UI's files in its package.

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, header::CONTENT_TYPE};
use swagger_ui_redist::{SwaggerUi, SwaggerUiStaticFile};

use super::{OpenApiDocument, SwaggerModule};
use crate::{
    app::NestApplication,
    http::{Body, HttpException, Request, Response},
    pipeline::Next,
};

/// What one Swagger UI mount answers.
struct Served {
    /// `/api`, `/api/`.
    page: String,
    /// `/api-json`.
    json_path: String,
    /// `/api/`: the assets are under it.
    assets: String,
    html: Bytes,
    json: Bytes,
}

fn respond(body: Bytes, content_type: &'static str) -> Response {
    let mut response = Response::new(Body::from(body));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn content_type(file: SwaggerUiStaticFile) -> &'static str {
    match file {
        SwaggerUiStaticFile::Css | SwaggerUiStaticFile::IndexCss => "text/css; charset=utf-8",
        SwaggerUiStaticFile::Js | SwaggerUiStaticFile::StandalonePresetJs => {
            "application/javascript; charset=utf-8"
        }
        _ => "image/png",
    }
}

impl Served {
    fn answer(&self, request: &Request) -> Option<Response> {
        if request.method() != http::Method::GET && request.method() != http::Method::HEAD {
            return None;
        }
        let path = request.uri().path();
        if path == self.json_path {
            return Some(respond(
                self.json.clone(),
                "application/json; charset=utf-8",
            ));
        }
        if path == self.page || path == self.assets {
            return Some(respond(self.html.clone(), "text/html; charset=utf-8"));
        }
        let name = path.strip_prefix(&self.assets)?;
        SwaggerUi::static_files()
            .iter()
            .find(|(file, _)| file.file_name() == name)
            .map(|(file, bytes)| respond(Bytes::from_static(bytes), content_type(*file)))
    }
}

impl SwaggerModule {
    /// Serves `document` at `/{path}-json` and Swagger UI at `/{path}` (feature `openapi`),
    /// as `SwaggerModule.setup('api', app, document)`: outside the global prefix and
    /// versioning, before the application's routes and middleware.
    ///
    /// ```
    /// use nest_core::prelude::*;
    /// use nest_core::openapi::{DocumentBuilder, SwaggerModule};
    ///
    /// # #[derive(Default)] struct CatsController;
    /// # #[controller("cats")] impl CatsController { #[get] fn all(&self) -> Json<Vec<String>> { Json(vec![]) } }
    /// let mut app = NestApplication::builder().controller(CatsController).build().unwrap();
    /// let config = DocumentBuilder::new().set_title("Cats example").build();
    /// let document = SwaggerModule::create_document(&app, &config);
    /// SwaggerModule::setup("api", &mut app, &document);
    /// ```
    pub fn setup(path: &str, app: &mut NestApplication, document: &OpenApiDocument) {
        let trimmed = path.trim_matches('/');
        let page = format!("/{trimmed}");
        let assets = if trimmed.is_empty() {
            "/".to_owned()
        } else {
            format!("{page}/")
        };
        let json_path = if trimmed.is_empty() {
            "/-json".to_owned()
        } else {
            format!("{page}-json")
        };
        let mut ui = SwaggerUi::new();
        let title = document.as_value()["info"]["title"]
            .as_str()
            .filter(|title| !title.is_empty())
            .unwrap_or("Swagger UI")
            .to_owned();
        ui.title(title);
        ui.config().urls([json_path.clone()]);
        for file in SwaggerUiStaticFile::all() {
            ui.override_file_path(*file, format!("{assets}{}", file.file_name()));
        }
        let html = ui
            .serve()
            .unwrap_or_else(|error| format!("Swagger UI could not be configured: {error}"));
        let served = Arc::new(Served {
            page,
            json_path,
            assets,
            html: Bytes::from(html),
            json: Bytes::from(serde_json::to_vec(document.as_value()).unwrap_or_default()),
        });
        app.use_middleware(move |request: Request, next: Next| {
            let served = Arc::clone(&served);
            async move {
                match served.answer(&request) {
                    Some(response) => Ok::<_, HttpException>(response),
                    None => Ok(next.run(request).await),
                }
            }
        });
    }
}
