//! The order pricing engine: one pure, deterministic function, [`price_order`], that turns an
//! order's lines, the member's tier, the coupons they chose and the points they want to use
//! into what they pay, line by line, with an explanation of every step.
//!
//! The steps run in a fixed order, so the same order always prices the same way (a quote at
//! the till equals the committed order):
//!
//! 1. **Line prices**: each line costs `unit_price × quantity`.
//! 2. **Tier discount** (会员折扣): each line costs `gross × rate` of the member's tier, rounded
//!    half-up to the fen *per line*; the line's tier discount is the difference.
//! 3. **Coupons**, in a fixed order whatever order they were chosen in: free items first, then
//!    amount-off and no-threshold coupons, then percent-off coupons; ties by coupon code. Each
//!    coupon works on its eligible lines at what they cost after the steps before it, so a
//!    threshold is met by what the member still pays and a percentage is taken of it.
//!    An exclusive coupon is the only coupon of its order. By kind, on the eligible amount
//!    `E` (what the coupon's lines still cost):
//!    - 满减 (amount off): `min(amount, E)`, when `E` reaches the threshold;
//!    - 无门槛 (no threshold): `min(amount, E)`;
//!    - 折扣 (percent off): `E − E × rate` (what is paid rounded half-up), at most the cap,
//!      when `E` reaches the threshold;
//!    - 免费商品 (free item): the cheapest units by what a unit of its line still costs (ties
//!      to the earlier line), `k` of a line's `q` units taking `k / q` of the line.
//! 4. **Points as cash** (积分抵现): at most `max_share` of what is left after coupons
//!    (rounded down to the fen), in whole [steps](PointsAsCash::step) of points worth a whole
//!    number of fen, at most the points available, and nothing below the rule's minimum.
//! 5. **Amount due**: the sum of what every line still costs; never negative.
//!
//! Every discount is carried by the lines (a refund needs each line's share): a discount on
//! several lines is split in proportion to what they cost before it by
//! [`allocate`](crate::points::allocate) (largest remainder, to the fen, never more than a
//! line costs), and the points used are split the same way over the lines' points discounts.
//! Only two roundings exist, both to the fen: a *rate* times an amount (tier rate, percent
//! off, a part of a line freed by a free-item coupon) rounds half-up; a *limit* (the share of
//! points as cash) rounds down.

use crate::coupons::{CouponBenefit, CouponScope, Stacking};
#[cfg(feature = "openapi")]
use crate::kernel::schema::{PositiveMoney, ShareOfOne};
use crate::kernel::{
    CouponId, CouponTemplateId, InvalidValue, Money, Points, StoreId, decimal_text,
};
use crate::points::allocate;
use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

mod steps;

/// The most lines an order may have.
pub const MAX_LINES: usize = 500;
/// The most units of one line.
pub const MAX_QUANTITY: i64 = 100_000;
/// The most one line may cost before discounts, in fen (1,000,000,000.00).
pub const MAX_LINE_GROSS_FEN: i64 = 100_000_000_000;
/// The most coupons one order may use.
pub const MAX_COUPONS: usize = 10;

/// A line of an order to price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PricingLine {
    pub sku: Option<String>,
    pub category: Option<String>,
    /// 1 to [`MAX_QUANTITY`].
    pub quantity: i64,
    pub unit_price: Money,
}

/// A coupon the member holds and chose for this order, already loaded; pricing checks its
/// window, store, tier, scope and benefit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CouponOffer {
    pub coupon_id: CouponId,
    pub template_id: CouponTemplateId,
    pub code: String,
    pub name: String,
    pub benefit: CouponBenefit,
    pub scope: CouponScope,
    pub stacking: Stacking,
    /// The coupon may be used from this instant …
    pub valid_from: DateTime<Utc>,
    /// … until just before this one.
    pub valid_until: DateTime<Utc>,
}

