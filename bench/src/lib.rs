//! Benchmarks for nest-rs. Each figure is reported beside a baseline measured in the same run
//! (on a shared machine absolute numbers drift; the ratios hold better):
//!
//! * `cargo bench -p nest-bench --bench hub`: publish-to-receive latency of a [`Hub`] with one
//!   subscriber, and delivery of one event to 1,000 subscribers, against
//!   `tokio::sync::broadcast` (which has no replay log and clones per receiver).
//! * `cargo bench -p nest-bench --bench encoder`: nest-rs's SSE encoder against axum's `Event`
//!   formatting, on small, JSON, multi-line and 64 KiB events.
//! * `cargo run --release -p nest-bench --bin hub-memory`: bytes per hub subscriber against a
//!   `tokio::sync::broadcast` receiver.
//! * `cargo run --release -p nest-bench --bin bench-all`: nest-rs, axum and raw hyper serving
//!   the shared SSE benchmark contract (`bench-nest`, `bench-axum`, `bench-hyper`), measured
//!   over real TCP by one load generator ([`measure`]) in one run, then 100,000 held
//!   connections and one publish to all of them ([`scale`]); see `docs/benchmarks.md`. The
//!   reference peers of the contract, Go's `net/http` and nginx + Nchan, are measured in the
//!   same run ([`peers`]).
//! * The same measurements over HTTP/2 (h2c, many streams per connection), up to a million
//!   streams: [`h2`] (`bench-load bench-nest h2-m1 h2-m2 h2-m3`, `bench-load bench-nest
//!   h2-million`).
//!
//! [`Hub`]: nest_core::sse::Hub

pub mod client;
pub mod contract;
pub mod h2;
pub mod measure;
pub mod parse;
pub mod peers;
pub mod process;
pub mod report;
pub mod runner;
pub mod scale;
