//! The lots a use case reaches ([`loyalty_core::points::LotsInReach`]), read in consumption
//! order and no further: a member's lots with points left in batches, soonest expiry first
//! (`points_lots_open_key` serves the order: one open lot per member and expiry), then the lots that never expire, until the
//! points wanted are covered. A member with years of lots costs what one spend needs.

use super::rows::open_lot;
use crate::points::entities::points_lots;
use crate::shared::MerchantOwned;
use crate::uow::SeaTransaction;
use chrono::{DateTime, Utc};
use loyalty_core::kernel::{MemberId, MerchantId, Points, StoreError};
use loyalty_core::points::LotsInReach;
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

impl SeaTransaction {
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
                let mut query = points_lots::Entity::find_of(merchant)
                    .filter(C::MemberId.eq(member.as_uuid()))
                    .filter(with_points_left());
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
