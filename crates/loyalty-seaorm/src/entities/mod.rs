//! SeaORM entities: the rows as stored. They stay inside this crate; the core sees its own
//! types only.

pub mod idempotency_keys;
pub mod login_codes;
pub mod members;
pub mod merchants;
pub mod orders;
pub mod points_ledger;
pub mod points_lots;
pub mod refunds;
pub mod staff;
pub mod staff_stores;
pub mod stores;
