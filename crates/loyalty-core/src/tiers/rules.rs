//! Member tiers (会员等级): a ladder by growth value, upgrades at once, downgrades on review
//! after a protection period (保级).

#[cfg(feature = "openapi")]
use crate::kernel::schema::{ShareOfOne, TierCode};
use crate::kernel::{InvalidValue, MerchantTimeZone, decimal_text};
use crate::points::{Multiplier, TierFactor};
use chrono::{DateTime, Months, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What growth value counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GrowthBasis {
    /// Money paid for orders, in fen (less refunds).
    Spend,
    /// Points earned from orders and actions (less reversals).
    PointsEarned,
    /// Money topped up to stored-value cards, in fen.
    TopUp,
}

impl GrowthBasis {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Spend => "spend",
            Self::PointsEarned => "points_earned",
            Self::TopUp => "top_up",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Spend, Self::PointsEarned, Self::TopUp]
            .into_iter()
            .find(|b| b.as_str() == s)
    }

    /// The unit of growth values and thresholds on this basis.
    #[must_use]
    pub const fn unit(self) -> &'static str {
        match self {
            Self::Spend | Self::TopUp => "fen",
            Self::PointsEarned => "points",
        }
    }
}

/// Over which time growth value adds up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum GrowthWindow {
    Lifetime {},
    /// The last `months` months, in the merchant's time zone.
    RollingMonths {
        #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 120))]
        months: u32,
    },
}

/// Where a review takes a member whose growth no longer holds the tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DowngradeMode {
    /// One step down per review.
    #[default]
    OneStep,
    /// Straight to the tier the growth value earns.
    ToEarned,
}

/// What a tier gives its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TierBenefits {
    #[serde(default = "one")]
    pub earning_multiplier: Multiplier,
    /// The share of the price a member pays at checkout (0.95 = 9.5 折; 1 = no discount).
    #[serde(default = "full_price", deserialize_with = "decimal_text::deserialize")]
    #[cfg_attr(feature = "openapi", schema(value_type = ShareOfOne))]
    pub discount_rate: Decimal,
    /// The fee taken on points-mall redemptions (0.05 = 5 %).
    #[serde(default, deserialize_with = "decimal_text::deserialize")]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, example = "0.05", pattern = r"^0(\.[0-9]{1,4}0*)?$")
    )]
    pub redemption_fee_rate: Decimal,
    /// Replaces the earning policy's birthday multiplier on the member's birthday.
    #[serde(default)]
    pub birthday_multiplier: Option<Multiplier>,
    /// Names of gated rewards and coupons this tier opens.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<TierCode>, max_items = 50))]
    pub flags: Vec<String>,
}

const fn one() -> Multiplier {
    Multiplier::ONE
}

const fn full_price() -> Decimal {
    Decimal::ONE
}

impl Default for TierBenefits {
    fn default() -> Self {
        Self {
            earning_multiplier: Multiplier::ONE,
            discount_rate: Decimal::ONE,
            redemption_fee_rate: Decimal::ZERO,
            birthday_multiplier: None,
            flags: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TierLevel {
    /// A stable code (`silver`), 1 to 32 of a-z, 0-9, `_` and `-`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9_-]{1,32}$"))]
    pub code: String,
    /// What members read (`银卡`).
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 32))]
    pub name: String,
    /// The growth value from which a member holds this tier (the first tier's is 0).
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub threshold: i64,
    #[serde(default)]
    pub benefits: TierBenefits,
}

/// A merchant's tier ladder, lowest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TierPolicy {
    pub basis: GrowthBasis,
    pub window: GrowthWindow,
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 20))]
    pub levels: Vec<TierLevel>,
    /// After an upgrade or a downgrade, a member keeps the tier at least this long.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(maximum = 120))]
    pub protection_months: u32,
    #[serde(default)]
    pub downgrade: DowngradeMode,
}

/// A member's place on the ladder and the way to the next tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierProgress {
    pub tier: TierLevel,
    pub growth: i64,
    pub unit: &'static str,
    pub next: Option<NextTier>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextTier {
    pub code: String,
    pub name: String,
    pub threshold: i64,
    pub remaining: i64,
}

/// What a review decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TierMove {
    Stay,
    Upgrade(usize),
    Downgrade(usize),
}

