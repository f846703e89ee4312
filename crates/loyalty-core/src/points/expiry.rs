//! When earned points expire (积分有效期), computed in the merchant's time zone.

use crate::kernel::{InvalidValue, MerchantTimeZone};
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// How long a lot of earned points lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum ExpiryRule {
    /// Points never expire.
    Never {},
    /// `days` days after earning, at the same local time of day.
    Rolling {
        #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 36_500))]
        days: u32,
    },
    /// At the end of the month that is `after_months` months after the month of earning
    /// (0: the end of this month), i.e. at 00:00:00 local on the next month's first day.
    EndOfMonth {
        #[cfg_attr(feature = "openapi", schema(maximum = 1_200))]
        after_months: u32,
    },
    /// At the end of the year in which `after_months` months after earning falls (12: 次年年底,
    /// the end of next year), i.e. at 00:00:00 local on 1 January.
    EndOfYear {
        #[cfg_attr(feature = "openapi", schema(maximum = 1_200))]
        after_months: u32,
    },
}

/// A merchant's expiry policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExpiryPolicy {
    pub rule: ExpiryRule,
    /// Members are told this many days before points expire (0: not told).
    #[serde(default = "default_notice_days")]
    #[cfg_attr(feature = "openapi", schema(maximum = 366))]
    pub notify_days_before: u32,
}

const fn default_notice_days() -> u32 {
    7
}

impl Default for ExpiryPolicy {
    fn default() -> Self {
        Self {
            rule: ExpiryRule::Rolling { days: 365 },
            notify_days_before: default_notice_days(),
        }
    }
}

fn first_of_month(date: NaiveDate) -> Option<NaiveDate> {
    date.with_day(1)
}

