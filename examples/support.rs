//! What every example's `main` does besides building its app: log as NestJS does (`RUST_LOG`
//! filters, `info` by default) and read the port from `PORT` (3000 by default).

/// Prints the application's logs (`Mapped {/sse, GET} route`, …) to the terminal, and each
/// request's and event stream's span when it closes, once `RUST_LOG` asks for them
/// (`RUST_LOG=info,nest_core::request=debug,nest_core::stream=debug`).
pub(crate) fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .init();
}

/// The port to listen on: `PORT`, or 3000 as in the NestJS docs.
pub(crate) fn port() -> u16 {
    std::env::var("PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(3000)
}
