//! Stored-value cards and the merchant wallet: card templates, member cards with principal
//! and bonus kept apart, the card ledger; wallets, their ledger and withdrawals under the
//! platform's review. Balances carry `CHECK` constraints; every ledger entry has a unique
//! business key.

use crate::common::{index, non_negative, refuse_losing};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, boolean, string, string_null, text, timestamp_with_time_zone,
    timestamp_with_time_zone_null, uuid, uuid_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum CardTemplates {
    Table,
    Id,
    MerchantId,
    Name,
    Kind,
    Rules,
    Active,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum MemberCards {
    Table,
    Id,
    MerchantId,
    MemberId,
    TemplateId,
    PrincipalFen,
    BonusFen,
    OpenedAt,
    OpenedBy,
    StoreId,
}

#[derive(DeriveIden, Clone, Copy)]
enum CardEntries {
    Table,
    Id,
    MerchantId,
    CardId,
    MemberId,
    Kind,
    PrincipalDelta,
    BonusDelta,
    PrincipalAfter,
    BonusAfter,
    SourceRef,
    StoreId,
    OperatorId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Wallets {
    Table,
    MerchantId,
    AvailableFen,
    PendingFen,
}

#[derive(DeriveIden, Clone, Copy)]
enum WalletEntries {
    Table,
    Id,
    MerchantId,
    Kind,
    AvailableDelta,
    PendingDelta,
    AvailableAfter,
    PendingAfter,
    SourceRef,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum WalletWithdrawals {
    Table,
    Id,
    MerchantId,
    AmountFen,
    Status,
    Note,
    RequestedBy,
    RequestedAt,
    ReviewedAt,
    ReviewNote,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CardTemplates::Table)
                .col(uuid(CardTemplates::Id).primary_key())
                .col(uuid(CardTemplates::MerchantId))
                .col(string(CardTemplates::Name))
                .col(string(CardTemplates::Kind))
                .col(text(CardTemplates::Rules))
                .col(boolean(CardTemplates::Active))
                .col(uuid_null(CardTemplates::CreatedBy))
                .col(timestamp_with_time_zone(CardTemplates::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "card_templates_merchant_idx",
            CardTemplates::Table,
            &["merchant_id", "id"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(MemberCards::Table)
                .col(uuid(MemberCards::Id).primary_key())
                .col(uuid(MemberCards::MerchantId))
                .col(uuid(MemberCards::MemberId))
                .col(uuid(MemberCards::TemplateId))
                .col(non_negative(MemberCards::PrincipalFen))
                .col(non_negative(MemberCards::BonusFen))
                .col(timestamp_with_time_zone(MemberCards::OpenedAt))
                .col(uuid_null(MemberCards::OpenedBy))
                .col(uuid_null(MemberCards::StoreId))
                .to_owned(),
        )
        .await?;
        // One card of a template per member; also the member's lookup index.
        m.create_index(index(
            "member_cards_template_key",
            MemberCards::Table,
            &["merchant_id", "member_id", "template_id"],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(CardEntries::Table)
                .col(uuid(CardEntries::Id).primary_key())
                .col(uuid(CardEntries::MerchantId))
                .col(uuid(CardEntries::CardId))
                .col(uuid(CardEntries::MemberId))
                .col(string(CardEntries::Kind))
                .col(big_integer(CardEntries::PrincipalDelta))
                .col(big_integer(CardEntries::BonusDelta))
                .col(non_negative(CardEntries::PrincipalAfter))
                .col(non_negative(CardEntries::BonusAfter))
                .col(string(CardEntries::SourceRef))
                .col(uuid_null(CardEntries::StoreId))
                .col(uuid_null(CardEntries::OperatorId))
                .col(timestamp_with_time_zone(CardEntries::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "card_entries_source_key",
            CardEntries::Table,
            &["merchant_id", "kind", "source_ref"],
            true,
        ))
        .await?;
        m.create_index(index(
            "card_entries_card_idx",
            CardEntries::Table,
            &["merchant_id", "card_id", "id"],
            false,
        ))
        .await?;
        // Growth by top-up: what a member paid in over a window.
        m.create_index(index(
            "card_entries_member_idx",
            CardEntries::Table,
            &["merchant_id", "member_id", "created_at"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Wallets::Table)
                .col(uuid(Wallets::MerchantId).primary_key())
                .col(non_negative(Wallets::AvailableFen))
                .col(non_negative(Wallets::PendingFen))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(WalletEntries::Table)
                .col(uuid(WalletEntries::Id).primary_key())
                .col(uuid(WalletEntries::MerchantId))
                .col(string(WalletEntries::Kind))
                .col(big_integer(WalletEntries::AvailableDelta))
                .col(big_integer(WalletEntries::PendingDelta))
                .col(non_negative(WalletEntries::AvailableAfter))
                .col(non_negative(WalletEntries::PendingAfter))
                .col(string(WalletEntries::SourceRef))
                .col(timestamp_with_time_zone(WalletEntries::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "wallet_entries_source_key",
            WalletEntries::Table,
            &["merchant_id", "kind", "source_ref"],
            true,
        ))
        .await?;
        // A withdrawal is settled once, paid out or returned, whatever the code above does:
        // a partial unique index (the same SQL on SQLite and PostgreSQL).
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX wallet_entries_settled_key ON wallet_entries (merchant_id, source_ref) \
                 WHERE kind IN ('withdrawal_paid', 'withdrawal_returned')",
            )
            .await?;
        m.create_index(index(
            "wallet_entries_merchant_idx",
            WalletEntries::Table,
            &["merchant_id", "id"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(WalletWithdrawals::Table)
                .col(uuid(WalletWithdrawals::Id).primary_key())
                .col(uuid(WalletWithdrawals::MerchantId))
                .col(
                    big_integer(WalletWithdrawals::AmountFen)
                        .check(Expr::col(WalletWithdrawals::AmountFen).gt(0)),
                )
                .col(string(WalletWithdrawals::Status))
                .col(string_null(WalletWithdrawals::Note))
                .col(uuid_null(WalletWithdrawals::RequestedBy))
                .col(timestamp_with_time_zone(WalletWithdrawals::RequestedAt))
                .col(timestamp_with_time_zone_null(WalletWithdrawals::ReviewedAt))
                .col(string_null(WalletWithdrawals::ReviewNote))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "wallet_withdrawals_merchant_idx",
            WalletWithdrawals::Table,
            &["merchant_id", "id"],
            false,
        ))
        .await?;
        // The platform's review queue, across merchants (it reviews all of them).
        m.create_index(index(
            "wallet_withdrawals_status_idx",
            WalletWithdrawals::Table,
            &["status", "id"],
            false,
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Going back would lose members' and merchants' money: refuse while any is held.
        refuse_losing(
            m,
            "cards and wallets",
            &[
                (
                    "cards holding a balance",
                    "SELECT COUNT(*) FROM member_cards WHERE principal_fen + bonus_fen > 0",
                ),
                (
                    "wallets holding money",
                    "SELECT COUNT(*) FROM wallets WHERE available_fen + pending_fen > 0",
                ),
            ],
        )
        .await?;
        for table in [
            WalletWithdrawals::Table.into_iden(),
            WalletEntries::Table.into_iden(),
            Wallets::Table.into_iden(),
            CardEntries::Table.into_iden(),
            MemberCards::Table.into_iden(),
            CardTemplates::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
