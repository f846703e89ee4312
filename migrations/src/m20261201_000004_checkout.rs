//! Coupons and checkout: coupon templates with their stock, coupons with codes and states,
//! the verification log, the priced amounts of orders and lines, the lots a spend took
//! (so a refund gives spent points back with their expiry), and refunds that may move no
//! money (an order paid with points and coupons only).

use crate::common::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, boolean, string, string_null, text, text_null,
    timestamp_with_time_zone, timestamp_with_time_zone_null, uuid, uuid_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum CouponTemplates {
    Table,
    Id,
    MerchantId,
    Name,
    Rules,
    Stock,
    Issued,
    Active,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Coupons {
    Table,
    Id,
    MerchantId,
    TemplateId,
    MemberId,
    Code,
    Status,
    Source,
    SourceRef,
    ValidFrom,
    ValidUntil,
    ClaimedAt,
    UsedAt,
    UsedOrderId,
    UsedStoreId,
    AnnouncedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CouponVerifications {
    Table,
    Id,
    MerchantId,
    CouponId,
    Code,
    MemberId,
    StoreId,
    StaffId,
    OrderId,
    CreatedAt,
    UndoneAt,
    UndoneBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum PointsTakes {
    Table,
    MerchantId,
    EntryId,
    LotId,
    Amount,
}

#[derive(DeriveIden, Clone, Copy)]
enum Orders {
    Table,
    Id,
    GrossFen,
    AmountPaidFen,
    TierDiscountFen,
    CouponDiscountFen,
    PointsUsed,
    PointsDiscountFen,
    PointsReturned,
}

#[derive(DeriveIden, Clone, Copy)]
enum Members {
    Table,
    PointsDebt,
}

#[derive(DeriveIden, Clone, Copy)]
enum OrderLines {
    Table,
    TierDiscountFen,
    CouponDiscountFen,
    PointsDiscountFen,
    PointsUsed,
    PointsEarned,
    RefundedQuantity,
}

#[derive(DeriveIden, Clone, Copy)]
enum Refunds {
    Table,
    Id,
    MerchantId,
    OrderId,
    AmountFen,
    PointsReversed,
    PointsShortfall,
    PointsReturned,
    CouponsReturned,
    Lines,
    OperatorId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RefundsNew {
    Table,
}

#[derive(DeriveIden, Clone, Copy)]
enum RefundsOld {
    Table,
}

/// Copies `cols` of `from` into a new table `into`, drops `from` and gives `into` its name
/// (with the order index); `only` filters the rows copied.
async fn replace_refunds(
    m: &SchemaManager<'_>,
    into: TableCreateStatement,
    into_name: impl IntoIden + Copy,
    cols: &[Refunds],
    only: Option<SimpleExpr>,
) -> Result<(), DbErr> {
    m.create_table(into).await?;
    let mut select = Query::select();
    select.columns(cols.iter().copied()).from(Refunds::Table);
    if let Some(only) = only {
        select.and_where(only);
    }
    m.exec_stmt(
        Query::insert()
            .into_table(into_name)
            .columns(cols.iter().copied())
            .select_from(select)
            .map_err(|e| DbErr::Migration(e.to_string()))?
            .to_owned(),
    )
    .await?;
    m.drop_table(Table::drop().table(Refunds::Table).to_owned())
        .await?;
    m.rename_table(Table::rename().table(into_name, Refunds::Table).to_owned())
        .await?;
    m.create_index(index(
        "refunds_order_idx",
        Refunds::Table,
        &["merchant_id", "order_id"],
        false,
    ))
    .await
}

/// The columns of the foundation's `refunds`.
const FOUNDATION_REFUNDS: [Refunds; 8] = [
    Refunds::Id,
    Refunds::MerchantId,
    Refunds::OrderId,
    Refunds::AmountFen,
    Refunds::PointsReversed,
    Refunds::PointsShortfall,
    Refunds::OperatorId,
    Refunds::CreatedAt,
];

fn non_negative(col: impl IntoIden + Copy + 'static) -> ColumnDef {
    big_integer(col)
        .default(0)
        .check(Expr::col(col).gte(0))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// On SQLite too: the rebuild of `refunds` is all or nothing, and runs on one connection
    /// (another pooled connection could still see the old table).
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CouponTemplates::Table)
                .col(uuid(CouponTemplates::Id).primary_key())
                .col(uuid(CouponTemplates::MerchantId))
                .col(string(CouponTemplates::Name))
                .col(text(CouponTemplates::Rules))
                .col(big_integer_null(CouponTemplates::Stock))
                .col(non_negative(CouponTemplates::Issued))
                .col(boolean(CouponTemplates::Active))
                .col(uuid_null(CouponTemplates::CreatedBy))
                .col(timestamp_with_time_zone(CouponTemplates::CreatedAt))
                // No coupon beyond the stock, whatever runs.
                .check(
                    Expr::col(CouponTemplates::Stock)
                        .is_null()
                        .or(Expr::col(CouponTemplates::Issued)
                            .lte(Expr::col(CouponTemplates::Stock))),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "coupon_templates_merchant_idx",
            CouponTemplates::Table,
            &["merchant_id", "id"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Coupons::Table)
                .col(uuid(Coupons::Id).primary_key())
                .col(uuid(Coupons::MerchantId))
                .col(uuid(Coupons::TemplateId))
                .col(uuid(Coupons::MemberId))
                .col(string(Coupons::Code))
                .col(string(Coupons::Status))
                .col(string(Coupons::Source))
                .col(string_null(Coupons::SourceRef))
                .col(timestamp_with_time_zone(Coupons::ValidFrom))
                .col(timestamp_with_time_zone(Coupons::ValidUntil))
                .col(timestamp_with_time_zone(Coupons::ClaimedAt))
                .col(timestamp_with_time_zone_null(Coupons::UsedAt))
                .col(uuid_null(Coupons::UsedOrderId))
                .col(uuid_null(Coupons::UsedStoreId))
                .col(timestamp_with_time_zone_null(Coupons::AnnouncedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "coupons_merchant_code_key",
            Coupons::Table,
            &["merchant_id", "code"],
            true,
        ))
        .await?;
        // A gift, a send or an exchange gives a member one coupon of a template per
        // reference (claims have none).
        m.create_index(index(
            "coupons_source_key",
            Coupons::Table,
            &[
                "merchant_id",
                "template_id",
                "member_id",
                "source",
                "source_ref",
            ],
            true,
        ))
        .await?;
        m.create_index(index(
            "coupons_member_idx",
            Coupons::Table,
            &["merchant_id", "member_id", "id"],
            false,
        ))
        .await?;
        m.create_index(index(
            "coupons_holder_idx",
            Coupons::Table,
            &["merchant_id", "template_id", "member_id", "claimed_at"],
            false,
        ))
        .await?;
        // What the expiry job finds, across merchants (it serves all of them).
        m.create_index(index(
            "coupons_due_idx",
            Coupons::Table,
            &["status", "valid_until"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(CouponVerifications::Table)
                .col(uuid(CouponVerifications::Id).primary_key())
                .col(uuid(CouponVerifications::MerchantId))
                .col(uuid(CouponVerifications::CouponId))
                .col(string(CouponVerifications::Code))
                .col(uuid(CouponVerifications::MemberId))
                .col(uuid(CouponVerifications::StoreId))
                .col(uuid_null(CouponVerifications::StaffId))
                .col(uuid_null(CouponVerifications::OrderId))
                .col(timestamp_with_time_zone(CouponVerifications::CreatedAt))
                .col(timestamp_with_time_zone_null(CouponVerifications::UndoneAt))
                .col(uuid_null(CouponVerifications::UndoneBy))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "coupon_verifications_merchant_idx",
            CouponVerifications::Table,
            &["merchant_id", "id"],
            false,
        ))
        .await?;
        m.create_index(index(
            "coupon_verifications_store_idx",
            CouponVerifications::Table,
            &["merchant_id", "store_id", "id"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(PointsTakes::Table)
                .col(uuid(PointsTakes::MerchantId))
                .col(uuid(PointsTakes::EntryId))
                .col(uuid(PointsTakes::LotId))
                .col(big_integer(PointsTakes::Amount).check(Expr::col(PointsTakes::Amount).gt(0)))
                .primary_key(
                    Index::create()
                        .col(PointsTakes::MerchantId)
                        .col(PointsTakes::EntryId)
                        .col(PointsTakes::LotId),
                )
                .to_owned(),
        )
        .await?;

        for col in [
            Orders::GrossFen,
            Orders::TierDiscountFen,
            Orders::CouponDiscountFen,
            Orders::PointsUsed,
            Orders::PointsDiscountFen,
            Orders::PointsReturned,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .add_column(non_negative(col))
                    .to_owned(),
            )
            .await?;
        }
        // Orders before checkout cost what was paid.
        m.exec_stmt(
            Query::update()
                .table(Orders::Table)
                .value(Orders::GrossFen, Expr::col(Orders::AmountPaidFen))
                .and_where(Expr::col(Orders::Id).is_not_null())
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Members::Table)
                .add_column(non_negative(Members::PointsDebt))
                .to_owned(),
        )
        .await?;
        for col in [
            OrderLines::TierDiscountFen,
            OrderLines::CouponDiscountFen,
            OrderLines::PointsDiscountFen,
            OrderLines::PointsUsed,
            OrderLines::PointsEarned,
            OrderLines::RefundedQuantity,
        ] {
            m.alter_table(
                Table::alter()
                    .table(OrderLines::Table)
                    .add_column(non_negative(col))
                    .to_owned(),
            )
            .await?;
        }

        // Refunds again, without the foundation's `amount > 0`: refunding an order paid with
        // points and coupons only moves no money but gives them back.
        let refunds = Table::create()
            .table(RefundsNew::Table)
            .col(uuid(Refunds::Id).primary_key())
            .col(uuid(Refunds::MerchantId))
            .col(uuid(Refunds::OrderId))
            .col(big_integer(Refunds::AmountFen).check(Expr::col(Refunds::AmountFen).gte(0)))
            .col(big_integer(Refunds::PointsReversed))
            .col(big_integer(Refunds::PointsShortfall))
            .col(non_negative(Refunds::PointsReturned))
            .col(non_negative(Refunds::CouponsReturned))
            .col(text_null(Refunds::Lines))
            .col(uuid_null(Refunds::OperatorId))
            .col(timestamp_with_time_zone(Refunds::CreatedAt))
            .foreign_key(
                ForeignKey::create()
                    .from(RefundsNew::Table, Refunds::OrderId)
                    .to(Orders::Table, Orders::Id),
            )
            .to_owned();
        replace_refunds(m, refunds, RefundsNew::Table, &FOUNDATION_REFUNDS, None).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Going back would lose value: spent points given back (`return` entries the
        // earlier code cannot read), points owed, points used as cash a refund should give
        // back, coupons members hold. Refuse rather than forgive or corrupt.
        for (what, sql) in [
            (
                "return entries",
                "SELECT COUNT(*) FROM points_ledger WHERE kind = 'return'",
            ),
            (
                "points debts",
                "SELECT COUNT(*) FROM members WHERE points_debt > 0",
            ),
            (
                "orders whose points used as cash a refund would no longer give back",
                "SELECT COUNT(*) FROM orders WHERE points_used > points_returned AND status <> 'refunded'",
            ),
            (
                "usable coupons",
                "SELECT COUNT(*) FROM coupons WHERE status IN ('available', 'returned')",
            ),
        ] {
            let row = m
                .get_connection()
                .query_one_raw(sea_orm::Statement::from_string(
                    m.get_database_backend(),
                    sql,
                ))
                .await?;
            let count: i64 = row.map_or(Ok(0), |r| r.try_get_by_index(0))?;
            if count > 0 {
                return Err(DbErr::Migration(format!(
                    "cannot go back before checkout: {count} {what} would be lost"
                )));
            }
        }
        // The foundation's refunds (those that moved money: it refused the others).
        let refunds = Table::create()
            .table(RefundsOld::Table)
            .col(uuid(Refunds::Id).primary_key())
            .col(uuid(Refunds::MerchantId))
            .col(uuid(Refunds::OrderId))
            .col(big_integer(Refunds::AmountFen).check(Expr::col(Refunds::AmountFen).gt(0)))
            .col(big_integer(Refunds::PointsReversed))
            .col(big_integer(Refunds::PointsShortfall))
            .col(uuid_null(Refunds::OperatorId))
            .col(timestamp_with_time_zone(Refunds::CreatedAt))
            .foreign_key(
                ForeignKey::create()
                    .from(RefundsOld::Table, Refunds::OrderId)
                    .to(Orders::Table, Orders::Id),
            )
            .to_owned();
        let moved_money = Expr::col(Refunds::AmountFen).gt(0);
        replace_refunds(
            m,
            refunds,
            RefundsOld::Table,
            &FOUNDATION_REFUNDS,
            Some(moved_money),
        )
        .await?;
        for (table, column) in [
            (Orders::Table.into_iden(), Orders::GrossFen.into_iden()),
            (
                Orders::Table.into_iden(),
                Orders::TierDiscountFen.into_iden(),
            ),
            (
                Orders::Table.into_iden(),
                Orders::CouponDiscountFen.into_iden(),
            ),
            (Orders::Table.into_iden(), Orders::PointsUsed.into_iden()),
            (
                Orders::Table.into_iden(),
                Orders::PointsDiscountFen.into_iden(),
            ),
            (
                Orders::Table.into_iden(),
                Orders::PointsReturned.into_iden(),
            ),
            (
                OrderLines::Table.into_iden(),
                OrderLines::TierDiscountFen.into_iden(),
            ),
            (
                OrderLines::Table.into_iden(),
                OrderLines::CouponDiscountFen.into_iden(),
            ),
            (
                OrderLines::Table.into_iden(),
                OrderLines::PointsDiscountFen.into_iden(),
            ),
            (
                OrderLines::Table.into_iden(),
                OrderLines::PointsUsed.into_iden(),
            ),
            (
                OrderLines::Table.into_iden(),
                OrderLines::PointsEarned.into_iden(),
            ),
            (
                OrderLines::Table.into_iden(),
                OrderLines::RefundedQuantity.into_iden(),
            ),
            (Members::Table.into_iden(), Members::PointsDebt.into_iden()),
        ] {
            m.alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        for table in [
            CouponTemplates::Table.into_iden(),
            Coupons::Table.into_iden(),
            CouponVerifications::Table.into_iden(),
            PointsTakes::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
