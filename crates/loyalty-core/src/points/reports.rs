//! What-if and reporting use cases of the points feature: a simulation of the earning rule
//! over past orders, the points liability, and the notice of points about to expire.

use super::PointsService;
use crate::Result;
use crate::checkout::OrdersTx;
use crate::events::DomainEvent;
use crate::events::Notifier;
use crate::kernel::Transaction;
use crate::kernel::with_retry;
use crate::kernel::{Clock, TxMode, UnitOfWork};
use crate::kernel::{InvalidValue, MemberId, MerchantId, Money, Points, StoreId};
use crate::members::Member;
use crate::members::MembersTx;
use crate::merchants::merchant_of;
use crate::notifications::NotifyTx;
use crate::notifications::enqueue;
use crate::points::ExpiryPolicy;
use crate::points::PointsTx;
use crate::points::{
    EarningPolicy, MemberContext, PointValue, Purchase, PurchaseLine, earn_points,
};
use crate::settings::SettingsTx;
use crate::tiers::TierPolicy;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap};

/// What a proposed earning policy would have issued over recent orders, against what was
/// issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Simulation {
    pub days: u32,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub orders: u64,
    pub issued: Points,
    pub proposed: Points,
    pub stores: Vec<StoreSimulation>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreSimulation {
    pub store_id: StoreId,
    pub orders: u64,
    pub issued: Points,
    pub proposed: Points,
}

/// What the merchant owes its members in points, and what that is worth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointsLiability {
    pub outstanding: Points,
    pub value: Money,
    pub members_with_points: u64,
    /// Of the outstanding points, those that expire within `expiring_days`.
    pub expiring: Points,
    pub expiring_days: u32,
    pub point_value: PointValue,
    pub at: DateTime<Utc>,
}

