use super::rows::{entry_from, entry_row, lot_from, open_lot};
use crate::errors::{StoreResult, corrupt};
use crate::members::entities::members;
use crate::points::entities::{points_ledger, points_lots, points_takes};
use crate::shared::{KeysetPage, MerchantKeyed, MerchantOwned, points};
use crate::uow::SeaTransaction;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use loyalty_core::kernel::StoreError;
use loyalty_core::kernel::{EntryId, LotId, MemberId, MerchantId, Points};
use loyalty_core::points::{
    AccountDrift, BalanceChange, ExpiringPoints, LedgerPage, Liability, LotsInReach,
    PointsRepository, TakenLot, Withdrawal,
};
use loyalty_core::points::{EntryKind, LedgerEntry, Lot, Source};
use loyalty_core::points::{LotTake, OpenLot, sort_for_consumption};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};
use tracing::instrument;
use uuid::Uuid;

#[async_trait]
impl PointsRepository for SeaTransaction {
    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn lock_account(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
    ) -> Result<Option<Points>, StoreError> {
        self.balance(merchant, member, true).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn deposit(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        amount: Points,
    ) -> Result<Option<BalanceChange>, StoreError> {
        self.move_balance(merchant, member, amount.value()).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %entry.merchant_id, member = %entry.member_id, entry = %entry.id))]
    async fn credit_with_lot(
        &mut self,
        entry: &LedgerEntry,
        lot: &Lot,
    ) -> Result<Option<(BalanceChange, LotId)>, StoreError> {
        SeaTransaction::credit_with_lot(self, entry, lot).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %entry.merchant_id, member = %entry.member_id, entry = %entry.id))]
    async fn debit_planned(
        &mut self,
        entry: &LedgerEntry,
        takes: &[LotTake],
    ) -> Result<Withdrawal, StoreError> {
        SeaTransaction::debit_planned(self, entry, takes).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn withdraw(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        amount: Points,
    ) -> Result<Withdrawal, StoreError> {
        let delta = amount
            .checked_neg()
            .ok_or_else(|| corrupt("amount", amount))?;
        if let Some(change) = self.move_balance(merchant, member, delta.value()).await? {
            return Ok(Withdrawal::Done(change));
        }
        Ok(match self.balance(merchant, member, false).await? {
            Some(available) => Withdrawal::Insufficient { available },
            None => Withdrawal::MemberNotFound,
        })
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn open_lots(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
    ) -> Result<Vec<OpenLot>, StoreError> {
        let query = points_lots::Entity::find_of(merchant)
            .filter(points_lots::Column::MemberId.eq(member.as_uuid()))
            .filter(super::reach::with_points_left());
        self.all_as(query, |l| Ok(open_lot(&l))).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member, want = %want))]
    async fn lots_in_reach(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        now: DateTime<Utc>,
        want: Points,
    ) -> Result<LotsInReach, StoreError> {
        self.reach_lots(merchant, member, now, want).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member, limit))]
    async fn lots_page(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        now: DateTime<Utc>,
        after: Option<DateTime<Utc>>,
        limit: u64,
    ) -> Result<Vec<OpenLot>, StoreError> {
        self.page_lots(merchant, member, now, after, limit).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn expiring_within(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Points, StoreError> {
        self.sum_expiring(merchant, member, now, until).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn take_from_lots(
        &mut self,
        merchant: MerchantId,
        takes: &[LotTake],
    ) -> Result<(), StoreError> {
        use points_lots::Column as C;
        for take in takes {
            let result = points_lots::Entity::update_in(merchant, take.lot_id.as_uuid())
                .col_expr(
                    C::Remaining,
                    Expr::col(C::Remaining).sub(take.amount.value()),
                )
                .filter(C::Remaining.gte(take.amount.value()))
                .exec(&self.txn)
                .await
                .store()?;
            if result.rows_affected != 1 {
                return Err(StoreError::Contention(format!(
                    "lot {} changed since it was read",
                    take.lot_id
                )));
            }
        }
        Ok(())
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %lot.merchant_id, member = %lot.member_id, entry = %entry.id))]
    async fn add_to_lot(&mut self, entry: &LedgerEntry, lot: &Lot) -> Result<LotId, StoreError> {
        SeaTransaction::add_to_lot(self, entry, lot).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn change_debt(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        delta: Points,
    ) -> Result<bool, StoreError> {
        use members::Column as C;
        let update = members::Entity::update_in(merchant, member.as_uuid())
            .col_expr(C::PointsDebt, Expr::col(C::PointsDebt).add(delta.value()))
            .filter(Expr::col(C::PointsDebt).add(delta.value()).gte(0));
        self.changed_one(update).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, entry = %entry))]
    async fn record_takes(
        &mut self,
        merchant: MerchantId,
        entry: EntryId,
        takes: &[LotTake],
    ) -> Result<(), StoreError> {
        if takes.is_empty() {
            return Ok(());
        }
        let rows = takes.iter().map(|t| points_takes::ActiveModel {
            merchant_id: Set(merchant.as_uuid()),
            entry_id: Set(entry.as_uuid()),
            lot_id: Set(t.lot_id.as_uuid()),
            amount: Set(t.amount.value()),
        });
        points_takes::Entity::insert_many(rows)
            .exec_without_returning(&self.txn)
            .await
            .store()?;
        Ok(())
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, entry = %entry))]
    async fn takes_of(
        &mut self,
        merchant: MerchantId,
        entry: EntryId,
    ) -> Result<Vec<TakenLot>, StoreError> {
        let takes = points_takes::Entity::find_of(merchant)
            .filter(points_takes::Column::EntryId.eq(entry.as_uuid()))
            .all(&self.txn)
            .await
            .store()?;
        let lots = points_lots::Entity::find_of(merchant)
            .filter(points_lots::Column::Id.is_in(takes.iter().map(|t| t.lot_id)))
            .all(&self.txn)
            .await
            .store()?;
        // The order spending took them in: the consumption order of their lots.
        let mut order: Vec<OpenLot> = lots.iter().map(open_lot).collect();
        sort_for_consumption(&mut order);
        Ok(order
            .into_iter()
            .filter_map(|lot| {
                let take = takes.iter().find(|t| t.lot_id == lot.id.as_uuid())?;
                Some(TakenLot {
                    take: LotTake {
                        lot_id: lot.id,
                        amount: points(take.amount),
                    },
                    expires_at: lot.expires_at,
                })
            })
            .collect())
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, entry = %entry))]
    async fn lot_by_entry(
        &mut self,
        merchant: MerchantId,
        entry: EntryId,
    ) -> Result<Option<Lot>, StoreError> {
        let holder = Query::select()
            .column(points_ledger::Column::LotId)
            .from(points_ledger::Entity)
            .and_where(points_ledger::Entity::bare_merchant_is(merchant))
            .and_where(Expr::col(points_ledger::Column::Id).eq(entry.as_uuid()))
            .to_owned();
        let row = points_lots::Entity::find_of(merchant)
            .filter(points_lots::Column::Id.in_subquery(holder))
            .one(&self.txn)
            .await
            .store()?;
        Ok(row.map(lot_from))
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %e.merchant_id, member = %e.member_id, id = %e.id))]
    async fn append_entry(&mut self, e: &LedgerEntry) -> Result<(), StoreError> {
        self.insert(entry_row(e)).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn entry_by_source(
        &mut self,
        merchant: MerchantId,
        kind: EntryKind,
        source: &Source,
    ) -> Result<Option<LedgerEntry>, StoreError> {
        use points_ledger::Column as C;
        let row = points_ledger::Entity::find_of(merchant)
            .filter(C::Kind.eq(kind.as_str()))
            .filter(C::SourceType.eq(source.source_type.as_str()))
            .filter(C::SourceId.eq(source.source_id.as_str()))
            .one(&self.txn)
            .await
            .store()?;
        row.map(entry_from).transpose()
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn ledger_page(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        before_seq: Option<i64>,
        limit: u64,
    ) -> Result<LedgerPage, StoreError> {
        use points_ledger::Column as C;
        let rows = points_ledger::Entity::find_of(merchant)
            .filter(C::MemberId.eq(member.as_uuid()))
            .newest_first(C::Seq, before_seq, limit + 1)
            .all(&self.txn)
            .await
            .store()?;
        let more = rows.len() as u64 > limit;
        let entries = rows
            .into_iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(entry_from)
            .collect::<Result<Vec<_>, _>>()?;
        let next_before_seq = if more {
            entries.last().map(|e| e.seq)
        } else {
            None
        };
        Ok(LedgerPage {
            entries,
            next_before_seq,
        })
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"))]
    async fn members_with_due_lots(
        &mut self,
        now: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<(MerchantId, MemberId)>, StoreError> {
        use points_lots::Column as C;
        let rows: Vec<(Uuid, Uuid)> = points_lots::Entity::find()
            .select_only()
            .columns([C::MerchantId, C::MemberId])
            .distinct()
            .filter(C::Remaining.gt(0))
            .filter(C::ExpiresAt.lte(now))
            .limit(limit)
            .into_tuple()
            .all(&self.txn)
            .await
            .store()?;
        Ok(rows
            .into_iter()
            .map(|(merchant, member)| (merchant.into(), member.into()))
            .collect())
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn earned_since(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        reason_code: &str,
        since: DateTime<Utc>,
    ) -> Result<Points, StoreError> {
        use points_ledger::Column as C;
        let sum: Option<Option<i64>> = points_ledger::Entity::find_of(merchant)
            .select_only()
            .expr(Expr::cust("CAST(COALESCE(SUM(delta), 0) AS BIGINT)"))
            .filter(C::MemberId.eq(member.as_uuid()))
            .filter(C::Kind.eq(EntryKind::Earn.as_str()))
            .filter(C::ReasonCode.eq(reason_code))
            .filter(C::CreatedAt.gte(since))
            .into_tuple()
            .one(&self.txn)
            .await
            .store()?;
        Ok(points(sum.flatten().unwrap_or(0)))
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn members_to_notify(
        &mut self,
        merchant: MerchantId,
        now: DateTime<Utc>,
        horizon: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<MemberId>, StoreError> {
        use points_lots::Column as C;
        let rows: Vec<Uuid> = points_lots::Entity::find_of(merchant)
            .select_only()
            .column(C::MemberId)
            .distinct()
            .filter(C::Remaining.gt(0))
            .filter(C::ExpiresAt.gt(now))
            .filter(C::ExpiresAt.lte(horizon))
            .filter(C::AnnouncedAt.is_null())
            .limit(limit)
            .into_tuple()
            .all(&self.txn)
            .await
            .store()?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn mark_announced(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        now: DateTime<Utc>,
        horizon: DateTime<Utc>,
    ) -> Result<Vec<ExpiringPoints>, StoreError> {
        use points_lots::Column as C;
        let mut update = Query::update();
        update
            .table(points_lots::Entity)
            .value(C::AnnouncedAt, now)
            .and_where(points_lots::Entity::bare_merchant_is(merchant))
            .and_where(Expr::col(C::MemberId).eq(member.as_uuid()))
            .and_where(Expr::col(C::Remaining).gt(0))
            .and_where(Expr::col(C::ExpiresAt).gt(now))
            .and_where(Expr::col(C::ExpiresAt).lte(horizon))
            .and_where(Expr::col(C::AnnouncedAt).is_null())
            .returning(Query::returning().columns([C::ExpiresAt, C::Remaining]));
        let rows = self.txn.query_all(&update).await.store()?;
        let mut lots = rows
            .into_iter()
            .map(|row| {
                Ok(ExpiringPoints {
                    expires_at: row.try_get_by_index(0).store()?,
                    points: points(row.try_get_by_index(1).store()?),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        lots.sort_by_key(|l| l.expires_at);
        Ok(lots)
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn liability(
        &mut self,
        merchant: MerchantId,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Liability, StoreError> {
        self.liability_of(merchant, now, until).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"))]
    async fn drifts(&mut self) -> Result<Vec<AccountDrift>, StoreError> {
        self.account_drifts().await
    }
}
