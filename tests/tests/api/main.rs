//! The black-box tests, one binary: each module spawns the server over a fresh database and
//! drives it over HTTP, as the mini-program, the till, HQ and the platform would. Every
//! scenario runs on SQLite and, when `LOYALTY_TEST_DATABASE_URL` is set, on PostgreSQL.

mod cards_wallet;
mod checkout;
mod errors;
mod journey;
mod member_code;
mod member_login;
mod notifications;
mod rules;
mod staff;
