//! A member's points balance. Deposits and withdrawals are one conditional `UPDATE …
//! RETURNING` each: a withdrawal larger than the balance is refused by its `WHERE`, not by a
//! read before it, so two concurrent withdrawals can never both spend the same points.

use super::reach::with_points_left;
use crate::connect::Engine;
use crate::errors::StoreResult;
use crate::members::entities::members;
use crate::points::entities::{points_ledger, points_lots};
use crate::points::rows::{entry_row, lot_row};
use crate::shared::insert_select;
use crate::shared::{MerchantKeyed, MerchantOwned, points};
use crate::uow::SeaTransaction;
use loyalty_core::kernel::{LotId, MemberId, MerchantId, Points, StoreError};
use loyalty_core::points::{BalanceChange, LedgerEntry, Lot, LotTake, Withdrawal};
use sea_orm::sea_query::{
    Alias, CommonTableExpression, Expr, ExprTrait, Func, OnConflict, Query, SimpleExpr,
    SubQueryStatement, UpdateStatement, WithClause,
};
use sea_orm::{ConnectionTrait, QueryResult, QuerySelect};

/// `UPDATE members SET points_balance = points_balance + delta, points_seq = points_seq + 1
/// WHERE … [AND points_balance >= -delta] RETURNING points_balance, points_seq, points_debt`.
fn balance_update(merchant: MerchantId, member: MemberId, delta: i64) -> UpdateStatement {
    use members::Column as C;
    let mut update = Query::update();
    update
        .table(members::Entity)
        .value(C::PointsBalance, Expr::col(C::PointsBalance).add(delta))
        .value(C::PointsSeq, Expr::col(C::PointsSeq).add(1))
        .and_where(Expr::col(C::Id).eq(member.as_uuid()))
        .and_where(members::Entity::bare_merchant_is(merchant))
        .returning(Query::returning().columns([C::PointsBalance, C::PointsSeq, C::PointsDebt]));
    if delta < 0 {
        update.and_where(Expr::col(C::PointsBalance).gte(-delta));
    }
    update
}

/// The member's open lot that expires when `lot` does (or never, as `lot`): `SELECT id FROM
/// points_lots WHERE … AND expires_at = … | IS NULL AND remaining > 0`.
fn lot_of_expiry(lot: &Lot) -> sea_orm::sea_query::SelectStatement {
    use points_lots::Column as P;
    Query::select()
        .column(P::Id)
        .from(points_lots::Entity)
        .and_where(points_lots::Entity::bare_merchant_is(lot.merchant_id))
        .and_where(Expr::col(P::MemberId).eq(lot.member_id.as_uuid()))
        .and_where(match lot.expires_at {
            Some(at) => Expr::col(P::ExpiresAt).eq(at),
            None => Expr::col(P::ExpiresAt).is_null(),
        })
        .and_where(with_points_left())
        .to_owned()
}

/// `INSERT INTO points_lots … SELECT … FROM source ON CONFLICT (merchant_id, member_id,
/// expires_at) WHERE remaining > 0 DO UPDATE SET amount = amount + excluded.amount,
/// remaining = remaining + excluded.remaining, announced_at = NULL RETURNING id` (for points
/// that never expire, on the key of open lots without an expiry): one open lot per member
/// and expiry, added to by credits, its points to be announced again. A lot spent to nothing
/// is history: a credit of its expiry opens a new one.
fn lot_upsert(
    lot: &Lot,
    source: sea_orm::sea_query::SelectStatement,
) -> Result<sea_orm::sea_query::InsertStatement, StoreError> {
    use points_lots::Column as P;
    let mut target = match lot.expires_at {
        Some(_) => OnConflict::columns([P::MerchantId, P::MemberId, P::ExpiresAt])
            .target_and_where(with_points_left())
            .to_owned(),
        None => OnConflict::columns([P::MerchantId, P::MemberId])
            .target_and_where(Expr::cust("expires_at IS NULL").and(with_points_left()))
            .to_owned(),
    };
    let excluded = Alias::new("excluded");
    for column in [P::Amount, P::Remaining] {
        target.value(
            column,
            Expr::col((points_lots::Entity, column)).add(Expr::col((excluded.clone(), column))),
        );
    }
    target.value(P::AnnouncedAt, Expr::cust("NULL"));
    let mut insert = insert_select(&lot_row(lot), &[], source)?;
    insert
        .on_conflict(target)
        .returning(Query::returning().column(P::Id));
    Ok(insert)
}

