//! The rows as stored. They stay inside this crate; the core sees its own types only.

pub(crate) mod login_codes;
pub(crate) mod members;

crate::shared::merchant_keyed!(login_codes, members);
