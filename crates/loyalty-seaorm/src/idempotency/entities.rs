//! The rows as stored. They stay inside this crate; the core sees its own types only.

pub(crate) mod idempotency_keys;
