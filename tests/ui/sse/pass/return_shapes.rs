//! Every return shape an `#[sse]` route accepts, compiled with warnings denied so the
//! generated code stays lint-clean in user crates.
#![deny(warnings, missing_docs)]

use nest_core::prelude::*;

/// Routes of every shape.
#[derive(Default)]
pub struct ShapesController {
    names: Vec<String>,
}

#[controller("shapes")]
impl ShapesController {
    /// Plain events.
    #[sse("events")]
    pub fn events(&self) -> impl Stream<Item = MessageEvent> {
        stream::iter([MessageEvent::new("a")])
    }

    /// Items that convert into events.
    #[sse("strings")]
    pub fn strings(&self) -> impl Stream<Item = String> {
        stream::iter([String::from("a")])
    }

    /// JSON values.
    #[sse("values")]
    pub fn values(&self) -> impl Stream<Item = serde_json::Value> {
        stream::iter([json!({ "a": 1 })])
    }

    /// Typed values, serialised as JSON data.
    #[sse("typed")]
    pub fn typed(&self) -> impl Stream<Item = Json<Vec<u8>>> {
        stream::iter([Json(vec![1, 2])])
    }

    /// Fallible typed values.
    #[sse("typed-fallible")]
    pub fn typed_fallible(&self) -> impl Stream<Item = Result<Json<u8>, HttpException>> {
        stream::iter([Ok(Json(1))])
    }

    /// Fallible items with any error type.
    #[sse("fallible")]
    pub fn fallible(&self) -> impl Stream<Item = Result<&'static str, std::io::Error>> {
        stream::iter([Ok("a")])
    }

    /// An error before the stream.
    #[sse("deferred/:id")]
    pub async fn deferred(
        &self,
        #[param("id")] id: u64,
    ) -> Result<impl Stream<Item = MessageEvent>, HttpException> {
        if id == 0 {
            return Err(NotFoundException.into());
        }
        Ok(stream::iter([MessageEvent::new(id.to_string())]))
    }

    /// A stream borrowing the controller.
    #[sse("borrowed")]
    pub fn borrowed(&self) -> impl Stream<Item = MessageEvent> + '_ {
        stream::iter(self.names.iter().map(|name| MessageEvent::new(name.as_str())))
    }

    /// A POST event stream.
    #[sse("chat", method = "POST")]
    pub fn chat(&self) -> impl Stream<Item = MessageEvent> {
        stream::empty()
    }

    /// A page.
    #[get]
    pub fn page(&self) -> Html<&'static str> {
        Html("<p>hi</p>")
    }
}

/// The module.
#[module(controllers = [ShapesController])]
pub struct AppModule;

fn main() {
    let app = NestApplication::builder().import::<AppModule>().build().unwrap();
    assert_eq!(app.routes().len(), 10);
}
