//! What the points ledger adds up to: the merchant's liability, and the accounts whose
//! balance, ledger and lots disagree (what `verify-ledger` reports).

use crate::errors::StoreResult;
use crate::members::entities::members;
use crate::points::entities::points_lots;
use crate::shared::{MerchantOwned, count_of, points};
use crate::uow::SeaTransaction;
use chrono::{DateTime, Utc};
use loyalty_core::kernel::{MerchantId, StoreError};
use loyalty_core::points::{AccountDrift, Liability};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QuerySelect, Statement};
use uuid::Uuid;

impl SeaTransaction {
    /// The merchant's outstanding points, how many members hold some, and how many of them
    /// expire within `(now, until]`.
    pub(super) async fn liability_of(
        &self,
        merchant: MerchantId,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Liability, StoreError> {
        let (outstanding, holders): (Option<i64>, Option<i64>) = members::Entity::find_of(merchant)
            .select_only()
            .expr(Expr::cust(
                "CAST(COALESCE(SUM(points_balance), 0) AS BIGINT)",
            ))
            .expr(Expr::cust(
                "CAST(COALESCE(SUM(CASE WHEN points_balance > 0 THEN 1 ELSE 0 END), 0) AS BIGINT)",
            ))
            .into_tuple()
            .one(&self.txn)
            .await
            .store()?
            .unwrap_or((Some(0), Some(0)));
        use points_lots::Column as C;
        let expiring: Option<Option<i64>> = points_lots::Entity::find_of(merchant)
            .select_only()
            .expr(Expr::cust("CAST(COALESCE(SUM(remaining), 0) AS BIGINT)"))
            .filter(C::Remaining.gt(0))
            .filter(C::ExpiresAt.gt(now))
            .filter(C::ExpiresAt.lte(until))
            .into_tuple()
            .one(&self.txn)
            .await
            .store()?;
        Ok(Liability {
            outstanding: points(outstanding.unwrap_or(0)),
            members_with_points: count_of(holders),
            expiring: points(expiring.flatten().unwrap_or(0)),
        })
    }

    /// Every member (of every merchant) whose balance disagrees with the sum of its ledger,
    /// with what is left of its lots, or with its last entry's balance.
    pub(super) async fn account_drifts(&self) -> Result<Vec<AccountDrift>, StoreError> {
        const SQL: &str = "SELECT t.merchant_id, t.id, t.points_balance, t.ledger_sum, t.lots_sum, t.last_after FROM (\
            SELECT m.merchant_id, m.id, m.points_balance, \
              CAST(COALESCE((SELECT SUM(l.delta) FROM points_ledger l WHERE l.merchant_id = m.merchant_id AND l.member_id = m.id), 0) AS BIGINT) AS ledger_sum, \
              CAST(COALESCE((SELECT SUM(o.remaining) FROM points_lots o WHERE o.merchant_id = m.merchant_id AND o.member_id = m.id), 0) AS BIGINT) AS lots_sum, \
              (SELECT l.balance_after FROM points_ledger l WHERE l.merchant_id = m.merchant_id AND l.member_id = m.id ORDER BY l.seq DESC LIMIT 1) AS last_after \
            FROM members m) t \
            WHERE t.points_balance <> t.ledger_sum OR t.points_balance <> t.lots_sum \
               OR (t.last_after IS NOT NULL AND t.last_after <> t.points_balance) \
               OR (t.last_after IS NULL AND t.points_balance <> 0)";
        let backend = self.txn.get_database_backend();
        let rows = self
            .txn
            .query_all_raw(Statement::from_string(backend, SQL))
            .await
            .store()?;
        rows.iter()
            .map(|row| {
                let merchant: Uuid = row.try_get_by_index(0).store()?;
                let member: Uuid = row.try_get_by_index(1).store()?;
                let last: Option<i64> = row.try_get_by_index(5).store()?;
                Ok(AccountDrift {
                    merchant_id: merchant.into(),
                    member_id: member.into(),
                    balance: points(row.try_get_by_index(2).store()?),
                    ledger_sum: points(row.try_get_by_index(3).store()?),
                    lots_sum: points(row.try_get_by_index(4).store()?),
                    last_balance_after: last.map(points),
                })
            })
            .collect()
    }
}
