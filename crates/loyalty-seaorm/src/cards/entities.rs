//! The rows as stored. They stay inside this crate; the core sees its own types only.

pub(crate) mod card_entries;
pub(crate) mod card_templates;
pub(crate) mod member_cards;
pub(crate) mod service_items;

crate::shared::merchant_keyed!(card_entries, card_templates, member_cards, service_items);