/// `name AS (query)`, for one statement of several sent as one (PostgreSQL).
fn cte(name: &str, query: impl Into<SubQueryStatement>) -> CommonTableExpression {
    CommonTableExpression::new()
        .query(query)
        .table_name(Alias::new(name))
        .to_owned()
}

fn change_from(row: &QueryResult) -> Result<BalanceChange, StoreError> {
    Ok(BalanceChange {
        balance_after: points(row.try_get_by_index(0).store()?),
        seq: row.try_get_by_index(1).store()?,
        debt: points(row.try_get_by_index(2).store()?),
    })
}

/// `UPDATE points_lots SET remaining = remaining - amount WHERE … AND remaining >= amount
/// [AND condition] RETURNING id`: one planned take, only where the lot still holds it.
fn take_update(
    merchant: MerchantId,
    take: &LotTake,
    condition: Option<SimpleExpr>,
) -> UpdateStatement {
    use points_lots::Column as L;
    let amount = take.amount.value();
    let mut update = Query::update();
    update
        .table(points_lots::Entity)
        .value(L::Remaining, Expr::col(L::Remaining).sub(amount))
        .and_where(points_lots::Entity::bare_merchant_is(merchant))
        .and_where(Expr::col(L::Id).eq(take.lot_id.as_uuid()))
        .and_where(Expr::col(L::Remaining).gte(amount))
        .returning(Query::returning().column(L::Id));
    if let Some(condition) = condition {
        update.and_where(condition);
    }
    update
}

impl SeaTransaction {
    /// Moves the balance by `delta` ([`balance_update`]); `None` when it did not apply.
    pub(super) async fn move_balance(
        &self,
        merchant: MerchantId,
        member: MemberId,
        delta: i64,
    ) -> Result<Option<BalanceChange>, StoreError> {
        let update = balance_update(merchant, member, delta);
        let row = self.txn.query_one(&update).await.store()?;
        row.map(|row| change_from(&row)).transpose()
    }

