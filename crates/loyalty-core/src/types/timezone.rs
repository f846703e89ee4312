use super::InvalidValue;
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
}
