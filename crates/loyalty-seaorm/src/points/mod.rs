//! The points ledger, the lots points are earned in, and what spending took from them.

mod balance;
pub(crate) mod entities;
mod reach;
mod reports;
mod repository;
mod rows;

use crate::errors::UniqueConstraint;

/// The unique keys of this feature's tables.
pub(crate) const UNIQUE_KEYS: &[UniqueConstraint] = &[UniqueConstraint::new(
    "points_ledger_source_key",
    "points_ledger.merchant_id, points_ledger.kind",
    loyalty_core::points::LEDGER_SOURCE_KEY,
)];
