//! The black-box tests, one binary: each scenario spawns the server over a fresh database and
//! drives it over HTTP, as the mini-program, the till, HQ and the platform would; on SQLite and,
//! when `LOYALTY_TEST_DATABASE_URL` is set, on PostgreSQL. One module per feature.

mod card_payments;
mod cards;
mod checkout;
mod count_cards;
mod coupons;
mod edge;
mod idempotency;
mod journey;
mod members;
mod notifications;
mod orders;
mod points;
mod staff;
mod tiers;
mod wallet;
