//! The schema of the loyalty engine, for SQLite and PostgreSQL. Append-only: a migration
//! that has shipped is never edited; a change is a new migration.
//!
//! Conventions: every table has `merchant_id` and every unique or lookup index starts with
//! it; money is whole fen (`bigint`), points are `bigint`; balances and remainders carry
//! `CHECK` constraints so that no bug can make them negative.

pub use sea_orm_migration::prelude::*;

mod common;
mod m20261123_000001_foundation;
mod m20261123_000002_rules;
mod m20261123_000003_outbox;
mod m20261201_000004_checkout;
mod m20261201_000005_cards_wallet;
mod m20261205_000006_member_privacy;
mod m20261206_000007_write_indexes;
mod m20261206_000008_lots_by_expiry;
mod m20261208_000009_card_payments;
mod m20261208_000010_count_cards;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_foundation::Migration),
            Box::new(m20261123_000002_rules::Migration),
            Box::new(m20261123_000003_outbox::Migration),
            Box::new(m20261201_000004_checkout::Migration),
            Box::new(m20261201_000005_cards_wallet::Migration),
            Box::new(m20261205_000006_member_privacy::Migration),
            Box::new(m20261206_000007_write_indexes::Migration),
            Box::new(m20261206_000008_lots_by_expiry::Migration),
            Box::new(m20261208_000009_card_payments::Migration),
            Box::new(m20261208_000010_count_cards::Migration),
        ]
    }
}