/// The merchant's points-as-cash rule (积分抵现): `points` points are worth `money`; at most
/// `max_share` (more than 0, at most 1) of the amount after coupons may be paid with points,
/// and an order that uses points uses at least `min_points` (0 = no minimum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PointsAsCash {
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 1, maximum = 1_000_000_000))]
    pub points: Points,
    #[cfg_attr(feature = "openapi", schema(value_type = PositiveMoney))]
    pub money: Money,
    #[serde(deserialize_with = "decimal_text::deserialize")]
    #[cfg_attr(feature = "openapi", schema(value_type = ShareOfOne))]
    pub max_share: Decimal,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 0, maximum = 1_000_000_000))]
    pub min_points: Points,
}

fn gcd(mut a: i64, mut b: i64) -> i64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

impl PointsAsCash {
    /// # Errors
    /// `points` outside 1 to 1000000000, `money` of 0.00, `max_share` outside (0, 1], or a
    /// `min_points` outside 0 to 1000000000.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        if !(1..=1_000_000_000).contains(&self.points.value()) {
            return Err(InvalidValue::new(
                "points",
                "must be between 1 and 1000000000",
            ));
        }
        if self.money == Money::ZERO {
            return Err(InvalidValue::new("money", "must be more than 0.00"));
        }
        let share = self.max_share;
        if share <= Decimal::ZERO || share > Decimal::ONE || decimal_text::places(share) > 4 {
            return Err(InvalidValue::new(
                "max_share",
                "must be more than 0 and at most 1, at most 4 decimal places",
            ));
        }
        if !(0..=1_000_000_000).contains(&self.min_points.value()) {
            return Err(InvalidValue::new(
                "min_points",
                "must be between 0 and 1000000000",
            ));
        }
        Ok(())
    }

    /// The smallest number of points worth a whole number of fen,
    /// `points / gcd(points, money in fen)`: points used as cash are a multiple of it, so no
    /// point is lost to rounding (100 points = 1.00 → 1; 3 points = 0.01 → 3; 150 = 1.00 → 3).
    #[must_use]
    pub fn step(&self) -> Points {
        let points = self.points.value().max(1);
        Points::new(points / gcd(points, self.money.fen()))
    }

    /// What one [`step`](Self::step) of points is worth, in fen.
    fn fen_per_step(&self) -> i64 {
        let points = self.points.value().max(1);
        self.money.fen() / gcd(points, self.money.fen())
    }

    /// What `points` are worth: exact for a multiple of [`step`](Self::step), rounded down to
    /// the fen otherwise.
    #[must_use]
    pub fn value_of(&self, points: Points) -> Money {
        let fen = i128::from(points.value().max(0)) * i128::from(self.money.fen())
            / i128::from(self.points.value().max(1));
        Money::from_fen(i64::try_from(fen).unwrap_or(i64::MAX)).unwrap_or(Money::ZERO)
    }
}

/// What to price.
#[derive(Debug, Clone, Copy)]
pub struct PricingInput<'a> {
    pub store_id: StoreId,
    pub at: DateTime<Utc>,
    /// 1 to [`MAX_LINES`] lines.
    pub lines: &'a [PricingLine],
    /// The member's tier code, for coupons limited to tiers (see
    /// [`CouponScope::covers_tier`]).
    pub tier_code: Option<&'a str>,
    /// What the member's tier pays of the price: more than 0, at most 1 (1 = no discount).
    pub tier_discount_rate: Decimal,
    /// At most [`MAX_COUPONS`], each once.
    pub coupons: &'a [CouponOffer],
    /// Points the member wants to use as cash (0 = none).
    pub points_requested: Points,
    /// The member's points balance.
    pub points_available: Points,
    /// `None`: the merchant does not take points as cash.
    pub points_rule: Option<&'a PointsAsCash>,
}

/// A priced line: `gross = tier_discount + coupon_discount + points_discount + due`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    /// 1-based, in input order.
    pub line_no: i32,
    pub gross: Money,
    pub tier_discount: Money,
    pub coupon_discount: Money,
    pub points_discount: Money,
    /// This line's share of the points used.
    pub points_used: Points,
    pub due: Money,
}

/// A coupon that priced the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedCoupon {
    pub coupon_id: CouponId,
    pub code: String,
    pub discount: Money,
    /// Each line's share of the discount, in line order (as many as the lines).
    pub line_discounts: Vec<Money>,
}

