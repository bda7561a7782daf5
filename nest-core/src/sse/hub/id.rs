//! [`HubId`]: the id a hub gives each event, sent as the SSE `id` and read back from
//! `Last-Event-ID`.

use std::{fmt, str::FromStr};

/// The id of an event published to a [`Hub`](super::Hub): its position in the topic's log.
///
/// The in-memory hub numbers events `1, 2, 3, …` per topic; the Redis hub uses the Redis
/// stream entry id, `<milliseconds>-<sequence>`, so every instance gives an event the same id.
/// Ids compare in publish order. Both forms parse, so `LastEventId<HubId>` reads what either
/// hub sent.
///
/// ```
/// use nest_core::sse::HubId;
///
/// let memory: HubId = "7".parse().unwrap();
/// let redis: HubId = "1732464000000-3".parse().unwrap();
/// assert_eq!(memory.to_string(), "7");
/// assert_eq!(redis.to_string(), "1732464000000-3");
/// assert!(memory < redis);
/// assert_eq!(HubId::from(7), memory);
/// assert!("seven".parse::<HubId>().is_err());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HubId {
    millis: u64,
    sequence: u64,
}

impl HubId {
    /// The id before every event: a subscription after `HubId::ZERO` gets the whole log.
    pub const ZERO: Self = Self::new(0, 0);

    /// The id `<millis>-<sequence>` (the form of a Redis stream entry id).
    ///
    /// ```
    /// # use nest_core::sse::HubId;
    /// assert_eq!(HubId::new(1732464000000, 0).to_string(), "1732464000000-0");
    /// ```
    pub const fn new(millis: u64, sequence: u64) -> Self {
        Self { millis, sequence }
    }

    /// The milliseconds part (0 for the in-memory hub's ids).
    ///
    /// ```
    /// # use nest_core::sse::HubId;
    /// assert_eq!(HubId::new(5, 1).millis(), 5);
    /// ```
    pub const fn millis(self) -> u64 {
        self.millis
    }

    /// The sequence part (the whole id for the in-memory hub).
    ///
    /// ```
    /// # use nest_core::sse::HubId;
    /// assert_eq!(HubId::from(9).sequence(), 9);
    /// ```
    pub const fn sequence(self) -> u64 {
        self.sequence
    }

    /// The next id of the in-memory hub.
    pub(super) const fn next(self) -> Self {
        Self::new(self.millis, self.sequence + 1)
    }

    /// The id just before `self` in Redis's order (`5-0` → `4-18446744073709551615`).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(super) const fn previous(self) -> Self {
        match (self.millis, self.sequence) {
            (0, 0) => self,
            (millis, 0) => Self::new(millis - 1, u64::MAX),
            (millis, sequence) => Self::new(millis, sequence - 1),
        }
    }

    /// Always `<millis>-<sequence>`, as Redis commands take it.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(super) fn redis_form(self) -> String {
        format!("{}-{}", self.millis, self.sequence)
    }
}

impl From<u64> for HubId {
    /// The in-memory hub's id `n`.
    fn from(sequence: u64) -> Self {
        Self::new(0, sequence)
    }
}

impl fmt::Display for HubId {
    /// `n` for the in-memory hub's ids, `<millis>-<sequence>` for Redis ids.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.millis == 0 {
            write!(f, "{}", self.sequence)
        } else {
            write!(f, "{}-{}", self.millis, self.sequence)
        }
    }
}

/// A text that is not a hub id (`n` or `<millis>-<sequence>`, decimal).
///
/// ```
/// use nest_core::sse::{HubId, ParseHubIdError};
///
/// assert_eq!("12-x".parse::<HubId>(), Err(ParseHubIdError));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseHubIdError;

impl fmt::Display for ParseHubIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a hub event id (expected `n` or `<millis>-<sequence>`)")
    }
}

impl std::error::Error for ParseHubIdError {}

impl FromStr for HubId {
    type Err = ParseHubIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        fn number(text: &str) -> Result<u64, ParseHubIdError> {
            if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
                return Err(ParseHubIdError);
            }
            text.parse().map_err(|_| ParseHubIdError)
        }
        match text.split_once('-') {
            Some((millis, sequence)) => Ok(Self::new(number(millis)?, number(sequence)?)),
            None => Ok(Self::from(number(text)?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_round_trip() {
        for text in ["0", "1", "18446744073709551615", "1-0", "1732464000000-12"] {
            assert_eq!(text.parse::<HubId>().unwrap().to_string(), text);
        }
    }

    #[test]
    fn previous_steps_back_in_redis_order() {
        assert_eq!(HubId::new(5, 0).previous(), HubId::new(4, u64::MAX));
        assert_eq!(HubId::new(5, 3).previous(), HubId::new(5, 2));
        assert!(HubId::new(5, 0).previous() < HubId::new(5, 0));
    }

    #[test]
    fn junk_is_refused() {
        for text in [
            "",
            "-",
            "1-",
            "-1",
            "+1",
            "1-2-3",
            " 1",
            "1 ",
            "x",
            "99999999999999999999",
        ] {
            assert!(text.parse::<HubId>().is_err(), "{text:?}");
        }
    }
}