impl<U, C, N> PointsService<'_, U, C, N>
where
    U: UnitOfWork<Tx: NotifyTx + OrdersTx + PointsTx>,
    C: Clock,
    N: Notifier,
{
    /// Runs `proposed` over the orders of the last `days` days, as they were (lines, store,
    /// time) for their members as they are now (tier, birthday), with the per-day cap
    /// counted over the simulated orders, and answers what it would have issued against
    /// what was issued when they were committed.
    ///
    /// # Errors
    /// `validation_failed` for a policy that does not validate or days outside 1..=366.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn simulate_earning(
        self,
        merchant_id: MerchantId,
        proposed: &EarningPolicy,
        days: u32,
    ) -> Result<Simulation> {
        proposed.validate()?;
        if !(1..=366).contains(&days) {
            return Err(InvalidValue::new("days", "must be between 1 and 366").into());
        }
        let to = self.clock.now();
        let from = to - Duration::days(i64::from(days));
        let mut tx = self.uow.begin(TxMode::Read).await?;
        let merchant = merchant_of(&mut tx, merchant_id).await?;
        let tiers: Option<TierPolicy> = tx
            .settings()
            .settings(merchant_id)
            .await?
            .tiers
            .map(|t| t.value);
        let mut day_totals: HashMap<(MemberId, NaiveDate), i64> = HashMap::new();
        let mut stores: BTreeMap<StoreId, StoreSimulation> = BTreeMap::new();
        let mut after = None;
        loop {
            let orders = tx
                .orders()
                .orders_since(merchant_id, from, after, 500)
                .await?;
            let Some(last) = orders.last() else { break };
            after = Some(last.id);
            let ids: Vec<_> = orders.iter().map(|o| o.id).collect();
            let mut lines: HashMap<_, Vec<PurchaseLine>> = HashMap::new();
            for l in tx.orders().lines_of(merchant_id, &ids).await? {
                lines.entry(l.order_id).or_default().push(PurchaseLine {
                    sku: l.sku,
                    category: l.category,
                    gross: l.gross,
                    paid: l.paid,
                });
            }
            let mut member_ids: Vec<MemberId> = orders.iter().map(|o| o.member_id).collect();
            member_ids.sort_unstable();
            member_ids.dedup();
            let members: HashMap<MemberId, Member> = tx
                .members()
                .members_by_ids(merchant_id, &member_ids)
                .await?
                .into_iter()
                .map(|m| (m.id, m))
                .collect();
            for order in &orders {
                let purchase_lines = lines.remove(&order.id).unwrap_or_default();
                let gross_fen: i64 = purchase_lines.iter().map(|l| l.gross.fen()).sum();
                let member = members.get(&order.member_id);
                let day = merchant.time_zone.local_date(order.created_at);
                let today = day_totals.entry((order.member_id, day)).or_insert(0);
                let context = MemberContext {
                    birthday: member.and_then(|m| m.birthday),
                    tier: tiers.as_ref().and_then(|t| {
                        t.factor(t.rank(member.and_then(|m| m.tier_code.as_deref())))
                    }),
                    earned_today: Points::new(*today),
                };
                let earned = earn_points(
                    proposed,
                    &Purchase {
                        store_id: order.store_id,
                        at: order.created_at,
                        lines: &purchase_lines,
                        amount_paid: order.amount_paid,
                        amount_gross: if purchase_lines.is_empty() {
                            order.amount_paid
                        } else {
                            Money::from_fen(gross_fen)?
                        },
                    },
                    &context,
                    merchant.time_zone,
                )?;
                *today += earned.points.value();
                let store = stores.entry(order.store_id).or_insert(StoreSimulation {
                    store_id: order.store_id,
                    orders: 0,
                    issued: Points::ZERO,
                    proposed: Points::ZERO,
                });
                store.orders += 1;
                store.issued = Points::new(store.issued.value() + order.points_earned.value());
                store.proposed = Points::new(store.proposed.value() + earned.points.value());
            }
        }
        let stores: Vec<StoreSimulation> = stores.into_values().collect();
        Ok(Simulation {
            days,
            from,
            to,
            orders: stores.iter().map(|s| s.orders).sum(),
            issued: Points::new(stores.iter().map(|s| s.issued.value()).sum()),
            proposed: Points::new(stores.iter().map(|s| s.proposed.value()).sum()),
            stores,
        })
    }

    /// Outstanding points and their value at the merchant's point value.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn liability(
        self,
        merchant_id: MerchantId,
        expiring_days: u32,
    ) -> Result<PointsLiability> {
        if !(1..=366).contains(&expiring_days) {
            return Err(InvalidValue::new("expiring_days", "must be between 1 and 366").into());
        }
        let now = self.clock.now();
        let mut tx = self.uow.begin(TxMode::Read).await?;
        let settings = tx.settings().settings(merchant_id).await?;
        let until = now + Duration::days(i64::from(expiring_days));
        let liability = tx.points().liability(merchant_id, now, until).await?;
        let point_value = settings.earning.value.point_value;
        Ok(PointsLiability {
            outstanding: liability.outstanding,
            value: point_value.value_of(liability.outstanding),
            members_with_points: liability.members_with_points,
            expiring: liability.expiring,
            expiring_days,
            point_value,
            at: now,
        })
    }

    /// Tells members whose points expire within their merchant's notice period (merchants
    /// with the `points_expiring_soon` scene set up), once per lot (a lot is marked announced in the same transaction that decides to tell), so two
    /// processes running it at once never announce a lot twice. Returns the events sent.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn announce_expiring(self, batch: u64) -> Result<Vec<DomainEvent>> {
        // Only merchants that tell members of expiring points: a lot is marked announced
        // only when a message about it can be planned, so setting the scene up later still
        // announces what is expiring then.
        let merchants = crate::notifications::merchants_telling(
            &self.uow,
            crate::notifications::Scene::PointsExpiringSoon,
        )
        .await?;
        let mut sent = Vec::new();
        for (merchant, settings) in merchants {
            let merchant_id = merchant.id;
            let policy: ExpiryPolicy = settings.expiry.value;
            if policy.notify_days_before == 0 {
                continue;
            }
            loop {
                let now = self.clock.now();
                let horizon = now + Duration::days(i64::from(policy.notify_days_before));
                let members = {
                    let mut tx = self.uow.begin(TxMode::Lookup).await?;
                    tx.points()
                        .members_to_notify(merchant_id, now, horizon, batch.max(1))
                        .await?
                };
                if members.is_empty() {
                    break;
                }
                for member_id in members {
                    if let Some(event) =
                        with_retry!(self.try_announce(merchant_id, member_id, horizon))?
                    {
                        self.publish(std::slice::from_ref(&event)).await;
                        sent.push(event);
                    }
                }
            }
        }
        Ok(sent)
    }

    async fn try_announce(
        self,
        merchant_id: MerchantId,
        member_id: MemberId,
        horizon: DateTime<Utc>,
    ) -> Result<Option<DomainEvent>> {
        let now = self.clock.now();
        let mut tx = self.uow.begin(TxMode::Write).await?;
        // The conditional update marks each lot once, whoever else runs this at the same time.
        let lots = tx
            .points()
            .mark_announced(merchant_id, member_id, now, horizon)
            .await?;
        let points: i64 = lots.iter().map(|l| l.points.value()).sum();
        let event =
            lots.first()
                .filter(|_| points > 0)
                .map(|first| DomainEvent::PointsExpiringSoon {
                    merchant_id,
                    member_id,
                    points: Points::new(points),
                    expires_at: first.expires_at,
                });
        if let Some(event) = &event {
            enqueue(&mut tx, merchant_id, std::slice::from_ref(event), now).await?;
        }
        tx.commit().await?;
        Ok(event)
    }
}
