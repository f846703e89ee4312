use super::InvalidValue;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
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

    /// The instant a local wall-clock time happens here: in a daylight-saving gap the first
    /// instant after the gap (when the clocks jumped), in an overlap the earlier of the two.
    #[must_use]
    pub fn instant_of(self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        if let Some(t) = self.0.from_local_datetime(&local).earliest() {
            return Some(t.to_utc());
        }
        // A gap is at most a few hours: the first valid minute after it.
        (1..=240).find_map(|minutes| {
            let later = local.checked_add_signed(chrono::Duration::minutes(minutes))?;
            self.0
                .from_local_datetime(&later)
                .earliest()
                .map(|t| t.to_utc())
        })
    }

    /// The first instant of the local day that `at` falls in (after a gap at midnight).
    #[must_use]
    pub fn start_of_day(self, at: DateTime<Utc>) -> DateTime<Utc> {
        self.local_date(at)
            .and_hms_opt(0, 0, 0)
            .and_then(|midnight| self.instant_of(midnight))
            .unwrap_or(at)
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
