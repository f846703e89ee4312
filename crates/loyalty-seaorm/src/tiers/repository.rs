use crate::cards::entities::card_entries;
use crate::checkout::entities::orders;
use crate::errors::{StoreResult, corrupt};
use crate::points::entities::points_ledger;
use crate::shared::{IN_LIST_CHUNK, MerchantOwned};
use crate::tiers::entities::tier_changes;
use crate::uow::SeaTransaction;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use loyalty_core::cards::CardEntryKind;
use loyalty_core::kernel::StoreError;
use loyalty_core::kernel::{MemberId, MerchantId};
use loyalty_core::points::EntryKind;
use loyalty_core::tiers::GrowthRepository;
use loyalty_core::tiers::{GrowthBasis, TierChange, TierChangeReason};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tracing::instrument;
use uuid::Uuid;

/// One basis of growth: `sum` per member over the merchant's rows of `E` that `only` keeps.
struct SumPerMember<E: EntityTrait> {
    member: E::Column,
    created_at: E::Column,
    sum: &'static str,
    only: Option<SimpleExpr>,
}

impl<E: MerchantOwned> SumPerMember<E> {
    /// `SELECT member_id, sum … WHERE merchant_id = ? AND member_id IN (members) [AND only]
    /// [AND created_at >= since] GROUP BY member_id`.
    async fn run(
        self,
        tx: &SeaTransaction,
        merchant: MerchantId,
        members: &[MemberId],
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<(Uuid, Option<i64>)>, StoreError> {
        let mut query = E::find_of(merchant)
            .select_only()
            .column(self.member)
            .expr(Expr::cust(self.sum))
            .filter(self.member.is_in(members.iter().map(|m| m.as_uuid())));
        if let Some(only) = self.only {
            query = query.filter(only);
        }
        if let Some(since) = since {
            query = query.filter(self.created_at.gte(since));
        }
        query
            .group_by(self.member)
            .into_tuple()
            .all(&tx.txn)
            .await
            .store()
    }
}

#[async_trait]
impl GrowthRepository for SeaTransaction {
    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn growth(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        basis: GrowthBasis,
        since: Option<DateTime<Utc>>,
    ) -> Result<i64, StoreError> {
        Ok(self
            .growth_of(merchant, &[member], basis, since)
            .await?
            .first()
            .map_or(0, |(_, g)| *g))
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn growth_of(
        &mut self,
        merchant: MerchantId,
        members: &[MemberId],
        basis: GrowthBasis,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<(MemberId, i64)>, StoreError> {
        let mut found = Vec::with_capacity(members.len());
        for chunk in members.chunks(IN_LIST_CHUNK) {
            let rows = match basis {
                GrowthBasis::Spend => {
                    SumPerMember::<orders::Entity> {
                        member: orders::Column::MemberId,
                        created_at: orders::Column::CreatedAt,
                        sum: "CAST(SUM(amount_paid_fen - amount_refunded_fen) AS BIGINT)",
                        only: None,
                    }
                    .run(self, merchant, chunk, since)
                    .await?
                }
                GrowthBasis::PointsEarned => {
                    SumPerMember::<points_ledger::Entity> {
                        member: points_ledger::Column::MemberId,
                        created_at: points_ledger::Column::CreatedAt,
                        sum: "CAST(SUM(delta) AS BIGINT)",
                        only: Some(
                            points_ledger::Column::Kind
                                .is_in([EntryKind::Earn.as_str(), EntryKind::Reverse.as_str()]),
                        ),
                    }
                    .run(self, merchant, chunk, since)
                    .await?
                }
                // What members paid onto their cards, less top-ups refunded (the bonus is not
                // growth).
                GrowthBasis::TopUp => {
                    SumPerMember::<card_entries::Entity> {
                        member: card_entries::Column::MemberId,
                        created_at: card_entries::Column::CreatedAt,
                        sum: "CAST(SUM(principal_delta) AS BIGINT)",
                        only: Some(card_entries::Column::Kind.is_in([
                            CardEntryKind::TopUp.as_str(),
                            CardEntryKind::TopUpRefund.as_str(),
                        ])),
                    }
                    .run(self, merchant, chunk, since)
                    .await?
                }
            };
            found.extend(
                rows.into_iter()
                    .map(|(id, sum)| (MemberId::from_uuid(id), sum.unwrap_or(0))),
            );
        }
        Ok(found)
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %change.merchant_id, member = %change.member_id, id = %change.id))]
    async fn insert_tier_change(&mut self, change: &TierChange) -> Result<(), StoreError> {
        tier_changes::Entity::insert(tier_changes::ActiveModel {
            id: Set(change.id),
            merchant_id: Set(change.merchant_id.as_uuid()),
            member_id: Set(change.member_id.as_uuid()),
            from_tier: Set(change.from_tier.clone()),
            to_tier: Set(change.to_tier.clone()),
            reason: Set(change.reason.as_str().to_owned()),
            growth: Set(change.growth),
            created_at: Set(change.created_at),
        })
        .exec_without_returning(&self.txn)
        .await
        .store()?;
        Ok(())
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn tier_history(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        limit: u64,
    ) -> Result<Vec<TierChange>, StoreError> {
        use tier_changes::Column as C;
        let rows = tier_changes::Entity::find_of(merchant)
            .filter(C::MemberId.eq(member.as_uuid()))
            .order_by_desc(C::CreatedAt)
            .order_by_desc(C::Id)
            .limit(limit)
            .all(&self.txn)
            .await
            .store()?;
        rows.into_iter()
            .map(|r| {
                Ok(TierChange {
                    id: r.id,
                    merchant_id: r.merchant_id.into(),
                    member_id: r.member_id.into(),
                    from_tier: r.from_tier,
                    to_tier: r.to_tier,
                    reason: TierChangeReason::parse(&r.reason)
                        .ok_or_else(|| corrupt("tier change reason", &r.reason))?,
                    growth: r.growth,
                    created_at: r.created_at,
                })
            })
            .collect()
    }
}
