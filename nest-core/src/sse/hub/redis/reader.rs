//! The reader: one task per hub and process that appends what Redis holds for every topic read
//! (with local subscribers, or within `read_grace` of the last one leaving) to the topic's local
//! log, for as long as the hub lives, reconnecting whenever it must.
//!
//! It reads with one blocking `XREAD` over every topic, from the last id it appended. When it
//! may have fallen behind what Redis keeps (after a reconnection, or when a read comes back
//! with as many entries as a stream keeps), it reads that topic again with `XINFO` and `XRANGE`
//! in one transaction, and appends one `event: lagged` frame where Redis trimmed events it had
//! not read, instead of skipping them silently.

use std::{
    collections::HashMap,
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use redis::{AsyncConnectionConfig, RedisError, Value, aio::MultiplexedConnection};
use tokio::time::Instant;

use super::{
    RedisBackend, classify, no_such_key,
    reply::{self, StreamInfo},
    snapshot,
};
use crate::{
    lock::lock,
    sse::hub::{
        HubError, HubId,
        log::Topic,
        subscription::{HubFrame, Lagged},
    },
};

const READ_COUNT: usize = 1_000;
const BACKOFF_MIN: Duration = Duration::from_millis(50);
const BACKOFF_MAX: Duration = Duration::from_secs(1);

impl RedisBackend {
    pub(super) async fn read(self: Arc<Self>) {
        let mut connection = None;
        let mut backoff = BACKOFF_MIN;
        let mut down_since: Option<Instant> = None;
        loop {
            if self.stop.is_cancelled() {
                return;
            }
            let generation = self.generation.load(Ordering::Acquire);
            let Some(active) = self.active_topics() else {
                return;
            };
            self.seen_generation.store(generation, Ordering::Release);
            if active.is_empty() {
                tokio::select! {
                    () = self.topic_added.notified() => continue,
                    () = self.stop.cancelled() => return,
                }
            }
            let round = tokio::select! {
                round = self.read_once(&mut connection, &active) => round,
                () = self.stop.cancelled() => return,
            };
            match round {
                Ok(()) => {
                    backoff = BACKOFF_MIN;
                    if let Some(since) = down_since.take() {
                        self.counters
                            .redis_reconnects
                            .fetch_add(1, Ordering::Relaxed);
                        tracing::info!(target: "Hub", "reading from Redis again after {:.1?}; resumed after the last event delivered", since.elapsed());
                    }
                }
                // Redis refused a command: a key of another type under the prefix, most
                // likely. Leave those topics out, and go on with the others.
                Err(HubError::Redis(why)) if connection.is_some() => {
                    self.set_aside_broken(connection.as_mut(), &active, &why)
                        .await;
                }
                Err(error) => {
                    self.counters.redis_errors.fetch_add(1, Ordering::Relaxed);
                    connection = None;
                    self.reader_id.store(0, Ordering::Release);
                    if down_since.is_none() {
                        down_since = Some(Instant::now());
                        tracing::warn!(target: "Hub", "lost Redis ({error}): subscribers stay connected and publishes fail until it is back; retrying");
                    }
                    tokio::select! {
                        () = tokio::time::sleep(backoff) => {}
                        () = self.stop.cancelled() => return,
                    }
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                }
            }
        }
    }

    /// The topics this process reads; `None` once the hub is gone.
    fn active_topics(&self) -> Option<Vec<Arc<Topic>>> {
        let topics = self.topics.get()?.upgrade()?;
        let readable = |topic: &Arc<Topic>| {
            topic.active.load(Ordering::Acquire) && !topic.broken.load(Ordering::Acquire)
        };
        let mut active: Vec<Arc<Topic>> = lock(&topics.by_name)
            .values()
            .filter(|topic| readable(topic))
            .cloned()
            .collect();
        if readable(&topics.root) {
            active.push(Arc::clone(&topics.root));
        }
        Some(active)
    }

    /// Connects if need be (then checks every placed topic for a gap), places new topics, then
    /// reads once (blocking up to `read_block`).
    async fn read_once(
        &self,
        connection: &mut Option<MultiplexedConnection>,
        active: &[Arc<Topic>],
    ) -> Result<(), HubError> {
        let timeout = self.options.command_timeout;
        let connection = match connection {
            Some(connection) => connection,
            None => {
                let config = AsyncConnectionConfig::new()
                    .set_connection_timeout(Some(timeout))
                    .set_response_timeout(None);
                let mut fresh = within(
                    timeout,
                    self.options
                        .client
                        .get_multiplexed_async_connection_with_config(&config),
                )
                .await?;
                // Without `CLIENT` (an ACL), new topics wait for the read's timeout instead.
                let id: Result<i64, HubError> = within(
                    timeout,
                    redis::cmd("CLIENT").arg("ID").query_async(&mut fresh),
                )
                .await;
                self.reader_id.store(id.unwrap_or(0), Ordering::Release);
                let connection = connection.insert(fresh);
                for topic in active.iter().filter(|topic| lock(&topic.log).ready) {
                    self.read_checked(connection, topic).await?;
                }
                connection
            }
        };
        for topic in active.iter().filter(|topic| !lock(&topic.log).ready) {
            let info: Result<Value, HubError> = within(
                timeout,
                redis::cmd("XINFO")
                    .arg("STREAM")
                    .arg(self.options.key(topic))
                    .query_async(connection),
            )
            .await;
            let position = match info {
                Ok(info) => StreamInfo::read(&info).last_generated,
                Err(error) if no_such_key(&error) => HubId::ZERO,
                Err(error) => return Err(error),
            };
            topic.set_ready(position);
        }
        let keyed: Vec<(String, &Arc<Topic>)> = active
            .iter()
            .map(|topic| (self.options.key(topic), topic))
            .collect();
        let mut xread = redis::cmd("XREAD");
        xread
            .arg("COUNT")
            .arg(READ_COUNT)
            .arg("BLOCK")
            .arg(u64::try_from(self.options.read_block.as_millis()).unwrap_or(u64::MAX))
            .arg("STREAMS");
        for (key, _) in &keyed {
            xread.arg(key);
        }
        for (_, topic) in &keyed {
            xread.arg(lock(&topic.log).last_id.redis_form());
        }
        let keys: HashMap<String, &Arc<Topic>> = keyed.into_iter().collect();
        let reply: Value = within(
            self.options.read_block + timeout,
            xread.query_async(connection),
        )
        .await?;
        // As many entries as a stream keeps: this process may be behind what Redis trimmed.
        let behind = usize::try_from(self.options.max_len)
            .unwrap_or(usize::MAX)
            .min(READ_COUNT);
        for (key, entries) in reply::streams(reply)? {
            let Some(topic) = keys.get(&key) else {
                continue;
            };
            if entries.len() >= behind {
                self.read_checked(connection, topic).await?;
            } else {
                topic.append(reply::frames(entries)?);
            }
        }
        Ok(())
    }

    /// Reads `topic` after its last id together with what Redis trimmed, as of one instant,
    /// and appends an `event: lagged` frame first if Redis trimmed events this process had not
    /// read.
    async fn read_checked(
        &self,
        connection: &mut MultiplexedConnection,
        topic: &Topic,
    ) -> Result<(), HubError> {
        let last_id = lock(&topic.log).last_id;
        let key = self.options.key(topic);
        let read: Result<(Value, Value), HubError> = within(
            self.options.command_timeout,
            snapshot(&key, last_id, READ_COUNT).query_async(connection),
        )
        .await;
        let (info, entries) = match read {
            Ok((info, entries)) => (StreamInfo::read(&info), reply::entries(entries)?),
            // No stream (Redis lost it, or nothing was published): nothing to read.
            Err(error) if no_such_key(&error) => return Ok(()),
            Err(error) => return Err(error),
        };
        let mut frames = Vec::with_capacity(entries.len() + 1);
        if let Some(last_lost) = info.trimmed_through.filter(|lost| *lost > last_id) {
            tracing::warn!(target: "Hub", "events{} were trimmed by Redis before this process read them (up to {last_lost}): its subscribers get `event: lagged`", topic.describe());
            topic.counters.lagged.fetch_add(1, Ordering::Relaxed);
            let frame = HubFrame::lagged(Lagged {
                missed: None,
                resume_after: last_lost,
            });
            frames.push((last_lost, frame.0));
        }
        frames.extend(reply::frames(entries)?);
        topic.append(frames);
        Ok(())
    }

    /// After Redis refused the read: finds the topics whose key is not a stream and leaves
    /// them out of the reads from now on (with an error in the log).
    async fn set_aside_broken(
        &self,
        connection: Option<&mut MultiplexedConnection>,
        active: &[Arc<Topic>],
        why: &str,
    ) {
        let Some(connection) = connection else {
            return;
        };
        let mut found = false;
        for topic in active {
            let key = self.options.key(topic);
            let kind: Result<String, HubError> = within(
                self.options.command_timeout,
                redis::cmd("TYPE").arg(&key).query_async(connection),
            )
            .await;
            if let Ok(kind) = kind
                && kind != "stream"
                && kind != "none"
            {
                found = true;
                topic.broken.store(true, Ordering::Release);
                tracing::error!(target: "Hub", "the key {key:?} holds a {kind}, not a stream: events{} cannot be read or published", topic.describe());
            }
        }
        if !found {
            tracing::error!(target: "Hub", "Redis refused the hub's read ({why}); retrying");
            tokio::time::sleep(BACKOFF_MAX).await;
        }
    }
}

async fn within<T>(
    timeout: Duration,
    future: impl Future<Output = Result<T, RedisError>>,
) -> Result<T, HubError> {
    match tokio::time::timeout(timeout, future).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(classify(&error)),
        Err(_) => Err(HubError::Unavailable(format!(
            "Redis did not answer within {timeout:?}"
        ))),
    }
}
