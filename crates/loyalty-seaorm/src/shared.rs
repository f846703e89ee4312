//! What the features' repositories share: the tenant filter of every merchant's table, the
//! statements they all run the same way, and conversions of stored columns into the core's
//! types.
//!
//! These helpers only build and run the statements the repositories would write by hand:
//! the same SQL, one statement per call, nothing read or written besides.

use crate::errors::{StoreResult, corrupt};
use crate::uow::SeaTransaction;
use loyalty_core::kernel::StoreError;
use loyalty_core::kernel::{MerchantId, Money, Points};
use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DeleteMany, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Select, UpdateMany, Value,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// A table whose rows each belong to one merchant. Reads and writes of a merchant's rows
/// start from these, so the tenant filter is written once.
pub(crate) trait MerchantOwned: EntityTrait {
    /// Its `merchant_id` column.
    const MERCHANT: Self::Column;

    /// `merchant_id = merchant`, for a query that is not scoped from its start.
    fn merchant_is(merchant: MerchantId) -> SimpleExpr {
        Self::MERCHANT.eq(merchant.as_uuid())
    }

    /// The same condition with the column unqualified, as statements built with `sea_query`
    /// directly (`UPDATE … RETURNING`, subqueries) write their columns.
    fn bare_merchant_is(merchant: MerchantId) -> SimpleExpr {
        Expr::col(Self::MERCHANT).eq(merchant.as_uuid())
    }

    /// `SELECT … WHERE merchant_id = merchant`: the merchant's rows, to narrow further.
    fn find_of(merchant: MerchantId) -> Select<Self> {
        Self::find().filter(Self::merchant_is(merchant))
    }

    /// `UPDATE … WHERE merchant_id = merchant`, to narrow further.
    fn update_of(merchant: MerchantId) -> UpdateMany<Self> {
        Self::update_many().filter(Self::merchant_is(merchant))
    }

    /// `DELETE … WHERE merchant_id = merchant`, to narrow further.
    fn delete_of(merchant: MerchantId) -> DeleteMany<Self> {
        Self::delete_many().filter(Self::merchant_is(merchant))
    }
}

/// A merchant's table whose rows are named by an `id` (unique across merchants; the
/// merchant filter keeps one merchant from reaching another's rows by id).
pub(crate) trait MerchantKeyed: MerchantOwned {
    /// Its `id` column.
    const ID: Self::Column;

    /// `SELECT … WHERE merchant_id = merchant AND id = id`.
    fn find_in(merchant: MerchantId, id: Uuid) -> Select<Self> {
        Self::find_of(merchant).filter(Self::ID.eq(id))
    }

    /// `UPDATE … WHERE merchant_id = merchant AND id = id`, to make conditional.
    fn update_in(merchant: MerchantId, id: Uuid) -> UpdateMany<Self> {
        Self::update_of(merchant).filter(Self::ID.eq(id))
    }
}

/// Implements [`MerchantOwned`] for the entities of the named modules (column
/// `merchant_id`).
macro_rules! merchant_owned {
    ($($table:ident),+ $(,)?) => {
        $(
            impl $crate::shared::MerchantOwned for $table::Entity {
                const MERCHANT: $table::Column = $table::Column::MerchantId;
            }
        )+
    };
}

/// Implements [`MerchantOwned`] and [`MerchantKeyed`] for the entities of the named modules
/// (columns `merchant_id` and `id`).
macro_rules! merchant_keyed {
    ($($table:ident),+ $(,)?) => {
        $(
            $crate::shared::merchant_owned!($table);
            impl $crate::shared::MerchantKeyed for $table::Entity {
                const ID: $table::Column = $table::Column::Id;
            }
        )+
    };
}

pub(crate) use {merchant_keyed, merchant_owned};

