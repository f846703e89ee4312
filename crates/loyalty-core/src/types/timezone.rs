use super::InvalidValue;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A merchant's IANA time zone; local days (member day, sign-in, expiry at month end) are
/// computed in it. Defaults to `Asia/Shanghai`.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MerchantTimeZone(Tz);

impl MerchantTimeZone {
    /// # Errors
    /// Refuses a name that is not in the IANA database.
    pub fn parse(name: &str) -> Result<Self, InvalidValue> {
        name.parse::<Tz>()
            .map(Self)
            .map_err(|_| InvalidValue::new("time_zone", "is not an IANA time zone name"))
    }

    #[must_use]
    pub const fn tz(self) -> Tz {
        self.0
    }

    #[must_use]
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// The local date at `at`.
    #[must_use]
    pub fn local_date(self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.0).date_naive()
    }

    /// The first instant of the local day that `at` falls in.
    #[must_use]
    pub fn start_of_day(self, at: DateTime<Utc>) -> DateTime<Utc> {
        let date = self.local_date(at);
        // Midnight can fall in a daylight-saving gap: then the day starts at the first valid
        // hour after it.
        (0..=3)
            .filter_map(|h| date.and_hms_opt(h, 0, 0))
            .find_map(|t| self.0.from_local_datetime(&t).earliest())
            .map_or(at, |t| t.to_utc())
    }
}

impl Default for MerchantTimeZone {
    fn default() -> Self {
        Self(chrono_tz::Asia::Shanghai)
    }
}

impl TryFrom<String> for MerchantTimeZone {
    type Error = InvalidValue;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<MerchantTimeZone> for String {
    fn from(value: MerchantTimeZone) -> Self {
        value.name().to_owned()
    }
}

impl fmt::Debug for MerchantTimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_to_shanghai_and_parses_iana_names() {
        assert_eq!(MerchantTimeZone::default().name(), "Asia/Shanghai");
        assert_eq!(
            MerchantTimeZone::parse("Europe/Berlin")
                .expect("valid")
                .name(),
            "Europe/Berlin"
        );
        assert!(MerchantTimeZone::parse("Mars/Olympus").is_err());
    }

    #[test]
    fn local_days_start_at_local_midnight() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).expect("time").to_utc();
        let sh = MerchantTimeZone::default();
        assert_eq!(
            sh.start_of_day(at("2026-03-07T16:00:00Z")),
            at("2026-03-07T16:00:00Z")
        );
        assert_eq!(
            sh.start_of_day(at("2026-03-07T15:59:59Z")),
            at("2026-03-06T16:00:00Z")
        );
        // Santiago skips midnight when daylight saving time starts (6 September 2026).
        let scl = MerchantTimeZone::parse("America/Santiago").expect("zone");
        assert_eq!(
            scl.start_of_day(at("2026-09-06T12:00:00Z")),
            at("2026-09-06T04:00:00Z")
        );
    }
}
