//! Count cards (记次卡), period cards (周期卡) and the service items (项目) they serve: a
//! count card keeps its uses left (`CHECK >= 0`) and when they lapse; a period card when its
//! period started and ends, and the periods bought but not started; each ledger entry the
//! uses it added or took, the uses left after it and the item a use served. Service items
//! are unique by code per merchant.

use crate::common::{add_column, drop_column, index, non_negative, refuse_losing};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, boolean, string, timestamp_with_time_zone,
    timestamp_with_time_zone_null, uuid, uuid_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum MemberCards {
    Table,
    UsesLeft,
    ExpiresAt,
    StartsAt,
    PeriodsPending,
    ExpiryAnnouncedFor,
}

#[derive(DeriveIden, Clone, Copy)]
enum CardEntries {
    Table,
    UsesDelta,
    UsesAfter,
    ItemId,
}

#[derive(DeriveIden, Clone, Copy)]
enum ServiceItems {
    Table,
    Id,
    MerchantId,
    Code,
    Name,
    PriceFen,
    Active,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_column(
            m,
            MemberCards::Table,
            big_integer_null(MemberCards::UsesLeft)
                .check(Expr::col(MemberCards::UsesLeft).gte(0))
                .to_owned(),
        )
        .await?;
        add_column(
            m,
            MemberCards::Table,
            timestamp_with_time_zone_null(MemberCards::ExpiresAt),
        )
        .await?;
        add_column(
            m,
            MemberCards::Table,
            timestamp_with_time_zone_null(MemberCards::StartsAt),
        )
        .await?;
        add_column(
            m,
            MemberCards::Table,
            non_negative(MemberCards::PeriodsPending),
        )
        .await?;
        // The end the member was told of: a later end (bought again) is told again.
        add_column(
            m,
            MemberCards::Table,
            timestamp_with_time_zone_null(MemberCards::ExpiryAnnouncedFor),
        )
        .await?;
        add_column(
            m,
            CardEntries::Table,
            big_integer(CardEntries::UsesDelta).default(0).to_owned(),
        )
        .await?;
        add_column(
            m,
            CardEntries::Table,
            big_integer_null(CardEntries::UsesAfter),
        )
        .await?;
        add_column(m, CardEntries::Table, uuid_null(CardEntries::ItemId)).await?;
        m.create_table(
            Table::create()
                .table(ServiceItems::Table)
                .col(uuid(ServiceItems::Id).primary_key())
                .col(uuid(ServiceItems::MerchantId))
                .col(string(ServiceItems::Code))
                .col(string(ServiceItems::Name))
                .col(
                    big_integer_null(ServiceItems::PriceFen)
                        .check(Expr::col(ServiceItems::PriceFen).gte(0)),
                )
                .col(boolean(ServiceItems::Active))
                .col(timestamp_with_time_zone(ServiceItems::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "service_items_code_key",
            ServiceItems::Table,
            &["merchant_id", "code"],
            true,
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        refuse_losing(
            m,
            "m20261208_000010_count_cards",
            &[(
                "count or period cards",
                "SELECT COUNT(*) FROM member_cards WHERE uses_left IS NOT NULL OR expires_at IS NOT NULL OR periods_pending > 0",
            )],
        )
        .await?;
        m.drop_table(Table::drop().table(ServiceItems::Table).to_owned())
            .await?;
        for col in [
            CardEntries::ItemId,
            CardEntries::UsesAfter,
            CardEntries::UsesDelta,
        ] {
            drop_column(m, CardEntries::Table, col).await?;
        }
        for col in [
            MemberCards::ExpiryAnnouncedFor,
            MemberCards::PeriodsPending,
            MemberCards::StartsAt,
            MemberCards::ExpiresAt,
            MemberCards::UsesLeft,
        ] {
            drop_column(m, MemberCards::Table, col).await?;
        }
        Ok(())
    }
}
