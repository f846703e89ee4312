//! Indexes the write path pays for only where a query uses them: `orders_member_idx`
//! (`merchant_id, member_id`) goes, `orders_member_time_idx` (`merchant_id, member_id,
//! created_at`) serves every query it did; the idempotency keys' purge, which deletes old
//! keys of every merchant by age, gets an index on their age alone in place of one that
//! began with the merchant and so served no query.

use crate::common::index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Orders {
    Table,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
}

fn drop(name: &str, table: impl IntoIden) -> IndexDropStatement {
    Index::drop().name(name).table(table).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(drop("orders_member_idx", Orders::Table))
            .await?;
        m.drop_index(drop("idempotency_keys_created_idx", IdempotencyKeys::Table))
            .await?;
        m.create_index(index(
            "idempotency_keys_age_idx",
            IdempotencyKeys::Table,
            &["created_at"],
            false,
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(drop("idempotency_keys_age_idx", IdempotencyKeys::Table))
            .await?;
        for (name, table, cols) in [
            (
                "idempotency_keys_created_idx",
                IdempotencyKeys::Table.into_iden(),
                &["merchant_id", "created_at"],
            ),
            (
                "orders_member_idx",
                Orders::Table.into_iden(),
                &["merchant_id", "member_id"],
            ),
        ] {
            m.create_index(index(name, table, cols, false)).await?;
        }
        Ok(())
    }
}
