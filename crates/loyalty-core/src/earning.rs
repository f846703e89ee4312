//! The simple earning rule of the foundation: a ratio of points to money with a stated
//! rounding mode. It explains every result. Tiers, member days and caps extend it later.

use crate::types::{InvalidValue, Money, Points};
use chrono::{DateTime, Duration, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// How a fractional number of points becomes whole points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Down to the whole point below (the merchant-friendly default).
    #[default]
    Floor,
    /// To the nearest point; exactly half rounds up.
    HalfUp,
    /// Up to the whole point above.
    Ceiling,
}

impl Rounding {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Floor => "floor",
            Self::HalfUp => "half_up",
            Self::Ceiling => "ceiling",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Floor, Self::HalfUp, Self::Ceiling]
            .into_iter()
            .find(|r| r.as_str() == s)
    }

    /// The one place where a points amount is rounded.
    #[must_use]
    pub fn apply(self, exact: Decimal) -> Decimal {
        let strategy = match self {
            Self::Floor => RoundingStrategy::ToNegativeInfinity,
            Self::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            Self::Ceiling => RoundingStrategy::ToPositiveInfinity,
        };
        exact.round_dp_with_strategy(0, strategy)
    }
}

/// `points_per_unit` points for every `unit` of money paid (1 per 1.00 yuan, or 1 per
/// 10.00 yuan), rounded by `rounding`; each earned lot expires `validity_days` after it was
/// earned, or never.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarningPolicy {
    pub points_per_unit: i64,
    pub unit: Money,
    pub rounding: Rounding,
    pub validity_days: Option<u32>,
}

impl Default for EarningPolicy {
    fn default() -> Self {
        Self {
            points_per_unit: 1,
            unit: Money::from_fen(100).unwrap_or(Money::ZERO),
            rounding: Rounding::Floor,
            validity_days: Some(365),
        }
    }
}

impl EarningPolicy {
    /// # Errors
    /// Refuses a negative ratio, a zero unit or a validity of zero days.
    pub fn new(
        points_per_unit: i64,
        unit: Money,
        rounding: Rounding,
        validity_days: Option<u32>,
    ) -> Result<Self, InvalidValue> {
        if !(0..=1_000_000).contains(&points_per_unit) {
            return Err(InvalidValue::new(
                "points_per_unit",
                "must be between 0 and 1000000",
            ));
        }
        if unit == Money::ZERO {
            return Err(InvalidValue::new("unit", "must be more than 0.00"));
        }
        if validity_days == Some(0) {
            return Err(InvalidValue::new(
                "validity_days",
                "must be at least 1 (or absent)",
            ));
        }
        Ok(Self {
            points_per_unit,
            unit,
            rounding,
            validity_days,
        })
    }

    /// When a lot earned at `earned_at` expires under this policy.
    #[must_use]
    pub fn expiry_for(&self, earned_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.validity_days
            .map(|days| earned_at + Duration::days(i64::from(days)))
    }
}

/// Points a purchase earns, and how they were computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EarnedPoints {
    pub points: Points,
    pub explanation: EarnExplanation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EarnExplanation {
    /// The rule that produced the points.
    pub rule: &'static str,
    pub amount: Money,
    pub unit: Money,
    pub points_per_unit: i64,
    /// `amount / unit * points_per_unit` before rounding.
    pub exact: Decimal,
    pub rounding: Rounding,
}

/// The points `amount` earns under `policy`.
///
/// # Errors
/// Only when the result does not fit in a points amount (an absurd order).
pub fn earn_points(policy: &EarningPolicy, amount: Money) -> Result<EarnedPoints, InvalidValue> {
    let too_large = || InvalidValue::new("amount", "earns more points than can be counted");
    let exact = amount
        .amount()
        .checked_div(policy.unit.amount())
        .and_then(|units| units.checked_mul(Decimal::from(policy.points_per_unit)))
        .ok_or_else(too_large)?
        .normalize();
    let points = i64::try_from(policy.rounding.apply(exact)).map_err(|_| too_large())?;
    Ok(EarnedPoints {
        points: Points::new(points),
        explanation: EarnExplanation {
            rule: "base_ratio",
            amount,
            unit: policy.unit,
            points_per_unit: policy.points_per_unit,
            exact,
            rounding: policy.rounding,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(s: &str) -> Money {
        s.parse().expect("valid money")
    }

    fn policy(points_per_unit: i64, unit: &str, rounding: Rounding) -> EarningPolicy {
        EarningPolicy::new(points_per_unit, money(unit), rounding, None).expect("valid policy")
    }

    #[test]
    fn ratio_and_rounding_table() {
        let cases = [
            // (points per unit, unit, rounding, amount, points)
            (1, "1.00", Rounding::Floor, "99.99", 99),
            (1, "1.00", Rounding::HalfUp, "99.49", 99),
            (1, "1.00", Rounding::HalfUp, "99.50", 100),
            (1, "1.00", Rounding::Ceiling, "99.01", 100),
            (1, "10.00", Rounding::Floor, "99.99", 9),
            (1, "10.00", Rounding::Ceiling, "90.01", 10),
            (2, "1.00", Rounding::Floor, "0.49", 0),
            (2, "1.00", Rounding::HalfUp, "0.25", 1),
            (1, "1.00", Rounding::Floor, "0.00", 0),
            (3, "0.50", Rounding::Floor, "1.00", 6),
        ];
        for (ppu, unit, rounding, amount, expected) in cases {
            let earned = earn_points(&policy(ppu, unit, rounding), money(amount)).expect("fits");
            assert_eq!(
                earned.points,
                Points::new(expected),
                "{ppu}/{unit} {rounding:?} {amount}"
            );
        }
    }

    #[test]
    fn explains_which_rule_and_rounding_produced_the_points() {
        let earned =
            earn_points(&policy(1, "10.00", Rounding::Floor), money("25.00")).expect("fits");
        assert_eq!(earned.explanation.rule, "base_ratio");
        assert_eq!(earned.explanation.exact, Decimal::new(25, 1));
        assert_eq!(earned.explanation.rounding, Rounding::Floor);
        assert_eq!(earned.points, Points::new(2));
    }

    #[test]
    fn refuses_a_zero_unit_a_negative_ratio_and_zero_validity() {
        assert!(EarningPolicy::new(1, Money::ZERO, Rounding::Floor, None).is_err());
        assert!(EarningPolicy::new(-1, money("1.00"), Rounding::Floor, None).is_err());
        assert!(EarningPolicy::new(1, money("1.00"), Rounding::Floor, Some(0)).is_err());
    }

    #[test]
    fn lots_expire_validity_days_after_earning_or_never() {
        let now = DateTime::parse_from_rfc3339("2026-02-28T16:00:00Z")
            .expect("time")
            .to_utc();
        let mut p = EarningPolicy {
            validity_days: Some(1),
            ..EarningPolicy::default()
        };
        assert_eq!(
            p.expiry_for(now).map(|t| t.to_rfc3339()),
            Some("2026-03-01T16:00:00+00:00".into())
        );
        p.validity_days = None;
        assert_eq!(p.expiry_for(now), None);
    }
}
