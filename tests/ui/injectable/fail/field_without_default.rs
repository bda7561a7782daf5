use std::sync::Arc;

use nest_core::Injectable;

#[derive(Injectable, Default)]
struct Logger;

/// Neither injected nor `Default`.
struct Connection {
    _url: String,
}

#[derive(Injectable)]
struct Repository {
    logger: Arc<Logger>,
    connection: Connection,
    count: usize,
}

fn main() {
    let _ = |repository: Repository| (repository.logger, repository.connection, repository.count);
}
