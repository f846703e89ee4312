//! The rows as stored. They stay inside this crate; the core sees its own types only.

pub(crate) mod order_lines;
pub(crate) mod orders;
pub(crate) mod refunds;

crate::shared::merchant_keyed!(orders, refunds);
crate::shared::merchant_owned!(order_lines);
