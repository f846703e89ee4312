//! The SeaORM adapter: repositories and the unit of work of `loyalty-core` on SQLite (the
//! embedded default) and PostgreSQL, chosen by the database URL alone.
//!
//! Balances, lot remainders and refund totals change only by conditional `UPDATE`s whose
//! affected rows are checked; the schema's `CHECK` constraints back them.

mod cache;
mod connect;
mod entities;
mod errors;
mod group_commit;
mod repos;
mod uow;

#[cfg(feature = "test-support")]
pub mod testing;

pub use cache::LookupCache;
pub use connect::{ConnectSettings, Engine, connect, migrate, with_database};
pub use sea_orm::DatabaseConnection;
pub use uow::{DEFAULT_CACHE_TTL, SeaUnitOfWork};
