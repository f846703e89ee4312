//! The earning policy a merchant configures, and the pure rule that turns a purchase into
//! points with an explanation of every step.
//!
//! The order of the steps is fixed and documented, so that a merchant can predict a result:
//!
//! 1. Lines: an order is priced by its lines (one implicit line of the whole amount when the
//!    till sends none). Lines of an excluded item or category earn nothing.
//! 2. Amount: each line's paid amount (after discounts, the default) or its gross amount
//!    (before discounts), by the policy's basis.
//! 3. Multipliers: the factors that apply to the line — the member's tier, member day,
//!    birthday, the store, the line's category, the line's item — combine by the stacking
//!    rule: `multiply` (the product) or `highest` (only the largest factor counts).
//! 4. Base points: `amount ÷ unit × points_per_unit × factor` per line, summed exactly, then
//!    rounded once for the whole order by the rounding mode (no per-line rounding loss).
//! 5. Threshold bonus: the highest step whose minimum the eligible amount reaches adds its
//!    bonus once (steps are alternatives, not cumulative; the bonus is not multiplied).
//! 6. Caps: the per-order cap, then what is left of the per-day cap after the points the
//!    member already earned from orders that local day.

mod policy;

pub use policy::*;

use crate::kernel::{InvalidValue, MerchantTimeZone, Money, Points, StoreId};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// A line of a purchase as the earning rule sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseLine {
    pub sku: Option<String>,
    pub category: Option<String>,
    /// Price times quantity, before discounts.
    pub gross: Money,
    /// What was paid for the line: its share of the order's paid amount.
    pub paid: Money,
}

/// A purchase to earn points for.
#[derive(Debug, Clone, Copy)]
pub struct Purchase<'a> {
    pub store_id: StoreId,
    pub at: DateTime<Utc>,
    /// The order's lines; the whole order is one line when empty.
    pub lines: &'a [PurchaseLine],
    pub amount_paid: Money,
    pub amount_gross: Money,
}

/// The tier benefits that bear on earning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierFactor {
    pub code: String,
    pub multiplier: Multiplier,
    /// Replaces the policy's birthday multiplier on the member's birthday, when set.
    pub birthday_multiplier: Option<Multiplier>,
}

/// What the rule needs to know about the member.
#[derive(Debug, Clone, Default)]
pub struct MemberContext {
    pub birthday: Option<NaiveDate>,
    pub tier: Option<TierFactor>,
    /// Points the member already earned from orders this local day (for the daily cap).
    pub earned_today: Points,
}

/// One factor applied to a line, and which rule gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedFactor {
    /// `tier`, `member_day`, `birthday`, `store`, `category`, `item`.
    pub rule: Cow<'static, str>,
    pub multiplier: Multiplier,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineExplanation {
    pub sku: Option<String>,
    pub category: Option<String>,
    /// The amount that earned (0.00 for an excluded line).
    pub amount: Money,
    /// `excluded_item` or `excluded_category` when the line earned nothing for that.
    pub excluded: Option<Cow<'static, str>>,
    pub factors: Vec<AppliedFactor>,
    /// The factor the stacking rule made of them.
    pub multiplier: Decimal,
    /// `amount ÷ unit × points_per_unit × multiplier`, before rounding.
    pub exact: Decimal,
}

/// A cap that cut the points, and what they were before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapApplied {
    /// `per_order` or `per_day`.
    pub cap: Cow<'static, str>,
    pub limit: Points,
    pub before: Points,
}

/// How the points of a purchase were computed, step by step (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarnExplanation {
    pub basis: AmountBasis,
    pub unit: Money,
    pub points_per_unit: i64,
    pub stacking: Stacking,
    pub member_day: bool,
    pub birthday: bool,
    pub lines: Vec<LineExplanation>,
    /// The amount of the lines that were not excluded.
    pub eligible_amount: Money,
    /// The sum of the lines' exact points.
    pub exact: Decimal,
    pub rounding: Rounding,
    /// `exact` rounded once.
    pub base_points: Points,
    pub threshold: Option<ThresholdBonus>,
    pub caps: Vec<CapApplied>,
}

