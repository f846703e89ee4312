use super::TiersService;
use crate::events::DomainEvent;
use crate::events::Notifier;
use crate::kernel::with_retry;
use crate::kernel::{Clock, StoreError, Transaction, TxMode, UnitOfWork};
use crate::kernel::{MemberId, MerchantId, MerchantTimeZone};
use crate::members::Member;
use crate::members::MembersTx;
use crate::members::member_of;
use crate::merchants::MerchantsTx;
use crate::merchants::merchant_of;
use crate::notifications::enqueue;
use crate::settings::SettingsTx;
use crate::settings::{SettingKind, Versioned};
use crate::tiers::GrowTx;
use crate::tiers::GrowthTx;
use crate::tiers::{TierChange, TierChangeReason};
use crate::tiers::{TierMove, TierPolicy, TierProgress};
use crate::{Error, Result};
use chrono::{DateTime, Utc};

/// The member's growth value in the ladder's window at `now`.
async fn growth_now(
    tx: &mut impl crate::tiers::GrowthTx,
    member: &Member,
    policy: &TierPolicy,
    tz: MerchantTimeZone,
    now: DateTime<Utc>,
) -> Result<i64> {
    Ok(tx
        .growth()
        .growth(
            member.merchant_id,
            member.id,
            policy.basis,
            policy.window_start(now, tz),
        )
        .await?)
}

/// Moves `member` to tier `to` of `policy`, only if its tier did not change meanwhile, and
/// records the change.
#[allow(clippy::too_many_arguments)]
async fn change_tier(
    tx: &mut (impl crate::members::MembersTx + crate::tiers::GrowthTx),
    member: &Member,
    policy: &TierPolicy,
    to: usize,
    reason: TierChangeReason,
    growth: i64,
    tz: MerchantTimeZone,
    now: DateTime<Utc>,
) -> Result<DomainEvent> {
    let to_code = policy.levels[to].code.clone();
    if !tx
        .members()
        .set_tier(
            member.merchant_id,
            member.id,
            member.tier_code.clone(),
            to_code.clone(),
            policy.protected_until(now, tz),
        )
        .await?
    {
        return Err(Error::Store(StoreError::Contention(
            "the member's tier changed meanwhile".into(),
        )));
    }
    tx.growth()
        .insert_tier_change(&TierChange {
            id: uuid::Uuid::now_v7(),
            merchant_id: member.merchant_id,
            member_id: member.id,
            from_tier: member.tier_code.clone(),
            to_tier: to_code.clone(),
            reason,
            growth,
            created_at: now,
        })
        .await?;
    let (merchant_id, member_id, from_tier) =
        (member.merchant_id, member.id, member.tier_code.clone());
    Ok(match reason {
        TierChangeReason::Upgrade => DomainEvent::TierUpgraded {
            merchant_id,
            member_id,
            from_tier,
            to_tier: to_code,
        },
        TierChangeReason::Downgrade => DomainEvent::TierDowngraded {
            merchant_id,
            member_id,
            from_tier,
            to_tier: to_code,
        },
    })
}

/// After growth was recorded in `tx`: upgrades the member at once when the growth value
/// crossed a threshold.
pub(crate) async fn upgrade_on_growth(
    tx: &mut (impl crate::members::MembersTx + crate::tiers::GrowthTx),
    member: &Member,
    tiers: Option<&Versioned<TierPolicy>>,
    tz: MerchantTimeZone,
    now: DateTime<Utc>,
) -> Result<Option<DomainEvent>> {
    let Some(policy) = tiers.map(|t| &t.value) else {
        return Ok(None);
    };
    if policy.rank(member.tier_code.as_deref()) + 1 >= policy.levels.len() {
        return Ok(None); // at the top already: nothing to sum
    }
    let growth = growth_now(tx, member, policy, tz, now).await?;
    match policy.on_growth(policy.rank(member.tier_code.as_deref()), growth) {
        TierMove::Upgrade(to) => Ok(Some(
            change_tier(
                tx,
                member,
                policy,
                to,
                TierChangeReason::Upgrade,
                growth,
                tz,
                now,
            )
            .await?,
        )),
        TierMove::Stay | TierMove::Downgrade(_) => Ok(None),
    }
}

/// The member's tier and the way to the next one under `tiers`, at `now`.
pub(crate) async fn progress_of(
    tx: &mut impl crate::tiers::GrowthTx,
    member: &Member,
    tiers: Option<&Versioned<TierPolicy>>,
    tz: MerchantTimeZone,
    now: DateTime<Utc>,
) -> Result<Option<TierProgress>> {
    let Some(policy) = tiers.map(|t| &t.value) else {
        return Ok(None);
    };
    let growth = growth_now(tx, member, policy, tz, now).await?;
    Ok(Some(policy.progress(
        policy.rank(member.tier_code.as_deref()),
        growth,
    )))
}

/// What a review run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TierReview {
    pub members_reviewed: u64,
    pub upgraded: u64,
    pub downgraded: u64,
}

