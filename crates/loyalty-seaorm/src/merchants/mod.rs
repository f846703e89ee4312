//! Merchants, their stores and their staff.

pub(crate) mod entities;
mod repository;
mod rows;
mod staff;

use crate::errors::UniqueConstraint;
use loyalty_core::kernel::UniqueKey;

/// The unique keys of this feature's tables.
pub(crate) const UNIQUE_KEYS: &[UniqueConstraint] = &[
    UniqueConstraint::new(
        "merchants_code_key",
        "merchants.code",
        UniqueKey::MerchantCode,
    ),
    UniqueConstraint::new(
        "stores_merchant_name_key",
        "stores.merchant_id, stores.name",
        UniqueKey::StoreName,
    ),
    UniqueConstraint::new(
        "staff_merchant_username_key",
        "staff.merchant_id, staff.username",
        UniqueKey::StaffUsername,
    ),
];
