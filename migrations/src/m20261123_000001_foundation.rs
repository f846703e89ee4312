use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, boolean, date_null, integer, integer_null, string, string_null,
    text, timestamp_with_time_zone, timestamp_with_time_zone_null, uuid, uuid_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Merchants {
    Table,
    Id,
    Code,
    Name,
    TimeZone,
    EarnPointsPerUnit,
    EarnUnitFen,
    EarnRounding,
    PointsValidityDays,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Stores {
    Table,
    Id,
    MerchantId,
    Name,
    IsDefault,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Staff {
    Table,
    Id,
    MerchantId,
    Username,
    DisplayName,
    Role,
    PasswordHash,
    Disabled,
    TokenVersion,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StaffStores {
    Table,
    MerchantId,
    StaffId,
    StoreId,
}

#[derive(DeriveIden)]
enum Members {
    Table,
    Id,
    MerchantId,
    Phone,
    Openid,
    Unionid,
    InvitedBy,
    Name,
    Birthday,
    RegisteredStoreId,
    InviteCode,
    PointsBalance,
    PointsSeq,
    CodeStep,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PointsLedger {
    Table,
    Id,
    MerchantId,
    MemberId,
    Seq,
    Kind,
    Delta,
    BalanceAfter,
    Shortfall,
    ReasonCode,
    Title,
    StoreId,
    SourceType,
    SourceId,
    OperatorId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PointsLots {
    Table,
    Id,
    MerchantId,
    MemberId,
    EntryId,
    Amount,
    Remaining,
    EarnedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    MerchantId,
    StoreId,
    MemberId,
    OrderNo,
    AmountPaidFen,
    AmountRefundedFen,
    PointsEarned,
    PointsReversed,
    Status,
    OperatorId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Refunds {
    Table,
    Id,
    MerchantId,
    OrderId,
    AmountFen,
    PointsReversed,
    PointsShortfall,
    OperatorId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LoginCodes {
    Table,
    Id,
    MerchantId,
    Phone,
    Code,
    MinuteBucket,
    Attempts,
    Consumed,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    MerchantId,
    Scope,
    Key,
    Fingerprint,
    ResponseStatus,
    ResponseBody,
    CreatedAt,
}

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .to_owned()
}

fn index(
    name: &str,
    table: impl IntoIden,
    cols: &[&'static str],
    unique: bool,
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(Alias::new(*col));
    }
    if unique {
        index.unique();
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Merchants::Table)
                .col(uuid(Merchants::Id).primary_key())
                .col(string(Merchants::Code))
                .col(string(Merchants::Name))
                .col(string(Merchants::TimeZone))
                .col(
                    big_integer(Merchants::EarnPointsPerUnit)
                        .check(Expr::col(Merchants::EarnPointsPerUnit).gte(0)),
                )
                .col(
                    big_integer(Merchants::EarnUnitFen)
                        .check(Expr::col(Merchants::EarnUnitFen).gt(0)),
                )
                .col(string(Merchants::EarnRounding))
                .col(integer_null(Merchants::PointsValidityDays))
                .col(timestamp_with_time_zone(Merchants::CreatedAt))
                .to_owned(),
        )
        .await?;
        // The merchant number is the tenant's own key, unique on the platform.
        m.create_index(index(
            "merchants_code_key",
            Merchants::Table,
            &["code"],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Stores::Table)
                .col(uuid(Stores::Id).primary_key())
                .col(uuid(Stores::MerchantId))
                .col(string(Stores::Name))
                .col(boolean(Stores::IsDefault))
                .col(boolean(Stores::Active))
                .col(timestamp_with_time_zone(Stores::CreatedAt))
                .foreign_key(&mut fk(
                    (Stores::Table, Stores::MerchantId),
                    (Merchants::Table, Merchants::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "stores_merchant_name_key",
            Stores::Table,
            &["merchant_id", "name"],
            true,
        ))
        .await?;
        // One default store per merchant (a partial unique index; same syntax on both engines).
        m.get_connection()
            .execute_unprepared("CREATE UNIQUE INDEX stores_merchant_default_key ON stores (merchant_id) WHERE is_default")
            .await?;

        m.create_table(
            Table::create()
                .table(Staff::Table)
                .col(uuid(Staff::Id).primary_key())
                .col(uuid(Staff::MerchantId))
                .col(string(Staff::Username))
                .col(string(Staff::DisplayName))
                .col(string(Staff::Role))
                .col(string(Staff::PasswordHash))
                .col(boolean(Staff::Disabled))
                // Raised on every change of role, stores or status: older tokens stop working.
                .col(big_integer(Staff::TokenVersion))
                .col(timestamp_with_time_zone(Staff::CreatedAt))
                .foreign_key(&mut fk(
                    (Staff::Table, Staff::MerchantId),
                    (Merchants::Table, Merchants::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "staff_merchant_username_key",
            Staff::Table,
            &["merchant_id", "username"],
            true,
        ))
        .await?;

        // The stores a store manager or cashier works in.
        m.create_table(
            Table::create()
                .table(StaffStores::Table)
                .col(uuid(StaffStores::MerchantId))
                .col(uuid(StaffStores::StaffId))
                .col(uuid(StaffStores::StoreId))
                .primary_key(
                    Index::create()
                        .col(StaffStores::MerchantId)
                        .col(StaffStores::StaffId)
                        .col(StaffStores::StoreId),
                )
                .foreign_key(&mut fk(
                    (StaffStores::Table, StaffStores::StaffId),
                    (Staff::Table, Staff::Id),
                ))
                .foreign_key(&mut fk(
                    (StaffStores::Table, StaffStores::StoreId),
                    (Stores::Table, Stores::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Members::Table)
                .col(uuid(Members::Id).primary_key())
                .col(uuid(Members::MerchantId))
                .col(string_null(Members::Phone))
                .col(string_null(Members::Openid))
                .col(string_null(Members::Unionid))
                .col(uuid_null(Members::InvitedBy))
                .col(string_null(Members::Name))
                .col(date_null(Members::Birthday))
                .col(uuid_null(Members::RegisteredStoreId))
                .col(string(Members::InviteCode))
                .col(
                    big_integer(Members::PointsBalance)
                        .check(Expr::col(Members::PointsBalance).gte(0)),
                )
                .col(big_integer(Members::PointsSeq).check(Expr::col(Members::PointsSeq).gte(0)))
                // The last member-code time step resolved at a till (replays are refused).
                .col(big_integer_null(Members::CodeStep))
                .col(timestamp_with_time_zone(Members::CreatedAt))
                .foreign_key(&mut fk(
                    (Members::Table, Members::MerchantId),
                    (Merchants::Table, Merchants::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "members_merchant_phone_key",
            Members::Table,
            &["merchant_id", "phone"],
            true,
        ))
        .await?;
        m.create_index(index(
            "members_merchant_openid_key",
            Members::Table,
            &["merchant_id", "openid"],
            true,
        ))
        .await?;
        m.create_index(index(
            "members_merchant_invite_code_key",
            Members::Table,
            &["merchant_id", "invite_code"],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(PointsLedger::Table)
                .col(uuid(PointsLedger::Id).primary_key())
                .col(uuid(PointsLedger::MerchantId))
                .col(uuid(PointsLedger::MemberId))
                .col(big_integer(PointsLedger::Seq).check(Expr::col(PointsLedger::Seq).gt(0)))
                .col(string(PointsLedger::Kind))
                .col(big_integer(PointsLedger::Delta))
                .col(
                    big_integer(PointsLedger::BalanceAfter)
                        .check(Expr::col(PointsLedger::BalanceAfter).gte(0)),
                )
                .col(
                    big_integer(PointsLedger::Shortfall)
                        .check(Expr::col(PointsLedger::Shortfall).gte(0)),
                )
                .col(string(PointsLedger::ReasonCode))
                .col(string(PointsLedger::Title))
                .col(uuid_null(PointsLedger::StoreId))
                .col(string(PointsLedger::SourceType))
                .col(string(PointsLedger::SourceId))
                .col(uuid_null(PointsLedger::OperatorId))
                .col(timestamp_with_time_zone(PointsLedger::CreatedAt))
                .foreign_key(&mut fk(
                    (PointsLedger::Table, PointsLedger::MemberId),
                    (Members::Table, Members::Id),
                ))
                .to_owned(),
        )
        .await?;
        // The business key: one entry of a kind per source, so a replay cannot credit twice.
        m.create_index(index(
            "points_ledger_source_key",
            PointsLedger::Table,
            &["merchant_id", "kind", "source_type", "source_id"],
            true,
        ))
        .await?;
        m.create_index(index(
            "points_ledger_member_seq_key",
            PointsLedger::Table,
            &["merchant_id", "member_id", "seq"],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(PointsLots::Table)
                .col(uuid(PointsLots::Id).primary_key())
                .col(uuid(PointsLots::MerchantId))
                .col(uuid(PointsLots::MemberId))
                .col(uuid(PointsLots::EntryId))
                .col(big_integer(PointsLots::Amount).check(Expr::col(PointsLots::Amount).gt(0)))
                .col(big_integer(PointsLots::Remaining))
                .col(timestamp_with_time_zone(PointsLots::EarnedAt))
                .col(timestamp_with_time_zone_null(PointsLots::ExpiresAt))
                .check(
                    Expr::col(PointsLots::Remaining)
                        .gte(0)
                        .and(Expr::col(PointsLots::Remaining).lte(Expr::col(PointsLots::Amount))),
                )
                .foreign_key(&mut fk(
                    (PointsLots::Table, PointsLots::MemberId),
                    (Members::Table, Members::Id),
                ))
                .foreign_key(&mut fk(
                    (PointsLots::Table, PointsLots::EntryId),
                    (PointsLedger::Table, PointsLedger::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "points_lots_member_idx",
            PointsLots::Table,
            &["merchant_id", "member_id", "remaining"],
            false,
        ))
        .await?;
        m.create_index(index(
            "points_lots_entry_key",
            PointsLots::Table,
            &["merchant_id", "entry_id"],
            true,
        ))
        .await?;
        m.create_index(index(
            "points_lots_expiry_idx",
            PointsLots::Table,
            &["merchant_id", "expires_at"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Orders::Table)
                .col(uuid(Orders::Id).primary_key())
                .col(uuid(Orders::MerchantId))
                .col(uuid(Orders::StoreId))
                .col(uuid(Orders::MemberId))
                .col(string_null(Orders::OrderNo))
                .col(
                    big_integer(Orders::AmountPaidFen)
                        .check(Expr::col(Orders::AmountPaidFen).gte(0)),
                )
                .col(big_integer(Orders::AmountRefundedFen))
                .col(
                    big_integer(Orders::PointsEarned).check(Expr::col(Orders::PointsEarned).gte(0)),
                )
                .col(big_integer(Orders::PointsReversed))
                .col(string(Orders::Status))
                .col(uuid_null(Orders::OperatorId))
                .col(timestamp_with_time_zone(Orders::CreatedAt))
                .check(Expr::col(Orders::AmountRefundedFen).gte(0).and(
                    Expr::col(Orders::AmountRefundedFen).lte(Expr::col(Orders::AmountPaidFen)),
                ))
                .check(
                    Expr::col(Orders::PointsReversed).gte(0).and(
                        Expr::col(Orders::PointsReversed).lte(Expr::col(Orders::PointsEarned)),
                    ),
                )
                .foreign_key(&mut fk(
                    (Orders::Table, Orders::MemberId),
                    (Members::Table, Members::Id),
                ))
                .foreign_key(&mut fk(
                    (Orders::Table, Orders::StoreId),
                    (Stores::Table, Stores::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "orders_merchant_order_no_key",
            Orders::Table,
            &["merchant_id", "order_no"],
            true,
        ))
        .await?;
        m.create_index(index(
            "orders_member_idx",
            Orders::Table,
            &["merchant_id", "member_id"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Refunds::Table)
                .col(uuid(Refunds::Id).primary_key())
                .col(uuid(Refunds::MerchantId))
                .col(uuid(Refunds::OrderId))
                .col(big_integer(Refunds::AmountFen).check(Expr::col(Refunds::AmountFen).gt(0)))
                .col(big_integer(Refunds::PointsReversed))
                .col(big_integer(Refunds::PointsShortfall))
                .col(uuid_null(Refunds::OperatorId))
                .col(timestamp_with_time_zone(Refunds::CreatedAt))
                .foreign_key(&mut fk(
                    (Refunds::Table, Refunds::OrderId),
                    (Orders::Table, Orders::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "refunds_order_idx",
            Refunds::Table,
            &["merchant_id", "order_id"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(IdempotencyKeys::Table)
                .col(uuid(IdempotencyKeys::MerchantId))
                .col(string(IdempotencyKeys::Scope))
                .col(string(IdempotencyKeys::Key))
                .col(string(IdempotencyKeys::Fingerprint))
                .col(integer(IdempotencyKeys::ResponseStatus))
                .col(text(IdempotencyKeys::ResponseBody))
                .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(IdempotencyKeys::MerchantId)
                        .col(IdempotencyKeys::Scope)
                        .col(IdempotencyKeys::Key),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idempotency_keys_created_idx",
            IdempotencyKeys::Table,
            &["merchant_id", "created_at"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(LoginCodes::Table)
                .col(uuid(LoginCodes::Id).primary_key())
                .col(uuid(LoginCodes::MerchantId))
                .col(string(LoginCodes::Phone))
                .col(string(LoginCodes::Code))
                .col(big_integer(LoginCodes::MinuteBucket))
                .col(integer(LoginCodes::Attempts).check(Expr::col(LoginCodes::Attempts).gte(0)))
                .col(boolean(LoginCodes::Consumed))
                .col(timestamp_with_time_zone(LoginCodes::CreatedAt))
                .col(timestamp_with_time_zone(LoginCodes::ExpiresAt))
                .to_owned(),
        )
        .await?;
        // At most one code per phone per minute, even from concurrent requests.
        m.create_index(index(
            "login_codes_minute_key",
            LoginCodes::Table,
            &["merchant_id", "phone", "minute_bucket"],
            true,
        ))
        .await?;
        m.create_index(index(
            "login_codes_phone_idx",
            LoginCodes::Table,
            &["merchant_id", "phone", "created_at"],
            false,
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            LoginCodes::Table.into_iden(),
            IdempotencyKeys::Table.into_iden(),
            Refunds::Table.into_iden(),
            Orders::Table.into_iden(),
            PointsLots::Table.into_iden(),
            PointsLedger::Table.into_iden(),
            Members::Table.into_iden(),
            StaffStores::Table.into_iden(),
            Staff::Table.into_iden(),
            Stores::Table.into_iden(),
            Merchants::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
