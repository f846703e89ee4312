//! Stored-value card templates, members' cards and their ledger.

pub(crate) mod entities;
mod repository;
mod rows;

use crate::errors::UniqueConstraint;
use loyalty_core::kernel::UniqueKey;

/// The unique keys of this feature's tables.
pub(crate) const UNIQUE_KEYS: &[UniqueConstraint] = &[
    UniqueConstraint::new(
        "member_cards_template_key",
        "member_cards.merchant_id, member_cards.member_id",
        UniqueKey::MemberCard,
    ),
    UniqueConstraint::new(
        "card_entries_source_key",
        "card_entries.merchant_id, card_entries.kind",
        UniqueKey::LedgerSource,
    ),
];
