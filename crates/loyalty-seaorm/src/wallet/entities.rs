//! The rows as stored. They stay inside this crate; the core sees its own types only.

pub(crate) mod wallet_entries;
pub(crate) mod wallet_withdrawals;
pub(crate) mod wallets;

crate::shared::merchant_keyed!(wallet_entries, wallet_withdrawals);
crate::shared::merchant_owned!(wallets);
