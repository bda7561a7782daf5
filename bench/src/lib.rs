//! Benchmarks for nest-rs. Each figure is reported beside a baseline measured in the same run
//! (this machine is shared and noisy, so absolute numbers drift):
//!
//! * `cargo bench -p nest-bench --bench hub`: publish-to-receive latency of a [`Hub`] with one
//!   subscriber, and delivery of one event to 1,000 subscribers, against
//!   `tokio::sync::broadcast` (which has no replay log and clones per receiver).
//! * `cargo run --release -p nest-bench --bin hub-memory`: bytes per hub subscriber against a
//!   `tokio::sync::broadcast` receiver.
//!
//! [`Hub`]: nest_core::sse::Hub
