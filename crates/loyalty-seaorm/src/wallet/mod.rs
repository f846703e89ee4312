//! The merchant's wallet, its ledger and its withdrawals.

pub(crate) mod entities;
mod repository;
mod rows;

use crate::errors::UniqueConstraint;

/// The unique keys of this feature's tables.
pub(crate) const UNIQUE_KEYS: &[UniqueConstraint] = &[
    UniqueConstraint::new(
        "wallet_entries_settled_key",
        "wallet_entries.merchant_id, wallet_entries.source_ref",
        loyalty_core::wallet::WALLET_ENTRY_SOURCE_KEY,
    ),
    UniqueConstraint::new(
        "wallet_entries_source_key",
        "wallet_entries.merchant_id, wallet_entries.kind",
        loyalty_core::wallet::WALLET_ENTRY_SOURCE_KEY,
    ),
];
