//! Lots read in consumption order: `points_lots_open_idx` (`merchant_id, member_id,
//! expires_at, earned_at, id`, only lots with points left) serves reading a member's lots
//! soonest expiry first and stopping when a spend is covered. It replaces
//! `points_lots_member_idx` (`merchant_id, member_id, remaining`), which every take from a
//! lot had to update and which only served reading all of a member's lots.

use crate::common::index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PointsLots {
    Table,
    Remaining,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            index(
                "points_lots_open_idx",
                PointsLots::Table,
                &["merchant_id", "member_id", "expires_at", "earned_at", "id"],
                false,
            )
            .and_where(Expr::col(PointsLots::Remaining).gt(0))
            .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("points_lots_member_idx")
                .table(PointsLots::Table)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index(
            "points_lots_member_idx",
            PointsLots::Table,
            &["merchant_id", "member_id", "remaining"],
            false,
        ))
        .await?;
        m.drop_index(
            Index::drop()
                .name("points_lots_open_idx")
                .table(PointsLots::Table)
                .to_owned(),
        )
        .await
    }
}