/// Keyset pages of a list, on a column unique among the listed rows that grows with time (a
/// UUID v7 id, a sequence number): a page neither skips nor repeats rows added meanwhile, and
/// a deep page costs what the first does. The cursor is the last key of the page before.
pub(crate) trait KeysetPage<E: EntityTrait>: Sized {
    /// The newest first: `[column < before AND] … ORDER BY column DESC LIMIT limit`.
    fn newest_first<V: Into<Value>>(self, column: E::Column, before: Option<V>, limit: u64)
    -> Self;

    /// The oldest first: `[column > after AND] … ORDER BY column ASC LIMIT limit`.
    fn oldest_first<V: Into<Value>>(self, column: E::Column, after: Option<V>, limit: u64) -> Self;
}

impl<E: EntityTrait> KeysetPage<E> for Select<E> {
    fn newest_first<V: Into<Value>>(
        self,
        column: E::Column,
        before: Option<V>,
        limit: u64,
    ) -> Self {
        let query = match before {
            Some(before) => self.filter(column.lt(before)),
            None => self,
        };
        query.order_by_desc(column).limit(limit)
    }

    fn oldest_first<V: Into<Value>>(self, column: E::Column, after: Option<V>, limit: u64) -> Self {
        let query = match after {
            Some(after) => self.filter(column.gt(after)),
            None => self,
        };
        query.order_by_asc(column).limit(limit)
    }
}

impl SeaTransaction {
    /// An account's token status (version, shut) through the lookup cache when this is a
    /// lookup; `read` asks the database otherwise, and what it finds is kept unless a change
    /// to the merchant committed meanwhile.
    pub(crate) async fn token_status(
        &self,
        merchant: MerchantId,
        account: Uuid,
        read: impl Future<Output = Result<Option<crate::cache::TokenStatus>, StoreError>>,
    ) -> Result<Option<crate::cache::TokenStatus>, StoreError> {
        if self.cached_reads
            && let Some(status) = self.cache.token_status(merchant, account)
        {
            return Ok(Some(status));
        }
        let generation = self.cache.generation(merchant);
        let status = read.await?;
        if let (true, Some(s)) = (self.cached_reads, status) {
            self.cache
                .put_token_status(generation, merchant, account, s);
        }
        Ok(status)
    }

    /// The merchant's row of `E` with id `id`, if there is one.
    pub(crate) async fn lookup<E: MerchantKeyed>(
        &self,
        merchant: MerchantId,
        id: Uuid,
    ) -> Result<Option<E::Model>, StoreError> {
        E::find_in(merchant, id).one(&self.txn).await.store()
    }

    /// Every row of `query`, each converted by `from`.
    pub(crate) async fn all_as<E: EntityTrait, T>(
        &self,
        query: Select<E>,
        from: impl FnMut(E::Model) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        query
            .all(&self.txn)
            .await
            .store()?
            .into_iter()
            .map(from)
            .collect()
    }

    /// `INSERT` of one row, not read back.
    pub(crate) async fn insert<A: ActiveModelTrait + Send>(
        &self,
        row: A,
    ) -> Result<(), StoreError> {
        A::Entity::insert(row)
            .exec_without_returning(&self.txn)
            .await
            .store()?;
        Ok(())
    }

