//! [`HubError`]: why a hub could not publish or subscribe.

use std::fmt;

use crate::sse::encoder::EncodeError;

/// Why a publish failed. Nothing was published, except for [`HubError::Unavailable`], where
/// Redis may have stored the event before the connection failed (it then reaches subscribers
/// like any other).
///
/// A handler may return it with `?`: [`HubError::Unavailable`] and [`HubError::TooManyTopics`]
/// become `503 Service Unavailable`, the others `500`.
///
/// ```
/// use nest_core::sse::HubError;
/// use nest_core::HttpException;
///
/// let error: HttpException = HubError::Unavailable("connection refused".into()).into();
/// assert_eq!(error.status().as_u16(), 503);
/// let error: HttpException = HubError::TooManyTopics { max_topics: 100_000 }.into();
/// assert_eq!(error.body_json(), r#"{"message":"Service Unavailable","statusCode":503}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HubError {
    /// The event's JSON data could not be serialised.
    Encode(EncodeError),
    /// Redis could not be reached, did not answer in time, or cannot store more (out of
    /// memory, `maxmemory` reached).
    Unavailable(String),
    /// The topic would be a new one past [`HubOptions::max_topics`](super::HubOptions::max_topics); nothing was published or
    /// subscribed. Answered as `503 Service Unavailable`
    /// (`{"message":"Service Unavailable","statusCode":503}`).
    TooManyTopics {
        /// The limit.
        max_topics: usize,
    },
    /// Redis refused the command or the configuration is wrong (a bad URL, a key of
    /// another type).
    Redis(String),
}

impl fmt::Display for HubError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Encode(error) => error.fmt(f),
            Self::Unavailable(why) => write!(f, "the hub's Redis is unavailable: {why}"),
            Self::Redis(why) => write!(f, "Redis refused the hub's command: {why}"),
            Self::TooManyTopics { max_topics } => {
                write!(f, "the hub already holds its limit of {max_topics} topics")
            }
        }
    }
}

impl std::error::Error for HubError {}

impl From<EncodeError> for HubError {
    fn from(error: EncodeError) -> Self {
        Self::Encode(error)
    }
}
