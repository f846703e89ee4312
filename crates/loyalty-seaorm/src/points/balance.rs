//! A member's points balance. Deposits and withdrawals are one conditional `UPDATE …
//! RETURNING` each: a withdrawal larger than the balance is refused by its `WHERE`, not by a
//! read before it, so two concurrent withdrawals can never both spend the same points.

use crate::connect::Engine;
use crate::errors::StoreResult;
use crate::members::entities::members;
use crate::shared::{MerchantKeyed, MerchantOwned, points};
use crate::uow::SeaTransaction;
use loyalty_core::kernel::{MemberId, MerchantId, Points, StoreError};
use loyalty_core::points::BalanceChange;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, QuerySelect};

impl SeaTransaction {
    /// `UPDATE members SET points_balance = points_balance + delta, points_seq = points_seq + 1
    /// WHERE … [AND points_balance >= -delta] RETURNING points_balance, points_seq`.
    pub(super) async fn move_balance(
        &self,
        merchant: MerchantId,
        member: MemberId,
        delta: i64,
    ) -> Result<Option<BalanceChange>, StoreError> {
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
        let row = self.txn.query_one(&update).await.store()?;
        row.map(|row| {
            Ok(BalanceChange {
                balance_after: points(row.try_get_by_index(0).store()?),
                seq: row.try_get_by_index(1).store()?,
                debt: points(row.try_get_by_index(2).store()?),
            })
        })
        .transpose()
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
