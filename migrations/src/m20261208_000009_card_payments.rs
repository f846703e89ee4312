//! Orders paid from a stored-value card: each order keeps which card paid what part of it,
//! principal and bonus apart, and what refunds have given back of each (a refund keeps what
//! it gave back), so that refunds return to the card exactly what it paid and no more.

use crate::common::{add_column, drop_column, non_negative, refuse_losing};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::uuid_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Orders {
    Table,
    CardId,
    CardPrincipalFen,
    CardBonusFen,
    CardPrincipalReturnedFen,
    CardBonusReturnedFen,
}

#[derive(DeriveIden, Clone, Copy)]
enum Refunds {
    Table,
    CardPrincipalFen,
    CardBonusFen,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_column(m, Orders::Table, uuid_null(Orders::CardId)).await?;
        for col in [
            Orders::CardPrincipalFen,
            Orders::CardBonusFen,
            Orders::CardPrincipalReturnedFen,
            Orders::CardBonusReturnedFen,
        ] {
            add_column(m, Orders::Table, non_negative(col)).await?;
        }
        for col in [Refunds::CardPrincipalFen, Refunds::CardBonusFen] {
            add_column(m, Refunds::Table, non_negative(col)).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        refuse_losing(
            m,
            "m20261208_000009_card_payments",
            &[(
                "orders paid from a card",
                "SELECT COUNT(*) FROM orders WHERE card_id IS NOT NULL",
            )],
        )
        .await?;
        for col in [Refunds::CardPrincipalFen, Refunds::CardBonusFen] {
            drop_column(m, Refunds::Table, col).await?;
        }
        for col in [
            Orders::CardBonusReturnedFen,
            Orders::CardPrincipalReturnedFen,
            Orders::CardBonusFen,
            Orders::CardPrincipalFen,
            Orders::CardId,
        ] {
            drop_column(m, Orders::Table, col).await?;
        }
        Ok(())
    }
}
