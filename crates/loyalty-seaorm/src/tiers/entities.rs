//! The rows as stored. They stay inside this crate; the core sees its own types only.

pub(crate) mod tier_changes;

crate::shared::merchant_keyed!(tier_changes);
