//! Coupon templates, the coupons issued from them, and their verifications.

pub(crate) mod entities;
mod repository;
mod rows;
mod statements;

use crate::errors::UniqueConstraint;

/// The unique keys of this feature's tables.
pub(crate) const UNIQUE_KEYS: &[UniqueConstraint] = &[
    UniqueConstraint::new(
        "coupons_merchant_code_key",
        "coupons.merchant_id, coupons.code",
        loyalty_core::coupons::COUPON_CODE_KEY,
    ),
    UniqueConstraint::new(
        "coupons_source_key",
        "coupons.merchant_id, coupons.template_id",
        loyalty_core::coupons::COUPON_SOURCE_KEY,
    ),
];
