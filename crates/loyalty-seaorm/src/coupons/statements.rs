//! The coupon statements too long to read inline: the members a campaign targets, and the
//! bulk updates of the expiry jobs.

use super::rows::usable;
use crate::checkout::entities::orders;
use crate::coupons::entities::coupons;
use crate::members::entities::members;
use crate::shared::{KeysetPage, MerchantOwned};
use chrono::{DateTime, Utc};
use loyalty_core::coupons::{CouponStatus, MemberSegment};
use loyalty_core::kernel::{MemberId, MerchantId};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, UpdateStatement};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect, Select, UpdateMany};

/// The ids of the merchant's members in `segment`, a page of them after `after`:
/// `SELECT id FROM members WHERE merchant_id = ? [AND id > after] [AND tier …]
/// [AND id IN (buyers …)] ORDER BY id LIMIT limit`.
pub(super) fn segment_query(
    merchant: MerchantId,
    segment: &MemberSegment,
    after: Option<MemberId>,
    limit: u64,
) -> Select<members::Entity> {
    use members::Column as M;
    let mut query = members::Entity::find_of(merchant)
        .select_only()
        .column(M::Id);
    // The page's cursor, order and limit; the segment's conditions narrow it below.
    query = query.oldest_first(M::Id, after.map(|id| id.as_uuid()), limit);
    if !segment.tier_codes.is_empty() {
        let mut tier = Condition::any().add(M::TierCode.is_in(segment.tier_codes.clone()));
        if segment
            .first_tier
            .as_ref()
            .is_some_and(|first| segment.tier_codes.contains(first))
        {
            tier = tier.add(M::TierCode.is_null());
        }
        query = query.filter(tier);
    }
    if segment.needs_orders() {
        use orders::Column as O;
        let mut buyers = Query::select();
        buyers
            .column(O::MemberId)
            .from(orders::Entity)
            .and_where(orders::Entity::bare_merchant_is(merchant))
            .group_by_col(O::MemberId);
        let last = || Expr::expr(Func::max(Expr::col(O::CreatedAt)));
        let spend = || {
            Expr::expr(Func::sum(
                Expr::col(O::AmountPaidFen).sub(Expr::col(O::AmountRefundedFen)),
            ))
        };
        if let Some(before) = segment.last_order_before {
            buyers.and_having(last().lt(before));
        }
        if let Some(since) = segment.last_order_since {
            buyers.and_having(last().gte(since));
        }
        if let Some(min) = segment.spend_min {
            buyers.and_having(spend().gte(min.fen()));
        }
        if let Some(max) = segment.spend_max {
            buyers.and_having(spend().lte(max.fen()));
        }
        query = query.filter(M::Id.in_subquery(buyers.to_owned()));
    }
    query
}

/// Marks at most `limit` usable coupons past their end expired (oldest ids first), each only
/// while it is still usable.
pub(super) fn expire_due_update(now: DateTime<Utc>, limit: u64) -> UpdateMany<coupons::Entity> {
    use coupons::Column as C;
    let due = Query::select()
        .column(C::Id)
        .from(coupons::Entity)
        .and_where(Expr::col(C::Status).is_in(usable()))
        .and_where(Expr::col(C::ValidUntil).lte(now))
        .order_by(C::Id, sea_orm::Order::Asc)
        .limit(limit)
        .to_owned();
    coupons::Entity::update_many()
        .col_expr(C::Status, Expr::value(CouponStatus::Expired.as_str()))
        .filter(C::Id.in_subquery(due))
        .filter(C::Status.is_in(usable()))
}

/// Marks at most `limit` of the merchant's usable coupons ending within `(now, horizon]` and
/// not announced yet as announced, `RETURNING` their ids.
pub(super) fn announce_update(
    merchant: MerchantId,
    now: DateTime<Utc>,
    horizon: DateTime<Utc>,
    limit: u64,
) -> UpdateStatement {
    use coupons::Column as C;
    let due = Query::select()
        .column(C::Id)
        .from(coupons::Entity)
        .and_where(coupons::Entity::bare_merchant_is(merchant))
        .and_where(Expr::col(C::Status).is_in(usable()))
        .and_where(Expr::col(C::ValidUntil).gt(now))
        .and_where(Expr::col(C::ValidUntil).lte(horizon))
        .and_where(Expr::col(C::AnnouncedAt).is_null())
        .limit(limit)
        .to_owned();
    let mut update = Query::update();
    update
        .table(coupons::Entity)
        .value(C::AnnouncedAt, now)
        .and_where(coupons::Entity::bare_merchant_is(merchant))
        .and_where(Expr::col(C::Id).in_subquery(due))
        .and_where(Expr::col(C::AnnouncedAt).is_null())
        .returning(Query::returning().column(C::Id));
    update
}