impl<U, C, N> TiersService<'_, U, C, N>
where
    U: UnitOfWork<Tx: GrowTx>,
    C: Clock,
    N: Notifier,
{
    /// The member's tier and the way to the next one; `None` when the merchant has no tiers.
    ///
    /// # Errors
    /// `member_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, member = %member_id))]
    pub async fn progress(
        self,
        merchant_id: MerchantId,
        member_id: MemberId,
    ) -> Result<Option<TierProgress>> {
        let now = self.clock.now();
        let mut tx = self.uow.begin(TxMode::Read).await?;
        let merchant = merchant_of(&mut tx, merchant_id).await?;
        let member = member_of(&mut tx, merchant_id, member_id).await?;
        let tiers = tx.settings().settings(merchant_id).await?.tiers;
        progress_of(&mut tx, &member, tiers.as_ref(), merchant.time_zone, now).await
    }

    /// The member's tier changes, newest first.
    ///
    /// # Errors
    /// `member_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id, member = %member_id))]
    pub async fn history(
        self,
        merchant_id: MerchantId,
        member_id: MemberId,
    ) -> Result<Vec<TierChange>> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        member_of(&mut tx, merchant_id, member_id).await?;
        Ok(tx
            .growth()
            .tier_history(merchant_id, member_id, 100)
            .await?)
    }

    /// The scheduled re-evaluation (会员等级复核) of every member of every merchant with a
    /// ladder: upgrades a member whose growth earns more (a ladder that was lowered), and
    /// downgrades one whose growth no longer holds the tier once the protection period is
    /// over, by one step or to the earned tier. Safe to run in several processes at once:
    /// each change is a compare-and-set on the member's tier.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn review(self, batch: u64) -> Result<TierReview> {
        let merchants = {
            let mut tx = self.uow.begin(TxMode::Lookup).await?;
            tx.settings().merchants_with(SettingKind::Tiers).await?
        };
        let mut review = TierReview::default();
        for merchant_id in merchants {
            self.review_merchant_tiers(merchant_id, batch.max(1), &mut review)
                .await?;
        }
        Ok(review)
    }

    async fn review_merchant_tiers(
        self,
        merchant_id: MerchantId,
        batch: u64,
        review: &mut TierReview,
    ) -> Result<()> {
        let mut after = None;
        loop {
            let now = self.clock.now();
            let (members, growths, policy, tz) = {
                let mut tx = self.uow.begin(TxMode::Lookup).await?;
                let Some(merchant) = tx.merchants().merchant(merchant_id).await? else {
                    return Ok(());
                };
                let Some(tiers) = tx.settings().settings(merchant_id).await?.tiers else {
                    return Ok(());
                };
                let members = tx.members().list_members(merchant_id, after, batch).await?;
                let ids: Vec<MemberId> = members.iter().map(|m| m.id).collect();
                let since = tiers.value.window_start(now, merchant.time_zone);
                let growths = tx
                    .growth()
                    .growth_of(merchant_id, &ids, tiers.value.basis, since)
                    .await?;
                (members, growths, tiers.value, merchant.time_zone)
            };
            let Some(last) = members.last() else {
                return Ok(());
            };
            after = Some(last.id);
            for member in &members {
                review.members_reviewed += 1;
                let growth = growths
                    .iter()
                    .find(|(id, _)| *id == member.id)
                    .map_or(0, |(_, g)| *g);
                let current = policy.rank(member.tier_code.as_deref());
                let decision = policy.review(current, growth, member.tier_protected_until, now);
                if decision == TierMove::Stay {
                    continue;
                }
                if let Some(event) =
                    with_retry!(self.try_review_member(merchant_id, member.id, &policy, tz))?
                {
                    match event {
                        DomainEvent::TierUpgraded { .. } => review.upgraded += 1,
                        _ => review.downgraded += 1,
                    }
                    self.publish(&[event]).await;
                }
            }
            if (members.len() as u64) < batch {
                return Ok(());
            }
        }
    }

    /// Reviews one member under its lock, with its growth read again there.
    async fn try_review_member(
        self,
        merchant_id: MerchantId,
        member_id: MemberId,
        policy: &TierPolicy,
        tz: MerchantTimeZone,
    ) -> Result<Option<DomainEvent>> {
        let now = self.clock.now();
        let mut tx = self.uow.begin(TxMode::Write).await?;
        let Some(member) = tx.members().lock_member(merchant_id, member_id).await? else {
            return Ok(None);
        };
        let growth = growth_now(&mut tx, &member, policy, tz, now).await?;
        let current = policy.rank(member.tier_code.as_deref());
        let (to, reason) = match policy.review(current, growth, member.tier_protected_until, now) {
            TierMove::Stay => return Ok(None),
            TierMove::Upgrade(to) => (to, TierChangeReason::Upgrade),
            TierMove::Downgrade(to) => (to, TierChangeReason::Downgrade),
        };
        let event = change_tier(&mut tx, &member, policy, to, reason, growth, tz, now).await?;
        enqueue(&mut tx, merchant_id, std::slice::from_ref(&event), now).await?;
        tx.commit().await?;
        Ok(Some(event))
    }
}
