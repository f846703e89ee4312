//! Translation of database errors into the core's [`StoreError`], in one place: which unique
//! key a write collided with, and which failures are worth running the use case again for.

use loyalty_core::kernel::{StoreError, UniqueKey};
use sea_orm::{DbErr, RuntimeErr};

/// Unique keys by PostgreSQL constraint name and by SQLite's column list.
const KEYS: &[(&str, &str, UniqueKey)] = &[
    (
        "login_codes_minute_key",
        "login_codes.merchant_id, login_codes.phone",
        loyalty_core::members::LOGIN_CODE_MINUTE_KEY,
    ),
    (
        "merchants_code_key",
        "merchants.code",
        loyalty_core::merchants::MERCHANT_CODE_KEY,
    ),
    (
        "stores_merchant_name_key",
        "stores.merchant_id, stores.name",
        loyalty_core::merchants::STORE_NAME_KEY,
    ),
    (
        "staff_merchant_username_key",
        "staff.merchant_id, staff.username",
        loyalty_core::merchants::STAFF_USERNAME_KEY,
    ),
    (
        "members_merchant_phone_key",
        "members.merchant_id, members.phone",
        loyalty_core::members::MEMBER_PHONE_KEY,
    ),
    (
        "members_merchant_openid_key",
        "members.merchant_id, members.openid",
        loyalty_core::members::MEMBER_OPENID_KEY,
    ),
    (
        "members_merchant_invite_code_key",
        "members.merchant_id, members.invite_code",
        loyalty_core::members::MEMBER_INVITE_CODE_KEY,
    ),
    (
        "orders_merchant_order_no_key",
        "orders.merchant_id, orders.order_no",
        loyalty_core::checkout::ORDER_NO_KEY,
    ),
    (
        "points_ledger_source_key",
        "points_ledger.merchant_id, points_ledger.kind",
        loyalty_core::points::LEDGER_SOURCE_KEY,
    ),
    (
        "coupons_merchant_code_key",
        "coupons.merchant_id, coupons.code",
        loyalty_core::coupons::COUPON_CODE_KEY,
    ),
    (
        "coupons_source_key",
        "coupons.merchant_id, coupons.template_id",
        loyalty_core::coupons::COUPON_SOURCE_KEY,
    ),
    (
        "member_cards_template_key",
        "member_cards.merchant_id, member_cards.member_id",
        loyalty_core::cards::MEMBER_CARD_KEY,
    ),
    (
        "card_entries_source_key",
        "card_entries.merchant_id, card_entries.kind",
        loyalty_core::points::LEDGER_SOURCE_KEY,
    ),
    (
        "wallet_entries_settled_key",
        "wallet_entries.merchant_id, wallet_entries.source_ref",
        loyalty_core::points::LEDGER_SOURCE_KEY,
    ),
    (
        "wallet_entries_source_key",
        "wallet_entries.merchant_id, wallet_entries.kind",
        loyalty_core::points::LEDGER_SOURCE_KEY,
    ),
    (
        "idempotency_keys_pkey",
        "idempotency_keys.merchant_id",
        UniqueKey::IDEMPOTENCY,
    ),
];

/// SQLSTATEs and SQLite result codes that mean "try again": serialization failure,
/// deadlock, lock not available; `SQLITE_BUSY` and its extended codes, `SQLITE_LOCKED`.
const RETRYABLE: &[&str] = &["40001", "40P01", "55P03", "5", "6", "261", "517", "262"];

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

fn unique_key(constraint: Option<&str>, message: &str) -> UniqueKey {
    KEYS.iter()
        .find(|(pg, sqlite, _)| constraint == Some(*pg) || message.contains(sqlite))
        .map_or(UniqueKey::OTHER, |(_, _, key)| *key)
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