/// One step of the explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricingStep {
    /// `line_prices`, `tier_discount`, `coupon`, `points_as_cash` or `amount_due`.
    pub step: Cow<'static, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coupon_code: Option<String>,
    /// The step's discount; the total for `line_prices` and `amount_due`.
    pub amount: Money,
    /// One sentence for a person.
    pub detail: String,
}

/// An order priced: totals, lines, the coupons applied (in the order they applied) and the
/// explanation. Every total is the sum of its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedOrder {
    pub lines: Vec<PricedLine>,
    pub gross: Money,
    pub tier_discount: Money,
    pub coupon_discount: Money,
    pub points_used: Points,
    pub points_discount: Money,
    pub amount_due: Money,
    pub coupons: Vec<AppliedCoupon>,
    /// The most points this order could take as cash given the points available (for the
    /// till to offer); 0 without a rule or below its minimum.
    pub points_max_usable: Points,
    /// `line_prices`, `tier_discount` (when the rate is below 1), one `coupon` per coupon,
    /// `points_as_cash` (when points are used), `amount_due`.
    pub steps: Vec<PricingStep>,
}

/// Why an order cannot be priced as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    /// Lines (1 to 500, quantities 1 to 100000, a line at most 1000000000.00), the tier rate,
    /// the coupons (at most 10, each once, a benefit in range), the points rule or a
    /// negative points request.
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// `reason`: `not_yet_valid`, `expired`, `store`, `tier`, `no_eligible_items` or
    /// `threshold_not_met`.
    #[error("coupon {code} does not apply to this order: {reason}")]
    CouponNotApplicable { code: String, reason: &'static str },
    /// An exclusive coupon was chosen with another coupon.
    #[error("coupon {code} cannot be combined with other coupons")]
    CouponsNotStackable { code: String },
    #[error("this merchant does not take points as cash")]
    PointsNotAccepted,
    #[error("points as cash must be a multiple of {step}")]
    PointsNotMultiple { step: Points },
    #[error("at least {min} points must be used as cash")]
    PointsBelowMinimum { min: Points },
    /// More than the share allows or more than the member has; `max` is
    /// [`PricedOrder::points_max_usable`].
    #[error("at most {max} points can be used as cash on this order")]
    PointsExceedLimit { max: Points },
}

impl PricingError {
    /// The stable code clients switch on.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "validation_failed",
            Self::CouponNotApplicable { .. } => "coupon_not_applicable",
            Self::CouponsNotStackable { .. } => "coupons_not_stackable",
            Self::PointsNotAccepted => "points_not_accepted",
            Self::PointsNotMultiple { .. } => "points_not_multiple",
            Self::PointsBelowMinimum { .. } => "points_below_minimum",
            Self::PointsExceedLimit { .. } => "points_limit_exceeded",
        }
    }
}

/// A money amount from fen that are non-negative by construction.
fn yuan(fen: i64) -> Money {
    Money::from_fen(fen.max(0)).unwrap_or(Money::ZERO)
}

/// The one rounding of a rate times an amount: half-up to the fen.
fn times_rate(fen: i64, rate: Decimal) -> Option<i64> {
    let exact = Decimal::from(fen).checked_mul(rate)?;
    i64::try_from(exact.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)).ok()
}

/// Splits `total` fen over the lines `among` in proportion to `weights` (fen), by
/// [`allocate`]; lines not among them get 0.
fn split(total: i64, weights: &[i64], among: &[usize]) -> Vec<i64> {
    let parts = allocate(
        yuan(total),
        &among.iter().map(|&i| yuan(weights[i])).collect::<Vec<_>>(),
    );
    let mut out = vec![0; weights.len()];
    for (&i, part) in among.iter().zip(parts) {
        out[i] = part.fen();
    }
    out
}