/// Points a purchase earns, and how they were computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EarnedPoints {
    pub points: Points,
    pub explanation: EarnExplanation,
}

fn combine(stacking: Stacking, factors: &[AppliedFactor]) -> Decimal {
    match stacking {
        Stacking::Multiply => factors
            .iter()
            .fold(Decimal::ONE, |acc, f| acc * f.multiplier.value()),
        Stacking::Highest => factors
            .iter()
            .map(|f| f.multiplier.value())
            .max()
            .unwrap_or(Decimal::ONE),
    }
}

/// The points `purchase` earns under `policy` for `member`, in the merchant's time zone.
///
/// # Errors
/// Only when the result does not fit in a points amount (an absurd order).
pub fn earn_points(
    policy: &EarningPolicy,
    purchase: &Purchase<'_>,
    member: &MemberContext,
    time_zone: MerchantTimeZone,
) -> Result<EarnedPoints, InvalidValue> {
    let too_large = || InvalidValue::new("amount", "earns more points than can be counted");
    let local_date = purchase.at.with_timezone(&time_zone.tz()).date_naive();
    let member_day = policy
        .member_day
        .as_ref()
        .filter(|d| d.includes(local_date));
    let tier_birthday = member.tier.as_ref().and_then(|t| t.birthday_multiplier);
    let birthday_factor = member.birthday.and_then(|birthday| {
        let scope = policy.birthday.map(|b| b.scope).unwrap_or_default();
        let multiplier = tier_birthday.or(policy.birthday.map(|b| b.multiplier))?;
        scope.includes(birthday, local_date).then_some(multiplier)
    });
    let store_factor = policy
        .store_multipliers
        .iter()
        .find(|s| s.store_id == purchase.store_id)
        .map(|s| s.multiplier);

    let whole = [PurchaseLine {
        sku: None,
        category: None,
        gross: purchase.amount_gross,
        paid: purchase.amount_paid,
    }];
    let lines = if purchase.lines.is_empty() {
        &whole[..]
    } else {
        purchase.lines
    };

    let per_unit = Decimal::from(policy.points_per_unit)
        .checked_div(policy.unit.amount())
        .ok_or_else(too_large)?;
    let mut explained = Vec::with_capacity(lines.len());
    let mut exact_total = Decimal::ZERO;
    let mut eligible = Decimal::ZERO;
    for line in lines {
        let excluded = if line
            .sku
            .as_ref()
            .is_some_and(|s| policy.excluded_items.contains(s))
        {
            Some("excluded_item")
        } else if line
            .category
            .as_ref()
            .is_some_and(|c| policy.excluded_categories.contains(c))
        {
            Some("excluded_category")
        } else {
            None
        };
        let amount = match (excluded, policy.basis) {
            (Some(_), _) => Money::ZERO,
            (None, AmountBasis::AfterDiscounts) => line.paid,
            (None, AmountBasis::BeforeDiscounts) => line.gross,
        };
        let mut factors = Vec::new();
        if excluded.is_none() {
            let mut push = |rule, m: Option<Multiplier>| {
                if let Some(multiplier) = m {
                    factors.push(AppliedFactor {
                        rule: Cow::Borrowed(rule),
                        multiplier,
                    });
                }
            };
            push("tier", member.tier.as_ref().map(|t| t.multiplier));
            push("member_day", member_day.map(|d| d.multiplier));
            push("birthday", birthday_factor);
            push("store", store_factor);
            push(
                "category",
                line.category.as_ref().and_then(|c| {
                    policy
                        .category_multipliers
                        .iter()
                        .find(|m| &m.code == c)
                        .map(|m| m.multiplier)
                }),
            );
            push(
                "item",
                line.sku.as_ref().and_then(|s| {
                    policy
                        .item_multipliers
                        .iter()
                        .find(|m| &m.code == s)
                        .map(|m| m.multiplier)
                }),
            );
        }
        let multiplier = combine(policy.stacking, &factors).normalize();
        let exact = amount
            .amount()
            .checked_mul(per_unit)
            .and_then(|p| p.checked_mul(multiplier))
            .ok_or_else(too_large)?;
        exact_total = exact_total.checked_add(exact).ok_or_else(too_large)?;
        eligible = eligible
            .checked_add(amount.amount())
            .ok_or_else(too_large)?;
        explained.push(LineExplanation {
            sku: line.sku.clone(),
            category: line.category.clone(),
            amount,
            excluded: excluded.map(Cow::Borrowed),
            factors,
            multiplier,
            exact: exact.normalize(),
        });
    }
    let eligible_amount = Money::new(eligible).map_err(|_| too_large())?;
    let exact_total = exact_total.normalize();
    let base = i64::try_from(policy.rounding.apply(exact_total)).map_err(|_| too_large())?;
    let threshold = policy
        .thresholds
        .iter()
        .rev()
        .find(|t| eligible_amount >= t.min_amount && eligible_amount > Money::ZERO)
        .copied();
    let mut points = base
        .checked_add(threshold.map_or(0, |t| t.bonus.value()))
        .ok_or_else(too_large)?;
    let mut caps = Vec::new();
    if let Some(limit) = policy.cap_per_order
        && points > limit.value()
    {
        caps.push(CapApplied {
            cap: "per_order".into(),
            limit,
            before: Points::new(points),
        });
        points = limit.value();
    }
    if let Some(limit) = policy.cap_per_day {
        let left = (limit.value() - member.earned_today.value()).max(0);
        if points > left {
            caps.push(CapApplied {
                cap: "per_day".into(),
                limit,
                before: Points::new(points),
            });
            points = left;
        }
    }
    Ok(EarnedPoints {
        points: Points::new(points),
        explanation: EarnExplanation {
            basis: policy.basis,
            unit: policy.unit,
            points_per_unit: policy.points_per_unit,
            stacking: policy.stacking,
            member_day: member_day.is_some(),
            birthday: birthday_factor.is_some(),
            lines: explained,
            eligible_amount,
            exact: exact_total,
            rounding: policy.rounding,
            base_points: Points::new(base),
            threshold,
            caps,
        },
    })
}

