//! What every contender's server shares with the load generator: the port, the clock behind
//! `ts`, and the descriptor limit (see `shared/bench/CONTRACT.md`).

use std::time::{SystemTime, UNIX_EPOCH};

/// The port to listen on: `PORT`, or 3000 as the contract says.
pub fn port() -> u16 {
    std::env::var("PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(3000)
}

/// Nanoseconds since the Unix epoch: the `ts` of a published message, and the clock the load
/// generator reads when the message arrives.
pub fn unix_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX)
        })
}

/// How many descriptors a process asks for: room for the 100,000-connection scale test.
pub const WANTED_DESCRIPTORS: u64 = 262_144;

/// Raises `RLIMIT_NOFILE` to [`WANTED_DESCRIPTORS`] (the hard limit too when allowed, as for
/// root), else as far as the hard limit allows; returns the soft limit now in force.
pub fn raise_fd_limit() -> u64 {
    if rlimit::setrlimit(
        rlimit::Resource::NOFILE,
        WANTED_DESCRIPTORS,
        WANTED_DESCRIPTORS,
    )
    .is_ok()
    {
        return WANTED_DESCRIPTORS;
    }
    rlimit::increase_nofile_limit(WANTED_DESCRIPTORS).unwrap_or(1024)
}
