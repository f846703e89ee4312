//! Stored responses of idempotent requests.

pub(crate) mod entities;
mod repository;

use crate::errors::UniqueConstraint;
use loyalty_core::kernel::UniqueKey;

/// The unique keys of this feature's tables.
pub(crate) const UNIQUE_KEYS: &[UniqueConstraint] = &[UniqueConstraint::new(
    "idempotency_keys_pkey",
    "idempotency_keys.merchant_id",
    UniqueKey::IDEMPOTENCY,
)];
