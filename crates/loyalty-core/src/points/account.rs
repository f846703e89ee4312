//! The pure rules of a points account: which lots spending consumes, which lots are due to
//! expire, how earned points are taken back. Use cases run these over what the repository
//! loaded and hand the resulting plan back to it; [`PointsAccount`] runs them in memory so
//! the invariants can be checked over random histories.
//!
//! Invariant: balance = Σ ledger deltas = Σ open lot remainders, and never negative.

use crate::kernel::{LotId, Points};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A lot with points left, as the consumption rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenLot {
    pub id: LotId,
    pub remaining: Points,
    pub earned_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl OpenLot {
    #[must_use]
    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        self.remaining.is_positive() && self.expires_at.is_some_and(|at| at <= now)
    }
}

/// Points to take from one lot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LotTake {
    pub lot_id: LotId,
    pub amount: Points,
}

/// The lots do not hold the points asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shortfall {
    pub requested: Points,
    pub available: Points,
}

/// What happens when earned points must be taken back (a refund) but the member has already
/// spent some of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ShortfallPolicy {
    /// Refuse the reversal with `insufficient_points`.
    Reject,
    /// Take what is there, down to zero, and record the rest as a shortfall.
    ClawBackToZero,
    /// Take what is there, down to zero, and owe the rest: the member's points debt, which
    /// the next points credited pay off first (so the balance net of debt goes negative).
    #[default]
    Debt,
}

/// Sorts lots in the order spending consumes them: soonest expiry first, lots that never
/// expire last, ties by when they were earned, then by id.
pub fn sort_for_consumption(lots: &mut [OpenLot]) {
    lots.sort_by(|a, b| {
        let expiry = match (a.expires_at, b.expires_at) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        expiry
            .then(a.earned_at.cmp(&b.earned_at))
            .then(a.id.cmp(&b.id))
    });
}

fn total(lots: &[OpenLot]) -> Points {
    Points::new(lots.iter().map(|l| l.remaining.value().max(0)).sum())
}

/// Takes `amount` from `lots` in consumption order.
///
/// # Errors
/// [`Shortfall`] when the lots hold less than `amount`; nothing is planned then.
pub fn plan_consumption(lots: &[OpenLot], amount: Points) -> Result<Vec<LotTake>, Shortfall> {
    let available = total(lots);
    if amount > available {
        return Err(Shortfall {
            requested: amount,
            available,
        });
    }
    let mut ordered = lots.to_vec();
    sort_for_consumption(&mut ordered);
    let mut left = amount.value();
    let mut takes = Vec::new();
    for lot in ordered {
        if left == 0 {
            break;
        }
        let take = lot.remaining.value().min(left);
        if take > 0 {
            takes.push(LotTake {
                lot_id: lot.id,
                amount: Points::new(take),
            });
            left -= take;
        }
    }
    Ok(takes)
}

/// A planned reversal of earned points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReversalPlan {
    pub takes: Vec<LotTake>,
    pub taken: Points,
    pub shortfall: Points,
}

/// Takes back `amount` earned points: first from the lot they created (`earn_lot`), then
/// from the other lots in consumption order.
///
/// # Errors
/// [`Shortfall`] when the lots hold less than `amount` and the policy is
/// [`ShortfallPolicy::Reject`].
pub fn plan_reversal(
    lots: &[OpenLot],
    earn_lot: Option<LotId>,
    amount: Points,
    policy: ShortfallPolicy,
) -> Result<ReversalPlan, Shortfall> {
    let available = total(lots);
    let taken = match policy {
        ShortfallPolicy::Reject if amount > available => {
            return Err(Shortfall {
                requested: amount,
                available,
            });
        }
        ShortfallPolicy::Reject => amount,
        ShortfallPolicy::ClawBackToZero | ShortfallPolicy::Debt => amount.min(available),
    };
    let mut takes = Vec::new();
    let mut left = taken;
    if let Some(own) = earn_lot.and_then(|id| lots.iter().find(|l| l.id == id)) {
        let take = own.remaining.min(left);
        if take.is_positive() {
            takes.push(LotTake {
                lot_id: own.id,
                amount: take,
            });
            left = Points::new(left.value() - take.value());
        }
    }
    let others: Vec<OpenLot> = lots
        .iter()
        .filter(|l| Some(l.id) != earn_lot)
        .cloned()
        .collect();
    let rest = plan_consumption(&others, left)?;
    takes.extend(rest);
    Ok(ReversalPlan {
        takes,
        taken,
        shortfall: Points::new(amount.value() - taken.value()),
    })
}

/// An in-memory points account that applies the rules above: the model the property tests
/// check, and a reference for adapters.
#[derive(Debug, Clone, Default)]
pub struct PointsAccount {
    pub balance: Points,
    pub lots: Vec<OpenLot>,
    pub deltas: Vec<Points>,
}

impl PointsAccount {
    /// Credits a new lot.
    pub fn earn(
        &mut self,
        amount: Points,
        at: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) -> LotId {
        let id = LotId::new();
        self.lots.push(OpenLot {
            id,
            remaining: amount,
            earned_at: at,
            expires_at,
        });
        self.apply(amount);
        id
    }

    /// Spends from the soonest-expiring lots; lots due at `now` expire first.
    ///
    /// # Errors
    /// [`Shortfall`] when the balance is too small; the account is unchanged then.
    pub fn spend(&mut self, amount: Points, now: DateTime<Utc>) -> Result<(), Shortfall> {
        self.expire(now);
        let takes = plan_consumption(&self.lots, amount)?;
        self.take(&takes);
        self.apply(Points::new(-amount.value()));
        Ok(())
    }

    /// Expires every lot due at `now`, one expire delta per lot.
    pub fn expire(&mut self, now: DateTime<Utc>) {
        let due: Vec<LotTake> = self
            .lots
            .iter()
            .filter(|l| l.is_due(now))
            .map(|l| LotTake {
                lot_id: l.id,
                amount: l.remaining,
            })
            .collect();
        for take in due {
            self.take(&[take]);
            self.apply(Points::new(-take.amount.value()));
        }
    }

    /// Takes back earned points by `policy`.
    ///
    /// # Errors
    /// [`Shortfall`] under [`ShortfallPolicy::Reject`] when the points are gone.
    pub fn reverse(
        &mut self,
        earn_lot: LotId,
        amount: Points,
        policy: ShortfallPolicy,
        now: DateTime<Utc>,
    ) -> Result<ReversalPlan, Shortfall> {
        self.expire(now);
        let plan = plan_reversal(&self.lots, Some(earn_lot), amount, policy)?;
        self.take(&plan.takes);
        self.apply(Points::new(-plan.taken.value()));
        Ok(plan)
    }

    #[must_use]
    pub fn lots_total(&self) -> Points {
        total(&self.lots)
    }

    #[must_use]
    pub fn ledger_total(&self) -> Points {
        Points::new(self.deltas.iter().map(|d| d.value()).sum())
    }

    fn take(&mut self, takes: &[LotTake]) {
        for take in takes {
            if let Some(lot) = self.lots.iter_mut().find(|l| l.id == take.lot_id) {
                lot.remaining = Points::new(lot.remaining.value() - take.amount.value());
            }
        }
        self.lots.retain(|l| l.remaining.is_positive());
    }

    fn apply(&mut self, delta: Points) {
        if delta != Points::ZERO {
            self.deltas.push(delta);
        }
        self.balance = Points::new(self.balance.value() + delta.value());
    }
}

#[cfg(test)]
mod tests;
