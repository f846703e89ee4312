//! The rows as stored. They stay inside this crate; the core sees its own types only.

pub(crate) mod merchant_settings;
pub(crate) mod merchant_settings_history;

crate::shared::merchant_owned!(merchant_settings, merchant_settings_history);
