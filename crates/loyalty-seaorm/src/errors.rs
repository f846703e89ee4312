//! Translation of database errors into the core's [`StoreError`], in one place: which unique
//! key a write collided with, and which failures are worth running the use case again for.

use loyalty_core::kernel::{StoreError, UniqueKey};
use sea_orm::{DbErr, RuntimeErr};

/// The features' unique constraints, searched in this order. A feature whose tables have a
/// unique key a write can collide with adds its part here.
const UNIQUE_KEYS: &[&[UniqueConstraint]] = &[
    crate::members::UNIQUE_KEYS,
    crate::merchants::UNIQUE_KEYS,
    crate::checkout::UNIQUE_KEYS,
    crate::points::UNIQUE_KEYS,
    crate::coupons::UNIQUE_KEYS,
    crate::cards::UNIQUE_KEYS,
    crate::wallet::UNIQUE_KEYS,
    crate::idempotency::UNIQUE_KEYS,
];

/// A unique constraint as each database names it when a write collides with it.
pub(crate) struct UniqueConstraint {
    /// PostgreSQL's constraint name.
    postgres: &'static str,
    /// SQLite's column list in its message, or its start ("table.column, table.column").
    sqlite: &'static str,
    key: UniqueKey,
}

impl UniqueConstraint {
    pub(crate) const fn new(postgres: &'static str, sqlite: &'static str, key: UniqueKey) -> Self {
        Self {
            postgres,
            sqlite,
            key,
        }
    }
}

/// SQLSTATEs and SQLite result codes that mean "try again": serialization failure,
/// deadlock, lock not available; `SQLITE_BUSY` and its extended codes, `SQLITE_LOCKED`.
const RETRYABLE: &[&str] = &["40001", "40P01", "55P03", "5", "6", "261", "517", "262"];

/// Database results as the core's: repositories write `.store()?` where they would write
/// `.map_err(store_error)?`.
pub(crate) trait StoreResult<T> {
    fn store(self) -> Result<T, StoreError>;
}

impl<T> StoreResult<T> for Result<T, DbErr> {
    fn store(self) -> Result<T, StoreError> {
        self.map_err(store_error)
    }
}

/// The core's view of a database error: a unique key taken, contention worth a retry, or a
/// backend failure.
pub(crate) fn store_error(err: DbErr) -> StoreError {
    let database = match &err {
        DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e))
        | DbErr::Conn(RuntimeErr::SqlxError(e)) => match e.as_ref() {
            sea_orm::sqlx::Error::Database(db) => Some((
                db.code().map(|c| c.into_owned()),
                db.message().to_owned(),
                db.constraint().map(str::to_owned),
                db.is_unique_violation(),
            )),
            sea_orm::sqlx::Error::PoolTimedOut => {
                return StoreError::Contention("no connection free".into());
            }
            _ => None,
        },
        DbErr::ConnectionAcquire(_) => return StoreError::Contention("no connection free".into()),
        _ => None,
    };
    let Some((code, message, constraint, unique)) = database else {
        return StoreError::Backend(Box::new(err));
    };
    if unique {
        return StoreError::Unique(unique_key(constraint.as_deref(), &message));
    }
    if code.as_deref().is_some_and(|c| RETRYABLE.contains(&c)) {
        return StoreError::Contention(message);
    }
    StoreError::Backend(Box::new(err))
}

/// The key of the first of the features' constraints ([`UNIQUE_KEYS`]) that the
/// PostgreSQL constraint name or the SQLite message names; [`UniqueKey::OTHER`] for none.
fn unique_key(constraint: Option<&str>, message: &str) -> UniqueKey {
    UNIQUE_KEYS
        .iter()
        .flat_map(|part| part.iter())
        .find(|c| constraint == Some(c.postgres) || message.contains(c.sqlite))
        .map_or(UniqueKey::OTHER, |c| c.key)
}

/// A row that does not decode into the core's types: corrupt data, never user input.
pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("stored {what} is invalid: {detail}").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_unique_keys_from_postgres_constraints_and_sqlite_messages() {
        assert_eq!(
            unique_key(Some("members_merchant_phone_key"), ""),
            loyalty_core::members::MEMBER_PHONE_KEY
        );
        assert_eq!(
            unique_key(
                None,
                "UNIQUE constraint failed: points_ledger.merchant_id, points_ledger.kind, points_ledger.source_type, points_ledger.source_id"
            ),
            loyalty_core::points::LEDGER_SOURCE_KEY
        );
        assert_eq!(
            unique_key(
                None,
                "UNIQUE constraint failed: idempotency_keys.merchant_id, idempotency_keys.scope, idempotency_keys.key"
            ),
            UniqueKey::IDEMPOTENCY
        );
        assert_eq!(unique_key(Some("something_else"), "x"), UniqueKey::OTHER);
    }
}
