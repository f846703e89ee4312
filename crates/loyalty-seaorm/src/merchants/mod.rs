//! Merchants, their stores and their staff.

pub(crate) mod entities;
mod repository;
mod rows;
mod staff;

use crate::errors::UniqueConstraint;

/// The unique keys of this feature's tables.
pub(crate) const UNIQUE_KEYS: &[UniqueConstraint] = &[
    UniqueConstraint::new(
        "merchants_code_key",
        "merchants.code",
        loyalty_core::merchants::MERCHANT_CODE_KEY,
    ),
    UniqueConstraint::new(
        "stores_merchant_name_key",
        "stores.merchant_id, stores.name",
        loyalty_core::merchants::STORE_NAME_KEY,
    ),
    UniqueConstraint::new(
        "staff_merchant_username_key",
        "staff.merchant_id, staff.username",
        loyalty_core::merchants::STAFF_USERNAME_KEY,
    ),
];
