//! The notification outbox, WeChat one-time subscriptions, and members' consent.

use crate::common::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    boolean, integer, string, string_null, text, timestamp_with_time_zone,
    timestamp_with_time_zone_null, uuid, uuid_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutboxMessages {
    Table,
    Id,
    MerchantId,
    MemberId,
    EventId,
    Scene,
    Channel,
    Recipient,
    Template,
    Extra,
    Params,
    Parts,
    Status,
    Attempts,
    DueAt,
    LeasedUntil,
    Lease,
    LastError,
    ProviderId,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum WechatSubscriptions {
    Table,
    MerchantId,
    MemberId,
    TemplateId,
    Remaining,
}

#[derive(DeriveIden)]
enum Members {
    Table,
    SmsConsent,
    WechatConsent,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(OutboxMessages::Table)
                .col(uuid(OutboxMessages::Id).primary_key())
                .col(uuid(OutboxMessages::MerchantId))
                .col(uuid_null(OutboxMessages::MemberId))
                .col(uuid(OutboxMessages::EventId))
                .col(string(OutboxMessages::Scene))
                .col(string(OutboxMessages::Channel))
                .col(string(OutboxMessages::Recipient))
                .col(string(OutboxMessages::Template))
                .col(string_null(OutboxMessages::Extra))
                .col(text(OutboxMessages::Params))
                .col(integer(OutboxMessages::Parts).check(Expr::col(OutboxMessages::Parts).gte(0)))
                .col(string(OutboxMessages::Status))
                .col(
                    integer(OutboxMessages::Attempts)
                        .check(Expr::col(OutboxMessages::Attempts).gte(0)),
                )
                .col(timestamp_with_time_zone(OutboxMessages::DueAt))
                .col(timestamp_with_time_zone_null(OutboxMessages::LeasedUntil))
                .col(uuid_null(OutboxMessages::Lease))
                .col(string_null(OutboxMessages::LastError))
                .col(string_null(OutboxMessages::ProviderId))
                .col(timestamp_with_time_zone(OutboxMessages::CreatedAt))
                .col(timestamp_with_time_zone_null(OutboxMessages::SentAt))
                .to_owned(),
        )
        .await?;
        // One message per event (a plan picks one channel): a replayed event, or one planned
        // by two processes at once, is told once.
        m.create_index(index(
            "outbox_messages_event_key",
            OutboxMessages::Table,
            &["merchant_id", "event_id"],
            true,
        ))
        .await?;
        // What dispatchers claim, across merchants (they serve all of them).
        m.create_index(index(
            "outbox_messages_due_idx",
            OutboxMessages::Table,
            &["status", "due_at"],
            false,
        ))
        .await?;
        m.create_index(index(
            "outbox_messages_merchant_idx",
            OutboxMessages::Table,
            &["merchant_id", "status", "id"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(WechatSubscriptions::Table)
                .col(uuid(WechatSubscriptions::MerchantId))
                .col(uuid(WechatSubscriptions::MemberId))
                .col(string(WechatSubscriptions::TemplateId))
                .col(
                    integer(WechatSubscriptions::Remaining)
                        .check(Expr::col(WechatSubscriptions::Remaining).gte(0)),
                )
                .primary_key(
                    Index::create()
                        .col(WechatSubscriptions::MerchantId)
                        .col(WechatSubscriptions::MemberId)
                        .col(WechatSubscriptions::TemplateId),
                )
                .to_owned(),
        )
        .await?;

        // SQLite takes one column per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table(Members::Table)
                .add_column(boolean(Members::SmsConsent).default(true))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Members::Table)
                .add_column(boolean(Members::WechatConsent).default(true))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [Members::WechatConsent, Members::SmsConsent] {
            m.alter_table(
                Table::alter()
                    .table(Members::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        for table in [
            WechatSubscriptions::Table.into_iden(),
            OutboxMessages::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