impl ExpiryPolicy {
    /// # Errors
    /// Refuses zero days, more than 100 years, or a notice longer than a year.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        match self.rule {
            ExpiryRule::Rolling { days } if !(1..=36_500).contains(&days) => {
                return Err(InvalidValue::new(
                    "rule.days",
                    "must be between 1 and 36500",
                ));
            }
            ExpiryRule::EndOfMonth { after_months } | ExpiryRule::EndOfYear { after_months }
                if after_months > 1_200 =>
            {
                return Err(InvalidValue::new(
                    "rule.after_months",
                    "must be at most 1200",
                ));
            }
            _ => {}
        }
        if self.notify_days_before > 366 {
            return Err(InvalidValue::new(
                "notify_days_before",
                "must be at most 366",
            ));
        }
        Ok(())
    }

    /// When points earned at `earned_at` expire, or `None` for never.
    #[must_use]
    pub fn expires_at(
        &self,
        earned_at: DateTime<Utc>,
        tz: MerchantTimeZone,
    ) -> Option<DateTime<Utc>> {
        let local = earned_at.with_timezone(&tz.tz()).naive_local();
        match self.rule {
            ExpiryRule::Never {} => None,
            ExpiryRule::Rolling { days } => {
                tz.instant_of(local.checked_add_days(Days::new(u64::from(days)))?)
            }
            ExpiryRule::EndOfMonth { after_months } => {
                let month = first_of_month(local.date())?
                    .checked_add_months(Months::new(after_months.checked_add(1)?))?;
                tz.instant_of(month.and_hms_opt(0, 0, 0)?)
            }
            ExpiryRule::EndOfYear { after_months } => {
                let year = local
                    .date()
                    .checked_add_months(Months::new(after_months))?
                    .year();
                let new_year = NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)?;
                tz.instant_of(new_year.and_hms_opt(0, 0, 0)?)
            }
        }
    }

    /// From when a lot expiring at `expires_at` is "expiring soon" (members are told then).
    #[must_use]
    pub fn notice_from(&self, expires_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        (self.notify_days_before > 0)
            .then(|| expires_at - chrono::Duration::days(i64::from(self.notify_days_before)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("time").to_utc()
    }

    fn policy(rule: ExpiryRule) -> ExpiryPolicy {
        ExpiryPolicy {
            rule,
            notify_days_before: 7,
        }
    }

    #[test]
    fn a_rule_takes_no_field_it_does_not_name() {
        let never: ExpiryPolicy =
            serde_json::from_str(r#"{"rule": {"mode": "never"}}"#).expect("never");
        assert_eq!(never.rule, ExpiryRule::Never {});
        for extra in [
            r#"{"rule": {"mode": "never", "days": 30}}"#,
            r#"{"rule": {"mode": "rolling", "days": 30, "x": 1}}"#,
        ] {
            assert!(
                serde_json::from_str::<ExpiryPolicy>(extra).is_err(),
                "{extra}"
            );
        }
    }

    #[test]
    fn expiry_instants_in_the_merchant_time_zone() {
        let sh = MerchantTimeZone::default();
        let ny = MerchantTimeZone::parse("America/New_York").expect("zone");
        let cases = [
            // (rule, zone, earned at, expires at)
            (ExpiryRule::Never {}, sh, "2026-03-15T06:00:00Z", None),
            (
                ExpiryRule::Rolling { days: 30 },
                sh,
                "2026-03-15T06:00:00Z",
                Some("2026-04-14T06:00:00Z"),
            ),
            // 31 January + 1 month ends with February (a leap year: 29 days).
            (
                ExpiryRule::EndOfMonth { after_months: 1 },
                sh,
                "2028-01-31T10:00:00Z",
                Some("2028-02-29T16:00:00Z"),
            ),
            // Earned at 00:30 local on 1 April = 31 March UTC: the local month counts.
            (
                ExpiryRule::EndOfMonth { after_months: 0 },
                sh,
                "2026-03-31T16:30:00Z",
                Some("2026-04-30T16:00:00Z"),
            ),
            // 次年年底: the end of next year, local midnight.
            (
                ExpiryRule::EndOfYear { after_months: 12 },
                sh,
                "2026-12-31T15:59:59Z",
                Some("2027-12-31T16:00:00Z"),
            ),
            (
                ExpiryRule::EndOfYear { after_months: 12 },
                sh,
                "2026-12-31T16:00:00Z",
                Some("2028-12-31T16:00:00Z"),
            ),
            (
                ExpiryRule::EndOfYear { after_months: 0 },
                ny,
                "2026-06-01T12:00:00Z",
                Some("2027-01-01T05:00:00Z"),
            ),
            // Rolling across the start of daylight saving time keeps the local time of day.
            (
                ExpiryRule::Rolling { days: 7 },
                ny,
                "2026-03-05T15:00:00Z",
                Some("2026-03-12T14:00:00Z"),
            ),
            // End of March in New York is in daylight saving time (UTC-4).
            (
                ExpiryRule::EndOfMonth { after_months: 0 },
                ny,
                "2026-03-05T15:00:00Z",
                Some("2026-04-01T04:00:00Z"),
            ),
        ];
        for (rule, tz, earned, expected) in cases {
            assert_eq!(
                policy(rule).expires_at(at(earned), tz),
                expected.map(at),
                "{rule:?} in {tz:?} earned {earned}"
            );
        }
    }

    #[test]
    fn a_local_time_in_a_daylight_saving_gap_moves_to_the_end_of_the_gap() {
        let ny = MerchantTimeZone::parse("America/New_York").expect("zone");
        // 02:30 on 8 March 2026 does not exist in New York; 03:00 EDT = 07:00Z.
        let local = NaiveDate::from_ymd_opt(2026, 3, 8)
            .and_then(|d| d.and_hms_opt(2, 30, 0))
            .expect("time");
        assert_eq!(ny.instant_of(local), Some(at("2026-03-08T07:00:00Z")));
    }

    #[test]
    fn notice_starts_n_days_before() {
        let p = policy(ExpiryRule::Never {});
        assert_eq!(
            p.notice_from(at("2026-04-30T16:00:00Z")),
            Some(at("2026-04-23T16:00:00Z"))
        );
        let quiet = ExpiryPolicy {
            notify_days_before: 0,
            ..p
        };
        assert_eq!(quiet.notice_from(at("2026-04-30T16:00:00Z")), None);
    }

    #[test]
    fn validation() {
        assert!(policy(ExpiryRule::Rolling { days: 0 }).validate().is_err());
        assert!(
            policy(ExpiryRule::EndOfYear { after_months: 5000 })
                .validate()
                .is_err()
        );
        assert!(
            policy(ExpiryRule::EndOfMonth { after_months: 0 })
                .validate()
                .is_ok()
        );
    }
}
