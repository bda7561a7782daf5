//! `src/common/filters/http-exception.filter.ts`.

use std::time::{SystemTime, UNIX_EPOCH};

use nest_core::Response;
use nest_core::pipeline::{ArgumentsHost, ExceptionFilter};
use nest_core::prelude::*;

/// `@Catch(HttpException)`: answers `{ statusCode, timestamp, path }` for every exception
/// raised on purpose (a guard's 403, a pipe's 400, a 404); unknown errors keep NestJS's 500.
#[derive(Default)]
pub(crate) struct HttpExceptionFilter;

#[catch(HttpException)]
impl ExceptionFilter for HttpExceptionFilter {
    fn catch(&self, exception: &HttpException, host: &ArgumentsHost<'_>) -> Response {
        let status = exception.status();
        let body = json!({
            "statusCode": status.as_u16(),
            "timestamp": iso_timestamp(SystemTime::now()),
            "path": host.request().uri.to_string(),
        });
        (status, Json(body)).into_response()
    }
}

/// `new Date().toISOString()`: `2026-11-24T16:05:09.123Z`.
fn iso_timestamp(time: SystemTime) -> String {
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since_epoch.as_secs();
    let (days, seconds_of_day) = (seconds / 86_400, seconds % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let days = days as i64 + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        seconds_of_day / 3_600,
        seconds_of_day / 60 % 60,
        seconds_of_day % 60,
        since_epoch.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn timestamps_are_javascript_iso_strings() {
        assert_eq!(
            super::iso_timestamp(UNIX_EPOCH + Duration::from_millis(1_795_968_309_123)),
            "2026-11-29T16:05:09.123Z"
        );
        assert_eq!(super::iso_timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            super::iso_timestamp(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00.000Z"
        );
    }
}