fn code_ok(code: &str) -> bool {
    (1..=32).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl TierPolicy {
    /// # Errors
    /// The first thing that makes the ladder unusable, with why.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        if self.levels.is_empty() || self.levels.len() > 20 {
            return Err(InvalidValue::new("levels", "needs 1 to 20 tiers"));
        }
        if self.levels[0].threshold != 0 {
            return Err(InvalidValue::new(
                "levels",
                "the first tier's threshold must be 0",
            ));
        }
        for (i, level) in self.levels.iter().enumerate() {
            if !code_ok(&level.code) {
                return Err(InvalidValue::new(
                    "levels.code",
                    "must be 1 to 32 of a-z, 0-9, _ and -",
                ));
            }
            if self.levels[..i].iter().any(|l| l.code == level.code) {
                return Err(InvalidValue::new("levels.code", "codes must be unique"));
            }
            let name = level.name.trim();
            if name.is_empty() || name.chars().count() > 32 {
                return Err(InvalidValue::new(
                    "levels.name",
                    "is required (1 to 32 characters)",
                ));
            }
            if i > 0 && level.threshold <= self.levels[i - 1].threshold {
                return Err(InvalidValue::new(
                    "levels.threshold",
                    "thresholds must increase up the ladder",
                ));
            }
            let b = &level.benefits;
            let rate = b.discount_rate;
            if rate <= Decimal::ZERO || rate > Decimal::ONE || decimal_text::places(rate) > 4 {
                return Err(InvalidValue::new(
                    "levels.benefits.discount_rate",
                    "must be more than 0 and at most 1, at most 4 decimal places (0.95 = 9.5 折)",
                ));
            }
            let fee = b.redemption_fee_rate;
            if fee < Decimal::ZERO || fee >= Decimal::ONE || decimal_text::places(fee) > 4 {
                return Err(InvalidValue::new(
                    "levels.benefits.redemption_fee_rate",
                    "must be at least 0 and less than 1, at most 4 decimal places",
                ));
            }
            if b.flags.len() > 50 || b.flags.iter().any(|f| !code_ok(f)) {
                return Err(InvalidValue::new(
                    "levels.benefits.flags",
                    "flags are 1 to 32 of a-z, 0-9, _ and -",
                ));
            }
        }
        if let GrowthWindow::RollingMonths { months } = self.window
            && !(1..=120).contains(&months)
        {
            return Err(InvalidValue::new(
                "window.months",
                "must be between 1 and 120",
            ));
        }
        if self.protection_months > 120 {
            return Err(InvalidValue::new(
                "protection_months",
                "must be at most 120",
            ));
        }
        Ok(())
    }

    /// The index of the tier `growth` earns.
    #[must_use]
    pub fn earned(&self, growth: i64) -> usize {
        self.levels
            .iter()
            .rposition(|l| growth >= l.threshold)
            .unwrap_or(0)
    }

    /// The index of a member's tier by its code; no code (or one no longer on the ladder)
    /// is the first tier.
    #[must_use]
    pub fn rank(&self, code: Option<&str>) -> usize {
        code.and_then(|c| self.levels.iter().position(|l| l.code == c))
            .unwrap_or(0)
    }

    /// The growth window's start at `now`, or `None` for a lifetime.
    #[must_use]
    pub fn window_start(&self, now: DateTime<Utc>, tz: MerchantTimeZone) -> Option<DateTime<Utc>> {
        match self.window {
            GrowthWindow::Lifetime {} => None,
            GrowthWindow::RollingMonths { months } => {
                let local = now.with_timezone(&tz.tz()).naive_local();
                Some(
                    local
                        .checked_sub_months(Months::new(months))
                        .and_then(|start| tz.instant_of(start))
                        .unwrap_or(DateTime::<Utc>::MIN_UTC),
                )
            }
        }
    }

    /// After growth: an upgrade when the growth earns a higher tier than `current`, at once.
    #[must_use]
    pub fn on_growth(&self, current: usize, growth: i64) -> TierMove {
        let earned = self.earned(growth);
        if earned > current {
            TierMove::Upgrade(earned)
        } else {
            TierMove::Stay
        }
    }

    /// A scheduled review: upgrades like [`Self::on_growth`]; downgrades only once the
    /// protection has run out, by one step or to the earned tier.
    #[must_use]
    pub fn review(
        &self,
        current: usize,
        growth: i64,
        protected_until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> TierMove {
        let earned = self.earned(growth);
        let current = current.min(self.levels.len() - 1);
        if earned > current {
            return TierMove::Upgrade(earned);
        }
        if earned == current || protected_until.is_some_and(|until| now < until) {
            return TierMove::Stay;
        }
        TierMove::Downgrade(match self.downgrade {
            DowngradeMode::OneStep => current - 1,
            DowngradeMode::ToEarned => earned,
        })
    }

    /// Until when a member who reached a tier at `now` keeps it: the same local time
    /// `protection_months` calendar months later in the merchant's zone.
    #[must_use]
    pub fn protected_until(
        &self,
        now: DateTime<Utc>,
        tz: MerchantTimeZone,
    ) -> Option<DateTime<Utc>> {
        if self.protection_months == 0 {
            return None;
        }
        now.with_timezone(&tz.tz())
            .naive_local()
            .checked_add_months(Months::new(self.protection_months))
            .and_then(|until| tz.instant_of(until))
    }

    #[must_use]
    pub fn progress(&self, current: usize, growth: i64) -> TierProgress {
        let current = current.min(self.levels.len() - 1);
        TierProgress {
            tier: self.levels[current].clone(),
            growth,
            unit: self.basis.unit(),
            next: self.levels.get(current + 1).map(|next| NextTier {
                code: next.code.clone(),
                name: next.name.clone(),
                threshold: next.threshold,
                remaining: (next.threshold - growth).max(0),
            }),
        }
    }

    /// The factor the earning rule applies for a member of tier `index`.
    #[must_use]
    pub fn factor(&self, index: usize) -> Option<TierFactor> {
        self.levels.get(index).map(|l| TierFactor {
            code: l.code.clone(),
            multiplier: l.benefits.earning_multiplier,
            birthday_multiplier: l.benefits.birthday_multiplier,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn level(code: &str, threshold: i64) -> TierLevel {
        TierLevel {
            code: code.into(),
            name: code.to_uppercase(),
            threshold,
            benefits: TierBenefits::default(),
        }
    }

    fn ladder(downgrade: DowngradeMode) -> TierPolicy {
        TierPolicy {
            basis: GrowthBasis::Spend,
            window: GrowthWindow::RollingMonths { months: 12 },
            levels: vec![
                level("normal", 0),
                level("silver", 100_000),
                level("gold", 500_000),
                level("diamond", 2_000_000),
            ],
            protection_months: 3,
            downgrade,
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("time").to_utc()
    }

    #[test]
    fn earned_tier_by_threshold() {
        let p = ladder(DowngradeMode::OneStep);
        let cases = [
            (0, 0),
            (99_999, 0),
            (100_000, 1),
            (499_999, 1),
            (500_000, 2),
            (9_999_999, 3),
            (-5, 0),
        ];
        for (growth, tier) in cases {
            assert_eq!(p.earned(growth), tier, "{growth}");
        }
    }

    #[test]
    fn upgrades_at_once_and_never_downgrades_on_growth() {
        let p = ladder(DowngradeMode::OneStep);
        assert_eq!(p.on_growth(0, 600_000), TierMove::Upgrade(2));
        assert_eq!(p.on_growth(2, 600_000), TierMove::Stay);
        assert_eq!(p.on_growth(3, 0), TierMove::Stay);
    }

    #[test]
    fn reviews_respect_protection_and_the_downgrade_mode() {
        let now = at("2026-06-01T00:00:00Z");
        let protected = Some(at("2026-07-01T00:00:00Z"));
        let expired = Some(at("2026-05-01T00:00:00Z"));
        let cases = [
            // (mode, current, growth, protected until, decision)
            (DowngradeMode::OneStep, 3, 0, protected, TierMove::Stay),
            (
                DowngradeMode::OneStep,
                3,
                0,
                expired,
                TierMove::Downgrade(2),
            ),
            (
                DowngradeMode::ToEarned,
                3,
                0,
                expired,
                TierMove::Downgrade(0),
            ),
            (
                DowngradeMode::ToEarned,
                3,
                150_000,
                None,
                TierMove::Downgrade(1),
            ),
            (DowngradeMode::OneStep, 2, 600_000, expired, TierMove::Stay),
            (
                DowngradeMode::OneStep,
                1,
                600_000,
                protected,
                TierMove::Upgrade(2),
            ),
            (DowngradeMode::OneStep, 0, 0, None, TierMove::Stay),
        ];
        for (mode, current, growth, until, expected) in cases {
            assert_eq!(
                ladder(mode).review(current, growth, until, now),
                expected,
                "{mode:?} {current} {growth} {until:?}"
            );
        }
    }

    #[test]
    fn protection_is_counted_in_calendar_months() {
        let p = ladder(DowngradeMode::OneStep);
        let sh = MerchantTimeZone::default();
        assert_eq!(
            p.protected_until(at("2026-11-30T10:00:00Z"), sh),
            Some(at("2027-02-28T10:00:00Z"))
        );
        // 30 November 03:00 in Shanghai (29 November in UTC): three local months end on
        // 28 February 03:00 local; months counted in UTC would end on 1 March local.
        assert_eq!(
            p.protected_until(at("2026-11-29T19:00:00Z"), sh),
            Some(at("2027-02-27T19:00:00Z"))
        );
        let none = TierPolicy {
            protection_months: 0,
            ..p
        };
        assert_eq!(none.protected_until(at("2026-11-30T10:00:00Z"), sh), None);
    }

    #[test]
    fn rolling_window_starts_n_local_months_ago() {
        let p = ladder(DowngradeMode::OneStep);
        let tz = MerchantTimeZone::default();
        // 1 March 00:30 local (28 Feb 16:30Z) − 12 months = 1 March 2025 00:30 local.
        assert_eq!(
            p.window_start(at("2026-02-28T16:30:00Z"), tz),
            Some(at("2025-02-28T16:30:00Z"))
        );
        let lifetime = TierPolicy {
            window: GrowthWindow::Lifetime {},
            ..p
        };
        assert_eq!(lifetime.window_start(at("2026-02-28T16:30:00Z"), tz), None);
    }

    #[test]
    fn progress_to_the_next_tier() {
        let p = ladder(DowngradeMode::OneStep);
        let progress = p.progress(1, 320_000);
        assert_eq!(progress.tier.code, "silver");
        let next = progress.next.expect("gold is next");
        assert_eq!((next.code.as_str(), next.remaining), ("gold", 180_000));
        assert_eq!(p.progress(3, 5_000_000).next, None);
    }

    #[test]
    fn validation_refuses_broken_ladders() {
        type Spoiler = Box<dyn Fn(&mut TierPolicy)>;
        let spoilers: Vec<Spoiler> = vec![
            Box::new(|p| p.levels.clear()),
            Box::new(|p| p.levels[0].threshold = 5),
            Box::new(|p| p.levels[2].threshold = 50),
            Box::new(|p| p.levels[2].code = "silver".into()),
            Box::new(|p| p.levels[1].code = "Silver Card".into()),
            Box::new(|p| p.levels[1].benefits.discount_rate = Decimal::new(11, 1)),
            Box::new(|p| p.levels[1].benefits.redemption_fee_rate = Decimal::ONE),
            Box::new(|p| p.window = GrowthWindow::RollingMonths { months: 0 }),
        ];
        for (i, spoil) in spoilers.iter().enumerate() {
            let mut p = ladder(DowngradeMode::OneStep);
            spoil(&mut p);
            assert!(p.validate().is_err(), "case {i}");
        }
        assert!(ladder(DowngradeMode::OneStep).validate().is_ok());
    }

    proptest! {
        #[test]
        fn a_review_never_leaves_the_ladder_nor_skips_below_the_earned_tier(
            current in 0usize..4,
            growth in 0i64..3_000_000,
            protected in prop::bool::ANY,
            to_earned in prop::bool::ANY,
        ) {
            let mode = if to_earned { DowngradeMode::ToEarned } else { DowngradeMode::OneStep };
            let p = ladder(mode);
            let now = at("2026-06-01T00:00:00Z");
            let until = protected.then(|| at("2026-07-01T00:00:00Z"));
            let earned = p.earned(growth);
            match p.review(current, growth, until, now) {
                TierMove::Stay => prop_assert!(earned == current || (earned < current && protected)),
                TierMove::Upgrade(to) => prop_assert!(to == earned && to > current),
                TierMove::Downgrade(to) => {
                    prop_assert!(!protected);
                    prop_assert!(to < current && to >= earned);
                }
            }
        }
    }
}
