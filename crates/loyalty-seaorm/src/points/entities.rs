//! The rows as stored. They stay inside this crate; the core sees its own types only.

pub(crate) mod points_ledger;
pub(crate) mod points_lots;
pub(crate) mod points_takes;

crate::shared::merchant_keyed!(points_ledger, points_lots);
crate::shared::merchant_owned!(points_takes);