    /// A planned debit in one round trip ([`loyalty_core::points::PointsRepository::debit_planned`]):
    /// on PostgreSQL one statement, the conditional balance update feeding each lot's take
    /// (only if the update happened) and the entry's insert as data-modifying CTEs; on SQLite
    /// the statements sent together, each going on only if the one before changed its row
    /// (`changes() = 1`). Counts the takes done: fewer than planned is contention, and a
    /// balance that did not move reads why.
    pub(super) async fn debit_planned(
        &self,
        entry: &LedgerEntry,
        takes: &[LotTake],
    ) -> Result<Withdrawal, StoreError> {
        use members::Column as C;
        use points_ledger::Column as L;
        let (merchant, member) = (entry.merchant_id, entry.member_id);
        let update = balance_update(merchant, member, entry.delta.value());
        let (change, taken) = match self.engine {
            Engine::Postgres => {
                let account = Alias::new("debited_account");
                let moved = Expr::exists(
                    Query::select()
                        .expr(Expr::val(1))
                        .from(account.clone())
                        .to_owned(),
                );
                let computed = [
                    (L::Seq, Expr::col((account.clone(), C::PointsSeq))),
                    (
                        L::BalanceAfter,
                        Expr::col((account.clone(), C::PointsBalance)),
                    ),
                ];
                let source = Query::select().from(account.clone()).to_owned();
                let entry = insert_select(&entry_row(entry), &computed, source)?;
                let mut with = WithClause::new();
                with.cte(cte("debited_account", update));
                let mut counted = vec!["0::int8".to_owned()];
                for (i, take) in takes.iter().enumerate() {
                    let name = format!("debited_lot_{i}");
                    counted.push(format!("(SELECT count(*) FROM \"{name}\")"));
                    with.cte(cte(&name, take_update(merchant, take, Some(moved.clone()))));
                }
                with.cte(cte("debited_entry", entry));
                let select = Query::select()
                    .columns([C::PointsBalance, C::PointsSeq, C::PointsDebt])
                    .expr(Expr::cust(counted.join(" + ")))
                    .from(account)
                    .to_owned()
                    .with(with);
                let rows = self.together(&[&select]).await?;
                match rows.first() {
                    Some(row) => {
                        let taken: i64 = row.try_get_by_index(3).store()?;
                        (Some(change_from(row)?), usize::try_from(taken).unwrap_or(0))
                    }
                    None => (None, 0),
                }
            }
            Engine::Sqlite => {
                let went_on = || Some(Expr::cust("changes() = 1"));
                let updates: Vec<UpdateStatement> = takes
                    .iter()
                    .map(|take| take_update(merchant, take, went_on()))
                    .collect();
                let mut source = Query::select()
                    .from(members::Entity)
                    .and_where(Expr::col(C::Id).eq(member.as_uuid()))
                    .and_where(members::Entity::bare_merchant_is(merchant))
                    .to_owned();
                source.and_where(Expr::cust("changes() = 1"));
                let computed = [
                    (L::Seq, Expr::col(C::PointsSeq)),
                    (L::BalanceAfter, Expr::col(C::PointsBalance)),
                ];
                let entry = insert_select(&entry_row(entry), &computed, source)?;
                let mut statements: Vec<&dyn sea_orm::StatementBuilder> = vec![&update];
                statements.extend(updates.iter().map(|u| u as &dyn sea_orm::StatementBuilder));
                statements.push(&entry);
                let rows = self.together(&statements).await?;
                match rows.first() {
                    Some(row) => (Some(change_from(row)?), rows.len() - 1),
                    None => (None, 0),
                }
            }
        };
        let Some(change) = change else {
            return Ok(match self.balance(merchant, member, false).await? {
                Some(available) => Withdrawal::Insufficient { available },
                None => Withdrawal::MemberNotFound,
            });
        };
        if taken != takes.len() {
            return Err(StoreError::Contention(format!(
                "{} of {} lots changed since they were read",
                takes.len() - taken,
                takes.len()
            )));
        }
        Ok(Withdrawal::Done(change))
    }

