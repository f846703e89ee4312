//! A member's points balance. Deposits and withdrawals are one conditional `UPDATE …
//! RETURNING` each: a withdrawal larger than the balance is refused by its `WHERE`, not by a
//! read before it, so two concurrent withdrawals can never both spend the same points.

use crate::connect::Engine;
use crate::errors::StoreResult;
use crate::members::entities::members;
use crate::points::entities::points_ledger;
use crate::points::rows::{entry_row, lot_row};
use crate::shared::insert_select;
use crate::shared::{MerchantKeyed, MerchantOwned, points};
use crate::uow::SeaTransaction;
use loyalty_core::kernel::{MemberId, MerchantId, Points, StoreError};
use loyalty_core::points::{BalanceChange, LedgerEntry, Lot};
use sea_orm::sea_query::{
    Alias, CommonTableExpression, Expr, ExprTrait, Query, SubQueryStatement, UpdateStatement,
    WithClause,
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

fn change_from(row: &QueryResult) -> Result<BalanceChange, StoreError> {
    Ok(BalanceChange {
        balance_after: points(row.try_get_by_index(0).store()?),
        seq: row.try_get_by_index(1).store()?,
        debt: points(row.try_get_by_index(2).store()?),
    })
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

    /// A credit in one round trip ([`loyalty_core::points::PointsRepository::credit_with_lot`]):
    /// on PostgreSQL one statement, the balance update's `RETURNING` feeding the entry's and
    /// the lot's inserts as data-modifying CTEs; on SQLite the three statements sent
    /// together, the inserts reading the member row the update left. A member that is not
    /// there updates nothing, so nothing is inserted either.
    pub(super) async fn credit_with_lot(
        &self,
        entry: &LedgerEntry,
        lot: &Lot,
    ) -> Result<Option<BalanceChange>, StoreError> {
        use members::Column as C;
        use points_ledger::Column as L;
        let (merchant, member) = (entry.merchant_id, entry.member_id);
        let update = balance_update(merchant, member, entry.delta.value());
        let rows = match self.engine {
            Engine::Postgres => {
                let account = Alias::new("credited_account");
                let source = Query::select().from(account.clone()).to_owned();
                let computed = [
                    (L::Seq, Expr::col((account.clone(), C::PointsSeq))),
                    (
                        L::BalanceAfter,
                        Expr::col((account.clone(), C::PointsBalance)),
                    ),
                ];
                let entry = insert_select(&entry_row(entry), &computed, source.clone())?;
                let lot = insert_select(&lot_row(lot), &[], source)?;
                let cte = |name: &str, query: SubQueryStatement| {
                    CommonTableExpression::new()
                        .query(query)
                        .table_name(Alias::new(name))
                        .to_owned()
                };
                let with = WithClause::new()
                    .cte(cte("credited_account", update.into()))
                    .cte(cte("credited_entry", entry.into()))
                    .cte(cte("credited_lot", lot.into()))
                    .to_owned();
                let select = Query::select()
                    .columns([C::PointsBalance, C::PointsSeq, C::PointsDebt])
                    .from(account)
                    .to_owned()
                    .with(with);
                self.together(&[&select]).await?
            }
            Engine::Sqlite => {
                let source = Query::select()
                    .from(members::Entity)
                    .and_where(Expr::col(C::Id).eq(member.as_uuid()))
                    .and_where(members::Entity::bare_merchant_is(merchant))
                    .to_owned();
                let computed = [
                    (L::Seq, Expr::col(C::PointsSeq)),
                    (L::BalanceAfter, Expr::col(C::PointsBalance)),
                ];
                let entry = insert_select(&entry_row(entry), &computed, source.clone())?;
                let lot = insert_select(&lot_row(lot), &[], source)?;
                self.together(&[&update, &entry, &lot]).await?
            }
        };
        rows.first().map(change_from).transpose()
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
