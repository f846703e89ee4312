//! What the features' repositories share: conversions of stored columns into the core's
//! types, and the drift report of the money accounts.

use crate::errors::corrupt;
use loyalty_core::kernel::StoreError;
use loyalty_core::kernel::{Money, Points};

pub(crate) fn money(fen: i64, what: &str) -> Result<Money, StoreError> {
    Money::from_fen(fen).map_err(|e| corrupt(what, e))
}

pub(crate) fn points(value: i64) -> Points {
    Points::new(value)
}

/// The rows of `sql` (merchant, id or NULL, held ×2, ledger sum ×2) as drifts, each named
/// by `account`.
pub(crate) async fn money_drifts(
    tx: &crate::uow::SeaTransaction,
    sql: &str,
    account: impl Fn(Option<uuid::Uuid>) -> String,
) -> Result<Vec<loyalty_core::cards::MoneyDrift>, StoreError> {
    use crate::errors::StoreResult;
    use sea_orm::ConnectionTrait;
    let backend = tx.txn.get_database_backend();
    let rows = tx
        .txn
        .query_all_raw(sea_orm::Statement::from_string(backend, sql))
        .await
        .store()?;
    rows.iter()
        .map(|row| {
            let get = |i| row.try_get_by_index::<i64>(i).store();
            let merchant: uuid::Uuid = row.try_get_by_index(0).store()?;
            let id: Option<uuid::Uuid> = row.try_get_by_index(1).store()?;
            Ok(loyalty_core::cards::MoneyDrift {
                merchant_id: merchant.into(),
                account: account(id),
                held: (get(2)?, get(3)?),
                ledger_sum: (get(4)?, get(5)?),
            })
        })
        .collect()
}
