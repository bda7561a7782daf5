//! The NestJS docs example over HTTPS, so that browsers speak HTTP/2 and any number of
//! `EventSource`s share one connection (HTTP/1.1 allows six per origin).
//!
//! ```text
//! cargo run -p nest-examples --bin https      # then open https://localhost:3000 (self-signed)
//! CERT=cert.pem KEY=key.pem cargo run -p nest-examples --bin https
//! curl -k --http2 -N https://localhost:3000/sse
//! ```
//!
//! Without `CERT` and `KEY`, a self-signed certificate for `localhost` is made at start-up.

#[path = "../support.rs"]
mod support;

use nest_core::app::TlsConfig;
use nest_core::prelude::*;

#[derive(Default)]
struct AppController;

#[controller]
impl AppController {
    #[get]
    fn index(&self) -> Html<&'static str> {
        Html(include_str!("../sse/index.html"))
    }

    #[sse("sse")]
    fn sse(&self) -> impl Stream<Item = MessageEvent> {
        interval(Duration::from_secs(1)).map(|_| MessageEvent::json(&json!({ "hello": "world" })))
    }
}

#[module(controllers = [AppController])]
struct AppModule;

fn tls() -> std::io::Result<TlsConfig> {
    match (std::env::var_os("CERT"), std::env::var_os("KEY")) {
        (Some(cert), Some(key)) => TlsConfig::from_pem_files(cert, key),
        _ => {
            let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])
                .map_err(std::io::Error::other)?;
            TlsConfig::from_pem(
                certified.cert.pem().as_bytes(),
                certified.signing_key.serialize_pem().as_bytes(),
            )
        }
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    support::init_logging();
    let mut app = NestFactory::create::<AppModule>().await?;
    app.set_tls(tls()?);
    app.listen(support::port()).await
}
