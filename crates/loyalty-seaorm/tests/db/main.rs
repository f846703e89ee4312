//! The adapter's use cases on real databases, SQLite and PostgreSQL: one test binary, a module
//! per feature of the engine; `support` builds what the tests set up.

mod support;

mod cards;
mod checkout;
mod coupons;
mod members;
mod merchants;
mod notifications;
mod points;
mod settings;
mod tiers;
mod unit_of_work;
mod wallet;