    /// A credit in one round trip ([`loyalty_core::points::PointsRepository::credit_with_lot`]):
    /// on PostgreSQL one statement, the balance update's `RETURNING` feeding the lot's upsert
    /// and the entry's insert (naming the lot the upsert answers) as data-modifying CTEs; on
    /// SQLite the three statements sent together, the inserts reading the member row the
    /// update left, the entry naming the member's lot of that expiry or the one the upsert
    /// opens. A member that is not there updates nothing, so nothing is inserted either.
    pub(super) async fn credit_with_lot(
        &self,
        entry: &LedgerEntry,
        lot: &Lot,
    ) -> Result<Option<(BalanceChange, LotId)>, StoreError> {
        use members::Column as C;
        use points_ledger::Column as L;
        let (merchant, member) = (entry.merchant_id, entry.member_id);
        let update = balance_update(merchant, member, entry.delta.value());
        let (change, lot_id): (BalanceChange, uuid::Uuid) = match self.engine {
            Engine::Postgres => {
                let account = Alias::new("credited_account");
                let credited_lot = Alias::new("credited_lot");
                let source = Query::select().from(account.clone()).to_owned();
                let upsert = lot_upsert(lot, source.clone())?;
                let computed = [
                    (L::Seq, Expr::col((account.clone(), C::PointsSeq))),
                    (
                        L::BalanceAfter,
                        Expr::col((account.clone(), C::PointsBalance)),
                    ),
                    (
                        L::LotId,
                        Expr::col((credited_lot.clone(), points_lots::Column::Id)),
                    ),
                ];
                let mut from_both = source;
                from_both.from(credited_lot.clone());
                let entry = insert_select(&entry_row(entry), &computed, from_both)?;
                let with = WithClause::new()
                    .cte(cte("credited_account", update))
                    .cte(cte("credited_lot", upsert))
                    .cte(cte("credited_entry", entry))
                    .to_owned();
                let select = Query::select()
                    .columns([C::PointsBalance, C::PointsSeq, C::PointsDebt])
                    .expr(Expr::cust("(SELECT id FROM \"credited_lot\")"))
                    .from(account)
                    .to_owned()
                    .with(with);
                let rows = self.together(&[&select]).await?;
                match rows.first() {
                    Some(row) => (change_from(row)?, row.try_get_by_index(3).store()?),
                    None => return Ok(None),
                }
            }
            Engine::Sqlite => {
                let source = Query::select()
                    .from(members::Entity)
                    .and_where(Expr::col(C::Id).eq(member.as_uuid()))
                    .and_where(members::Entity::bare_merchant_is(merchant))
                    .to_owned();
                let held_by = Func::coalesce([
                    Expr::SubQuery(None, Box::new(lot_of_expiry(lot).into())),
                    Expr::val(lot.id.as_uuid()),
                ]);
                let computed = [
                    (L::Seq, Expr::col(C::PointsSeq)),
                    (L::BalanceAfter, Expr::col(C::PointsBalance)),
                    (L::LotId, held_by.into()),
                ];
                let entry = insert_select(&entry_row(entry), &computed, source.clone())?;
                let upsert = lot_upsert(lot, source)?;
                let rows = self.together(&[&update, &entry, &upsert]).await?;
                match (rows.first(), rows.get(1)) {
                    (Some(row), Some(lot)) => (change_from(row)?, lot.try_get_by_index(0).store()?),
                    _ => return Ok(None),
                }
            }
        };
        Ok(Some((change, LotId::from(lot_id))))
    }

    /// [`loyalty_core::points::PointsRepository::add_to_lot`] on its own: the lot's upsert,
    /// then the entry naming the lot it answers.
    pub(super) async fn add_to_lot(
        &self,
        entry: &LedgerEntry,
        lot: &Lot,
    ) -> Result<LotId, StoreError> {
        use members::Column as C;
        let source = Query::select()
            .from(members::Entity)
            .and_where(Expr::col(C::Id).eq(lot.member_id.as_uuid()))
            .and_where(members::Entity::bare_merchant_is(lot.merchant_id))
            .to_owned();
        let upsert = lot_upsert(lot, source)?;
        let row = self
            .txn
            .query_one(&upsert)
            .await
            .store()?
            .ok_or_else(|| StoreError::Backend("no member holds the lot".into()))?;
        let id: uuid::Uuid = row.try_get_by_index(0).store()?;
        let mut named = Query::update();
        named
            .table(points_ledger::Entity)
            .value(points_ledger::Column::LotId, id)
            .and_where(points_ledger::Entity::bare_merchant_is(entry.merchant_id))
            .and_where(Expr::col(points_ledger::Column::Id).eq(entry.id.as_uuid()));
        self.txn.execute(&named).await.store()?;
        Ok(LotId::from(id))
    }

    /// The member's balance, the row locked for this transaction when `lock` (PostgreSQL).
    pub(super) async fn balance(
        &self,
        merchant: MerchantId,
        member: MemberId,
        lock: bool,
    ) -> Result<Option<Points>, StoreError> {
        let mut query = members::Entity::find_in(merchant, member.as_uuid())
            .select_only()
            .column(members::Column::PointsBalance);
        // SQLite has no row locks: its write transactions hold the database lock already.
        if lock && self.engine == Engine::Postgres {
            query = query.lock_exclusive();
        }
        let balance: Option<i64> = query.into_tuple().one(&self.txn).await.store()?;
        Ok(balance.map(points))
    }
}
