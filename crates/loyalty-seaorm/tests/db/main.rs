//! The adapter's use cases on real databases, SQLite and PostgreSQL: one test binary, a
//! module per feature of the engine.

mod support;

mod cards_wallet;
mod checkout;
mod checkout_props;
mod coupons;
mod identity;
mod members;
mod outbox;
mod points;
mod rules;
mod sms_login;
mod unit_of_work;