    /// Runs statements built apart as one round trip: on PostgreSQL they must be one
    /// statement already (data-modifying CTEs); on SQLite they are sent together, separated
    /// by `;`, each seeing what the ones before it did. Answers the rows they return.
    pub(crate) async fn together(
        &self,
        statements: &[&dyn sea_orm::StatementBuilder],
    ) -> Result<Vec<sea_orm::QueryResult>, StoreError> {
        use sea_orm::ConnectionTrait;
        let backend = self.txn.get_database_backend();
        if backend == sea_orm::DbBackend::Postgres && statements.len() != 1 {
            return Err(StoreError::Backend(
                "PostgreSQL takes one statement per round trip here".into(),
            ));
        }
        let built: Vec<_> = statements.iter().map(|s| s.build(&backend)).collect();
        let sql = built
            .iter()
            .map(|s| s.sql.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let values = built
            .into_iter()
            .flat_map(|s| s.values.map(|v| v.0).unwrap_or_default());
        let statement = sea_orm::Statement::from_sql_and_values(backend, sql, values);
        self.txn.query_all_raw(statement).await.store()
    }

    /// Runs a conditional `UPDATE`: whether it changed exactly one row (a row that did not
    /// meet its condition, or is not there, is left as it was).
    pub(crate) async fn changed_one<E: EntityTrait>(
        &self,
        update: UpdateMany<E>,
    ) -> Result<bool, StoreError> {
        Ok(update.exec(&self.txn).await.store()?.rows_affected == 1)
    }
}

/// The most values one `IN (…)` list carries: longer lists go in chunks of this size.
pub(crate) const IN_LIST_CHUNK: usize = 500;

/// The most rows one multi-row `INSERT` carries (well within both databases' limits on
/// bound parameters).
pub(crate) const INSERT_CHUNK: usize = 100;

/// A money column in fen; a value the core refuses is corrupt data.
pub(crate) fn money(fen: i64, what: &str) -> Result<Money, StoreError> {
    Money::from_fen(fen).map_err(|e| corrupt(what, e))
}

pub(crate) fn points(value: i64) -> Points {
    Points::new(value)
}

/// A stored count or sum (`NULL` for none) as the core's `u64`.
pub(crate) fn count_of(value: Option<i64>) -> u64 {
    u64::try_from(value.unwrap_or(0)).unwrap_or(0)
}

/// A JSON column as the core's type; a body that does not decode is corrupt data.
pub(crate) fn from_json<T: DeserializeOwned>(body: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(body).map_err(|e| corrupt(what, e))
}

/// The core's value as a JSON column.
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T, what: &str) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| corrupt(what, e))
}

/// The rows of `sql` (merchant, id or NULL, held ×2, ledger sum ×2) as drifts, each named
/// by `account`.
pub(crate) async fn money_drifts(
    tx: &SeaTransaction,
    sql: &str,
    account: impl Fn(Option<Uuid>) -> String,
) -> Result<Vec<loyalty_core::kernel::MoneyDrift>, StoreError> {
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
            let merchant: Uuid = row.try_get_by_index(0).store()?;
            let id: Option<Uuid> = row.try_get_by_index(1).store()?;
            Ok(loyalty_core::kernel::MoneyDrift {
                merchant_id: merchant.into(),
                account: account(id),
                held: (get(2)?, get(3)?),
                ledger_sum: (get(4)?, get(5)?),
            })
        })
        .collect()
}

/// `INSERT INTO <row's table> (<its set columns>) SELECT <its values> <from source>`: the row
/// goes in once for each row `source` yields (none, one), with the `computed` columns taking
/// an expression over the source instead of the row's value.
pub(crate) fn insert_select<A: ActiveModelTrait>(
    row: &A,
    computed: &[(<A::Entity as EntityTrait>::Column, SimpleExpr)],
    mut source: sea_orm::sea_query::SelectStatement,
) -> Result<sea_orm::sea_query::InsertStatement, StoreError> {
    use sea_orm::{ActiveValue, IdenStatic, Iterable};
    let mut columns = Vec::new();
    for column in <A::Entity as EntityTrait>::Column::iter() {
        let expr = match computed.iter().find(|(c, _)| c.as_str() == column.as_str()) {
            Some((_, expr)) => expr.clone(),
            None => match row.get(column) {
                ActiveValue::Set(v) | ActiveValue::Unchanged(v) => Expr::val(v),
                ActiveValue::NotSet => continue,
            },
        };
        columns.push(column);
        source.expr(expr);
    }
    let mut insert = sea_orm::sea_query::Query::insert();
    insert
        .into_table(A::Entity::default())
        .columns(columns)
        .select_from(source)
        .map_err(|e| StoreError::Backend(e.to_string().into()))?;
    Ok(insert)
}