/// Splits `total` over `weights` in proportion, to the fen, so that the parts add up to
/// `total` exactly: each part is rounded down, and the fen left over go one each to the
/// parts with the largest remainders (the earliest first on a tie). All-zero weights split
/// evenly the same way.
#[must_use]
pub fn allocate(total: Money, weights: &[Money]) -> Vec<Money> {
    if weights.is_empty() {
        return Vec::new();
    }
    let total = i128::from(total.fen());
    let mut w: Vec<i128> = weights.iter().map(|m| i128::from(m.fen())).collect();
    if w.iter().all(|x| *x == 0) {
        w.iter_mut().for_each(|x| *x = 1);
    }
    let sum: i128 = w.iter().sum();
    let mut parts: Vec<(i128, i128)> = w
        .iter()
        .map(|x| (total * x / sum, total * x % sum))
        .collect();
    let mut left = total - parts.iter().map(|p| p.0).sum::<i128>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| parts[*b].1.cmp(&parts[*a].1).then(a.cmp(b)));
    for i in order {
        if left == 0 {
            break;
        }
        parts[i].0 += 1;
        left -= 1;
    }
    parts
        .into_iter()
        .map(|(fen, _)| Money::from_fen(i64::try_from(fen).unwrap_or(0)).unwrap_or(Money::ZERO))
        .collect()
}

#[cfg(test)]
mod tests;
