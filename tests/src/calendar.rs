//! The calendar, by hand: the tests crate has no date library, and Asia/Shanghai is UTC+8 all
//! year (no daylight saving time). Enough of it to say when points expire and which month it
//! is in Shanghai.

use std::time::{SystemTime, UNIX_EPOCH};

/// Shanghai's offset from UTC, in seconds.
pub const SHANGHAI_OFFSET: i64 = 8 * 3600;

/// Seconds since the epoch, now.
///
/// # Panics
/// When the clock says it is before 1970.
pub fn now_unix() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    i64::try_from(secs).expect("in range")
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number from [`days_from_civil`].
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if month <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        month,
        day,
    )
}

/// Seconds since the epoch of an RFC 3339 UTC timestamp as the server writes them
/// (`2026-04-30T16:00:00Z`, maybe with a fraction, which is dropped).
pub fn parse_utc(text: &str) -> i64 {
    assert!(text.ends_with('Z'), "a UTC timestamp: {text}");
    let field = |range: std::ops::Range<usize>| -> i64 {
        text.get(range)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("a timestamp: {text}"))
    };
    days_from_civil(field(0..4), field(5..7), field(8..10)) * 86_400
        + field(11..13) * 3600
        + field(14..16) * 60
        + field(17..19)
}

/// When points earned at `earned` (seconds since the epoch) expire under `end_of_month`
/// with `after_months`: 00:00 Shanghai on the first day of the month after the earning
/// month + `after_months`, i.e. 16:00Z on the last day of that month.
pub fn end_of_month_expiry(earned: i64, after_months: i64) -> String {
    let (year, month, _) = civil_from_days((earned + SHANGHAI_OFFSET).div_euclid(86_400));
    let index = year * 12 + (month - 1) + after_months + 1;
    let first_of_next = days_from_civil(index.div_euclid(12), index.rem_euclid(12) + 1, 1);
    let (y, m, d) = civil_from_days(first_of_next - 1);
    format!("{y:04}-{m:02}-{d:02}T16:00:00Z")
}

/// This month in Shanghai, `YYYY-MM`.
pub fn this_month_in_shanghai() -> String {
    let (year, month, _) = civil_from_days((now_unix() + SHANGHAI_OFFSET).div_euclid(86_400));
    format!("{year:04}-{month:02}")
}
