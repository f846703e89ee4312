//! The rows as stored. They stay inside this crate; the core sees its own types only.

pub(crate) mod merchant_settings;
pub(crate) mod merchant_settings_history;
