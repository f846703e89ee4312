//! Versioned rule settings (earning, expiry, tiers), order lines, tiers and their history,
//! and the expiry notice mark on lots.
//!
//! The earning and expiry columns of `merchants` are superseded by `merchant_settings`: this
//! migration copies each merchant's values into version 1 of its settings. The columns stay
//! (SQLite cannot drop a column that has a `CHECK`); nothing reads them any more, and new
//! merchants get neutral values there (1 point per 1.00, floor, no validity).

use crate::common::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, integer, string, string_null, text, timestamp_with_time_zone,
    timestamp_with_time_zone_null, uuid, uuid_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MerchantSettings {
    Table,
    MerchantId,
    Kind,
    Version,
    Body,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum MerchantSettingsHistory {
    Table,
    MerchantId,
    Kind,
    Version,
    Body,
    CreatedAt,
    CreatedBy,
}

#[derive(DeriveIden)]
enum OrderLines {
    Table,
    MerchantId,
    OrderId,
    LineNo,
    Sku,
    Category,
    Quantity,
    UnitPriceFen,
    GrossFen,
    PaidFen,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
}

#[derive(DeriveIden)]
enum TierChanges {
    Table,
    Id,
    MerchantId,
    MemberId,
    FromTier,
    ToTier,
    Reason,
    Growth,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Members {
    Table,
    TierCode,
    TierProtectedUntil,
}

#[derive(DeriveIden)]
enum PointsLedger {
    Table,
    PolicyVersion,
}

#[derive(DeriveIden)]
enum PointsLots {
    Table,
    AnnouncedAt,
}

/// Version 1 of every merchant's earning and expiry settings, from the merchant's columns.
/// Plain SQL that SQLite and PostgreSQL both run; the JSON is the core's serde shape.
const COPY_EARNING: &str = "INSERT INTO merchant_settings (merchant_id, kind, version, body, updated_at) \
    SELECT id, 'earning', 1, \
      '{\"points_per_unit\":' || CAST(earn_points_per_unit AS TEXT) \
      || ',\"unit\":\"' || CAST(earn_unit_fen / 100 AS TEXT) || '.' \
      || CASE WHEN earn_unit_fen % 100 < 10 THEN '0' ELSE '' END || CAST(earn_unit_fen % 100 AS TEXT) \
      || '\",\"rounding\":\"' || earn_rounding || '\"}', \
      created_at \
    FROM merchants";

const COPY_EXPIRY: &str = "INSERT INTO merchant_settings (merchant_id, kind, version, body, updated_at) \
    SELECT id, 'points_expiry', 1, \
      CASE WHEN points_validity_days IS NULL \
        THEN '{\"rule\":{\"mode\":\"never\"},\"notify_days_before\":7}' \
        ELSE '{\"rule\":{\"mode\":\"rolling\",\"days\":' || CAST(points_validity_days AS TEXT) || '},\"notify_days_before\":7}' \
      END, \
      created_at \
    FROM merchants";

const COPY_HISTORY: &str = "INSERT INTO merchant_settings_history (merchant_id, kind, version, body, created_at) \
    SELECT merchant_id, kind, version, body, updated_at FROM merchant_settings";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(MerchantSettings::Table)
                .col(uuid(MerchantSettings::MerchantId))
                .col(string(MerchantSettings::Kind))
                .col(
                    big_integer(MerchantSettings::Version)
                        .check(Expr::col(MerchantSettings::Version).gt(0)),
                )
                .col(text(MerchantSettings::Body))
                .col(timestamp_with_time_zone(MerchantSettings::UpdatedAt))
                .col(uuid_null(MerchantSettings::UpdatedBy))
                .primary_key(
                    Index::create()
                        .col(MerchantSettings::MerchantId)
                        .col(MerchantSettings::Kind),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(MerchantSettingsHistory::Table)
                .col(uuid(MerchantSettingsHistory::MerchantId))
                .col(string(MerchantSettingsHistory::Kind))
                .col(big_integer(MerchantSettingsHistory::Version))
                .col(text(MerchantSettingsHistory::Body))
                .col(timestamp_with_time_zone(MerchantSettingsHistory::CreatedAt))
                .col(uuid_null(MerchantSettingsHistory::CreatedBy))
                .primary_key(
                    Index::create()
                        .col(MerchantSettingsHistory::MerchantId)
                        .col(MerchantSettingsHistory::Kind)
                        .col(MerchantSettingsHistory::Version),
                )
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        for sql in [COPY_EARNING, COPY_EXPIRY, COPY_HISTORY] {
            db.execute_unprepared(sql).await?;
        }

        m.create_table(
            Table::create()
                .table(OrderLines::Table)
                .col(uuid(OrderLines::MerchantId))
                .col(uuid(OrderLines::OrderId))
                .col(integer(OrderLines::LineNo).check(Expr::col(OrderLines::LineNo).gt(0)))
                .col(string_null(OrderLines::Sku))
                .col(string_null(OrderLines::Category))
                .col(big_integer(OrderLines::Quantity).check(Expr::col(OrderLines::Quantity).gt(0)))
                .col(
                    big_integer(OrderLines::UnitPriceFen)
                        .check(Expr::col(OrderLines::UnitPriceFen).gte(0)),
                )
                .col(big_integer(OrderLines::GrossFen))
                .col(big_integer(OrderLines::PaidFen))
                .check(
                    Expr::col(OrderLines::PaidFen)
                        .gte(0)
                        .and(Expr::col(OrderLines::PaidFen).lte(Expr::col(OrderLines::GrossFen))),
                )
                .primary_key(
                    Index::create()
                        .col(OrderLines::OrderId)
                        .col(OrderLines::LineNo),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "order_lines_order_idx",
            OrderLines::Table,
            &["merchant_id", "order_id"],
            false,
        ))
        .await?;

        // Growth value by spend is summed from the member's orders in a window; the what-if
        // reads the merchant's orders of the last days.
        m.create_index(index(
            "orders_member_time_idx",
            Orders::Table,
            &["merchant_id", "member_id", "created_at"],
            false,
        ))
        .await?;
        m.create_index(index(
            "orders_time_idx",
            Orders::Table,
            &["merchant_id", "created_at"],
            false,
        ))
        .await?;
        // The daily caps and growth by points earned sum a member's entries of a kind since
        // a time.
        m.create_index(index(
            "points_ledger_member_kind_time_idx",
            PointsLedger::Table,
            &["merchant_id", "member_id", "kind", "created_at"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(TierChanges::Table)
                .col(uuid(TierChanges::Id).primary_key())
                .col(uuid(TierChanges::MerchantId))
                .col(uuid(TierChanges::MemberId))
                .col(string_null(TierChanges::FromTier))
                .col(string(TierChanges::ToTier))
                .col(string(TierChanges::Reason))
                .col(big_integer(TierChanges::Growth))
                .col(timestamp_with_time_zone(TierChanges::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "tier_changes_member_idx",
            TierChanges::Table,
            &["merchant_id", "member_id", "created_at"],
            false,
        ))
        .await?;

        // SQLite takes one column per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table(Members::Table)
                .add_column(string_null(Members::TierCode))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Members::Table)
                .add_column(timestamp_with_time_zone_null(Members::TierProtectedUntil))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(PointsLedger::Table)
                .add_column(big_integer_null(PointsLedger::PolicyVersion))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(PointsLots::Table)
                .add_column(timestamp_with_time_zone_null(PointsLots::AnnouncedAt))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in [
            (
                PointsLots::Table.into_iden(),
                PointsLots::AnnouncedAt.into_iden(),
            ),
            (
                PointsLedger::Table.into_iden(),
                PointsLedger::PolicyVersion.into_iden(),
            ),
            (
                Members::Table.into_iden(),
                Members::TierProtectedUntil.into_iden(),
            ),
            (Members::Table.into_iden(), Members::TierCode.into_iden()),
        ] {
            m.alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        for (name, table) in [
            ("orders_member_time_idx", Orders::Table.into_iden()),
            ("orders_time_idx", Orders::Table.into_iden()),
            (
                "points_ledger_member_kind_time_idx",
                PointsLedger::Table.into_iden(),
            ),
        ] {
            m.drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        for table in [
            TierChanges::Table.into_iden(),
            OrderLines::Table.into_iden(),
            MerchantSettingsHistory::Table.into_iden(),
            MerchantSettings::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
