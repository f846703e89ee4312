//! Lots that do not multiply, read by need.
//!
//! A member's points that expire at the same instant share one open lot: one per member and
//! expiry among lots with points left (`points_lots_open_key`, and `points_lots_never_key`
//! for points that never expire), which a credit adds to by a conditional upsert. A lot
//! spent to nothing stays as history, and a later credit of its expiry opens a new one. Each
//! credit entry names the lot that holds its points (`points_ledger.lot_id`), so a reversal
//! still takes back from it first. The open key also serves reading a member's lots soonest
//! expiry first and stopping when a spend is covered; it replaces `points_lots_member_idx`
//! (`merchant_id, member_id, remaining`), which every take from a lot had to update, and
//! `points_lots_entry_key`, which no query reads any more.
//!
//! Existing open lots of one member and expiry merge into the one earned first: it takes
//! their amounts and remainders (and is announced only if every merged lot was), what spends
//! took from them is summed onto it, and credit entries name it.

use crate::common::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::uuid_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PointsLedger {
    Table,
    LotId,
}

#[derive(DeriveIden)]
enum PointsLots {
    Table,
}

/// The merge, step by step (every statement is plain SQL both databases run).
const MERGE: &[&str] = &[
    // Credit entries name the lot they opened.
    "UPDATE points_ledger SET lot_id = (SELECT l.id FROM points_lots l \
     WHERE l.merchant_id = points_ledger.merchant_id AND l.entry_id = points_ledger.id) \
     WHERE delta > 0",
    // Each open lot and the open lot of its member and expiry earned first.
    "CREATE INDEX points_lots_merge_idx ON points_lots \
     (merchant_id, member_id, expires_at, earned_at, id) WHERE remaining > 0",
    "CREATE TABLE points_lots_merge AS \
     SELECT l.id AS old_id, (SELECT s.id FROM points_lots s WHERE s.merchant_id = l.merchant_id \
       AND s.member_id = l.member_id AND s.expires_at = l.expires_at AND s.remaining > 0 \
       ORDER BY s.earned_at, s.id LIMIT 1) AS new_id \
     FROM points_lots l WHERE l.expires_at IS NOT NULL AND l.remaining > 0 \
     UNION ALL \
     SELECT l.id AS old_id, (SELECT s.id FROM points_lots s WHERE s.merchant_id = l.merchant_id \
       AND s.member_id = l.member_id AND s.expires_at IS NULL AND s.remaining > 0 \
       ORDER BY s.earned_at, s.id LIMIT 1) AS new_id \
     FROM points_lots l WHERE l.expires_at IS NULL AND l.remaining > 0",
    "DELETE FROM points_lots_merge WHERE old_id = new_id",
    "CREATE UNIQUE INDEX points_lots_merge_old_idx ON points_lots_merge (old_id)",
    "CREATE INDEX points_lots_merge_new_idx ON points_lots_merge (new_id)",
    // The lot kept takes what the others hold.
    "UPDATE points_lots SET \
       amount = amount + (SELECT COALESCE(SUM(o.amount), 0) FROM points_lots o \
         WHERE o.id IN (SELECT g.old_id FROM points_lots_merge g WHERE g.new_id = points_lots.id)), \
       remaining = remaining + (SELECT COALESCE(SUM(o.remaining), 0) FROM points_lots o \
         WHERE o.id IN (SELECT g.old_id FROM points_lots_merge g WHERE g.new_id = points_lots.id)), \
       announced_at = CASE WHEN EXISTS (SELECT 1 FROM points_lots o WHERE o.announced_at IS NULL \
         AND o.id IN (SELECT g.old_id FROM points_lots_merge g WHERE g.new_id = points_lots.id)) \
         THEN NULL ELSE announced_at END \
     WHERE id IN (SELECT new_id FROM points_lots_merge)",
    // What spends took from the others, summed onto it.
    "INSERT INTO points_takes (merchant_id, entry_id, lot_id, amount) \
     SELECT t.merchant_id, t.entry_id, g.new_id, SUM(t.amount) \
     FROM points_takes t, points_lots_merge g WHERE g.old_id = t.lot_id \
     GROUP BY t.merchant_id, t.entry_id, g.new_id \
     ON CONFLICT (merchant_id, entry_id, lot_id) \
     DO UPDATE SET amount = points_takes.amount + excluded.amount",
    "DELETE FROM points_takes WHERE lot_id IN (SELECT old_id FROM points_lots_merge)",
    "UPDATE points_ledger SET lot_id = (SELECT g.new_id FROM points_lots_merge g \
       WHERE g.old_id = points_ledger.lot_id) \
     WHERE lot_id IN (SELECT old_id FROM points_lots_merge)",
    "DELETE FROM points_lots WHERE id IN (SELECT old_id FROM points_lots_merge)",
    "DROP TABLE points_lots_merge",
    "DROP INDEX points_lots_merge_idx",
];

fn drop(name: &str) -> IndexDropStatement {
    Index::drop().name(name).table(PointsLots::Table).to_owned()
}

/// `remaining > 0` as a literal, as the adapter's queries and upserts write it.
fn open() -> Expr {
    Expr::cust("remaining > 0")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(PointsLedger::Table)
                .add_column(uuid_null(PointsLedger::LotId))
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        for sql in MERGE {
            db.execute_unprepared(sql).await?;
        }
        m.drop_index(drop("points_lots_member_idx")).await?;
        m.drop_index(drop("points_lots_entry_key")).await?;
        m.create_index(
            index(
                "points_lots_open_key",
                PointsLots::Table,
                &["merchant_id", "member_id", "expires_at"],
                true,
            )
            .and_where(open())
            .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                "points_lots_never_key",
                PointsLots::Table,
                &["merchant_id", "member_id"],
                true,
            )
            .and_where(Expr::cust("expires_at IS NULL"))
            .and_where(open())
            .to_owned(),
        )
        .await
    }

    /// Merged lots stay merged (the schema before this one holds them as they are); the
    /// entries' lot names go, and going up again names for each credit entry only the lot
    /// it opened.
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(drop("points_lots_never_key")).await?;
        m.drop_index(drop("points_lots_open_key")).await?;
        m.create_index(index(
            "points_lots_entry_key",
            PointsLots::Table,
            &["merchant_id", "entry_id"],
            true,
        ))
        .await?;
        m.create_index(index(
            "points_lots_member_idx",
            PointsLots::Table,
            &["merchant_id", "member_id", "remaining"],
            false,
        ))
        .await?;
        m.alter_table(
            Table::alter()
                .table(PointsLedger::Table)
                .drop_column(PointsLedger::LotId)
                .to_owned(),
        )
        .await
    }
}
