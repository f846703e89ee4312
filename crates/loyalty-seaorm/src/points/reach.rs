//! The lots a use case reaches ([`loyalty_core::points::LotsInReach`]), read in consumption
//! order and no further: a member's lots with points left in batches, soonest expiry first
//! (`points_lots_open_key` serves the order: one open lot per member and expiry), then the lots that never expire, until the
//! points wanted are covered. A member with years of lots costs what one spend needs.

use super::rows::open_lot;
use crate::errors::StoreResult;
use crate::points::entities::points_lots;
use crate::shared::MerchantOwned;
use crate::uow::SeaTransaction;
use chrono::{DateTime, Utc};
use loyalty_core::kernel::{MemberId, MerchantId, Points, StoreError};
use loyalty_core::points::{LotsInReach, OpenLot};
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};

/// The first batch read; each next one doubles, up to [`MAX_BATCH`].
const FIRST_BATCH: u64 = 8;
const MAX_BATCH: u64 = 512;

/// `remaining > 0` as written in the predicate of the open lots' keys: a literal, not a
/// bound value, so that a prepared statement's generic plan can still use the partial
/// indexes and an upsert's conflict target names them.
pub(super) fn with_points_left() -> sea_orm::sea_query::Expr {
    sea_orm::sea_query::Expr::cust("remaining > 0")
}

/// The member's lots with points left.
fn open_lots_of(merchant: MerchantId, member: MemberId) -> sea_orm::Select<points_lots::Entity> {
    points_lots::Entity::find_of(merchant)
        .filter(points_lots::Column::MemberId.eq(member.as_uuid()))
        .filter(with_points_left())
}

impl SeaTransaction {
    /// [`loyalty_core::points::PointsRepository::lots_page`]: the lots expiring after `now`
    /// (and after `after`) walking the open key, then the one that never expires, as many
    /// as the page holds.
    pub(super) async fn page_lots(
        &self,
        merchant: MerchantId,
        member: MemberId,
        now: DateTime<Utc>,
        after: Option<DateTime<Utc>>,
        limit: u64,
    ) -> Result<Vec<OpenLot>, StoreError> {
        use points_lots::Column as C;
        let from = after.map_or(now, |after| after.max(now));
        let mut lots = self
            .all_as(
                open_lots_of(merchant, member)
                    .filter(C::ExpiresAt.gt(from))
                    .order_by_asc(C::ExpiresAt)
                    .limit(limit),
                |row| Ok(open_lot(&row)),
            )
            .await?;
        let left = limit.saturating_sub(lots.len() as u64);
        if left > 0 {
            let never = open_lots_of(merchant, member)
                .filter(C::ExpiresAt.is_null())
                .order_by_asc(C::Id)
                .limit(left);
            lots.extend(self.all_as(never, |row| Ok(open_lot(&row))).await?);
        }
        Ok(lots)
    }

    /// [`loyalty_core::points::PointsRepository::expiring_within`]: one sum over the lots
    /// that expire in the window, found by the open key.
    pub(super) async fn sum_expiring(
        &self,
        merchant: MerchantId,
        member: MemberId,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Points, StoreError> {
        use points_lots::Column as C;
        let sum: Option<Option<i64>> = open_lots_of(merchant, member)
            .select_only()
            .expr(sea_orm::sea_query::Expr::cust(
                "CAST(COALESCE(SUM(remaining), 0) AS BIGINT)",
            ))
            .filter(C::ExpiresAt.gt(now))
            .filter(C::ExpiresAt.lte(until))
            .into_tuple()
            .one(&self.txn)
            .await
            .store()?;
        Ok(Points::new(sum.flatten().unwrap_or(0)))
    }

    pub(super) async fn reach_lots(
        &self,
        merchant: MerchantId,
        member: MemberId,
        now: DateTime<Utc>,
        want: Points,
    ) -> Result<LotsInReach, StoreError> {
        use points_lots::Column as C;
        let mut reach = LotsInReach::default();
        let mut covered = 0_i64;
        // Lots that expire (due ones first, as they expire soonest), then lots that never do.
        for never in [false, true] {
            let (mut offset, mut batch) = (0, FIRST_BATCH);
            loop {
                let mut query = open_lots_of(merchant, member);
                // The open keys make the order total: one open lot per expiry, and at most
                // one that never expires. Ordering by anything more would make the database
                // sort all of the member's lots instead of walking the key.
                query = if never {
                    query.filter(C::ExpiresAt.is_null()).order_by_asc(C::Id)
                } else {
                    query
                        .filter(C::ExpiresAt.is_not_null())
                        .order_by_asc(C::ExpiresAt)
                };
                let rows = self
                    .all_as(query.offset(offset).limit(batch), |row| Ok(open_lot(&row)))
                    .await?;
                let read = rows.len() as u64;
                for lot in rows {
                    if lot.is_due(now) {
                        reach.due.push(lot);
                    } else if covered >= want.value() {
                        return Ok(reach);
                    } else {
                        covered = covered.saturating_add(lot.remaining.value());
                        reach.open.push(lot);
                    }
                }
                // An open lot read means every due lot was read before it.
                if want.is_positive() && covered >= want.value() {
                    return Ok(reach);
                }
                if read < batch {
                    break;
                }
                offset += read;
                batch = (batch * 2).min(MAX_BATCH);
            }
            if covered >= want.value() {
                break;
            }
        }
        Ok(reach)
    }
}
