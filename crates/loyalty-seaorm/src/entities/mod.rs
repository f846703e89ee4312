//! SeaORM entities: the rows as stored. They stay inside this crate; the core sees its own
//! types only.

pub mod coupon_templates;
pub mod coupon_verifications;
pub mod coupons;
pub mod idempotency_keys;
pub mod login_codes;
pub mod members;
pub mod merchant_settings;
pub mod merchant_settings_history;
pub mod merchants;
pub mod order_lines;
pub mod orders;
pub mod outbox_messages;
pub mod points_ledger;
pub mod points_lots;
pub mod points_takes;
pub mod refunds;
pub mod staff;
pub mod staff_stores;
pub mod stores;
pub mod tier_changes;
pub mod wechat_subscriptions;