/// Prices `input` by the steps in the module docs.
///
/// Coupons are checked in their application order: window (`valid_from ≤ at < valid_until`),
/// store, tier; then an exclusive coupon among several is refused; then each applies or
/// fails on its eligible lines (none left to discount, or a threshold not met).
///
/// # Errors
/// [`PricingError`]: the first thing that keeps the order from pricing as asked. Pure and
/// deterministic: the same input gives the same result, whatever the order of the coupons.
pub fn price_order(input: &PricingInput<'_>) -> Result<PricedOrder, PricingError> {
    let gross = steps::line_prices(input.lines)?;
    let rate = input.tier_discount_rate;
    if rate <= Decimal::ZERO || rate > Decimal::ONE {
        return Err(
            InvalidValue::new("tier_discount_rate", "must be more than 0 and at most 1").into(),
        );
    }
    let coupons = steps::checked_coupons(input)?;
    if let Some(rule) = input.points_rule {
        rule.validate()?;
    }
    if input.points_requested.is_negative() {
        return Err(InvalidValue::new("points_requested", "must not be negative").into());
    }

    let gross_total: i64 = gross.iter().sum();
    let mut explained = vec![PricingStep {
        step: "line_prices".into(),
        coupon_code: None,
        amount: yuan(gross_total),
        detail: format!(
            "{} line(s), {} before discounts",
            gross.len(),
            yuan(gross_total)
        ),
    }];

    let mut current = Vec::with_capacity(gross.len());
    for &g in &gross {
        let after = times_rate(g, rate)
            .ok_or_else(|| InvalidValue::new("tier_discount_rate", "is out of range"))?;
        current.push(after.clamp(0, g));
    }
    let tier: Vec<i64> = gross.iter().zip(&current).map(|(g, c)| g - c).collect();
    let tier_total: i64 = tier.iter().sum();
    if rate < Decimal::ONE {
        explained.push(PricingStep {
            step: "tier_discount".into(),
            coupon_code: None,
            amount: yuan(tier_total),
            detail: format!(
                "tier pays {} of {}, each line rounded half-up to the fen: {} off",
                rate.normalize(),
                yuan(gross_total),
                yuan(tier_total)
            ),
        });
    }

    let mut applied = Vec::with_capacity(coupons.len());
    let mut coupon_lines = vec![0_i64; gross.len()];
    for offer in coupons {
        let (parts, detail) = steps::apply_coupon(offer, input.lines, &current)?;
        let discount: i64 = parts.iter().sum();
        for (i, part) in parts.iter().enumerate() {
            current[i] -= part;
            coupon_lines[i] += part;
        }
        explained.push(PricingStep {
            step: "coupon".into(),
            coupon_code: Some(offer.code.clone()),
            amount: yuan(discount),
            detail,
        });
        applied.push(AppliedCoupon {
            coupon_id: offer.coupon_id,
            code: offer.code.clone(),
            discount: yuan(discount),
            line_discounts: parts.into_iter().map(yuan).collect(),
        });
    }

    let points = steps::points_as_cash(input, &current)?;
    if let Some(step) = points.step {
        explained.push(step);
    }
    let due: Vec<i64> = current
        .iter()
        .zip(&points.fen)
        .map(|(c, p)| c - p)
        .collect();
    let due_total: i64 = due.iter().sum();
    let coupon_total: i64 = coupon_lines.iter().sum();
    let points_fen_total: i64 = points.fen.iter().sum();
    explained.push(PricingStep {
        step: "amount_due".into(),
        coupon_code: None,
        amount: yuan(due_total),
        detail: format!(
            "{} - {} tier - {} coupons - {} points = {} due",
            yuan(gross_total),
            yuan(tier_total),
            yuan(coupon_total),
            yuan(points_fen_total),
            yuan(due_total)
        ),
    });

    let lines = (0..gross.len())
        .map(|i| PricedLine {
            line_no: i32::try_from(i + 1).unwrap_or(i32::MAX),
            gross: yuan(gross[i]),
            tier_discount: yuan(tier[i]),
            coupon_discount: yuan(coupon_lines[i]),
            points_discount: yuan(points.fen[i]),
            points_used: Points::new(points.points[i]),
            due: yuan(due[i]),
        })
        .collect();
    Ok(PricedOrder {
        lines,
        gross: yuan(gross_total),
        tier_discount: yuan(tier_total),
        coupon_discount: yuan(coupon_total),
        points_used: Points::new(points.points.iter().sum()),
        points_discount: yuan(points_fen_total),
        amount_due: yuan(due_total),
        coupons: applied,
        points_max_usable: Points::new(points.max_usable),
        steps: explained,
    })
}

#[cfg(test)]
mod tests;
