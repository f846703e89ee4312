//! Members' tokens and privacy: a token version on each member (raising it signs the member
//! out everywhere) and the moment a member's personal data was erased (PIPL), after which the
//! row keeps only its amounts, so balances, ledgers and figures stay exact.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, timestamp_with_time_zone_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Members {
    Table,
    TokenVersion,
    ErasedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table(Members::Table)
                .add_column(big_integer(Members::TokenVersion).default(0))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Members::Table)
                .add_column(timestamp_with_time_zone_null(Members::ErasedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [Members::ErasedAt, Members::TokenVersion] {
            m.alter_table(
                Table::alter()
                    .table(Members::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
