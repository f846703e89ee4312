//! Stored-value card templates, members' cards and their ledger.

pub(crate) mod entities;
mod repository;
mod rows;

use crate::errors::UniqueConstraint;

/// The unique keys of this feature's tables.
pub(crate) const UNIQUE_KEYS: &[UniqueConstraint] = &[
    UniqueConstraint::new(
        "member_cards_template_key",
        "member_cards.merchant_id, member_cards.member_id",
        loyalty_core::cards::MEMBER_CARD_KEY,
    ),
    UniqueConstraint::new(
        "service_items_code_key",
        "service_items.merchant_id, service_items.code",
        loyalty_core::cards::SERVICE_ITEM_CODE_KEY,
    ),
    UniqueConstraint::new(
        "card_entries_source_key",
        "card_entries.merchant_id, card_entries.kind",
        loyalty_core::cards::CARD_ENTRY_SOURCE_KEY,
    ),
];
