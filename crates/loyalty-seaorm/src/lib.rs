//! The SeaORM adapter: repositories and the unit of work of `loyalty-core` on SQLite (the
//! embedded default) and PostgreSQL, chosen by the database URL alone.
//!
//! Balances, lot remainders and refund totals change only by conditional `UPDATE`s whose
//! affected rows are checked; the schema's `CHECK` constraints back them.
//!
//! Cut like the core: a folder per feature holds its entities, its repositories (on
//! `SeaTransaction`) and its unique keys; what they share is the infrastructure beside
//! them (unit of work, cache, connection, errors, shared query helpers).
//!
//! Every repository method, and beginning a unit of work, runs in a `debug` span named after
//! it that carries the merchant and the ids it acts on, never phone numbers, codes, names or
//! secrets. A failure is recorded in the span at `debug` too: a taken unique key or contention
//! is an outcome the use cases handle (and retry), not an error to log.

mod cache;
mod connect;
mod errors;
mod group_commit;
mod shared;
mod uow;

#[cfg(feature = "test-support")]
pub mod testing;

// The features, cut like the core's.
mod cards;
mod checkout;
mod coupons;
mod idempotency;
mod members;
mod merchants;
mod notifications;
mod points;
mod settings;
mod tiers;
mod wallet;

pub use cache::LookupCache;
pub use connect::{ConnectSettings, Engine, connect, migrate, with_database};
pub use sea_orm::DatabaseConnection;
pub use sea_orm::{DbBackend, Statement, Value};
pub use uow::{DEFAULT_CACHE_TTL, Recorded, SeaUnitOfWork, StatementLog};
