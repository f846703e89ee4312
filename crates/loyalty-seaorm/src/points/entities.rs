//! The rows as stored. They stay inside this crate; the core sees its own types only.

pub(crate) mod points_ledger;
pub(crate) mod points_lots;
pub(crate) mod points_takes;
