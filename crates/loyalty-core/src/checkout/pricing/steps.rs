//! The steps of [`price_order`](super::price_order), each over whole fen.

use super::{
    CouponOffer, MAX_COUPONS, MAX_LINE_GROSS_FEN, MAX_LINES, MAX_QUANTITY, PricingError,
    PricingInput, PricingLine, PricingStep, split, times_rate, yuan,
};
use crate::coupons::{CouponBenefit, Stacking};
use crate::kernel::{InvalidValue, Money, Points};
use rust_decimal::Decimal;
use std::cmp::Ordering;

/// Each line's `unit_price × quantity`, in fen.
pub(super) fn line_prices(lines: &[PricingLine]) -> Result<Vec<i64>, PricingError> {
    if lines.is_empty() || lines.len() > MAX_LINES {
        return Err(InvalidValue::new("lines", "must be 1 to 500 lines").into());
    }
    lines
        .iter()
        .map(|line| {
            if !(1..=MAX_QUANTITY).contains(&line.quantity) {
                return Err(
                    InvalidValue::new("lines.quantity", "must be between 1 and 100000").into(),
                );
            }
            line.unit_price
                .fen()
                .checked_mul(line.quantity)
                .filter(|fen| *fen <= MAX_LINE_GROSS_FEN)
                .ok_or_else(|| {
                    InvalidValue::new(
                        "lines.unit_price",
                        "unit price × quantity must be at most 1000000000.00",
                    )
                    .into()
                })
        })
        .collect()
}

/// Free items first, then amount off and no threshold, then percent off.
const fn rank(benefit: &CouponBenefit) -> u8 {
    match benefit {
        CouponBenefit::FreeItem { .. } => 0,
        CouponBenefit::AmountOff { .. } | CouponBenefit::NoThreshold { .. } => 1,
        CouponBenefit::PercentOff { .. } => 2,
    }
}

/// The coupons in application order, each checked for its window, store and tier, and
/// together for stacking.
pub(super) fn checked_coupons<'a>(
    input: &PricingInput<'a>,
) -> Result<Vec<&'a CouponOffer>, PricingError> {
    if input.coupons.len() > MAX_COUPONS {
        return Err(InvalidValue::new("coupons", "must be at most 10 coupons").into());
    }
    let mut coupons: Vec<&CouponOffer> = input.coupons.iter().collect();
    coupons.sort_by(|a, b| {
        rank(&a.benefit)
            .cmp(&rank(&b.benefit))
            .then_with(|| a.code.cmp(&b.code))
            .then_with(|| a.coupon_id.cmp(&b.coupon_id))
    });
    for (i, offer) in coupons.iter().enumerate() {
        let twice = coupons[..i]
            .iter()
            .any(|o| o.coupon_id == offer.coupon_id || o.code == offer.code);
        if twice {
            return Err(InvalidValue::new("coupons", "the same coupon is used twice").into());
        }
        offer.benefit.validate()?;
    }
    for offer in &coupons {
        let reason = if input.at < offer.valid_from {
            Some("not_yet_valid")
        } else if input.at >= offer.valid_until {
            Some("expired")
        } else if !offer.scope.covers_store(input.store_id) {
            Some("store")
        } else if !offer.scope.covers_tier(input.tier_code) {
            Some("tier")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(not_applicable(offer, reason));
        }
    }
    if coupons.len() > 1
        && let Some(exclusive) = coupons.iter().find(|o| o.stacking == Stacking::Exclusive)
    {
        return Err(PricingError::CouponsNotStackable {
            code: exclusive.code.clone(),
        });
    }
    Ok(coupons)
}

fn not_applicable(offer: &CouponOffer, reason: &'static str) -> PricingError {
    PricingError::CouponNotApplicable {
        code: offer.code.clone(),
        reason,
    }
}

/// The discount `offer` gives each line at the lines' `current` amounts (fen), and a sentence
/// saying how.
pub(super) fn apply_coupon(
    offer: &CouponOffer,
    lines: &[PricingLine],
    current: &[i64],
) -> Result<(Vec<i64>, String), PricingError> {
    let eligible: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            offer
                .scope
                .covers_line(lines[i].sku.as_deref(), lines[i].category.as_deref())
        })
        .collect();
    let base: i64 = eligible.iter().map(|&i| current[i]).sum();
    if base == 0 {
        return Err(not_applicable(offer, "no_eligible_items"));
    }
    let reach = |threshold: Money| {
        if base >= threshold.fen() {
            Ok(())
        } else {
            Err(not_applicable(offer, "threshold_not_met"))
        }
    };
    let of_base =
        |discount: i64| format!("{} off {} of eligible items", yuan(discount), yuan(base));
    let (discount, detail) = match offer.benefit {
        CouponBenefit::AmountOff { threshold, amount } => {
            reach(threshold)?;
            let discount = amount.fen().min(base);
            (
                discount,
                format!("{} (threshold {threshold})", of_base(discount)),
            )
        }
        CouponBenefit::NoThreshold { amount } => {
            let discount = amount.fen().min(base);
            (discount, format!("{} (no threshold)", of_base(discount)))
        }
        CouponBenefit::PercentOff {
            rate,
            threshold,
            cap,
        } => {
            reach(threshold)?;
            let pay = times_rate(base, rate)
                .ok_or_else(|| InvalidValue::new("benefit.rate", "is out of range"))?;
            let full = (base - pay).clamp(0, base);
            let discount = cap.map_or(full, |cap| full.min(cap.fen()));
            let mut detail = format!(
                "{} (pay {} rounded half-up to the fen",
                of_base(discount),
                rate.normalize()
            );
            if threshold > Money::ZERO {
                detail.push_str(&format!(", threshold {threshold}"));
            }
            if discount < full {
                detail.push_str(&format!(", capped at {}", yuan(discount)));
            }
            detail.push(')');
            (discount, detail)
        }
        CouponBenefit::FreeItem { quantity } => {
            return Ok(free_items(quantity, &eligible, lines, current));
        }
    };
    Ok((split(discount, current, &eligible), detail))
}

