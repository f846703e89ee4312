//! The rows as stored. They stay inside this crate; the core sees its own types only.

pub(crate) mod merchants;
pub(crate) mod staff;
pub(crate) mod staff_stores;
pub(crate) mod stores;

crate::shared::merchant_keyed!(staff, stores);
crate::shared::merchant_owned!(staff_stores);