/// `quantity` units free among the `eligible` lines, the cheapest unit first by current
/// amount per unit (ties by line order). `k` of a line's `q` units take `current × k / q`,
/// rounded half-up to the fen.
fn free_items(
    quantity: i64,
    eligible: &[usize],
    lines: &[PricingLine],
    current: &[i64],
) -> (Vec<i64>, String) {
    let mut candidates: Vec<usize> = eligible
        .iter()
        .copied()
        .filter(|&i| current[i] > 0)
        .collect();
    let per_unit = |a: usize, b: usize| -> Ordering {
        let left = i128::from(current[a]) * i128::from(lines[b].quantity);
        let right = i128::from(current[b]) * i128::from(lines[a].quantity);
        left.cmp(&right).then(a.cmp(&b))
    };
    candidates.sort_by(|a, b| per_unit(*a, *b));
    let mut parts = vec![0; current.len()];
    let mut left = quantity.max(0);
    let mut freed = 0;
    for i in candidates {
        if left == 0 {
            break;
        }
        let units = left.min(lines[i].quantity);
        let (amount, q) = (i128::from(current[i]), i128::from(lines[i].quantity));
        let share = (2 * amount * i128::from(units) + q) / (2 * q);
        parts[i] = i64::try_from(share.min(amount)).unwrap_or(current[i]);
        left -= units;
        freed += units;
    }
    let discount: i64 = parts.iter().sum();
    let detail = format!(
        "{freed} unit(s) free, cheapest eligible first: {} off",
        yuan(discount)
    );
    (parts, detail)
}

/// Points as cash on the lines' `current` amounts.
pub(super) struct PointsPlan {
    /// Each line's points discount, in fen.
    pub fen: Vec<i64>,
    /// Each line's share of the points used.
    pub points: Vec<i64>,
    pub max_usable: i64,
    /// The explanation, when points are used.
    pub step: Option<PricingStep>,
}

/// The most points usable on `current` (always), and the split of the points requested
/// (checked in order: a rule, whole steps, the minimum, the most usable).
pub(super) fn points_as_cash(
    input: &PricingInput<'_>,
    current: &[i64],
) -> Result<PointsPlan, PricingError> {
    let mut plan = PointsPlan {
        fen: vec![0; current.len()],
        points: vec![0; current.len()],
        max_usable: 0,
        step: None,
    };
    let requested = input.points_requested.value();
    let Some(rule) = input.points_rule else {
        return if requested > 0 {
            Err(PricingError::PointsNotAccepted)
        } else {
            Ok(plan)
        };
    };
    let amount: i64 = current.iter().sum();
    let share_fen = Decimal::from(amount)
        .checked_mul(rule.max_share)
        .map(|d| d.floor())
        .and_then(|d| i64::try_from(d).ok())
        .unwrap_or(0)
        .clamp(0, amount);
    let step = rule.step().value();
    let per_step = i128::from(rule.fen_per_step().max(1));
    let by_share = i128::from(share_fen) / per_step * i128::from(step);
    let available = i128::from(input.points_available.value().max(0) / step * step);
    let most = i64::try_from(by_share.min(available)).unwrap_or(0);
    plan.max_usable = if most < rule.min_points.value() {
        0
    } else {
        most
    };
    if requested == 0 {
        return Ok(plan);
    }
    if requested % step != 0 {
        return Err(PricingError::PointsNotMultiple { step: rule.step() });
    }
    if requested < rule.min_points.value() {
        return Err(PricingError::PointsBelowMinimum {
            min: rule.min_points,
        });
    }
    if requested > plan.max_usable {
        return Err(PricingError::PointsExceedLimit {
            max: Points::new(plan.max_usable),
        });
    }
    let discount = rule.value_of(input.points_requested).fen();
    let all: Vec<usize> = (0..current.len()).collect();
    plan.fen = split(discount, current, &all);
    plan.points = split(requested, &plan.fen, &all);
    plan.step = Some(PricingStep {
        step: "points_as_cash".into(),
        coupon_code: None,
        amount: yuan(discount),
        detail: format!(
            "{requested} points pay {} ({} points = {}; at most {} of {} after coupons, {} points usable)",
            yuan(discount),
            rule.points,
            rule.money,
            rule.max_share.normalize(),
            yuan(amount),
            plan.max_usable
        ),
    });
    Ok(plan)
}
